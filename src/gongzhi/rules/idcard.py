"""Citizen identity numbers per GB 11643-1999 《公民身份号码》.

Layout (GB 11643-1999 §4): 6-digit address code, 8-digit birth date YYYYMMDD,
3-digit sequence code (odd = male, even = female), 1 check character computed
with ISO 7064:1983 MOD 11-2. The leading two digits must be a province-level
code from GB/T 2260 《中华人民共和国行政区划代码》.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

__all__ = ["IdInfo", "check_char", "generate", "is_valid", "normalize", "parse"]

LENGTH = 18

# ISO 7064 MOD 11-2: the weight of position i counted from the right (check
# character = 1) is 2**(i-1) mod 11; spelled out to compare with the standard.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")

# GB/T 2260 province-level codes; 71 (台湾), 81 (香港), 82 (澳门) and 83
# (港澳台居民居住证) are included because those holders get valid numbers too.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)

# The standard does not admit pre-1900 births and date.fromisoformat would
# otherwise accept years like 0001.
_MIN_YEAR = 1900


@dataclass(frozen=True)
class IdInfo:
    birth_date: datetime.date
    sex: Literal["M", "F"]
    region_code: str


def normalize(number: str) -> str:
    """Strip surrounding whitespace and upper-case a trailing 'x'; nothing else."""
    # str.strip() covers Unicode whitespace, including the full-width space
    # (U+3000) that Chinese input methods insert.
    stripped = number.strip()
    if stripped.endswith("x"):
        return stripped[:-1] + "X"
    return stripped


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() accepts full-width and other Unicode digits, which are not
    # valid in the number and would break int() weighting assumptions.
    return all(ch in _DIGITS for ch in text)


def check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != LENGTH - 1 or not _is_ascii_digits(first17):
        raise ValueError("计算校验位需要17位数字")
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(digits: str) -> datetime.date | None:
    year, month, day = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    if year < _MIN_YEAR:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse(number: str, *, today: datetime.date | None = None) -> IdInfo:
    """Validate a number and extract birth date, sex and region code.

    Raises ValueError with a Chinese message; the checks run in a fixed order
    so the message names the most basic problem first.
    """
    value = normalize(number)
    if len(value) != LENGTH:
        raise ValueError(f"身份证号应为18位，当前为{len(value)}位")
    if not _is_ascii_digits(value[:17]) or not (value[17] in _DIGITS or value[17] == "X"):
        raise ValueError("身份证号前17位应为数字，最后一位为数字或X")
    if value[:2] not in PROVINCE_CODES:
        raise ValueError("身份证号地区码无效")
    birth = _birth_date(value[6:14])
    if birth is None:
        raise ValueError("身份证号中的出生日期无效")
    if today is not None and birth > today:
        raise ValueError("身份证号中的出生日期晚于今天")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise ValueError(f"身份证号校验位错误，应为{expected}")
    sex: Literal["M", "F"] = "M" if int(value[16]) % 2 == 1 else "F"
    return IdInfo(birth_date=birth, sex=sex, region_code=value[:6])


def is_valid(number: str) -> bool:
    try:
        parse(number)
    except ValueError:
        return False
    return True


def generate(region_code: str, birth_date: datetime.date, sequence: int) -> str:
    """Build a valid number for synthetic demo and test data only."""
    if len(region_code) != 6 or not _is_ascii_digits(region_code) or region_code[:2] not in PROVINCE_CODES:
        raise ValueError("地区码应为6位数字，且前两位为有效的省级代码")
    if not 0 <= sequence <= 999:
        raise ValueError("顺序码应在0到999之间")
    if birth_date.year < _MIN_YEAR:
        raise ValueError("出生日期不能早于1900年")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
