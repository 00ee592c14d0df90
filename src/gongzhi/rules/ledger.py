"""The time bank's double-entry rules (article 001: "服务换积分、积分兑实物、积分兑服务").

Points are integers. Every movement is a set of postings that sum to zero, so a balance is the sum of its entries
and the deployment's total stays zero; a mistake is corrected by the compensating postings, never by an edit.
A floor is the lowest balance an account may reach: 0 means no overdraft, -N is a street's small allowance for
elderly residents, None means no limit (the system accounts that mint, redeem and clear points).
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Entry",
    "check_balanced",
    "gift_allowed",
    "month_start",
    "net_by_account",
    "reversal_of",
    "would_cross_limit",
]


@dataclass(frozen=True)
class Entry:
    """One posting: `amount` points into (positive) or out of (negative) `account` (any hashable id)."""

    account: Hashable
    amount: int


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_balanced(entries: Iterable[Entry]) -> list[Entry]:
    """The postings as a list if they form one valid transaction; ValueError (Chinese message) otherwise.

    Valid: at least two postings, each a non-zero integer, no account twice, and a sum of zero.
    """
    items = list(entries)
    if len(items) < 2:
        raise ValueError("一笔积分交易至少要有两条分录")
    for entry in items:
        if not _is_int(entry.amount):
            raise ValueError("积分必须是整数")
        if entry.amount == 0:
            raise ValueError("分录的积分不能为零")
    accounts = [entry.account for entry in items]
    if len(set(accounts)) != len(accounts):
        raise ValueError("同一账户在一笔交易中只能出现一次")
    total = sum(entry.amount for entry in items)
    if total != 0:
        raise ValueError(f"借贷不平衡：分录合计为 {total}，应为 0")
    return items


def would_cross_limit(balance: int, delta: int, floor: int | None) -> bool:
    """Whether moving `delta` takes the account below its floor. Money coming in never does, even to an account
    already below a floor that has since been raised; None is no limit."""
    if floor is None or delta >= 0:
        return False
    return balance + delta < floor


def reversal_of(entries: Iterable[Entry]) -> list[Entry]:
    """The compensating postings of a valid transaction: every amount negated, in the same order."""
    return [Entry(entry.account, -entry.amount) for entry in check_balanced(entries)]


def gift_allowed(sent_this_month: int, amount: int, monthly_limit: int) -> bool:
    """A family gift of `amount` fits when it is positive and this month's gifts stay within the limit."""
    if not _is_int(amount) or amount <= 0 or sent_this_month < 0:
        return False
    return sent_this_month + amount <= monthly_limit


def month_start(today: datetime.date) -> datetime.date:
    """The first day of the calendar month of `today` (gift limits count per calendar month)."""
    return today.replace(day=1)


def net_by_account(entries: Iterable[Entry]) -> dict[Hashable, int]:
    """The sum of the postings per account (a balance, when given all of an account's entries)."""
    out: dict[Hashable, int] = {}
    for entry in entries:
        out[entry.account] = out.get(entry.account, 0) + entry.amount
    return out
