"""A street's ledger settings (the elderly's overdraft allowance and age, the monthly family gift limit, the
clearing limit) and the floors of individual accounts that follow them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, IntegerField, Subquery, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules.volunteer_age import latest_birth_date
from gongzhi.timebank.models.ledger import (
    ELDERLY_FLOOR_MIN,
    INDIVIDUAL_FLOOR,
    Account,
    AccountKind,
)
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.predicates import (
    require_street,
)

__all__ = [
    "SETTING_FIELDS",
    "elderly_born_by",
    "elderly_floors_follow",
    "individual_floor",
    "ledger_settings",
    "ledger_settings_for",
    "ledger_settings_save",
]


# --- a street's settings --------------------------------------------------------------------------------------

SETTING_FIELDS = ["elderly_floor", "elderly_age", "gift_monthly_limit", "clearing_limit"]


def ledger_settings(street: Place | None) -> LedgerSettings:
    """The street's limits; an unsaved row of the defaults when the street has set none."""
    if street is None:
        return LedgerSettings()
    found: LedgerSettings | None = LedgerSettings.objects.filter(street_id=street.pk).first()
    return found if found is not None else LedgerSettings(street=street)


def ledger_settings_for(community_id: int) -> LedgerSettings:
    """The limits of the street a community belongs to, in one query."""
    street = Place.objects.filter(pk=community_id).values("parent_id")
    found: LedgerSettings | None = LedgerSettings.objects.filter(street_id=Subquery(street)).first()
    return found if found is not None else LedgerSettings()


def elderly_born_by(today: datetime.date, age: int) -> datetime.date:
    """The latest birth date of someone who is `age` or older on `today` (29 February birthdays count from 1 March)."""
    return latest_birth_date(today, age)


def individual_floor(person: Person, settings: LedgerSettings, today: datetime.date | None = None) -> int:
    """An individual may not overdraw, except a resident of the street's elderly age, down to its allowance."""
    cutoff = elderly_born_by(today or timezone.localdate(), settings.elderly_age)
    return settings.elderly_floor if person.birth_date <= cutoff else INDIVIDUAL_FLOOR


def _setting_int(value: Any, low: int, high: int, field: str, message: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(message, code=f"bad_{field}", extra={"field": field})
    return value


@transaction.atomic
def ledger_settings_save(
    *,
    actor: User,
    street: Place,
    elderly_floor: int,
    elderly_age: int,
    gift_monthly_limit: int,
    clearing_limit: int,
) -> LedgerSettings:
    """Street staff set the street's limits. The floors of the street's individual accounts follow the elderly
    rule at once (an elder's to the allowance, everyone else's to 0), but a floor never rises above a balance that
    is already negative: nobody is left below their floor, they just cannot spend until they earn again."""
    require_street(actor, street, Action.TIMEBANK_SETTINGS, _("只有街道工作人员可以设置时间银行规则"))
    values = {
        "elderly_floor": _setting_int(
            elderly_floor,
            ELDERLY_FLOOR_MIN,
            0,
            "elderly_floor",
            _("老年人最低余额应在 %(min)s 到 0 之间") % {"min": ELDERLY_FLOOR_MIN},
        ),
        "elderly_age": _setting_int(elderly_age, 50, 100, "elderly_age", _("老年人年龄应在 50 到 100 岁之间")),
        "gift_monthly_limit": _setting_int(
            gift_monthly_limit, 0, 100_000, "gift_monthly_limit", _("每月家庭赠送上限应在 0 到 100000 积分之间")
        ),
        "clearing_limit": _setting_int(
            clearing_limit, 0, 10_000_000, "clearing_limit", _("通存通兑清算上限应在 0 到 10000000 积分之间")
        ),
    }
    row: LedgerSettings | None = LedgerSettings.objects.select_for_update().filter(street_id=street.pk).first()
    before = audit.snapshot(row, SETTING_FIELDS) if row is not None else None
    if row is None:
        row = LedgerSettings(street=street)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.save()
    refloored = _refloor_street(street, row)
    audit.record(
        actor=actor,
        verb="timebank.settings",
        obj=row,
        community_id=None,
        before=before,
        after={**audit.snapshot(row, SETTING_FIELDS), "accounts_refloored": refloored},
    )
    return row


def _refloor_street(street: Place, settings: LedgerSettings) -> int:
    """Moves the floors of the street's individual accounts to the rule under their row locks, so that no balance
    changes between reading it and setting a floor that may not rise above it."""
    cutoff = elderly_born_by(timezone.localdate(), settings.elderly_age)
    communities = Place.objects.filter(parent_id=street.pk).values("pk")
    accounts = Account.objects.filter(kind=AccountKind.INDIVIDUAL, community_id__in=communities)
    # Locked first in id order, the order transfer_post takes them in, so a racing gift cannot deadlock with us.
    list(accounts.select_for_update().order_by("id").values_list("pk", flat=True))
    changed = 0
    for group, target in (
        (accounts.filter(person__birth_date__lte=cutoff), settings.elderly_floor),
        (accounts.exclude(person__birth_date__lte=cutoff), INDIVIDUAL_FLOOR),
    ):
        floor = Least(Value(target), F("balance"), output_field=IntegerField())
        changed += group.exclude(floor=floor).update(floor=floor)
    return changed


@transaction.atomic
def elderly_floors_follow(today: datetime.date | None = None) -> int:
    """Residents who reached their street's elderly age since their account was opened get its allowance (the
    hourly sweep). Only lowers floors, so no balance can end below one; one audit event per street that changed."""
    today = today or timezone.localdate()
    changed = 0
    for settings in LedgerSettings.objects.filter(elderly_floor__lt=0).order_by("street_id"):
        cutoff = elderly_born_by(today, settings.elderly_age)
        due = Account.objects.filter(
            kind=AccountKind.INDIVIDUAL,
            community__parent_id=settings.street_id,
            person__birth_date__lte=cutoff,
            floor__gt=settings.elderly_floor,
        )
        # Locked in id order, the order transfer_post takes them in, so a racing spend cannot deadlock with us.
        ids = list(due.select_for_update().order_by("id").values_list("pk", flat=True))
        if not ids:
            continue
        Account.objects.filter(pk__in=ids).update(floor=settings.elderly_floor)
        changed += len(ids)
        audit.record(
            actor=None,
            verb="timebank.elderly_floors",
            obj=settings,
            community_id=None,
            after={"accounts": ids, "floor": settings.elderly_floor, "born_by": cutoff.isoformat()},
        )
    return changed
