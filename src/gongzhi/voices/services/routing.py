"""Routing a voice to its responsible party, its deadline in working days, and the reminders and 督办 that follow.

- `route_for` / `voice_route_new`: the most specific row of the routing table (category × place subtree).
- `voice_due_at`: the deadline in working days (`rules.workdays`) with the deployment's holiday calendar.
- The table, the parties and the categories are edited by VOICE_MANAGE users (书记, 社工) through the services here;
  the holiday calendar is deployment-wide and edited by superusers only.
- `voices_sweep` sends reminders before a deadline and escalates (督办) overdue voices; `tasks.voices_sweep_task`
  runs it every 15 minutes.
- `holidays_load()` loads the bundled State Council calendar (`voices/holidays_cn.json`); the demo loader and
  `manage.py load_holidays` call it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, grants_for, user_can
from gongzhi.places.models import Place
from gongzhi.rules.workdays import add_working_days, working_days_between
from gongzhi.voices.models import (
    CalendarDay,
    Category,
    EventKind,
    Party,
    PartyKind,
    PartyMember,
    Route,
    Voice,
)
from gongzhi.voices.services.common import event_append, voice_lock

__all__ = [
    "calendar_day_clear",
    "calendar_day_set",
    "calendar_exceptions",
    "category_create",
    "category_update",
    "holidays_load",
    "party_create",
    "party_member_add",
    "party_member_remove",
    "party_update",
    "route_delete",
    "route_for",
    "route_set",
    "voice_due_at",
    "voice_route_new",
    "voices_sweep",
]

log = logging.getLogger(__name__)

HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "holidays_cn.json"
CALENDAR_VERSION_KEY = "voices:calendar:version"
_UNSET: Any = object()
_Date = date  # `calendar_day_set` takes a keyword named `date`


# --- routing -------------------------------------------------------------------------------------------------


def _prefixes(place_path: str) -> list[str]:
    parts = [p for p in place_path.strip("/").split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def route_for(*, community_id: int, category_id: int | None, place_path: str) -> Party | None:
    """The most specific route: the deepest place containing the voice, a named category before "any"."""
    routes = list(
        Route.objects.filter(community_id=community_id, place_path__in=_prefixes(place_path), party__is_active=True)
        .filter(Q(category_id=category_id) | Q(category__isnull=True))
        .select_related("party")
    )
    if not routes:
        return None
    best = max(routes, key=lambda r: (len(r.place_path), r.category_id is not None))
    party: Party = best.party
    return party


def voice_route_new(*, voice: Voice) -> Party | None:
    return route_for(community_id=voice.community_id, category_id=voice.category_id, place_path=voice.place_path)


# --- the calendar and deadlines ------------------------------------------------------------------------------

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


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def voice_due_at(*, category: Category, start: datetime) -> datetime:
    """The end of the category's N-th working day after the day the voice came in (see `rules.workdays`)."""
    return add_working_days(start, category.deadline_days, calendar_exceptions(), tz=_tz())


# --- permission helpers --------------------------------------------------------------------------------------


def _require_manage(actor: Any, community: Place) -> None:
    if not user_can(actor, Action.VOICE_MANAGE, community):
        raise PermissionDenied(_("只有社区书记或社工可以维护分派规则、责任方和类别"))


M = TypeVar("M", bound=CommunityOwned)


def _lock_managed(model: type[M], pk: Any, actor: Any) -> M:
    """The row locked FOR UPDATE with its community, for an actor who may manage that community (else 404/403)."""
    locked: M | None = model.objects.select_for_update().filter(pk=pk).select_related("community").first()
    if locked is None:
        raise NotFound()
    _require_manage(actor, locked.community)
    return locked


def _delete_managed(*, actor: Any, row: CommunityOwned, verb: str, before: dict[str, Any]) -> None:
    """Deletes a configuration row (a route, a membership) the actor manages, with its audit event."""
    pk = row.pk
    row.delete()
    audit.record(
        actor=actor,
        verb=verb,
        community_id=row.community_id,
        object_type=row._meta.label_lower,
        object_id=str(pk),
        before=before,
    )


def _in_community(community: Place, obj: Any) -> None:
    cid = obj.pk if isinstance(obj, Place) and obj.pk == community.pk else getattr(obj, "community_id", None)
    if cid != community.pk:
        raise NotFound()


