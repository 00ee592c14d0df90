"""Activities and their sessions: creating an activity (its sessions ahead for a recurring one), extending and
cancelling. Sign-ups are `signups`, check-in `checkin`, approval `approval`.

Locks: a session's row guards its sign-ups and `confirmed_count` (`session_lock`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.notifications.services import notify
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import service_hours as rules
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Recurrence,
    Session,
    SignUp,
    SignUpStatus,
)
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import Team
from gongzhi.timebank.predicates import (
    reaches_place,
    require_member,
    require_session_runner,
)

__all__ = [
    "CAPACITY_MAX",
    "MAX_SESSIONS",
    "SESSIONS_AHEAD",
    "activity_cancel",
    "activity_create",
    "sessions_extend",
]


SESSIONS_AHEAD = datetime.timedelta(weeks=8)  # recurring activities get sessions this far ahead; extend adds more
MAX_SESSIONS = 400
CAPACITY_MAX = 1000

# --- activities and sessions -----------------------------------------------------------------------------------


def _session_rows(activity: Activity, dates: Sequence[datetime.date]) -> list[Session]:
    tz = timezone.get_current_timezone()
    return [
        Session(
            community_id=activity.community_id,
            activity=activity,
            starts_at=datetime.datetime.combine(day, activity.start_time, tzinfo=tz),
            ends_at=datetime.datetime.combine(day, activity.end_time, tzinfo=tz),
            capacity=activity.capacity,
        )
        for day in dates
    ]


def _weekdays(activity: Activity) -> tuple[int, ...]:
    return rules.parse_weekdays(activity.weekdays)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    community: Place,
    title: str,
    description: str = "",
    kind: str = ActivityKind.EVENT,
    service_type: ServiceType,
    place: Place,
    recurrence: str = Recurrence.ONCE,
    weekdays: Sequence[int] = (),
    month_week: int | None = None,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int,
    team: Team | None = None,
    today: datetime.date | None = None,
) -> Activity:
    """Someone who may organise at the place (社工/书记, a grid worker, building or group head) creates an activity
    and becomes its organiser; its sessions are made up to the end date or SESSIONS_AHEAD from today (or from the
    start date, if later)."""
    require_member(actor, community)
    if not user_can(actor, Action.TIMEBANK_ORGANISE, community):
        raise PermissionDenied(_("您没有组织志愿活动的权限"))
    if not place.path.startswith(community.path):
        raise ValidationFailed(_("请选择本社区内的地点"), code=Code.BAD_PLACE, extra={"field": "place"})
    if not reaches_place(actor, Action.TIMEBANK_ORGANISE, place):
        raise PermissionDenied(_("您只能在自己负责的范围内组织活动"))
    title = clean_or_fail(
        title,
        label=_("活动名称"),
        max_length=100,
        field="title",
        required=_("请填写活动名称"),
        required_code=Code.TITLE,
    )
    description = clean_or_fail(description, label=_("活动内容"), max_length=4000, field="description")
    if kind not in ActivityKind.values:
        raise ValidationFailed(_("请选择活动类型"), code=Code.BAD_KIND, extra={"field": "kind"})
    if service_type.community_id != community.pk or not service_type.is_active:
        raise ValidationFailed(
            _("请选择本社区启用的服务类型"), code=Code.BAD_SERVICE_TYPE, extra={"field": "service_type"}
        )
    if team is not None and team.community_id != community.pk:
        raise ValidationFailed(_("请选择本社区的队伍"), code=Code.BAD_TEAM, extra={"field": "team"})
    if recurrence not in Recurrence.values:
        raise ValidationFailed(_("请选择重复方式"), code=Code.BAD_RECURRENCE, extra={"field": "recurrence"})
    days = tuple(sorted(set(weekdays)))
    if recurrence == Recurrence.ONCE:
        days, month_week, end_date = (), None, None
    elif not days or any(not 1 <= d <= 7 for d in days):
        raise ValidationFailed(_("重复的活动请选择星期几"), code=Code.BAD_WEEKDAYS, extra={"field": "weekdays"})
    if recurrence == Recurrence.WEEKLY:
        month_week = None
    if recurrence == Recurrence.MONTHLY:
        if len(days) != 1:
            raise ValidationFailed(
                _("每月的活动请只选择一个星期几，例如每月第一个周六"),
                code=Code.BAD_WEEKDAYS,
                extra={"field": "weekdays"},
            )
        if month_week is None or not 1 <= month_week <= rules.LAST_WEEK:
            raise ValidationFailed(_("请选择每月第几周"), code=Code.BAD_MONTH_WEEK, extra={"field": "month_week"})
    if end_time <= start_time:
        raise ValidationFailed(_("结束时间应晚于开始时间"), code=Code.BAD_TIMES, extra={"field": "end_time"})
    if end_date is not None and end_date < start_date:
        raise ValidationFailed(_("结束日期不能早于开始日期"), code=Code.BAD_DATES, extra={"field": "end_date"})
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= CAPACITY_MAX:
        raise ValidationFailed(
            _("名额应在 1 到 %(max)s 之间") % {"max": CAPACITY_MAX}, code=Code.BAD_CAPACITY, extra={"field": "capacity"}
        )
    # Eight weeks from today, or from the start for an activity published ahead of time.
    horizon = max(today or timezone.localdate(), start_date) + SESSIONS_AHEAD
    dates = rules.occurrences(recurrence, days, month_week, start_date, end_date, horizon)
    if not dates:
        raise ValidationFailed(_("所选日期范围内没有活动场次"), code=Code.NO_SESSIONS, extra={"field": "start_date"})
    if len(dates) > MAX_SESSIONS:
        raise ValidationFailed(
            _("场次过多（%(n)s 场），请缩短日期范围") % {"n": len(dates)}, code=Code.TOO_MANY_SESSIONS
        )
    activity = Activity(
        community=community,
        title=title,
        description=description,
        kind=kind,
        service_type=service_type,
        team=team,
        place=place,
        place_path=place.path,
        organiser=actor,
        recurrence=recurrence,
        weekdays=",".join(str(d) for d in days),
        month_week=month_week,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        created_by=actor,
    )
    activity.full_clean()
    activity.save()
    Session.objects.bulk_create(_session_rows(activity, dates))
    audit.record(
        actor=actor,
        verb="timebank.activity_create",
        obj=activity,
        community_id=community.pk,
        after={
            **audit.snapshot(
                activity,
                ["title", "kind", "service_type", "place", "recurrence", "weekdays", "month_week", "capacity"],
            ),
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat() if end_date else None,
            "sessions": len(dates),
        },
    )
    return activity


@transaction.atomic
def sessions_extend(*, actor: User, activity: Activity, today: datetime.date | None = None) -> list[Session]:
    """Adds a recurring activity's missing sessions up to SESSIONS_AHEAD from today (or its end date); the
    organiser or staff, e.g. from a weekly job. Existing sessions are left as they are."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_session_runner(actor, activity)
    if activity.status != ActivityStatus.OPEN or activity.recurrence == Recurrence.ONCE:
        return []
    horizon = max(today or timezone.localdate(), activity.start_date) + SESSIONS_AHEAD
    dates = rules.occurrences(
        activity.recurrence, _weekdays(activity), activity.month_week, activity.start_date, activity.end_date, horizon
    )
    have = {timezone.localtime(s).date() for s in activity.sessions.values_list("starts_at", flat=True)}
    added = Session.objects.bulk_create(_session_rows(activity, [d for d in dates if d not in have]))
    if added:
        audit.record(
            actor=actor,
            verb="timebank.sessions_extend",
            obj=activity,
            community_id=activity.community_id,
            after={"sessions": [s.starts_at.isoformat() for s in added]},
        )
    return added


