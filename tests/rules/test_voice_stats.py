"""The 台账 arithmetic: exact medians, half-up rounding, the overdue rule, satisfaction and the one-pass summary."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from gongzhi.rules import voice_stats as vs

UTC = datetime.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([7], Fraction(7)),
        ([3, 1, 2], Fraction(2)),
        ([4, 1, 3, 2], Fraction(5, 2)),  # the mean of the two middle values, exactly
        ([1, 1, 1, 100], Fraction(1)),
        ([10, 20], Fraction(15)),
        ([1, 2], Fraction(3, 2)),
        ([-5, 5], Fraction(0)),
    ],
)
def test_median_is_exact(values, expected):
    assert vs.median(values) == expected


def test_median_does_not_reorder_the_callers_list():
    values = [3, 1, 2]
    vs.median(values)
    assert values == [3, 1, 2]


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(1, 20), 1, "0.1"),  # a float would give 0.05 → 0.1 or 0.0 depending on its binary form
        (Fraction(1, 40), 2, "0.03"),
        (Fraction(2, 3), 1, "0.7"),
        (Fraction(1, 3), 1, "0.3"),
        (Fraction(149, 100), 1, "1.5"),
        (Fraction(144, 100), 1, "1.4"),
        (Fraction(-1, 20), 1, "-0.1"),
        (Fraction(5, 2), 0, "3"),
        (Fraction(7, 2), 0, "4"),  # not banker's rounding
        (0, 1, "0.0"),
        (3, 1, "3.0"),
    ],
)
def test_round_half_up(value, places, expected):
    result = vs.round_half_up(value, places)
    assert result == Decimal(expected) and str(result) == expected


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(1, 3, "33.3"), (2, 3, "66.7"), (1, 8, "12.5"), (1, 16, "6.3"), (0, 5, "0.0"), (5, 5, "100.0"), (1, 2000, "0.1")],
)
def test_percent_of_a_rate(num, den, expected):
    assert str(vs.percent(vs.rate(num, den))) == expected


def test_no_denominator_is_no_data_not_zero():
    assert vs.rate(0, 0) is None
    assert vs.percent(None) is None


@pytest.mark.parametrize(("num", "den"), [(-1, 3), (4, 3)])
def test_a_rate_out_of_range_is_refused(num, den):
    with pytest.raises(ValueError, match="numerator"):
        vs.rate(num, den)


def test_hours_from_microseconds():
    assert vs.hours(None) is None
    assert vs.hours(vs.US_PER_HOUR * 3) == Decimal("3.0")
    assert vs.hours(vs.US_PER_HOUR // 20) == Decimal("0.1")  # 3 minutes = 0.05 h → 0.1
    assert vs.hours(vs.US_PER_HOUR // 20 - 1) == Decimal("0.0")
    assert vs.hours(Fraction(vs.US_PER_HOUR * 5, 2)) == Decimal("2.5")


def test_duration_is_exact_to_the_microsecond():
    end = T0 + datetime.timedelta(days=2, seconds=7, microseconds=3)
    assert vs.duration_us(T0, end) == (2 * 86400 + 7) * 1_000_000 + 3
    assert vs.duration_us(T0, None) is None
    assert vs.duration_us(T0 + H, T0) == -3_600_000_000


def test_mean():
    assert vs.mean([]) is None
    assert vs.mean([5, 4, 4]) == Fraction(13, 3)


class TestOverdue:
    due = T0 + 24 * H

    def test_no_deadline_is_not_counted(self):
        assert vs.is_overdue(due_at=None, closed_at=None, is_open=True, now=T0 + 100 * H) is None

    def test_open_past_the_deadline(self):
        assert vs.is_overdue(due_at=self.due, closed_at=None, is_open=True, now=self.due + H) is True

    def test_open_before_or_at_the_deadline(self):
        assert vs.is_overdue(due_at=self.due, closed_at=None, is_open=True, now=self.due) is False
        assert vs.is_overdue(due_at=self.due, closed_at=None, is_open=True, now=T0) is False

    def test_closed_after_the_deadline_stays_overdue_for_ever(self):
        assert vs.is_overdue(due_at=self.due, closed_at=self.due + H, is_open=False, now=self.due + 2 * H) is True

    def test_closed_in_time_is_not_overdue_later(self):
        assert vs.is_overdue(due_at=self.due, closed_at=self.due, is_open=False, now=self.due + 900 * H) is False

    def test_reopened_voice_is_judged_as_open(self):
        # Reopened after a closure in time; still open now, past the deadline.
        assert vs.is_overdue(due_at=self.due, closed_at=T0 + H, is_open=True, now=self.due + H) is True

    def test_closed_without_a_closing_time(self):
        assert vs.is_overdue(due_at=self.due, closed_at=None, is_open=False, now=self.due + H) is False


def row(**kw):
    base = {
        "category": 1,
        "party": 10,
        "grid": 100,
        "is_open": True,
        "created_at": T0,
        "first_response_at": None,
        "closed_at": None,
        "due_at": None,
        "rating": None,
        "reopened": False,
        "escalated": False,
    }
    base.update(kw)
    return vs.VoiceRow(**base)


def test_summary_of_nothing():
    total, groups, months = vs.summarize([], now=T0, tz=UTC)
    assert total.total == 0 and total.first_response_hours is None and total.closure_hours is None
    assert total.overdue_percent is None and total.rating_mean is None and total.response_percent is None
    assert total.rating_distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert groups == {"party": {}, "grid": {}, "category": {}} and months == {}


def test_summary_figures_on_a_known_set():
    now = T0 + 200 * H
    rows = [
        # closed in 10 h, responded in 1 h, in time, rated 5
        row(
            first_response_at=T0 + H,
            closed_at=T0 + 10 * H,
            is_open=False,
            due_at=T0 + 48 * H,
            rating=5,
        ),
        # closed in 60 h, after its deadline (48 h), responded in 3 h, rated 2, reopened once before
        row(
            first_response_at=T0 + 3 * H,
            closed_at=T0 + 60 * H,
            is_open=False,
            due_at=T0 + 48 * H,
            rating=2,
            reopened=True,
        ),
        # closed in 20 h, not rated, responded in 2 h
        row(category=2, party=11, first_response_at=T0 + 2 * H, closed_at=T0 + 20 * H, is_open=False, due_at=None),
        # open, past its deadline, escalated, never answered
        row(category=2, party=11, grid=None, due_at=T0 + 24 * H, escalated=True),
        # open, within its deadline, responded in 4 h
        row(party=None, first_response_at=T0 + 4 * H, due_at=now + H),
    ]
    total, groups, months = vs.summarize(rows, now=now, tz=UTC)
    assert (total.total, total.open, total.closed) == (5, 2, 3)
    assert total.by_category == {1: 3, 2: 2}
    assert total.first_response_hours == Decimal("2.5")  # median of 1, 2, 3, 4
    assert total.closure_hours == Decimal("20.0")  # median of 10, 20, 60
    assert (total.with_deadline, total.overdue, total.overdue_percent) == (4, 2, Decimal("50.0"))
    assert (total.rated, total.rating_mean) == (2, Decimal("3.5"))
    assert total.rating_distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert total.response_percent == Decimal("66.7")  # 2 of 3 closed
    assert (total.reopened, total.escalated) == (1, 1)

    property_ = groups["party"][10]
    assert (property_.total, property_.closed, property_.overdue_percent) == (2, 2, Decimal("50.0"))
    assert property_.closure_hours == Decimal("35.0")  # median of 10 and 60
    committee = groups["party"][11]
    assert (committee.total, committee.open, committee.overdue, committee.with_deadline) == (2, 1, 1, 1)
    assert committee.rating_mean is None and committee.response_percent == Decimal("0.0")
    assert groups["party"][None].total == 1  # not yet assigned
    assert set(groups["grid"]) == {100, None} and groups["grid"][None].escalated == 1
    assert groups["category"][2].by_category == {2: 2}
    assert months == {"2026-03": {"total": 5, "closed": 3, "overdue": 2}}


def test_months_follow_the_local_calendar():
    # 2026-03-31 20:00 UTC is already April 1st in Beijing.
    late = datetime.datetime(2026, 3, 31, 20, 0, tzinfo=UTC)
    _, _, months = vs.summarize([row(created_at=late), row(created_at=T0)], now=late, tz=SHANGHAI)
    assert months == {
        "2026-03": {"total": 1, "closed": 0, "overdue": 0},
        "2026-04": {"total": 1, "closed": 0, "overdue": 0},
    }
    _, _, months = vs.summarize([row(created_at=late)], now=late, tz=UTC)
    assert list(months) == ["2026-03"]


def test_rating_mean_rounds_half_up_exactly():
    rows = [row(is_open=False, closed_at=T0 + H, rating=r) for r in (4, 4, 5, 5, 5, 4, 4, 4, 4, 4, 5, 5, 5, 5, 4, 5)]
    # 72 / 16 = 4.5 exactly → 4.5; and 13 / 3 = 4.333… → 4.3; 29 / 6 = 4.8333… → 4.8; 9 / 4 = 2.25 → 2.3
    assert vs.summarize(rows, now=T0, tz=UTC)[0].rating_mean == Decimal("4.5")
    three = [row(is_open=False, closed_at=T0 + H, rating=r) for r in (5, 4, 4)]
    assert vs.summarize(three, now=T0, tz=UTC)[0].rating_mean == Decimal("4.3")
    four = [row(is_open=False, closed_at=T0 + H, rating=r) for r in (1, 2, 3, 3)]
    assert vs.summarize(four, now=T0, tz=UTC)[0].rating_mean == Decimal("2.3")


def test_a_rating_outside_one_to_five_is_refused():
    with pytest.raises(ValueError, match="1 to 5"):
        vs.summarize([row(is_open=False, closed_at=T0 + H, rating=6)], now=T0, tz=UTC)


def test_closure_time_counts_only_closed_voices():
    # A reopened voice keeps its old closing time; it is open again and must not count as closed.
    rows = [row(is_open=True, closed_at=T0 + 5 * H, reopened=True), row(is_open=False, closed_at=T0 + 7 * H)]
    total = vs.summarize(rows, now=T0 + 8 * H, tz=UTC)[0]
    assert total.closure_hours == Decimal("7.0") and total.closed == 1 and total.reopened == 1