# --- the routing table ---------------------------------------------------------------------------------------


@transaction.atomic
def route_set(*, actor: Any, community: Place, place: Place, category: Category | None, party: Party) -> Route:
    """Upserts the one row for (category or "any", place subtree). VOICE_MANAGE over the community."""
    _require_manage(actor, community)
    _in_community(community, place)
    _in_community(community, party)
    if category is not None:
        _in_community(community, category)
    if not Party.objects.filter(pk=party.pk, is_active=True).exists():  # as stored, not as the caller holds it
        raise ValidationFailed(_("该责任方已停用，请另选"), code="party_inactive", extra={"field": "party"})
    route = (
        Route.objects.select_for_update()
        .filter(community_id=community.pk, place=place, category=category)
        .select_related("party")
        .first()
    )
    before = {"party": route.party_id} if route else None
    if route is None:
        route = Route(
            community_id=community.pk,
            place=place,
            place_path=place.path,
            category=category,
            party=party,
            updated_by=actor,
        )
    else:
        route.party, route.updated_by = party, actor
    route.full_clean(validate_constraints=False)
    route.save()
    audit.record(
        actor=actor,
        verb="voice.route_set",
        obj=route,
        community_id=community.pk,
        before=before,
        after={"place": place.pk, "category": category.code if category else None, "party": party.pk},
    )
    return route


@transaction.atomic
def route_delete(*, actor: Any, route: Route) -> None:
    """Removes a row; voices already assigned keep their party. The community-wide default row stays deletable:
    voices without a route then wait unassigned for staff."""
    locked = _lock_managed(Route, route.pk, actor)
    before = {"place": locked.place_id, "category": locked.category_id, "party": locked.party_id}
    _delete_managed(actor=actor, row=locked, verb="voice.route_delete", before=before)


# --- parties -------------------------------------------------------------------------------------------------


def _party_name(name: str) -> str:
    return clean_or_fail(
        name,
        label=_("名称"),
        max_length=60,
        field="name",
        required=_("请填写责任方名称"),
        required_code="name_required",
    )


def _check_kind(kind: str) -> None:
    if kind not in PartyKind.values:
        raise ValidationFailed(_("请选择责任方类型"), code="bad_kind", extra={"field": "kind"})


def _check_supervisor(party: Party | None, supervisor: Party | None, community: Place) -> None:
    if supervisor is None:
        return
    _in_community(community, supervisor)
    seen: set[int] = set()
    node: Party | None = supervisor
    while node is not None:
        if party is not None and node.pk == party.pk:
            raise ValidationFailed(
                _("督办关系不能形成循环（责任方不能直接或间接督办自己）"),
                code="supervisor_cycle",
                extra={"field": "supervisor"},
            )
        if node.pk in seen:  # an older cycle elsewhere; stop walking
            break
        seen.add(node.pk)
        node = Party.objects.filter(pk=node.supervisor_id).first() if node.supervisor_id else None


def _name_taken(community: Place, name: str, exclude: int | None = None) -> None:
    qs = Party.objects.filter(community_id=community.pk, name=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise Duplicate(_("已有同名的责任方"), code="party_name_taken", extra={"field": "name"})


@transaction.atomic
def party_create(
    *, actor: Any, community: Place, name: str, kind: str, supervisor: Party | None = None, contact: str = ""
) -> Party:
    """A responsible party of the community. VOICE_MANAGE."""
    _require_manage(actor, community)
    name = _party_name(name)
    _check_kind(kind)
    contact = clean_or_fail(contact, label=_("联系方式"), max_length=60, field="contact")
    _check_supervisor(None, supervisor, community)
    _name_taken(community, name)
    party = Party(community_id=community.pk, name=name, kind=kind, supervisor=supervisor, contact=contact)
    party.full_clean(validate_constraints=False)
    party.save()
    audit.record(
        actor=actor,
        verb="voice.party_create",
        obj=party,
        community_id=community.pk,
        after={"name": name, "kind": kind, "supervisor": supervisor.pk if supervisor else None},
    )
    return party


@transaction.atomic
def party_update(
    *,
    actor: Any,
    party: Party,
    name: str | None = None,
    kind: str | None = None,
    supervisor: Any = _UNSET,
    contact: str | None = None,
    is_active: bool | None = None,
) -> Party:
    """Changes a party; a supervisor that would make 督办 go round in a circle is refused. VOICE_MANAGE."""
    locked = _lock_managed(Party, party.pk, actor)
    community = locked.community
    fields = ["name", "kind", "supervisor_id", "contact", "is_active"]
    before = audit.snapshot(locked, fields)
    if name is not None:
        locked.name = _party_name(name)
        _name_taken(community, locked.name, exclude=locked.pk)
    if kind is not None:
        _check_kind(kind)
        locked.kind = kind
    if supervisor is not _UNSET:
        _check_supervisor(locked, supervisor, community)
        locked.supervisor = supervisor
    if contact is not None:
        locked.contact = clean_or_fail(contact, label=_("联系方式"), max_length=60, field="contact")
    if is_active is not None:
        locked.is_active = bool(is_active)
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["name", "kind", "supervisor", "contact", "is_active"])
    audit.record(
        actor=actor,
        verb="voice.party_update",
        obj=locked,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(locked, fields),
    )
    return locked


