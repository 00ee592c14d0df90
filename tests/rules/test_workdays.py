"""Working days for 办理时限: the 2026 notice's holidays and make-up days, and the counting convention."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.date_sensitive

SH = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).resolve().parents[2] / "src" / "gongzhi" / "voices" / "holidays_cn.json"
CAL_2026 = {date.fromisoformat(r["date"]): r["is_workday"] for r in json.loads(DATA.read_text("utf-8"))["days"]}


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d), time.max, tzinfo=SH)


def test_plain_week_without_exceptions():
    assert is_working_day(date(2026, 12, 4), {})  # Friday
    assert not is_working_day(date(2026, 12, 5), {})  # Saturday
    assert not is_working_day(date(2026, 12, 6), {})  # Sunday


def test_exceptions_override_the_week():
    assert not is_working_day(date(2026, 10, 1), CAL_2026)  # 国庆, a Thursday
    assert is_working_day(date(2026, 9, 20), CAL_2026)  # make-up Sunday
    assert is_working_day(date(2026, 10, 10), CAL_2026)  # make-up Saturday
    assert not is_working_day(date(2026, 9, 25), CAL_2026)  # 中秋, a Friday


def test_the_2026_notice_as_bundled():
    holidays = sorted(d for d, w in CAL_2026.items() if not w)
    make_up = sorted(d for d, w in CAL_2026.items() if w)
    assert make_up == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert all(d.weekday() >= 5 for d in make_up)
    assert len(holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert [d for d in holidays if d.month == 10] == [date(2026, 10, d) for d in range(1, 8)]


def test_day_of_receipt_is_not_counted():
    # Tuesday 1 Dec 2026 at 10:00, 1 working day → end of Wednesday.
    assert add_working_days(at(2026, 12, 1), 1, {}) == end_of(2026, 12, 2)
    # The same at 23:30 (after hours) gives the same deadline: only the day counts.
    assert add_working_days(at(2026, 12, 1, 23, 30), 1, {}) == end_of(2026, 12, 2)


def test_zero_days_is_the_end_of_the_day_of_receipt():
    assert add_working_days(at(2026, 12, 5), 0, {}) == end_of(2026, 12, 5)


def test_received_on_friday_counts_from_monday():
    assert add_working_days(at(2026, 12, 4), 1, {}) == end_of(2026, 12, 7)
    assert add_working_days(at(2026, 12, 4), 5, {}) == end_of(2026, 12, 11)


def test_received_on_a_weekend_counts_from_the_next_working_day():
    assert add_working_days(at(2026, 12, 5), 1, {}) == end_of(2026, 12, 7)
    assert add_working_days(at(2026, 12, 6), 3, {}) == end_of(2026, 12, 9)


def test_the_2026_national_day_and_mid_autumn_weeks():
    # Thursday 24 Sep: Fri 25 – Sun 27 中秋, Mon 28, Tue 29, Wed 30 work, then 国庆 1–7 Oct, Thu 8 Oct.
    assert add_working_days(at(2026, 9, 24), 1, CAL_2026) == end_of(2026, 9, 28)
    assert add_working_days(at(2026, 9, 24), 3, CAL_2026) == end_of(2026, 9, 30)
    assert add_working_days(at(2026, 9, 24), 4, CAL_2026) == end_of(2026, 10, 8)
    # Received on the first day of 国庆: 5 working days are 8, 9, 10 (make-up Saturday), 12 and 13 Oct.
    assert add_working_days(at(2026, 10, 1), 5, CAL_2026) == end_of(2026, 10, 13)
    # Without the calendar the same voice would be due on 8 Oct.
    assert add_working_days(at(2026, 10, 1), 5, {}) == end_of(2026, 10, 8)


def test_a_make_up_sunday_counts():
    # Friday 18 Sep: the next working day is Sunday 20 Sep (调休上班).
    assert add_working_days(at(2026, 9, 18), 1, CAL_2026) == end_of(2026, 9, 20)
    assert add_working_days(at(2026, 9, 18), 2, CAL_2026) == end_of(2026, 9, 21)


def test_spring_festival():
    # Friday 13 Feb; Sat 14 is a make-up day, 15–23 off.
    assert add_working_days(at(2026, 2, 13), 1, CAL_2026) == end_of(2026, 2, 14)
    assert add_working_days(at(2026, 2, 13), 2, CAL_2026) == end_of(2026, 2, 24)


def test_time_zone_conversion_uses_the_local_day():
    # 17:00 UTC on 4 Dec is 01:00 on Saturday 5 Dec in Shanghai.
    utc = datetime(2026, 12, 4, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert add_working_days(utc, 1, {}, tz=SH) == end_of(2026, 12, 7)
    assert add_working_days(utc, 1, {}, tz=SH).tzinfo == SH


def test_naive_and_negative_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2026, 12, 1), 1, {})
    with pytest.raises(ValueError, match="negative"):
        add_working_days(at(2026, 12, 1), -1, {})


def test_working_days_between():
    assert working_days_between(at(2026, 9, 24), at(2026, 10, 8), CAL_2026) == 4
    assert working_days_between(at(2026, 10, 8), at(2026, 9, 24), CAL_2026) == -4
    assert working_days_between(at(2026, 12, 1, 9), at(2026, 12, 1, 18), {}) == 0
    assert working_days_between(at(2026, 12, 4), at(2026, 12, 7), {}) == 1


starts = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(SH))
small = st.integers(min_value=0, max_value=40)


@given(starts, small, small)
def test_deadlines_are_monotonic_in_days(start, n, m):
    a, b = sorted((n, m))
    assert add_working_days(start, a, CAL_2026) <= add_working_days(start, b, CAL_2026)


@given(starts, starts, small)
def test_deadlines_are_monotonic_in_start(s1, s2, n):
    s1, s2 = sorted((s1, s2))
    assert add_working_days(s1, n, CAL_2026) <= add_working_days(s2, n, CAL_2026)


@given(starts, small, small)
def test_adding_n_then_m_is_adding_n_plus_m(start, n, m):
    # From a working day's end (every deadline with n ≥ 1 is one).
    first = add_working_days(start, n, CAL_2026)
    assert add_working_days(first, m, CAL_2026) == add_working_days(start, n + m, CAL_2026)


@given(starts, small)
def test_between_inverts_add(start, n):
    due = add_working_days(start, n, CAL_2026)
    assert working_days_between(start, due, CAL_2026) == n
    if n:
        assert is_working_day(due.date(), CAL_2026)
        assert due.time() == time.max


@given(starts, small)
def test_a_deadline_is_after_the_start(start, n):
    due = add_working_days(start, n, CAL_2026)
    assert due >= start
    assert due - start < timedelta(days=n * 3 + 12)
