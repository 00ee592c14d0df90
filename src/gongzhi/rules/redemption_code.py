"""核销 codes of the time bank's catalogue (article 001: "积分兑实物、积分兑服务"): redeeming issues a 6-digit code
the redeemer reads out or shows, and a QR carrying a long random token; the provider types the one or scans the
other into the same box. No Django import: the service draws the randomness and decides uniqueness."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CODE_LENGTH", "TOKEN_MIN", "Lookup", "code_from", "is_expired", "parse_lookup"]

CODE_LENGTH = 6
TOKEN_MIN = 20  # a QR token is much longer than a code, so the two never mix up
_FULL_WIDTH = {ord("０") + i: ord("0") + i for i in range(10)}


def code_from(randbelow: Callable[[int], int]) -> str:
    """A code of exactly six digits, leading zeros kept; `randbelow` is `secrets.randbelow` in production."""
    value = randbelow(10**CODE_LENGTH)
    if not 0 <= value < 10**CODE_LENGTH:
        raise ValueError("randbelow out of range")
    return f"{value:0{CODE_LENGTH}d}"


@dataclass(frozen=True)
class Lookup:
    """What the provider's box holds: a `code` (six digits) or a `token` (from the QR)."""

    code: str = ""
    token: str = ""


def parse_lookup(text: str) -> Lookup | None:
    """Six digits (full-width digits and spaces or dashes between them allowed, as people type them), or a QR
    token (URL-safe characters, at least TOKEN_MIN long, as a scanner types it); None otherwise."""
    raw = (text or "").strip()
    if not raw:
        return None
    digits = raw.translate(_FULL_WIDTH).replace(" ", "").replace("-", "").replace("\u3000", "")
    if len(digits) == CODE_LENGTH and digits.isascii() and digits.isdigit():
        return Lookup(code=digits)
    if len(raw) >= TOKEN_MIN and raw.isascii() and all(c.isalnum() or c in "-_" for c in raw):
        return Lookup(token=raw)
    return None


def is_expired(expires_at: datetime.datetime, now: datetime.datetime) -> bool:
    """A code is good up to, not including, its expiry instant."""
    return now >= expires_at