@transaction.atomic
def activity_cancel(*, actor: User, activity: Activity, now: datetime.datetime | None = None) -> Activity:
    """The organiser or staff cancel an activity: its sessions not yet started are cancelled and their signed-up
    volunteers told. Records already made stay (and may still be approved)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_session_runner(actor, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationFailed(_("这个活动已经取消了"), code=Code.ALREADY_CANCELLED)
    now = now or timezone.now()
    upcoming = Session.objects.filter(activity=activity, starts_at__gt=now, is_cancelled=False)
    told = list(
        Person.objects.filter(
            pk__in=SignUp.objects.filter(session__in=upcoming)
            .exclude(status=SignUpStatus.CANCELLED)
            .values("person_id"),
            account__isnull=False,
        ).values_list("account_id", flat=True)
    )
    cancelled = upcoming.update(is_cancelled=True)
    before = {"status": activity.status}
    activity.status = ActivityStatus.CANCELLED
    activity.save(update_fields=["status"])
    notify(
        users=told,
        community_id=activity.community_id,
        kind="timebank.activity_cancelled",
        title=_("志愿活动“%(title)s”已取消") % {"title": activity.title},
        url=reverse("timebank:activity_detail", args=[activity.community_id, activity.pk]),
        dedupe_key=f"timebank-activity-cancelled-{activity.pk}",
    )
    audit.record(
        actor=actor,
        verb="timebank.activity_cancel",
        obj=activity,
        community_id=activity.community_id,
        before=before,
        after={"status": activity.status, "sessions_cancelled": cancelled},
    )
    return activity


def session_lock(session: Session) -> Session:
    """The session, locked for a change of its sign-ups, records or `confirmed_count`."""
    # Only the session's row: FOR UPDATE on the joined activity or community would serialise the whole community.
    locked: Session = (
        Session.objects.select_for_update(of=("self",)).select_related("activity", "community").get(pk=session.pk)
    )
    return locked
