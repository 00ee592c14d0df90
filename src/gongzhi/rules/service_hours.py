"""Verified service time and its points (article 001: "服务换积分"; issue 6, "Earning by verified service").

An activity happens once, weekly on some ISO weekdays ("每周二、周五 街道保洁"), or monthly on the n-th weekday of the
month ("每月第一个周六 大扫除"; n = 5 means the last one). Service time is the actual time inside the session's span:
arriving early or leaving late (travel, waiting) does not count (志愿服务记录与证明出具办法: the hours recorded are the
actual service time, without travel). Points are minutes × points per hour / 60 in exact integers, rounded half up.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

__all__ = [
    "LAST_WEEK",
    "RECURRENCES",
    "check_span",
    "in_window",
    "occurrences",
    "parse_weekdays",
    "points_for",
    "service_minutes",
]

RECURRENCES = ("once", "weekly", "monthly")
LAST_WEEK = 5  # month_week 5: the last such weekday of the month


def parse_weekdays(text: str) -> tuple[int, ...]:
    """ "2,5" → (2, 5): sorted distinct ISO weekdays (1 = Monday … 7 = Sunday); ValueError on anything else."""
    days: set[int] = set()
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 7:
            raise ValueError(f"not an ISO weekday: {part!r}")
        days.add(int(part))
    return tuple(sorted(days))


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> datetime.date:
    """The nth (1–4, always inside a month of 28+ days; or LAST_WEEK for the last) ISO `weekday` of the month."""
    if nth == LAST_WEEK:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        last = following - datetime.timedelta(days=1)
        return last - datetime.timedelta(days=(last.isoweekday() - weekday) % 7)
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (nth - 1))


def occurrences(
    recurrence: str,
    weekdays: Iterable[int],
    month_week: int | None,
    start_date: datetime.date,
    end_date: datetime.date | None,
    horizon_end: datetime.date,
) -> list[datetime.date]:
    """The dates an activity takes place on, in order: a one-off activity on its start date; a recurring one from
    its start date to its end date or the horizon, whichever comes first. ValueError on an invalid rule."""
    if recurrence not in RECURRENCES:
        raise ValueError(f"unknown recurrence {recurrence!r}")
    if end_date is not None and end_date < start_date:
        raise ValueError("end_date before start_date")
    if recurrence == "once":
        return [start_date]
    days = sorted(set(weekdays))
    if not days or any(not 1 <= d <= 7 for d in days):
        raise ValueError("a recurring activity needs ISO weekdays 1–7")
    last = horizon_end if end_date is None else min(end_date, horizon_end)
    if last < start_date:
        return []
    if recurrence == "weekly":
        wanted = set(days)
        span = (last - start_date).days + 1
        return [d for d in (start_date + datetime.timedelta(days=i) for i in range(span)) if d.isoweekday() in wanted]
    if month_week is None or not 1 <= month_week <= LAST_WEEK:
        raise ValueError("a monthly activity needs month_week 1–5")
    found: list[datetime.date] = []
    year, month = start_date.year, start_date.month
    while datetime.date(year, month, 1) <= last:
        for weekday in days:
            day = _nth_weekday(year, month, weekday, month_week)
            if start_date <= day <= last:
                found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(found)


def service_minutes(
    check_in: datetime.datetime,
    check_out: datetime.datetime,
    span_start: datetime.datetime,
    span_end: datetime.datetime,
) -> int:
    """Whole minutes of [check_in, check_out] inside [span_start, span_end]; 0 if they do not overlap. ValueError
    if check_out is before check_in or the span is empty."""
    if check_out < check_in:
        raise ValueError("check_out before check_in")
    if span_end <= span_start:
        raise ValueError("empty span")
    start, end = max(check_in, span_start), min(check_out, span_end)
    if end <= start:
        return 0
    return int((end - start).total_seconds()) // 60


def points_for(minutes: int, points_per_hour: int) -> int:
    """minutes × points_per_hour / 60, rounded half up, in integers only (no float ever touches points).
    ValueError on a negative or non-integer input, so the result is never negative."""
    for value in (minutes, points_per_hour):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError("minutes and points per hour are non-negative integers")
    return (2 * minutes * points_per_hour + 60) // 120


def check_span(
    start: datetime.datetime,
    end: datetime.datetime,
    span_start: datetime.datetime,
    span_end: datetime.datetime,
) -> str | None:
    """A paper sign-in row's times against its session: None if the row lies inside the span, "order" if it ends
    before it starts (or at once), "over_span" if it starts before or ends after the session."""
    if end <= start:
        return "order"
    if start < span_start or end > span_end:
        return "over_span"
    return None


def in_window(
    now: datetime.datetime,
    span_start: datetime.datetime,
    span_end: datetime.datetime,
    grace: datetime.timedelta,
) -> bool:
    """Whether a QR check-in or check-out at `now` belongs to the session: within `grace` around its span."""
    return span_start - grace <= now <= span_end + grace
