"""The holiday calendar and deadlines in working days.

- `voice_due_at`: the deadline in working days (`rules.workdays`) with the deployment's holiday calendar.
- The holiday calendar is deployment-wide and edited by superusers only.
- `holidays_load()` loads the bundled State Council calendar (`voices/holidays_cn.json`); the demo loader and
  `manage.py load_holidays` call it.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.rules.workdays import add_working_days
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    CalendarDay,
    Category,
)
from gongzhi.voices.predicates import can_edit_calendar

__all__ = [
    "calendar_day_clear",
    "calendar_day_set",
    "calendar_exceptions",
    "deadline_tz",
    "holidays_load",
    "voice_due_at",
]

HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "holidays_cn.json"
CALENDAR_VERSION_KEY = "voices:calendar:version"
_Date = date  # `calendar_day_set` takes a keyword named `date`

# version → (loaded at, exceptions). The version lives in the shared cache; with a per-process cache (LocMem,
# the default) another process's change reaches this one after CALENDAR_MAX_AGE at the latest.
_calendar_cache: dict[str, tuple[float, dict[date, bool]]] = {}
CALENDAR_MAX_AGE = 600.0


def _calendar_version() -> str:
    version = cache.get(CALENDAR_VERSION_KEY)
    if version is None:
        cache.add(CALENDAR_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CALENDAR_VERSION_KEY) or "none"
    return str(version)


def _calendar_changed() -> None:
    # Now (so this process and transaction see the change) and again on commit (so no other process keeps
    # a copy it read before the commit under the new version).
    cache.set(CALENDAR_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(CALENDAR_VERSION_KEY, uuid.uuid4().hex, timeout=None))


def calendar_exceptions() -> dict[date, bool]:
    """The deployment's holidays and make-up days, read once per process per calendar version (a few dozen rows
    a year)."""
    version = _calendar_version()
    cached = _calendar_cache.get(version)
    if cached is not None and time.monotonic() - cached[0] < CALENDAR_MAX_AGE:
        return cached[1]
    exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
    _calendar_cache.clear()
    _calendar_cache[version] = (time.monotonic(), exceptions)
    return exceptions


def deadline_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def voice_due_at(*, category: Category, start: datetime) -> datetime:
    """The end of the category's N-th working day after the day the voice came in (see `rules.workdays`)."""
    return add_working_days(start, category.deadline_days, calendar_exceptions(), tz=deadline_tz())


# --- the holiday calendar (deployment-wide) ------------------------------------------------------------------


def _refuse_unless_superuser(actor: User) -> None:
    if not can_edit_calendar(actor):
        raise PermissionDenied(_("节假日安排全平台通用，只有系统管理员可以修改"))


@transaction.atomic
def calendar_day_set(*, actor: User, date: date, is_workday: bool, name: str) -> CalendarDay:
    """Marks a date as a holiday or a make-up working day. Superusers only; deadlines set later use it."""
    _refuse_unless_superuser(actor)
    if not isinstance(date, _Date) or isinstance(date, datetime):
        raise ValidationFailed(_("请填写日期"), code=Code.BAD_DATE, extra={"field": "date"})
    name = clean_or_fail(name, label=_("名称"), max_length=40, field="name")
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = {"is_workday": day.is_workday, "name": day.name} if day else None
    if day is None:
        day = CalendarDay(date=date)
    day.is_workday, day.name = bool(is_workday), name
    day.full_clean(validate_unique=False)
    day.save()
    _calendar_changed()
    audit.record(
        actor=actor,
        verb="voice.calendar_set",
        obj=day,
        community_id=None,
        before=before,
        after={"date": date.isoformat(), "is_workday": day.is_workday, "name": name},
    )
    return day


@transaction.atomic
def calendar_day_clear(*, actor: User, date: date) -> None:
    """Returns a date to the ordinary week. Superusers only."""
    _refuse_unless_superuser(actor)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        raise NotFound()
    before = {"date": date.isoformat(), "is_workday": day.is_workday, "name": day.name}
    pk = day.pk
    day.delete()
    _calendar_changed()
    audit.record(
        actor=actor,
        verb="voice.calendar_clear",
        community_id=None,
        object_type="voices.calendarday",
        object_id=str(pk),
        before=before,
    )


@transaction.atomic
def holidays_load(*, path: Path | None = None) -> int:
    """Loads the bundled public holidays and make-up days (idempotent; returns how many dates were written).
    The demo loader and `manage.py load_holidays` call this; a system action, audited without an actor."""
    data = json.loads((path or HOLIDAYS_FILE).read_text("utf-8"))
    written = 0
    for row in data["days"]:
        day = date.fromisoformat(row["date"])
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_workday": bool(row["is_workday"]), "name": row.get("name", "")[:40]}
        )
        written += 1
    _calendar_changed()
    audit.record(
        actor=None,
        verb="voice.calendar_load",
        community_id=None,
        object_type="voices.calendarday",
        after={"source": data.get("source", ""), "days": written},
    )
    return written
