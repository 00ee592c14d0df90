"""Masking of personal information shown in lists.

《个人信息保护法》 (PIPL) art. 51 requires de-identification measures, and
GB/T 35273-2020 《信息安全技术 个人信息安全规范》 §7.5 asks that personal
information shown on screens or paper be de-identified. Every mask keeps the
length (so columns line up and the value stays recognisable to its owner) and
is idempotent, so masking already-masked data is harmless.
"""

from __future__ import annotations

import re

__all__ = ["mask_contacts", "mask_id_number", "mask_name", "mask_phone"]

STAR = "*"
_ID_LENGTH = 18
_PHONE_LENGTH = 11


def _keep_ends(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    if hidden <= 0:
        return value
    return value[:head] + STAR * hidden + value[len(value) - tail :]


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小明 -> 张*明, 欧阳丽娜 -> 欧**娜."""
    if len(name) <= 1:
        return STAR * len(name)
    if len(name) == 2:
        return name[0] + STAR
    return _keep_ends(name, 1, 1)


def mask_id_number(number: str) -> str:
    """18 chars -> 110***********123X; otherwise keep only the first and last."""
    if len(number) == _ID_LENGTH:
        # Province/city prefix and last four are what people use to tell their
        # own record apart; birth date and sequence stay hidden.
        return _keep_ends(number, 3, 4)
    if len(number) <= 2:
        return STAR * len(number)
    return _keep_ends(number, 1, 1)


def mask_phone(phone: str) -> str:
    """11 chars -> 138****5678; otherwise all but the last two are starred."""
    # Keyed on length, not on "all digits", so a masked value maps to itself.
    if len(phone) == _PHONE_LENGTH:
        return _keep_ends(phone, 3, 4)
    return _keep_ends(phone, 0, 2)


# A mobile number or an 18-character ID number typed into free text, not part of a longer run of digits. People
# type them with spaces or hyphens between groups ("138 1234 5678", "138-1234-5678") and, with a Chinese input
# method, in full-width digits ("１３８…"): `\d` on str patterns matches those too, and one separator may stand
# between any two digits.
_SEP = r"[ \-－\u3000]?"
_MOBILE_IN_TEXT = re.compile(rf"(?<!\d)[1１]{_SEP}[3-9３-９](?:{_SEP}\d){{9}}(?![\d])")
_ID_NUMBER_IN_TEXT = re.compile(rf"(?<!\d)[1-9１-９](?:{_SEP}\d){{16}}{_SEP}[\dXxＸｘ](?![\dA-Za-zＡ-Ｚａ-ｚ])")
_DIGIT = re.compile(r"[\dXxＸｘ]")


def _mask_digits(found: str, head: int, tail: int) -> str:
    """Stars every digit of `found` but the first `head` and the last `tail`, keeping the separators."""
    positions = [m.start() for m in _DIGIT.finditer(found)]
    hidden = set(positions[head : len(positions) - tail])
    return "".join(STAR if i in hidden else ch for i, ch in enumerate(found))


def mask_contacts(text: str, *, phones: bool = True, id_numbers: bool = True) -> str:
    """Masks the phones and ID numbers someone typed into a text shown to others (a voice, a reply, a comment):
    neighbours read the problem, not the number. As `mask_id_number` and `mask_phone` do, the first three and the
    last four characters stay, so the writer still recognises their own number. A reader allowed to see one kind in
    full (a logged reveal) gets the text with only the other kind masked."""
    masked = str(text or "")
    if id_numbers:
        masked = _ID_NUMBER_IN_TEXT.sub(lambda m: _mask_digits(m.group(0), 3, 4), masked)
    if phones:
        masked = _MOBILE_IN_TEXT.sub(lambda m: _mask_digits(m.group(0), 3, 4), masked)
    return masked
