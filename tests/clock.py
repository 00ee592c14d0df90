"""The suite's clock: every test, and every module-scoped fixture, starts at one pinned instant.

The instant is `GONGZHI_TEST_NOW` (ISO 8601 with an offset, e.g. `2026-12-01T00:05:00+08:00`) when it is set, else
`DEFAULT_NOW`. With `--at-every-instant` each test runs once at each of `INSTANTS` instead, the moments where
calendar bugs hide; `scripts/test_at_dates.sh` and `make test` use it. The clock ticks from the pinned instant, so
code that measures durations still sees time pass; a test that needs a moment of its own travels again on top
(`time_machine.travel`, nested).

Only Python's clock is moved. The database's own clock (`now()` in SQL) is not, so the application never asks the
database for the time, and the browser's clock is not either, so pages never compute dates in JavaScript."""

from __future__ import annotations

import datetime
import os
from contextlib import AbstractContextManager

import time_machine

ENV = "GONGZHI_TEST_NOW"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# An ordinary Wednesday morning in the middle of a month, a working day away from any holiday.
DEFAULT_NOW = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
INSTANTS = {
    # the 1st of a month at 00:05, still 30 November in UTC
    "1st-0005": datetime.datetime(2026, 12, 1, 0, 5, tzinfo=SHANGHAI),
    # the last day of a month at 23:55
    "month-end-2355": datetime.datetime(2027, 4, 30, 23, 55, tzinfo=SHANGHAI),
    "29feb": datetime.datetime(2028, 2, 29, 12, 0, tzinfo=SHANGHAI),
    "31dec-2359": datetime.datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI),
    # the Monday after the Spring Festival weekend, itself still 放假 (2026: 2月15日至23日, 国办发明电〔2025〕7号)
    "spring-festival-monday": datetime.datetime(2026, 2, 23, 9, 0, tzinfo=SHANGHAI),
    # 30 June in UTC: another day, month, quarter and half-year than in Shanghai
    "utc-day-behind": datetime.datetime(2027, 7, 1, 7, 30, tzinfo=SHANGHAI),
}


def pinned_now() -> datetime.datetime:
    """The instant the suite runs at; an instant without an offset is refused, since it would mean UTC here."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_NOW
    try:
        at = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise SystemExit(f"{ENV}={text!r} is not an ISO 8601 instant: {exc}") from exc
    if at.tzinfo is None:
        raise SystemExit(f"{ENV}={text!r} needs an offset, e.g. {text}+08:00")
    return at


def pin_clock(at: datetime.datetime) -> AbstractContextManager[object]:
    return time_machine.travel(at, tick=True)