@transaction.atomic
def party_member_add(*, actor: Any, party: Party, user: Any, is_lead: bool = False) -> PartyMember:
    """Adds a user who acts for the party; they must hold a role in the party's community. VOICE_MANAGE."""
    locked = _lock_managed(Party, party.pk, actor)
    if user is None or not any(g.community_id == locked.community_id for g in grants_for(user)):
        raise ValidationFailed(
            _("该用户在本社区没有角色，不能加入责任方"), code="member_not_in_community", extra={"field": "user"}
        )
    if PartyMember.objects.filter(party=locked, user=user).exists():
        raise Duplicate(_("该用户已是此责任方的成员"), code="already_member", extra={"field": "user"})
    member = PartyMember.objects.create(
        community_id=locked.community_id, party=locked, user=user, is_lead=bool(is_lead)
    )
    user.__dict__.pop("_gongzhi_party_ids", None)
    audit.record(
        actor=actor,
        verb="voice.party_member_add",
        obj=member,
        community_id=locked.community_id,
        after={"party": locked.pk, "user": user.pk, "lead": bool(is_lead)},
    )
    return member


@transaction.atomic
def party_member_remove(*, actor: Any, member: PartyMember) -> None:
    """Removes a member; the voices stay with the party. VOICE_MANAGE."""
    locked = _lock_managed(PartyMember, member.pk, actor)
    before = {"party": locked.party_id, "user": locked.user_id, "lead": locked.is_lead}
    _delete_managed(actor=actor, row=locked, verb="voice.party_member_remove", before=before)


# --- categories ----------------------------------------------------------------------------------------------


def _check_days(deadline_days: int, remind_days_before: int) -> None:
    if not 1 <= int(deadline_days) <= 60:
        raise ValidationFailed(_("办理时限应为1至60个工作日"), code="bad_deadline", extra={"field": "deadline_days"})
    if not 0 <= int(remind_days_before) < int(deadline_days):
        raise ValidationFailed(
            _("提前提醒的天数应小于办理时限"), code="bad_remind", extra={"field": "remind_days_before"}
        )


@transaction.atomic
def category_create(
    *,
    actor: Any,
    community: Place,
    code: str,
    name: str,
    deadline_days: int,
    remind_days_before: int = 1,
    group: str = "",
    description: str = "",
) -> Category:
    """A category of voices (also an Open311 service, its code the service_code). VOICE_MANAGE."""
    _require_manage(actor, community)
    code = (code or "").strip().lower()
    category = Category(
        community_id=community.pk,
        code=code,
        name=clean_or_fail(
            name,
            label=_("名称"),
            max_length=40,
            field="name",
            required=_("请填写类别名称"),
            required_code="name_required",
        ),
        deadline_days=deadline_days,
        remind_days_before=remind_days_before,
        group=clean_or_fail(group, label=_("分组"), max_length=40, field="group"),
        description=clean_or_fail(description, label=_("说明"), max_length=200, field="description"),
        sort_order=Category.objects.filter(community_id=community.pk).count(),
    )
    _check_days(deadline_days, remind_days_before)
    try:
        category.full_clean(exclude=["community"], validate_constraints=False)
    except Exception as exc:
        raise ValidationFailed(
            _("编码只能使用英文字母、数字、连字符和下划线"), code="bad_code", extra={"field": "code"}
        ) from exc
    if Category.objects.filter(community_id=community.pk, code=code).exists():
        raise Duplicate(_("该编码已被使用"), code="category_code_taken", extra={"field": "code"})
    category.save()
    audit.record(
        actor=actor,
        verb="voice.category_create",
        obj=category,
        community_id=community.pk,
        after=audit.snapshot(category, ["code", "name", "deadline_days", "remind_days_before"]),
    )
    return category


