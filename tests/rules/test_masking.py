from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.masking import mask_contacts, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", ""),
        ("张", "*"),
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("欧阳丽娜", "欧**娜"),
        ("爱新觉罗·溥仪", "爱*****仪"),
        ("Li", "L*"),
    ],
)
def test_mask_name(name: str, expected: str) -> None:
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("11010519491231002X", "110***********002X"),
        ("110105194912311234", "110***********1234"),
        ("110105491231002", "1*************2"),  # legacy 15-digit number
        ("", ""),
        ("1", "*"),
        ("12", "**"),
        ("123", "1*3"),
    ],
)
def test_mask_id_number(number: str, expected: str) -> None:
    assert mask_id_number(number) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("", ""),
        ("1", "1"),
        ("12", "12"),
        ("123", "*23"),
        ("010-12345678", "**********78"),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


def _hidden_span(length: int, head: int, tail: int) -> tuple[int, int]:
    """Index range [start, end) of the starred middle."""
    return head, length - tail


def _name_span(length: int) -> tuple[int, int]:
    if length <= 1:
        return 0, length
    if length == 2:
        return 1, 2
    return _hidden_span(length, 1, 1)


def _id_span(length: int) -> tuple[int, int]:
    if length == 18:
        return _hidden_span(length, 3, 4)
    if length <= 2:
        return 0, length
    return _hidden_span(length, 1, 1)


def _phone_span(length: int) -> tuple[int, int]:
    if length == 11:
        return _hidden_span(length, 3, 4)
    return 0, max(length - 2, 0)


MASKS: list[tuple[Callable[[str], str], Callable[[int], tuple[int, int]]]] = [
    (mask_name, _name_span),
    (mask_id_number, _id_span),
    (mask_phone, _phone_span),
]

# Hidden and visible characters come from disjoint alphabets so "the hidden
# characters never appear" is a meaningful check.
visible_chars = st.sampled_from("ABCDEF张王李")
hidden_chars = st.sampled_from("0123456789X明丽")


@st.composite
def split_values(draw: st.DrawFn, span: Callable[[int], tuple[int, int]]) -> tuple[str, int, int]:
    length = draw(st.integers(min_value=0, max_value=25))
    start, end = span(length)
    chars = [draw(hidden_chars) if start <= i < end else draw(visible_chars) for i in range(length)]
    return "".join(chars), start, end


@pytest.mark.parametrize(("mask", "span"), MASKS, ids=["name", "id_number", "phone"])
@given(data=st.data())
def test_mask_properties(
    mask: Callable[[str], str], span: Callable[[int], tuple[int, int]], data: st.DataObject
) -> None:
    value, start, end = data.draw(split_values(span))
    masked = mask(value)
    # Length is kept so tables line up.
    assert len(masked) == len(value)
    # The middle is starred and none of its characters leak.
    assert masked[start:end] == "*" * (end - start)
    for ch in value[start:end]:
        assert ch not in masked
    # The visible ends are unchanged.
    assert masked[:start] == value[:start]
    assert masked[end:] == value[end:]
    # Masking a masked value changes nothing.
    assert mask(masked) == masked


@pytest.mark.parametrize("mask", [mask_name, mask_id_number, mask_phone], ids=["name", "id_number", "phone"])
@given(value=st.text(max_size=30))
def test_masks_keep_length_and_are_idempotent_on_any_text(mask: Callable[[str], str], value: str) -> None:
    masked = mask(value)
    assert len(masked) == len(value)
    assert mask(masked) == masked
    if len(value) >= 3:
        assert "*" in masked


def test_mask_contacts_masks_phones_and_id_numbers_typed_into_text():
    text = "联系我13912345678，身份证51010419800101123X，门牌号1234567890123456789不是证件"
    masked = mask_contacts(text)
    assert "13912345678" not in masked and "51010419800101123X" not in masked
    assert masked.startswith("联系我139****5678，")
    assert "1234567890123456789" in masked  # a longer run of digits is not an ID number
    assert mask_contacts(masked) == masked
    assert mask_contacts("") == ""


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话 139 1234 5678", "电话 139 **** 5678"),
        ("电话139-1234-5678。", "电话139-****-5678。"),
        ("１３９１２３４５６７８", "１３９****５６７８"),  # full-width, as a Chinese input method types them
        ("身份证110105 19491231 0021号", "身份证110*** ******** 0021号"),
        ("身份证11010519491231002x", "身份证110***********002x"),
        ("微信wx13912345678", "微信wx139****5678"),
        ("2026-12-07 13912345678", "2026-12-07 139****5678"),
        ("编号2024121312345678901", "编号2024121312345678901"),  # 19 digits: neither a phone nor an ID number
        ("座机028-12345678", "座机028-12345678"),  # a landline is an office's, not a person's
        ("12345678901", "12345678901"),  # no mobile starts 12
    ],
)
def test_mask_contacts_finds_numbers_typed_with_separators_or_full_width(typed: str, shown: str) -> None:
    assert mask_contacts(typed) == shown
    assert mask_contacts(shown) == shown


@given(
    prefix=st.text(alphabet="你好，。abc ", max_size=5),
    digits=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    seps=st.lists(st.sampled_from(["", " ", "-"]), min_size=10, max_size=10),
    suffix=st.text(alphabet="你好，。abc", max_size=5),
)
def test_a_typed_mobile_never_survives_whatever_separates_its_digits(
    prefix: str, digits: str, seps: list[str], suffix: str
) -> None:
    typed = digits[0] + "".join(sep + d for sep, d in zip(seps, digits[1:], strict=True))
    masked = mask_contacts(prefix + typed + suffix)
    kept = [ch for ch in masked if ch.isdigit()]
    assert kept == list(digits[:3] + digits[-4:]) and masked.count("*") == 4


def test_a_reveal_of_one_kind_keeps_the_other_masked():
    text = "车主13987654321，身份证110105194912310021"
    assert mask_contacts(text, phones=False) == "车主13987654321，身份证110***********0021"
    assert mask_contacts(text, id_numbers=False) == "车主139****4321，身份证110105194912310021"
    assert mask_contacts(text, phones=False, id_numbers=False) == text
