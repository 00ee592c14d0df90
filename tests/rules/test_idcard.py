from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules import idcard
from gongzhi.rules.idcard import IdInfo

# Hand computation for 11010519491231002X (the GB 11643 textbook example):
# digits   1 1  0 1 0 5 1 9 4 9 1 2  3 1 0 0 2
# weights  7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
# products 7 9  0 5 0 20 2 9 24 27 7 18 30 5 0 0 4 -> sum 167
# 167 mod 11 = 2 -> "10X98765432"[2] = "X"
CLASSIC = "11010519491231002X"

# 44030419900307124: products 28 36 0 15 0 16 2 9 54 0 0 27 0 35 8 8 8
# sum 246, 246 mod 11 = 4 -> "8"
SHENZHEN = "440304199003071248"

# 31011520000229001: products 21 9 0 5 8 20 4 0 0 0 0 18 20 45 0 0 2
# sum 152, 152 mod 11 = 9 -> "3"
SHANGHAI_LEAP = "310115200002290013"

TODAY = datetime.date(2024, 6, 1)


def test_check_char_matches_hand_computation() -> None:
    assert idcard.check_char(CLASSIC[:17]) == "X"
    assert idcard.check_char(SHENZHEN[:17]) == "8"
    assert idcard.check_char(SHANGHAI_LEAP[:17]) == "3"


@pytest.mark.parametrize("bad", ["1234", "1101051949123100a", "１１０１０５１９４９１２３１００２"])
def test_check_char_rejects_non_17_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17位数字"):
        idcard.check_char(bad)


def test_generate_matches_hand_computed_numbers() -> None:
    assert idcard.generate("110105", datetime.date(1949, 12, 31), 2) == CLASSIC
    assert idcard.generate("440304", datetime.date(1990, 3, 7), 124) == SHENZHEN
    assert idcard.generate("310115", datetime.date(2000, 2, 29), 1) == SHANGHAI_LEAP


def test_parse_classic_example() -> None:
    assert idcard.parse(CLASSIC) == IdInfo(birth_date=datetime.date(1949, 12, 31), sex="F", region_code="110105")


def test_parse_extracts_sex_from_seventeenth_digit() -> None:
    assert idcard.parse(SHENZHEN).sex == "F"
    assert idcard.parse(SHANGHAI_LEAP).sex == "M"


def test_is_valid_known_numbers() -> None:
    assert idcard.is_valid(CLASSIC)
    assert idcard.is_valid(SHENZHEN)
    assert idcard.is_valid(SHANGHAI_LEAP)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  11010519491231002x ", CLASSIC),
        ("\u300011010519491231002X\u3000", CLASSIC),
        ("\t11010519491231002X\n", CLASSIC),
        ("1101 0519", "1101 0519"),  # inner spaces are not touched
        ("x1", "x1"),  # only a trailing x is upper-cased
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert idcard.normalize(raw) == expected


def test_lowercase_x_accepted() -> None:
    assert idcard.is_valid("11010519491231002x")
    assert idcard.parse("11010519491231002x").region_code == "110105"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "身份证号应为18位，当前为0位"),
        ("1101051949123100", "身份证号应为18位，当前为16位"),
        (CLASSIC + "1", "身份证号应为18位，当前为19位"),
        ("11010519491231002Y", "身份证号前17位应为数字，最后一位为数字或X"),
        ("1101051949123100X2", "身份证号前17位应为数字，最后一位为数字或X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "身份证号前17位应为数字，最后一位为数字或X"),
        ("99010519491231002X", "身份证号地区码无效"),
        ("00010519491231002X", "身份证号地区码无效"),
        ("16010519491231002X", "身份证号地区码无效"),
        ("11010519491331002X", "身份证号中的出生日期无效"),
        ("11010519490431002X", "身份证号中的出生日期无效"),
        ("11010518991231002X", "身份证号中的出生日期无效"),
        ("110105194912310021", "身份证号校验位错误，应为X"),
    ],
)
def test_parse_failure_messages(number: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        idcard.parse(number)
    assert not idcard.is_valid(number)


def test_checks_run_in_documented_order() -> None:
    # Bad province, bad date and bad check char at once: province wins.
    with pytest.raises(ValueError, match="地区码"):
        idcard.parse("990105194913310021")
    # Bad date and bad check char: date wins.
    with pytest.raises(ValueError, match="出生日期无效"):
        idcard.parse("110105194913310021")


def test_birth_after_today_rejected_only_when_today_given() -> None:
    future = idcard.generate("110105", datetime.date(2030, 1, 1), 11)
    with pytest.raises(ValueError, match=r"^身份证号中的出生日期晚于今天$"):
        idcard.parse(future, today=TODAY)
    assert idcard.parse(future).birth_date == datetime.date(2030, 1, 1)
    born_today = idcard.generate("110105", TODAY, 11)
    assert idcard.parse(born_today, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    ("date_digits", "valid"),
    [("20000229", True), ("19000229", False), ("20230229", False), ("20240229", True)],
)
def test_leap_years(date_digits: str, valid: bool) -> None:
    first17 = f"110105{date_digits}001"
    assert idcard.is_valid(first17 + idcard.check_char(first17)) is valid


@pytest.mark.parametrize("province", ["71", "81", "82", "83", "11", "65", "50", "54"])
def test_special_and_edge_provinces_accepted(province: str) -> None:
    assert idcard.is_valid(idcard.generate(f"{province}0000", datetime.date(1980, 1, 1), 1))


@pytest.mark.parametrize(
    ("region", "sequence", "birth", "message"),
    [
        ("990105", 1, datetime.date(1980, 1, 1), "地区码"),
        ("11010", 1, datetime.date(1980, 1, 1), "地区码"),
        ("11010a", 1, datetime.date(1980, 1, 1), "地区码"),
        ("110105", -1, datetime.date(1980, 1, 1), "顺序码"),
        ("110105", 1000, datetime.date(1980, 1, 1), "顺序码"),
        ("110105", 1, datetime.date(1899, 12, 31), "1900"),
    ],
)
def test_generate_rejects_bad_input(region: str, sequence: int, birth: datetime.date, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        idcard.generate(region, birth, sequence)


def test_generate_zero_pads_sequence() -> None:
    number = idcard.generate("110105", datetime.date(1980, 1, 1), 7)
    assert number[14:17] == "007"
    assert idcard.parse(number).sex == "M"


regions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(idcard.PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(9999, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@given(region=regions, birth=births, sequence=sequences)
def test_generated_numbers_parse_back(region: str, birth: datetime.date, sequence: int) -> None:
    number = idcard.generate(region, birth, sequence)
    assert len(number) == 18
    assert idcard.is_valid(number)
    info = idcard.parse(number)
    assert info.birth_date == birth
    assert info.region_code == region
    assert info.sex == ("M" if sequence % 2 else "F")


@given(
    region=regions,
    birth=births,
    sequence=sequences,
    position=st.integers(min_value=0, max_value=16),
    shift=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_detected(
    region: str, birth: datetime.date, sequence: int, position: int, shift: int
) -> None:
    number = idcard.generate(region, birth, sequence)
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    assert changed != number
    assert not idcard.is_valid(changed)


@given(region=regions, birth=births, sequence=sequences)
def test_check_char_is_the_only_valid_last_char(region: str, birth: datetime.date, sequence: int) -> None:
    number = idcard.generate(region, birth, sequence)
    valid_last = [ch for ch in "0123456789X" if idcard.is_valid(number[:17] + ch)]
    assert valid_last == [number[17]]
