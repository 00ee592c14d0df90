from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.volunteer_age import age_on, birthday_in, is_minor, latest_birth_date

pytestmark = pytest.mark.date_sensitive

D = datetime.date


@pytest.mark.parametrize(
    ("birth", "on", "minor"),
    [
        (D(2008, 6, 15), D(2026, 6, 14), True),  # the day before the 18th birthday
        (D(2008, 6, 15), D(2026, 6, 15), False),  # the birthday itself
        (D(2008, 6, 15), D(2026, 6, 16), False),
        (D(2008, 2, 29), D(2026, 2, 28), True),  # a leap-day child is still 17 on 28 February
        (D(2008, 2, 29), D(2026, 3, 1), False),  # and 18 on 1 March of a common year
        (D(2004, 2, 29), D(2022, 2, 28), True),
        (D(2004, 2, 29), D(2022, 3, 1), False),
        (D(2008, 2, 29), D(2028, 2, 29), False),
        (D(2010, 2, 28), D(2028, 2, 27), True),
        (D(2010, 2, 28), D(2028, 2, 28), False),
        (D(2026, 1, 1), D(2026, 1, 1), True),  # born today
        (D(1950, 1, 1), D(2026, 12, 1), False),
    ],
)
def test_is_minor_on_exact_birthdays(birth: datetime.date, on: datetime.date, minor: bool) -> None:
    assert is_minor(birth, on) is minor


def test_birthday_of_a_leap_day_child() -> None:
    assert birthday_in(D(2008, 2, 29), 2026) == D(2026, 3, 1)
    assert birthday_in(D(2008, 2, 29), 2028) == D(2028, 2, 29)
    assert birthday_in(D(2008, 3, 1), 2026) == D(2026, 3, 1)


def test_a_birth_after_the_day_is_refused() -> None:
    with pytest.raises(ValueError, match="出生日期"):
        age_on(D(2026, 1, 2), D(2026, 1, 1))


dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31))


@given(birth=dates, days=st.integers(min_value=0, max_value=40000))
def test_age_counts_birthdays_passed(birth: datetime.date, days: int) -> None:
    on = birth + datetime.timedelta(days=days)
    if on > D(2100, 12, 31):
        return
    passed = sum(1 for year in range(birth.year + 1, on.year + 1) if birthday_in(birth, year) <= on)
    assert age_on(birth, on) == passed
    assert is_minor(birth, on) is (passed < 18)


@given(birth=dates, days=st.integers(min_value=0, max_value=40000))
def test_age_never_decreases(birth: datetime.date, days: int) -> None:
    on = birth + datetime.timedelta(days=days)
    nxt = on + datetime.timedelta(days=1)
    if nxt > D(2100, 12, 31):
        return
    assert age_on(birth, on) <= age_on(birth, nxt) <= age_on(birth, on) + 1


@pytest.mark.parametrize(
    ("on", "age", "latest"),
    [
        (D(2026, 12, 1), 18, D(2008, 12, 1)),
        (D(2028, 2, 29), 18, D(2010, 2, 28)),  # 2010 has no 29 February
        (D(2028, 2, 29), 20, D(2008, 2, 29)),  # 2008 has one
        (D(2027, 3, 1), 60, D(1967, 3, 1)),
        (D(2029, 2, 28), 61, D(1968, 2, 28)),  # born 29 February 1968: 61 only on 1 March 2029
        (D(2026, 1, 1), 0, D(2026, 1, 1)),
    ],
)
def test_latest_birth_date_of_an_age(on: datetime.date, age: int, latest: datetime.date) -> None:
    assert latest_birth_date(on, age) == latest


@given(birth=dates, on=dates, age=st.integers(min_value=0, max_value=120))
def test_latest_birth_date_is_the_query_form_of_age_on(birth: datetime.date, on: datetime.date, age: int) -> None:
    if birth > on or on.year - age < 1:
        return
    assert (birth <= latest_birth_date(on, age)) is (age_on(birth, on) >= age)
