"""The figures of a 社情民意 台账: volume, time to first response and to closure, overdue rate, satisfaction.

They are the figures a 12345 hotline reports on its work orders (响应、办结、超期、满意度回访), here per
responsible party, per grid and per category, as issue 5 ("From voices to action") asks:

- durations are exact: microseconds as integers, the median as a Fraction (the mean of the two middle values
  for an even count), shown in hours rounded half up to one decimal; the same on SQLite and PostgreSQL;
- a voice is overdue when it was closed after its deadline, or is still open past it; the rate counts only
  voices that have a deadline;
- satisfaction is the mean of the 1–5 ratings (rounded half up), their distribution, and the response rate:
  rated voices over closed voices (满意度回访 is asked after closure).

Plain values in, plain values out; no Django, no I/O. Callers pass `now` and the time zone of the months.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

__all__ = [
    "RATINGS",
    "Figures",
    "VoiceRow",
    "duration_us",
    "hours",
    "is_overdue",
    "mean",
    "median",
    "percent",
    "rate",
    "round_half_up",
    "summarize",
]

RATINGS = (1, 2, 3, 4, 5)
US_PER_HOUR = 3_600_000_000


class VoiceRow(NamedTuple):
    """One voice as the statistics see it; `party`, `grid` and `category` are group keys (None: none)."""

    category: int | None
    party: int | None
    grid: int | None
    is_open: bool
    created_at: datetime.datetime
    first_response_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    due_at: datetime.datetime | None
    rating: int | None
    reopened: bool
    escalated: bool


def round_half_up(value: Fraction | int, places: int = 1) -> Decimal:
    """Exact decimal rounding, ties away from zero: 0.05 → 0.1, 2/3 → 0.7 (never a float's 0.04999…)."""
    scaled = abs(Fraction(value)) * 10**places
    whole = int(scaled + Fraction(1, 2))  # floor, as scaled is not negative
    sign = -1 if value < 0 else 1
    return Decimal(sign * whole).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def median(values: Sequence[int]) -> Fraction | None:
    """The exact median; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def mean(values: Sequence[int]) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def rate(numerator: int, denominator: int) -> Fraction | None:
    """A share as a fraction; None when there is nothing to share (not 0 %: "no data" is not "none overdue")."""
    if denominator <= 0:
        return None
    if not 0 <= numerator <= denominator:
        raise ValueError("a rate's numerator must lie between 0 and its denominator")
    return Fraction(numerator, denominator)


def percent(share: Fraction | None, places: int = 1) -> Decimal | None:
    """A fraction shown as a percentage rounded half up: 1/3 → 33.3, 1/8 → 12.5, 2/3 → 66.7."""
    return None if share is None else round_half_up(share * 100, places)


def hours(us: Fraction | int | None, places: int = 1) -> Decimal | None:
    """Microseconds shown as hours rounded half up."""
    return None if us is None else round_half_up(Fraction(us) / US_PER_HOUR, places)


def duration_us(start: datetime.datetime, end: datetime.datetime | None) -> int | None:
    """Whole microseconds from start to end, exactly (timedelta.total_seconds() is a float)."""
    if end is None:
        return None
    delta = end - start
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def is_overdue(
    *, due_at: datetime.datetime | None, closed_at: datetime.datetime | None, is_open: bool, now: datetime.datetime
) -> bool | None:
    """Closed after the deadline, or open past it. None: the voice has no deadline and is not counted.
    A voice closed without a closing time (imported as closed) is not held to be overdue."""
    if due_at is None:
        return None
    if is_open:
        return now > due_at
    return closed_at is not None and closed_at > due_at


@dataclass
class _Acc:
    total: int = 0
    open: int = 0
    closed: int = 0
    with_deadline: int = 0
    overdue: int = 0
    reopened: int = 0
    escalated: int = 0

    def __post_init__(self) -> None:
        self.by_category: dict[Any, int] = {}
        self.response_us: list[int] = []
        self.closure_us: list[int] = []
        self.ratings: list[int] = []

    def add(self, row: VoiceRow, response: int | None, closure: int | None, overdue: bool | None) -> None:
        """One voice, with its durations and overdue state worked out once for all the groups it falls in."""
        self.total += 1
        self.by_category[row.category] = self.by_category.get(row.category, 0) + 1
        if row.is_open:
            self.open += 1
        else:
            self.closed += 1
        if response is not None:
            self.response_us.append(response)
        if closure is not None:
            self.closure_us.append(closure)
        if overdue is not None:
            self.with_deadline += 1
            self.overdue += overdue
        if row.rating is not None:
            self.ratings.append(row.rating)
        self.reopened += row.reopened
        self.escalated += row.escalated


@dataclass(frozen=True)
class Figures:
    """Every figure of one group (or of all): counts, exact medians in hours, rates in percent."""

    total: int
    open: int
    closed: int
    by_category: dict[Any, int]
    first_response_hours: Decimal | None
    closure_hours: Decimal | None
    with_deadline: int
    overdue: int
    overdue_percent: Decimal | None
    rated: int
    rating_mean: Decimal | None
    rating_distribution: dict[int, int]
    response_percent: Decimal | None
    reopened: int
    escalated: int

    @classmethod
    def of(cls, acc: _Acc) -> Figures:
        distribution = dict.fromkeys(RATINGS, 0)
        for r in acc.ratings:
            distribution[r] += 1
        rating_mean = mean(acc.ratings)
        return cls(
            total=acc.total,
            open=acc.open,
            closed=acc.closed,
            by_category=dict(acc.by_category),
            first_response_hours=hours(median(acc.response_us)),
            closure_hours=hours(median(acc.closure_us)),
            with_deadline=acc.with_deadline,
            overdue=acc.overdue,
            overdue_percent=percent(rate(acc.overdue, acc.with_deadline)),
            rated=len(acc.ratings),
            rating_mean=None if rating_mean is None else round_half_up(rating_mean, 1),
            rating_distribution=distribution,
            # Ratings are only asked after closure; a rating left on a reopened voice still counts as given.
            response_percent=percent(rate(min(len(acc.ratings), acc.closed), acc.closed)),
            reopened=acc.reopened,
            escalated=acc.escalated,
        )


GROUPINGS = ("party", "grid", "category")


def summarize(
    rows: Iterable[VoiceRow], *, now: datetime.datetime, tz: datetime.tzinfo
) -> tuple[Figures, dict[str, dict[Any, Figures]], dict[str, dict[str, int]]]:
    """One pass over the rows: the totals, the figures per party, per grid and per category, and the monthly
    trend {"YYYY-MM": {"total", "closed", "overdue"}} by the month the voice was raised in `tz`."""
    total = _Acc()
    groups: dict[str, dict[Any, _Acc]] = {g: {} for g in GROUPINGS}
    by_party, by_grid, by_category = groups["party"], groups["grid"], groups["category"]
    months: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        if row.rating is not None and row.rating not in RATINGS:
            raise ValueError(f"a rating is 1 to 5, not {row.rating}")
        response = duration_us(row.created_at, row.first_response_at)
        closure = None if row.is_open else duration_us(row.created_at, row.closed_at)
        overdue = is_overdue(due_at=row.due_at, closed_at=row.closed_at, is_open=row.is_open, now=now)
        total.add(row, response, closure, overdue)
        for accs, key in ((by_party, row.party), (by_grid, row.grid), (by_category, row.category)):
            acc = accs.get(key)
            if acc is None:
                acc = accs[key] = _Acc()
            acc.add(row, response, closure, overdue)
        local = row.created_at.astimezone(tz)
        m = months.get((local.year, local.month))
        if m is None:
            m = months[(local.year, local.month)] = [0, 0, 0]
        m[0] += 1
        m[1] += not row.is_open
        m[2] += bool(overdue)
    trend = {
        f"{y:04d}-{mo:02d}": {"total": m[0], "closed": m[1], "overdue": m[2]} for (y, mo), m in sorted(months.items())
    }
    return (
        Figures.of(total),
        {g: {k: Figures.of(a) for k, a in accs.items()} for g, accs in groups.items()},
        trend,
    )
