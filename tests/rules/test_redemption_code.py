"""核销 codes: always six digits, and the provider's box tells a typed code from a scanned QR token."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.redemption_code import CODE_LENGTH, TOKEN_MIN, Lookup, code_from, is_expired, parse_lookup


@given(st.integers(min_value=0, max_value=10**CODE_LENGTH - 1))
def test_every_draw_is_six_digits_and_round_trips(value: int) -> None:
    code = code_from(lambda n: value)
    assert len(code) == CODE_LENGTH and code.isdigit() and int(code) == value
    assert parse_lookup(code) == Lookup(code=code)


@pytest.mark.parametrize("value", [-1, 10**CODE_LENGTH])
def test_a_draw_out_of_range_is_an_error(value: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        code_from(lambda n: value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("012345", "012345"),
        (" 012 345 ", "012345"),
        ("012-345", "012345"),
        ("０１２３４５", "012345"),
        ("012\u3000345", "012345"),
    ],
)
def test_typed_codes_as_people_type_them(typed: str, expected: str) -> None:
    assert parse_lookup(typed) == Lookup(code=expected)


@pytest.mark.parametrize(
    "typed", ["", "   ", "12345", "1234567", "12a456", "١٢٣٤٥٦", "<script>", "x" * (TOKEN_MIN - 1)]
)
def test_anything_else_is_nothing(typed: str) -> None:
    assert parse_lookup(typed) is None


@given(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=TOKEN_MIN, max_size=60
    )
)
def test_a_scanned_token_is_a_token(token: str) -> None:
    lookup = parse_lookup(token)
    if len(token) == CODE_LENGTH:  # pragma: no cover - TOKEN_MIN is longer than a code
        return
    assert lookup == Lookup(token=token)


@given(st.text(max_size=80))
def test_parsing_never_raises_and_a_code_is_six_ascii_digits(text: str) -> None:
    lookup = parse_lookup(text)
    if lookup is not None and lookup.code:
        assert len(lookup.code) == CODE_LENGTH and lookup.code.isascii() and lookup.code.isdigit()
    if lookup is not None and lookup.token:
        assert len(lookup.token) >= TOKEN_MIN and lookup.token.isascii()


def test_a_code_is_good_until_its_expiry_instant() -> None:
    at = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)
    assert not is_expired(at, at - datetime.timedelta(microseconds=1))
    assert is_expired(at, at)
    assert is_expired(at, at + datetime.timedelta(days=1))
