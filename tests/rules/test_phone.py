from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules import phone

MESSAGE = "^手机号应为11位数字，以13-19开头$"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("138－1234－5678", "13812345678"),
        ("\u3000138\t1234\n5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
    ],
)
def test_validate_accepts(raw: str, expected: str) -> None:
    assert phone.validate(raw) == expected
    assert phone.is_valid(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1381234567",  # too short
        "138123456789",  # too long
        "1381234567a",  # letter
        "abcdefghijk",
        "12812345678",  # 12x is not a mobile range
        "10012345678",
        "23812345678",
        "１３８１２３４５６７８",  # full-width digits
        "138１２３４５６７８",
        "+86138123456",  # prefix with too few digits left
        "+8612812345678",
        "+1 13812345678",
        "(138)12345678",
    ],
)
def test_validate_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match=MESSAGE):
        phone.validate(raw)
    assert not phone.is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # An 11-digit number starting with 86 must not lose its first digits.
        ("86123456789", "86123456789"),
        ("+86138123456", "+86138123456"),
        ("0086 1381 2345 678", "13812345678"),
        ("861381234567", "861381234567"),
    ],
)
def test_normalize_strips_prefix_only_when_eleven_digits_remain(raw: str, expected: str) -> None:
    assert phone.normalize(raw) == expected


mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@given(
    number=mobiles,
    prefix=st.sampled_from(["", "+86", "0086", "86", "+86 ", "0086-"]),
    separator=st.sampled_from(["", " ", "-", "\u3000"]),
)
def test_formatted_numbers_round_trip(number: str, prefix: str, separator: str) -> None:
    formatted = prefix + separator.join([number[:3], number[3:7], number[7:]])
    assert phone.normalize(formatted) == number
    assert phone.validate(formatted) == number
    assert phone.validate(phone.validate(formatted)) == number


@given(st.text(max_size=20))
def test_is_valid_agrees_with_validate(raw: str) -> None:
    try:
        result = phone.validate(raw)
    except ValueError:
        assert not phone.is_valid(raw)
    else:
        assert phone.is_valid(raw)
        assert len(result) == 11
        assert result.isascii()
        assert result.isdigit()
