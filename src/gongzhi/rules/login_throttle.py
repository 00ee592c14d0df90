"""Login back-off: waits that grow with repeated wrong passwords, never a lock a stranger can set off.

A hard lock after N failures (the former 5 tries → 15 minutes) lets anyone who knows a phone number keep its owner
out, and a lock that only registered phones get tells a stranger which numbers are registered. GB/T 22239-2019
(等级保护 2.0) §8.1.4.1 b) asks for "登录失败处理功能…限制非法登录次数"; NIST SP 800-63B §5.2.2 asks for rate
limiting that does not let an attacker deny the subscriber. So the limit is a back-off counted on two keys:

- per phone (registered or not, so the answer never depends on whether it exists): from the 5th consecutive
  failure, each failure makes the next try wait 30 s, then 60 s, 120 s… up to 15 minutes. A success clears it.
  The wait stays short, so a stranger can slow the owner down but never shut them out for long;
- per client address: from the 20th failure, a wait of 1 minute doubling up to 1 hour. This is what stops one
  machine guessing many phones; a success does not clear it (an attacker would log into their own account).

A try made while a wait is in force is refused without being counted, so the wait after it is never longer than
the one announced. Counts are forgotten after a quiet day (`forget_after`): a typo every few weeks never adds up.

Pure: no Django, no I/O. Times are passed in; callers store `State` and read the clock once.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

__all__ = [
    "CLIENT",
    "PHONE",
    "Policy",
    "State",
    "client_key",
    "phone_key",
    "record_failure",
    "retry_at",
    "wait_after",
]


@dataclass(frozen=True)
class Policy:
    """`from_failure`: the count (1-based) whose failure starts the first wait."""

    from_failure: int
    first_wait: datetime.timedelta
    max_wait: datetime.timedelta
    forget_after: datetime.timedelta = datetime.timedelta(days=1)

    def __post_init__(self) -> None:
        if self.from_failure < 1:
            raise ValueError("from_failure must be at least 1")
        if self.first_wait <= datetime.timedelta(0):
            raise ValueError("first_wait must be positive")
        if self.max_wait < self.first_wait:
            raise ValueError("max_wait must not be shorter than first_wait")
        # A count forgotten while its wait runs would let the next failure start again from nothing.
        if self.forget_after <= self.max_wait:
            raise ValueError("forget_after must be longer than max_wait")


PHONE = Policy(from_failure=5, first_wait=datetime.timedelta(seconds=30), max_wait=datetime.timedelta(minutes=15))
CLIENT = Policy(from_failure=20, first_wait=datetime.timedelta(minutes=1), max_wait=datetime.timedelta(hours=1))


@dataclass(frozen=True)
class State:
    failures: int = 0
    blocked_until: datetime.datetime | None = None
    last_failed_at: datetime.datetime | None = None


def wait_after(failures: int, policy: Policy) -> datetime.timedelta:
    """How long the next try waits once `failures` consecutive failures have been counted."""
    if failures < policy.from_failure:
        return datetime.timedelta(0)
    wait = policy.first_wait
    # Doubling by steps stops at the cap, so a huge count never overflows a timedelta.
    for _ in range(failures - policy.from_failure):
        wait *= 2
        if wait >= policy.max_wait:
            return policy.max_wait
    return min(wait, policy.max_wait)


def record_failure(state: State, *, now: datetime.datetime, policy: Policy) -> State:
    """The state after one more counted failure at `now`; a count idle for `forget_after` starts again at 1."""
    stale = state.last_failed_at is None or now - state.last_failed_at >= policy.forget_after
    failures = 1 if stale else state.failures + 1
    wait = wait_after(failures, policy)
    return State(failures=failures, blocked_until=now + wait if wait else None, last_failed_at=now)


def retry_at(state: State, *, now: datetime.datetime) -> datetime.datetime | None:
    """When a try may be made again, or None when it may be made now."""
    if state.blocked_until is not None and now < state.blocked_until:
        return state.blocked_until
    return None


def phone_key(normalized_phone: str) -> str:
    return f"phone:{normalized_phone}"


def client_key(address: str) -> str | None:
    """The key of a client address: IPv4 as is, IPv6 by its /64 (one subscriber gets a whole /64, and would
    otherwise get a fresh count per address), an IPv4-mapped IPv6 as its IPv4. None when there is no usable
    address: no per-client count then, rather than one count shared by every such request."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"ip:{ip.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"ip:{ip}"