@transaction.atomic
def category_update(
    *,
    actor: Any,
    category: Category,
    name: str | None = None,
    deadline_days: int | None = None,
    remind_days_before: int | None = None,
    group: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Category:
    """Changes a category; its code stays (integrations know it). Voices already filed keep their deadline.
    VOICE_MANAGE."""
    locked = _lock_managed(Category, category.pk, actor)
    fields = ["name", "deadline_days", "remind_days_before", "group", "description", "is_active"]
    before = audit.snapshot(locked, fields)
    if name is not None:
        locked.name = clean_or_fail(
            name,
            label=_("名称"),
            max_length=40,
            field="name",
            required=_("请填写类别名称"),
            required_code="name_required",
        )
    new_deadline = locked.deadline_days if deadline_days is None else deadline_days
    new_remind = locked.remind_days_before if remind_days_before is None else remind_days_before
    _check_days(new_deadline, new_remind)
    locked.deadline_days, locked.remind_days_before = int(new_deadline), int(new_remind)
    if group is not None:
        locked.group = clean_or_fail(group, label=_("分组"), max_length=40, field="group")
    if description is not None:
        locked.description = clean_or_fail(description, label=_("说明"), max_length=200, field="description")
    if is_active is not None:
        locked.is_active = bool(is_active)
    locked.full_clean(exclude=["community"], validate_constraints=False)
    locked.save(update_fields=fields)
    audit.record(
        actor=actor,
        verb="voice.category_update",
        obj=locked,
        community_id=locked.community_id,
        before=before,
        after=audit.snapshot(locked, fields),
    )
    return locked


# --- the holiday calendar (deployment-wide) ------------------------------------------------------------------


def _require_superuser(actor: Any) -> None:
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("节假日安排全平台通用，只有系统管理员可以修改"))


@transaction.atomic
def calendar_day_set(*, actor: Any, date: date, is_workday: bool, name: str) -> CalendarDay:
    """Marks a date as a holiday or a make-up working day. Superusers only; deadlines set later use it."""
    _require_superuser(actor)
    if not isinstance(date, _Date) or isinstance(date, datetime):
        raise ValidationFailed(_("请填写日期"), code="bad_date", extra={"field": "date"})
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
def calendar_day_clear(*, actor: Any, date: date) -> None:
    """Returns a date to the ordinary week. Superusers only."""
    _require_superuser(actor)
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


# --- reminders and 督办 --------------------------------------------------------------------------------------


def _member_ids(party: Party | None) -> list[int]:
    if party is None:
        return []
    return list(PartyMember.objects.filter(party=party).values_list("user_id", flat=True))


def _committee_of(community_id: int) -> Party | None:
    committee: Party | None = (
        Party.objects.filter(community_id=community_id, kind=PartyKind.COMMITTEE, is_active=True).order_by("id").first()
    )
    return committee


def _voice_url(voice: Voice) -> str:
    return f"/c/{voice.community_id}/voices/{voice.pk}/"


def _reminded_for_deadline(voice: Voice, category: Category, exceptions: dict[date, bool]) -> bool:
    # A reminder sent for an earlier deadline (before a reopen gave a new one) does not count.
    if voice.reminded_at is None or voice.due_at is None:
        return False
    return voice.reminded_at <= voice.due_at and working_days_between(
        voice.reminded_at, voice.due_at, exceptions, tz=_tz()
    ) <= max(category.remind_days_before, 0)


def _escalated_for_deadline(voice: Voice) -> bool:
    return voice.escalated_at is not None and voice.due_at is not None and voice.escalated_at >= voice.due_at


