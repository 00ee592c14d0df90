"""The service-time rules: when activities happen, what time counts, and what it earns."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.service_hours import (
    LAST_WEEK,
    check_span,
    in_window,
    occurrences,
    parse_weekdays,
    points_for,
    service_minutes,
)

pytestmark = pytest.mark.date_sensitive

D = datetime.date
TZ = datetime.timezone(datetime.timedelta(hours=8))
dates = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))
weekday_sets = st.sets(st.integers(1, 7), min_size=1, max_size=7)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, 3, hour, minute, second, tzinfo=TZ)


# --- occurrences -----------------------------------------------------------------------------------------------


def test_once_is_its_start_date_whatever_the_horizon():
    assert occurrences("once", [], None, D(2026, 3, 3), None, D(2026, 1, 1)) == [D(2026, 3, 3)]


def test_every_tuesday_and_friday_street_cleaning():
    # 2026-03-02 is a Monday.
    got = occurrences("weekly", [2, 5], None, D(2026, 3, 2), D(2026, 3, 15), D(2026, 12, 31))
    assert got == [D(2026, 3, 3), D(2026, 3, 6), D(2026, 3, 10), D(2026, 3, 13)]


def test_first_saturday_big_clean():
    got = occurrences("monthly", [6], 1, D(2026, 1, 1), None, D(2026, 6, 30))
    assert got == [D(2026, 1, 3), D(2026, 2, 7), D(2026, 3, 7), D(2026, 4, 4), D(2026, 5, 2), D(2026, 6, 6)]


def test_last_sunday_of_the_month_crosses_the_year():
    got = occurrences("monthly", [7], LAST_WEEK, D(2026, 11, 1), None, D(2027, 1, 31))
    assert got == [D(2026, 11, 29), D(2026, 12, 27), D(2027, 1, 31)]


def test_a_fifth_week_is_the_last_and_a_missing_fourth_never_spills_over():
    # February 2026 has exactly four Saturdays (7, 14, 21, 28): the 4th and the last are the same day.
    assert occurrences("monthly", [6], 4, D(2026, 2, 1), None, D(2026, 2, 28)) == [D(2026, 2, 28)]
    assert occurrences("monthly", [6], LAST_WEEK, D(2026, 2, 1), None, D(2026, 2, 28)) == [D(2026, 2, 28)]


def test_monthly_dates_before_the_start_are_left_out():
    assert occurrences("monthly", [6], 1, D(2026, 3, 8), None, D(2026, 4, 30)) == [D(2026, 4, 4)]


def test_the_horizon_and_the_end_date_both_cut():
    assert occurrences("weekly", [1], None, D(2026, 3, 2), None, D(2026, 3, 9)) == [D(2026, 3, 2), D(2026, 3, 9)]
    assert occurrences("weekly", [1], None, D(2026, 3, 2), D(2026, 3, 8), D(2026, 9, 9)) == [D(2026, 3, 2)]
    assert occurrences("weekly", [1], None, D(2026, 3, 2), None, D(2026, 3, 1)) == []


@pytest.mark.parametrize(
    ("recurrence", "weekdays", "month_week", "end", "message"),
    [
        ("daily", [1], None, None, "unknown recurrence"),
        ("weekly", [], None, None, "ISO weekdays"),
        ("weekly", [0], None, None, "ISO weekdays"),
        ("weekly", [8], None, None, "ISO weekdays"),
        ("monthly", [6], None, None, "month_week"),
        ("monthly", [6], 0, None, "month_week"),
        ("monthly", [6], 6, None, "month_week"),
        ("once", [], None, D(2026, 1, 1), "end_date before start_date"),
    ],
)
def test_invalid_rules_are_refused(recurrence, weekdays, month_week, end, message):
    with pytest.raises(ValueError, match=message):
        occurrences(recurrence, weekdays, month_week, D(2026, 3, 2), end, D(2026, 12, 31))


@given(days=weekday_sets, start=dates, length=st.integers(0, 120))
def test_weekly_is_exactly_the_chosen_weekdays_in_range(days, start, length):
    last = start + datetime.timedelta(days=length)
    got = occurrences("weekly", days, None, start, None, last)
    expected = [start + datetime.timedelta(days=i) for i in range(length + 1)]
    assert got == [d for d in expected if d.isoweekday() in days]


@given(weekday=st.integers(1, 7), nth=st.integers(1, LAST_WEEK), start=dates, months=st.integers(0, 24))
def test_monthly_is_one_nth_weekday_per_month_at_most(weekday, nth, start, months):
    last = start + datetime.timedelta(days=31 * months)
    got = occurrences("monthly", [weekday], nth, start, None, last)
    assert got == sorted(set(got))
    assert all(start <= d <= last and d.isoweekday() == weekday for d in got)
    assert len({(d.year, d.month) for d in got}) == len(got)
    for d in got:
        if nth == LAST_WEEK:
            assert (d + datetime.timedelta(days=7)).month != d.month
        else:
            assert (d.day - 1) // 7 + 1 == nth
    # Each month in range has its day (a 1st–4th and a last weekday always exist), listed iff within range.
    month = D(start.year, start.month, 1)
    while month <= last:
        in_month = [month + datetime.timedelta(days=i) for i in range(31)]
        matching = [c for c in in_month if c.month == month.month and c.isoweekday() == weekday]
        want = matching[-1] if nth == LAST_WEEK else matching[nth - 1]
        assert (want in got) == (start <= want <= last)
        month = D(month.year + month.month // 12, month.month % 12 + 1, 1)


def test_parse_weekdays():
    assert parse_weekdays("5,2") == (2, 5)
    assert parse_weekdays("2，5, 2") == (2, 5)
    assert parse_weekdays("") == ()
    for bad in ("0", "8", "二", "1;2", "-1"):
        with pytest.raises(ValueError, match="ISO weekday"):
            parse_weekdays(bad)


# --- service minutes -------------------------------------------------------------------------------------------


def test_travel_before_and_after_does_not_count():
    assert service_minutes(at(8, 20), at(11, 40), at(9), at(11)) == 120


def test_late_arrival_and_early_leave_count_only_the_time_served():
    assert service_minutes(at(9, 15), at(10, 45), at(9), at(11)) == 90


def test_no_overlap_is_zero_and_partial_minutes_are_dropped():
    assert service_minutes(at(7), at(8), at(9), at(11)) == 0
    assert service_minutes(at(11, 5), at(12), at(9), at(11)) == 0
    assert service_minutes(at(9), at(9, 1, 59), at(9), at(11)) == 1


def test_service_minutes_refuses_reversed_times():
    with pytest.raises(ValueError, match="check_out before check_in"):
        service_minutes(at(10), at(9), at(9), at(11))
    with pytest.raises(ValueError, match="empty span"):
        service_minutes(at(9), at(10), at(11), at(11))


moments = st.integers(0, 24 * 60 * 60).map(lambda s: at(0) + datetime.timedelta(seconds=s))


@given(a=moments, b=moments, c=moments, d=moments)
def test_service_minutes_is_the_overlap_never_more_than_either(a, b, c, d):
    check_in, check_out = sorted((a, b))
    span_start, span_end = sorted((c, d))
    if span_start == span_end:
        return
    got = service_minutes(check_in, check_out, span_start, span_end)
    assert got >= 0
    assert got * 60 <= (check_out - check_in).total_seconds()
    assert got * 60 <= (span_end - span_start).total_seconds()
    overlap = max(0.0, (min(check_out, span_end) - max(check_in, span_start)).total_seconds())
    assert got == int(overlap) // 60


# --- points ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "per_hour", "points"),
    [(60, 10, 10), (90, 10, 15), (45, 10, 8), (3, 10, 1), (2, 10, 0), (1, 30, 1), (0, 30, 0), (125, 15, 31)],
)
def test_points_round_half_up(minutes, per_hour, points):
    assert points_for(minutes, per_hour) == points


@given(minutes=st.integers(0, 10**6), per_hour=st.integers(0, 10**4))
def test_points_are_the_exact_fraction_rounded_half_up(minutes, per_hour):
    exact = Fraction(minutes * per_hour, 60)
    got = points_for(minutes, per_hour)
    assert got >= 0
    assert got - Fraction(1, 2) <= exact < got + Fraction(1, 2)


@pytest.mark.parametrize(("minutes", "per_hour"), [(-1, 10), (10, -1), (1.5, 10), (10, 2.0), (True, 10), ("6", 1)])
def test_points_refuse_negative_or_non_integers(minutes, per_hour):
    with pytest.raises(ValueError, match="non-negative integers"):
        points_for(minutes, per_hour)


# --- paper rows and the check-in window --------------------------------------------------------------------------


def test_check_span():
    assert check_span(at(9), at(11), at(9), at(11)) is None
    assert check_span(at(9, 30), at(10), at(9), at(11)) is None
    assert check_span(at(8, 59), at(10), at(9), at(11)) == "over_span"
    assert check_span(at(9), at(11, 1), at(9), at(11)) == "over_span"
    assert check_span(at(10), at(10), at(9), at(11)) == "order"
    assert check_span(at(10), at(9, 30), at(9), at(11)) == "order"


@given(a=moments, b=moments)
def test_a_row_inside_the_span_counts_in_full(a, b):
    span_start, span_end = at(9), at(11)
    if check_span(a, b, span_start, span_end) is None:
        assert service_minutes(a, b, span_start, span_end) == int((b - a).total_seconds()) // 60


def test_in_window():
    grace = datetime.timedelta(hours=2)
    assert in_window(at(7), at(9), at(11), grace)
    assert in_window(at(13), at(9), at(11), grace)
    assert not in_window(at(6, 59), at(9), at(11), grace)
    assert not in_window(at(13, 0, 1), at(9), at(11), grace)
