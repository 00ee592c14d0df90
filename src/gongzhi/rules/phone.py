"""Mainland China mobile numbers.

Numbering follows the MIIT 《电信网编号计划（2017年版）》: mobile subscriber
numbers are 11 digits in the 13x-19x ranges; +86 is China's ITU-T E.164
country code. Real-name registration of these numbers is required by the
《网络安全法》 art. 24, which is why they serve as a contact identity.
"""

from __future__ import annotations

import re

__all__ = ["is_valid", "normalize", "validate"]

# [0-9] rather than \d: \d matches full-width and other Unicode digits, which
# no carrier issues and which would slip past SMS gateways inconsistently.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")

# Longest first so "+86"/"0086" win over the bare "86".
_COUNTRY_PREFIXES = ("+86", "0086", "86")

# Hyphen-minus, Unicode hyphens/dashes and the full-width hyphen-minus that
# Chinese input methods produce when people type "138-1234-5678".
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d")

MESSAGE = "手机号应为11位数字，以13-19开头"


def normalize(raw: str) -> str:
    """Drop whitespace and hyphens, then a +86/0086/86 prefix if 11 digits remain."""
    compact = "".join(ch for ch in raw if not ch.isspace() and ch not in _HYPHENS)
    for prefix in _COUNTRY_PREFIXES:
        rest = compact.removeprefix(prefix)
        # Only strip when the rest is a full number, so an 11-digit number
        # that happens to start with 86 is left alone.
        if rest != compact and _ELEVEN_DIGITS.fullmatch(rest):
            return rest
    return compact


def validate(raw: str) -> str:
    """Return the normalized number or raise ValueError with a Chinese message."""
    number = normalize(raw)
    if not _MOBILE.fullmatch(number):
        raise ValueError(MESSAGE)
    return number


def is_valid(raw: str) -> bool:
    return _MOBILE.fullmatch(normalize(raw)) is not None