def _remind(voice: Voice, now: datetime) -> None:
    from gongzhi.notifications.services import notify

    party = voice.party
    notify(
        users=_member_ids(party),
        community_id=voice.community_id,
        kind="voice.remind",
        title=_("诉求 #%(id)s 即将到期") % {"id": voice.pk},
        body=_("请在 %(due)s 前办结：%(text)s")
        % {"due": timezone.localtime(voice.due_at, _tz()).strftime("%Y-%m-%d"), "text": voice.summary},
        url=_voice_url(voice),
        dedupe_key=f"voice:{voice.pk}:remind:{voice.due_at.isoformat() if voice.due_at else ''}",
    )
    voice.reminded_at = now
    voice.save(update_fields=["reminded_at", "updated_at"])
    event_append(
        voice=voice,
        kind=EventKind.REMINDED,
        actor=None,
        party=party,
        actor_label=party.name if party else "",
        body=_("距办理期限不足 %(n)s 个工作日，已提醒责任方") % {"n": voice.category.remind_days_before},
        is_public=False,
        at=now,
    )
    audit.record(
        actor=None,
        verb="voice.remind",
        obj=voice,
        community_id=voice.community_id,
        after={"party": party.pk if party else None, "due_at": voice.due_at},
    )


def _escalate(voice: Voice, now: datetime) -> None:
    from gongzhi.notifications.services import notify

    party = voice.party
    committee = _committee_of(voice.community_id)
    if party is None:
        supervisor = committee
    elif party.supervisor_id:
        supervisor = party.supervisor
    else:
        supervisor = committee if committee is not None and committee.pk != party.pk else None
    users = _member_ids(supervisor) + _member_ids(party)
    level = voice.escalation_level + 1
    notify(
        users=users,
        community_id=voice.community_id,
        kind="voice.escalate",
        title=_("督办：诉求 #%(id)s 已超期") % {"id": voice.pk},
        body=_("%(party)s 未在期限内办结：%(text)s")
        % {"party": party.name if party else _("（未分派）"), "text": voice.summary},
        url=_voice_url(voice),
        dedupe_key=f"voice:{voice.pk}:escalate:{voice.due_at.isoformat() if voice.due_at else ''}",
    )
    voice.escalated_at, voice.escalation_level = now, level
    voice.save(update_fields=["escalated_at", "escalation_level", "updated_at"])
    event_append(
        voice=voice,
        kind=EventKind.ESCALATED,
        actor=None,
        party=supervisor,
        actor_label=supervisor.name if supervisor else "",
        body=_("已督办"),
        is_public=True,
        at=now,
    )
    audit.record(
        actor=None,
        verb="voice.escalate",
        obj=voice,
        community_id=voice.community_id,
        before={"escalation_level": level - 1},
        after={
            "escalation_level": level,
            "party": party.pk if party else None,
            "supervisor": supervisor.pk if supervisor else None,
            "due_at": voice.due_at,
        },
    )


def voices_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Reminds the responsible party before a deadline and escalates (督办) overdue voices to the supervisor.
    One transaction per voice under `voice_lock`, re-checked after the lock, so racing sweeps act once.
    Called by the background task; not a user action."""
    now = now or timezone.now()
    exceptions = calendar_exceptions()
    # Nothing is due for a reminder beyond the largest reminder window of any category.
    widest = Category.objects.aggregate(n=Max("remind_days_before"))["n"] or 0
    horizon = add_working_days(now, widest, exceptions, tz=_tz())
    candidates = list(
        Voice.objects.filter(is_open=True, due_at__isnull=False, merged_into__isnull=True, due_at__lte=horizon)
        .filter(Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("due_at")))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    counts = {"checked": len(candidates), "reminded": 0, "escalated": 0}
    for pk in candidates:
        try:
            with transaction.atomic():
                voice = voice_lock(pk)
                if not voice.is_open or voice.due_at is None or voice.merged_into_id:
                    continue
                voice = Voice.objects.select_related("category", "party", "party__supervisor").get(pk=pk)
                if now > voice.due_at:
                    if not _escalated_for_deadline(voice):
                        _escalate(voice, now)
                        counts["escalated"] += 1
                elif (
                    voice.category.remind_days_before > 0
                    and working_days_between(now, voice.due_at, exceptions, tz=_tz())
                    <= voice.category.remind_days_before
                    and not _reminded_for_deadline(voice, voice.category, exceptions)
                ):
                    _remind(voice, now)
                    counts["reminded"] += 1
        except NotFound:
            continue
        except Exception:  # one bad row must not stop the sweep for every other voice
            log.exception("voices sweep failed for voice %s", pk)
    return counts
