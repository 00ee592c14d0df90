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


# A mobile number or an 18-character ID number typed into free text, not part of a longer run of digits.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def mask_contacts(text: str) -> str:
    """Masks the phones and ID numbers someone typed into a text shown to others (a voice, a reply): neighbours
    read the problem, not the number."""
    masked = _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), str(text or ""))
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), masked)
