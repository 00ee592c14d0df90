"""Working days (工作日) for 办理时限: Monday to Friday, except public holidays, plus make-up working days (调休).

The exceptions come from the State Council's yearly holiday notice (for 2026: 国办发明电〔2025〕7号) as a mapping
date → is_working_day (True: a make-up working day such as a Sunday; False: a holiday).

The convention for a deadline of N working days, as the 民法典 counts periods and the 12345 hotlines count
办理时限 (N 个工作日, 自受理次日起算):
- the day of receipt is not counted (民法典第二百零一条: 开始的当日不计入，自下一日开始计算), so a voice received
  on a holiday, a weekend or after hours simply starts counting from the next working day after that day;
- the deadline is the end of the N-th working day (第二百零三条: 截止时间为二十四时), returned as 23:59:59.999999 local
  time, so that a deadline is shown on the day it falls;
- N = 0 means the end of the day of receipt.

Pure: plain values in, plain values out; aware datetimes in the caller's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["add_working_days", "is_working_day", "working_days_between"]

Exceptions = Mapping[date, bool]


def is_working_day(d: date, exceptions: Exceptions) -> bool:
    """Monday–Friday unless the notice says otherwise for that date."""
    if d in exceptions:
        return bool(exceptions[d])
    return d.weekday() < 5


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(tz) if tz is not None else moment


def add_working_days(start: datetime, days: int, exceptions: Exceptions, tz: tzinfo | None = None) -> datetime:
    """The end of the `days`-th working day after the (local) day of `start`, in `tz` (default: start's zone)."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = _local(start, tz)
    d = local.date()
    left = days
    while left:
        d += timedelta(days=1)
        if is_working_day(d, exceptions):
            left -= 1
    return datetime.combine(d, time.max, tzinfo=local.tzinfo)


def working_days_between(a: datetime, b: datetime, exceptions: Exceptions, tz: tzinfo | None = None) -> int:
    """The working days d with day(a) < d ≤ day(b) (local dates), negative when b is before a; so that
    `working_days_between(s, add_working_days(s, n)) == n`."""
    da, db = _local(a, tz).date(), _local(b, tz).date()
    sign = 1
    if db < da:
        da, db, sign = db, da, -1
    count = 0
    d = da
    while d < db:
        d += timedelta(days=1)
        if is_working_day(d, exceptions):
            count += 1
    return sign * count
