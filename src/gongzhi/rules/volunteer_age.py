"""Whether a volunteer is a minor on a given day.

《志愿服务条例》(2017) 第十五条: a minor may take part in volunteer service suited to their age and ability with
the consent of their guardian; 《民法典》第十七条: a person under eighteen is a minor. A person reaches an age on
their birthday; one born on 29 February reaches it on 1 March in a common year (the day after 28 February, the
last day they have not yet completed the year).
"""

from __future__ import annotations

import datetime

__all__ = ["ADULT_AGE", "age_on", "birthday_in", "is_minor", "latest_birth_date"]

ADULT_AGE = 18


def birthday_in(birth_date: datetime.date, year: int) -> datetime.date:
    """The day in `year` on which a person born on `birth_date` completes another year of age."""
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return datetime.date(year, 3, 1)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed years of age on the day `on` (0 before the first birthday; negative years never happen)."""
    if on < birth_date:
        raise ValueError("出生日期晚于当天")
    years = on.year - birth_date.year
    if on < birthday_in(birth_date, on.year):
        years -= 1
    return years


def latest_birth_date(on: datetime.date, age: int) -> datetime.date:
    """The last birth date of someone who is `age` or older on the day `on`, so that a query can ask
    `birth_date <= latest_birth_date(on, age)` for `age_on(birth_date, on) >= age`. On 29 February, when the year
    `age` back is common, it is that year's 28 February."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # `on` is 29 February and `age` years back is a common year
        return datetime.date(on.year - age, 2, 28)


def is_minor(birth_date: datetime.date, on: datetime.date) -> bool:
    """Under eighteen on the day `on`."""
    return age_on(birth_date, on) < ADULT_AGE
