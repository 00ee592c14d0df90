"""Earning by verified service: activities and their sessions, sign-ups with a waitlist, QR check-in/out, paper
sign-in sheets, and the approval (or rejection, dispute and decision) that posts a record's points.

Locks: a session's row guards its sign-ups and `confirmed_count`; a record's row guards its status, so a record is
approved (and its points posted, with the key `record:<pk>:earn`) at most once.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.guesses import GuessLimit
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing, user_can
from gongzhi.notifications.services import notify
from gongzhi.people.models import Person
from gongzhi.places.models import Household, Place
from gongzhi.rules import redemption_code as code_rules
from gongzhi.rules import service_hours as rules
from gongzhi.timebank.models import (
    COLLECTIVE_KINDS,
    Account,
    AccountKind,
    AccountMember,
    Activity,
    ActivityKind,
    ActivityStatus,
    RecordSource,
    RecordStatus,
    Recurrence,
    ServiceRecord,
    ServiceType,
    Session,
    SignUp,
    SignUpStatus,
    Team,
    TransactionKind,
    Volunteer,
    VolunteerStatus,
)
from gongzhi.timebank.services.ledger import in_community, individual_account, system_account
from gongzhi.timebank.services.posting import transfer_post

__all__ = [
    "CHECK_IN_GRACE",
    "CODE_GUESSES",
    "SESSIONS_AHEAD",
    "AttendanceRow",
    "activity_cancel",
    "activity_create",
    "attendance_enter",
    "can_decide",
    "can_run_session",
    "check_in",
    "check_out",
    "dispute_decide",
    "person_from_code",
    "record_approve",
    "record_dispute",
    "record_reject",
    "sessions_extend",
    "signup_cancel",
    "signup_create",
    "volunteer_code",
    "volunteer_code_rotate",
]

SESSIONS_AHEAD = datetime.timedelta(weeks=8)  # recurring activities get sessions this far ahead; extend adds more
MAX_SESSIONS = 400
CAPACITY_MAX = 1000
CHECK_IN_GRACE = datetime.timedelta(hours=2)  # a scan this long before or after the session's span still counts
CODE_ATTEMPTS = 20  # draws of a fresh volunteer code before giving up (a community uses a tiny share of 10⁶)
CODE_GUESSES = GuessLimit(
    name="volunteer-code",
    limit=10,  # wrong codes one organiser may enter in the window, counted from the first of them
    window=datetime.timedelta(minutes=10),
    message=gettext_lazy("志愿者码输错次数过多，请 %(minutes)s 分钟后再试，或改用纸质签到表"),
)
REASON_MAX = 200
DISPUTE_MAX = 500


# --- who may ---------------------------------------------------------------------------------------------------


def _require_member(actor: Any, community: Place) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not in_community(actor, community):
        raise NotFound()


def _is_staff(actor: Any, community: Place) -> bool:
    """Community staff (书记/社工): they may run any session and decide any record of the community."""
    return user_can(actor, Action.TIMEBANK_ISSUE, community)


def _reaches_place(actor: Any, action: Action, place: Place) -> bool:
    """Whether a grant for `action` covers the place: the whole community, a subtree holding it, or a grid with a
    household at or under it."""
    for grant in grants_allowing(actor, action):
        if grant.community_id is None:
            if grant.place_path and place.path.startswith(grant.place_path):
                return True
            continue
        if grant.community_id != place.community_id and grant.community_id != place.pk:
            continue
        if grant.whole_community or (grant.place_path and place.path.startswith(grant.place_path)):
            return True
        if (
            grant.grid_path
            and Household.objects.filter(place_path__under=place.path, grid_path__under=grant.grid_path).exists()
        ):
            return True
    return False


def can_run_session(actor: Any, activity: Activity) -> bool:
    """The activity's organiser, or community staff, scan codes, enter paper sheets and cancel."""
    return bool(activity.organiser_id == getattr(actor, "pk", None) or _is_staff(actor, activity.community))


def _require_runner(actor: Any, activity: Activity) -> None:
    _require_member(actor, activity.community)
    if not can_run_session(actor, activity):
        raise PermissionDenied(_("只有活动的组织者或社区工作人员可以办理签到"))


def _grid_reaches(actor: Any, record: ServiceRecord) -> bool:
    """A grid worker's grid reaches a resident-to-resident record by the volunteer's grid, else by its place."""
    for grant in grants_allowing(actor, Action.TIMEBANK_APPROVE_HELP):
        if grant.community_id != record.community_id:
            continue
        if grant.grid_path and record.grid_path and record.grid_path.startswith(grant.grid_path):
            return True
        if grant.place_path and record.place_path.startswith(grant.place_path):
            return True
    return False


def can_decide(actor: Any, record: ServiceRecord, activity: Activity | None) -> bool:
    """Who approves or rejects a record: community staff; the organiser of the record's activity (their own
    activities only); for resident-to-resident help, the grid worker whose grid reaches it. `activity` is the
    record's session's activity, passed in so that a list of records costs no query per row."""
    if _is_staff(actor, record.community):
        return True
    if record.source == RecordSource.EXCHANGE:
        return _grid_reaches(actor, record)
    return activity is not None and activity.organiser_id == getattr(actor, "pk", None)


def _record_activity(record: ServiceRecord) -> Activity | None:
    return record.session.activity if record.session_id and record.session is not None else None


def _require_decider(actor: Any, record: ServiceRecord) -> None:
    _require_member(actor, record.community)
    if not can_decide(actor, record, _record_activity(record)):
        if record.source == RecordSource.EXCHANGE:
            raise PermissionDenied(_("只有所在网格的网格员或社区工作人员可以审核邻里互助"))
        raise PermissionDenied(_("只有本活动的组织者或社区工作人员可以审核服务时长"))
    if Person.objects.filter(pk=record.person_id, account_id=actor.pk).exists():
        raise PermissionDenied(_("不能审核自己的服务记录"))


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
    actor: Any,
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
    _require_member(actor, community)
    if not user_can(actor, Action.TIMEBANK_ORGANISE, community):
        raise PermissionDenied(_("您没有组织志愿活动的权限"))
    if not place.path.startswith(community.path):
        raise ValidationFailed(_("请选择本社区内的地点"), code="bad_place", extra={"field": "place"})
    if not _reaches_place(actor, Action.TIMEBANK_ORGANISE, place):
        raise PermissionDenied(_("您只能在自己负责的范围内组织活动"))
    title = clean_or_fail(
        title, label=_("活动名称"), max_length=100, field="title", required=_("请填写活动名称"), required_code="title"
    )
    description = clean_or_fail(description, label=_("活动内容"), max_length=4000, field="description")
    if kind not in ActivityKind.values:
        raise ValidationFailed(_("请选择活动类型"), code="bad_kind", extra={"field": "kind"})
    if service_type.community_id != community.pk or not service_type.is_active:
        raise ValidationFailed(
            _("请选择本社区启用的服务类型"), code="bad_service_type", extra={"field": "service_type"}
        )
    if team is not None and team.community_id != community.pk:
        raise ValidationFailed(_("请选择本社区的队伍"), code="bad_team", extra={"field": "team"})
    if recurrence not in Recurrence.values:
        raise ValidationFailed(_("请选择重复方式"), code="bad_recurrence", extra={"field": "recurrence"})
    days = tuple(sorted(set(weekdays)))
    if recurrence == Recurrence.ONCE:
        days, month_week, end_date = (), None, None
    elif not days or any(not 1 <= d <= 7 for d in days):
        raise ValidationFailed(_("重复的活动请选择星期几"), code="bad_weekdays", extra={"field": "weekdays"})
    if recurrence == Recurrence.WEEKLY:
        month_week = None
    if recurrence == Recurrence.MONTHLY:
        if len(days) != 1:
            raise ValidationFailed(
                _("每月的活动请只选择一个星期几，例如每月第一个周六"), code="bad_weekdays", extra={"field": "weekdays"}
            )
        if month_week is None or not 1 <= month_week <= rules.LAST_WEEK:
            raise ValidationFailed(_("请选择每月第几周"), code="bad_month_week", extra={"field": "month_week"})
    if end_time <= start_time:
        raise ValidationFailed(_("结束时间应晚于开始时间"), code="bad_times", extra={"field": "end_time"})
    if end_date is not None and end_date < start_date:
        raise ValidationFailed(_("结束日期不能早于开始日期"), code="bad_dates", extra={"field": "end_date"})
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= CAPACITY_MAX:
        raise ValidationFailed(
            _("名额应在 1 到 %(max)s 之间") % {"max": CAPACITY_MAX}, code="bad_capacity", extra={"field": "capacity"}
        )
    # Eight weeks from today, or from the start for an activity published ahead of time.
    horizon = max(today or timezone.localdate(), start_date) + SESSIONS_AHEAD
    dates = rules.occurrences(recurrence, days, month_week, start_date, end_date, horizon)
    if not dates:
        raise ValidationFailed(_("所选日期范围内没有活动场次"), code="no_sessions", extra={"field": "start_date"})
    if len(dates) > MAX_SESSIONS:
        raise ValidationFailed(_("场次过多（%(n)s 场），请缩短日期范围") % {"n": len(dates)}, code="too_many_sessions")
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
def sessions_extend(*, actor: Any, activity: Activity, today: datetime.date | None = None) -> list[Session]:
    """Adds a recurring activity's missing sessions up to SESSIONS_AHEAD from today (or its end date); the
    organiser or staff, e.g. from a weekly job. Existing sessions are left as they are."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_runner(actor, activity)
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
def activity_cancel(*, actor: Any, activity: Activity, now: datetime.datetime | None = None) -> Activity:
    """The organiser or staff cancel an activity: its sessions not yet started are cancelled and their signed-up
    volunteers told. Records already made stay (and may still be approved)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_runner(actor, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationFailed(_("这个活动已经取消了"), code="already_cancelled")
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


# --- sign-up and waitlist --------------------------------------------------------------------------------------


def _own_volunteer(actor: Any, community: Place) -> Person:
    """The actor's own person in the community, who must be an active registered volunteer."""
    person: Person | None = (
        Person.objects.filter(
            account_id=actor.pk,
            community=community,
            pk__in=Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE).values("person_id"),
        )
        .order_by("id")
        .first()
    )
    if person is None:
        raise ValidationFailed(_("您还不是本社区在册的志愿者，请先到社区登记注册志愿者后再报名"), code="not_volunteer")
    return person


def _check_card(card: Account, person: Person) -> None:
    if (
        card.kind not in COLLECTIVE_KINDS
        or card.community_id != person.community_id
        or not card.is_active
        or not AccountMember.objects.filter(account=card, person=person).exists()
    ):
        raise ValidationFailed(
            _("您不是这张集体卡的成员，不能以它的名义服务"), code="not_a_member", extra={"field": "card"}
        )


def _lock_session(session: Session) -> Session:
    # Only the session's row: FOR UPDATE on the joined activity or community would serialise the whole community.
    locked: Session = (
        Session.objects.select_for_update(of=("self",)).select_related("activity", "community").get(pk=session.pk)
    )
    return locked


@transaction.atomic
def signup_create(
    *, actor: Any, session: Session, card: Account | None = None, now: datetime.datetime | None = None
) -> SignUp:
    """An active volunteer of the community signs up for a session, once. Under the session's row lock: a free
    place confirms (and counts), a full session puts them on the waitlist at the next position. With `card`, a
    collective card they are a member of, the points of this service will go to the card."""
    session = _lock_session(session)
    community = session.community
    _require_member(actor, community)
    now = now or timezone.now()
    if session.is_cancelled or session.activity.status != ActivityStatus.OPEN:
        raise ValidationFailed(_("这个场次已取消，不能报名"), code="session_cancelled")
    if session.ends_at <= now:
        raise ValidationFailed(_("这个场次已经结束，不能报名"), code="session_over")
    person = _own_volunteer(actor, community)
    if card is not None:
        _check_card(card, person)
    signup: SignUp | None = SignUp.objects.filter(session=session, person=person).first()
    if signup is not None and signup.status != SignUpStatus.CANCELLED:
        raise Duplicate(_("您已经报名了这个场次"), code="already_signed_up")
    before = {"status": signup.status} if signup is not None else None
    if signup is None:
        signup = SignUp(community=community, session=session, person=person)
    signup.card = card
    signup.updated_at = now
    if session.confirmed_count < session.capacity:
        signup.status, signup.waitlist_position = SignUpStatus.CONFIRMED, None
        Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + 1)
        session.confirmed_count += 1
    else:
        last = SignUp.objects.filter(session=session, status=SignUpStatus.WAITLISTED).aggregate(
            last=Max("waitlist_position")
        )["last"]
        signup.status, signup.waitlist_position = SignUpStatus.WAITLISTED, (last or 0) + 1
    signup.save()
    audit.record(
        actor=actor,
        verb="timebank.signup_create",
        obj=signup,
        community_id=community.pk,
        before=before,
        after={
            "session": session.pk,
            "person": person.pk,
            "status": signup.status,
            "waitlist_position": signup.waitlist_position,
            "card": card.pk if card is not None else None,
        },
    )
    return signup


@transaction.atomic
def signup_cancel(*, actor: Any, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    """The volunteer (or the session's organiser or staff) cancels a sign-up before the session ends. Under the
    session's lock: a confirmed place goes to the first on the waitlist, who is told; the queue closes up."""
    session = _lock_session(signup.session)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    community = session.community
    _require_member(actor, community)
    own = Person.objects.filter(pk=signup.person_id, account_id=actor.pk).exists()
    if not own and not can_run_session(actor, session.activity):
        raise PermissionDenied(_("只能取消自己的报名"))
    now = now or timezone.now()
    if signup.status == SignUpStatus.CANCELLED:
        raise ValidationFailed(_("这个报名已经取消了"), code="already_cancelled")
    if ServiceRecord.objects.filter(session=session, person_id=signup.person_id).exists():
        raise ValidationFailed(_("已经签到，不能取消报名"), code="checked_in")
    if session.ends_at <= now:
        raise ValidationFailed(_("这个场次已经结束，不能取消报名"), code="session_over")
    before = {"status": signup.status, "waitlist_position": signup.waitlist_position}
    promoted: SignUp | None = None
    waiting = SignUp.objects.filter(session=session, status=SignUpStatus.WAITLISTED)
    if signup.status == SignUpStatus.CONFIRMED:
        promoted = waiting.select_related("person").order_by("waitlist_position", "id").first()
        if promoted is None:
            Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") - 1)
        else:
            promoted.status, promoted.waitlist_position, promoted.updated_at = SignUpStatus.CONFIRMED, None, now
            promoted.save(update_fields=["status", "waitlist_position", "updated_at"])
            waiting.update(waitlist_position=F("waitlist_position") - 1)
    else:
        waiting.filter(waitlist_position__gt=signup.waitlist_position or 0).update(
            waitlist_position=F("waitlist_position") - 1
        )
    signup.status, signup.waitlist_position, signup.updated_at = SignUpStatus.CANCELLED, None, now
    signup.save(update_fields=["status", "waitlist_position", "updated_at"])
    if promoted is not None and promoted.person.account_id:
        notify(
            users=[promoted.person.account_id],
            community_id=community.pk,
            kind="timebank.waitlist_promoted",
            title=_("候补成功：您已报上“%(title)s” %(when)s 的场次")
            % {"title": session.activity.title, "when": f"{timezone.localtime(session.starts_at):%m-%d %H:%M}"},
            url=reverse("timebank:activity_detail", args=[community.pk, session.activity_id]),
            dedupe_key=f"timebank-promoted-{promoted.pk}-{now.timestamp()}",
        )
    audit.record(
        actor=actor,
        verb="timebank.signup_cancel",
        obj=signup,
        community_id=community.pk,
        before=before,
        after={"status": signup.status, "promoted": promoted.pk if promoted is not None else None},
    )
    return signup


# --- QR check-in and check-out ---------------------------------------------------------------------------------


def _draw_code(row: Volunteer, *, avoid: str = "") -> None:
    """Gives the locked volunteer row a fresh code unique in its community. A draw that races another volunteer's
    to the same digits fails the unique constraint in its savepoint and draws again."""
    for _attempt in range(CODE_ATTEMPTS):
        code = code_rules.code_from(secrets.randbelow)
        if code == avoid or Volunteer.objects.filter(community_id=row.community_id, code=code).exists():
            continue
        row.code = code
        try:
            with transaction.atomic():
                row.save(update_fields=["code"])
        except IntegrityError:
            continue
        return
    raise ValidationFailed(_("志愿者码暂时无法生成，请稍后重试"), code="code_exhausted")


def volunteer_code(person: Person) -> str:
    """The check-in code of the person's active registration in their community: six random digits, shown as a
    QR and as text, issued on first need (under the volunteer's row lock, audited). NotFound for a person who is
    not an active volunteer there."""
    code: str | None = (
        Volunteer.objects.filter(community_id=person.community_id, person=person, status=VolunteerStatus.ACTIVE)
        .values_list("code", flat=True)
        .first()
    )
    if code is None:
        raise NotFound()
    return code or _issue_code(person)


@transaction.atomic
def _issue_code(person: Person) -> str:
    row: Volunteer | None = (
        Volunteer.objects.select_for_update()
        .filter(community_id=person.community_id, person=person, status=VolunteerStatus.ACTIVE)
        .first()
    )
    if row is None:
        raise NotFound()
    if not row.code:  # another request may have issued it while this one waited for the lock
        _draw_code(row)
        # The code itself stays out of the audit trail: whoever reads the trail must not be able to check anyone in.
        audit.record(actor=None, verb="timebank.volunteer_code_issue", obj=row, community_id=row.community_id)
    return row.code


@transaction.atomic
def volunteer_code_rotate(*, actor: Any, community: Place) -> Volunteer:
    """The volunteer replaces their own code (photographed, lent, seen by the wrong person): the old code stops
    checking them in at once. Only the volunteer may; anyone else is not an active volunteer here (NotFound)."""
    _require_member(actor, community)
    row: Volunteer | None = (
        Volunteer.objects.select_for_update()
        .filter(community=community, person__account_id=actor.pk, status=VolunteerStatus.ACTIVE)
        .order_by("id")
        .first()
    )
    if row is None:
        raise NotFound()
    _draw_code(row, avoid=row.code)
    audit.record(actor=actor, verb="timebank.volunteer_code_rotate", obj=row, community_id=row.community_id)
    return row


def person_from_code(community: Place, code: str) -> Person:
    """The active volunteer of the community whose code was scanned or typed (full-width digits, spaces and
    dashes between them allowed); a Chinese error otherwise. A code of another community is unknown here."""
    lookup = code_rules.parse_lookup(code)
    row: Volunteer | None = None
    if lookup is not None and lookup.code:
        row = (
            Volunteer.objects.filter(community=community, code=lookup.code, status=VolunteerStatus.ACTIVE)
            .select_related("person")
            .first()
        )
    if row is None:
        raise ValidationFailed(
            _("无法识别这个志愿者码，请核对后重新输入（6位数字）"), code="bad_code", extra={"field": "code"}
        )
    return row.person


def _scanned_person(actor: Any, session: Session, code: str) -> Person:
    """`person_from_code`, limited to CODE_GUESSES wrong codes per organiser, so six digits cannot be tried one
    after another."""
    CODE_GUESSES.check(actor)
    try:
        return person_from_code(session.community, code)
    except ValidationFailed:
        CODE_GUESSES.missed(actor)
        raise


def _scan_checks(actor: Any, session: Session, now: datetime.datetime) -> None:
    _require_runner(actor, session.activity)
    if session.is_cancelled:
        raise ValidationFailed(_("这个场次已取消"), code="session_cancelled")
    if not rules.in_window(now, session.starts_at, session.ends_at, CHECK_IN_GRACE):
        raise ValidationFailed(
            _("现在不是这个场次的签到时间：只能在活动开始前后 %(hours)s 小时内扫码")
            % {"hours": int(CHECK_IN_GRACE.total_seconds() // 3600)},
            code="not_now",
        )


@transaction.atomic
def check_in(*, actor: Any, session: Session, code: str, now: datetime.datetime | None = None) -> ServiceRecord:
    """The organiser (or staff) scans a confirmed volunteer's code at the session: a record starts (CHECKED_IN,
    source QR, the activity's content and place). Once per person and session."""
    session = _lock_session(session)
    now = now or timezone.now()
    _scan_checks(actor, session, now)
    person = _scanned_person(actor, session, code)
    signup: SignUp | None = SignUp.objects.filter(session=session, person=person).first()
    if signup is None or signup.status == SignUpStatus.CANCELLED:
        raise ValidationFailed(
            _("%(name)s 没有报名这个场次，不能签到") % {"name": person.masked_name}, code="not_signed_up"
        )
    if signup.status == SignUpStatus.WAITLISTED:
        raise ValidationFailed(
            _("%(name)s 还在候补名单上，没有确认报名，不能签到") % {"name": person.masked_name}, code="waitlisted"
        )
    if ServiceRecord.objects.filter(session=session, person=person).exists():
        raise Duplicate(_("%(name)s 已经签到过了") % {"name": person.masked_name}, code="already_checked_in")
    activity = session.activity
    record = ServiceRecord(
        community_id=session.community_id,
        person=person,
        card=signup.card,
        service_type_id=activity.service_type_id,
        session=session,
        team_id=activity.team_id,
        source=RecordSource.QR,
        content=activity.title,
        place_id=activity.place_id,
        place_path=activity.place_path,
        grid_path=person.grid_path,
        service_date=timezone.localtime(now).date(),
        started_at=now,
        status=RecordStatus.CHECKED_IN,
        recorded_by=actor,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise Duplicate(_("%(name)s 已经签到过了") % {"name": person.masked_name}, code="already_checked_in") from None
    audit.record(
        actor=actor,
        verb="timebank.check_in",
        obj=record,
        community_id=session.community_id,
        after={"session": session.pk, "person": person.pk, "started_at": now.isoformat()},
    )
    return record


@transaction.atomic
def check_out(*, actor: Any, session: Session, code: str, now: datetime.datetime | None = None) -> ServiceRecord:
    """The organiser scans the code again at the end: the record's minutes are the time served inside the
    session's span (`service_minutes`), and it waits for approval (PENDING)."""
    session = _lock_session(session)
    now = now or timezone.now()
    _scan_checks(actor, session, now)
    person = _scanned_person(actor, session, code)
    record: ServiceRecord | None = (
        ServiceRecord.objects.select_for_update().filter(session=session, person=person).first()
    )
    if record is None:
        raise ValidationFailed(_("%(name)s 还没有签到，不能签退") % {"name": person.masked_name}, code="not_checked_in")
    if record.status != RecordStatus.CHECKED_IN:
        raise Duplicate(_("%(name)s 已经签退过了") % {"name": person.masked_name}, code="already_checked_out")
    ended = max(now, record.started_at)
    record.ended_at = ended
    record.minutes = rules.service_minutes(record.started_at, ended, session.starts_at, session.ends_at)
    record.status = RecordStatus.PENDING
    record.save(update_fields=["ended_at", "minutes", "status"])
    audit.record(
        actor=actor,
        verb="timebank.check_out",
        obj=record,
        community_id=session.community_id,
        before={"status": RecordStatus.CHECKED_IN},
        after={"status": record.status, "ended_at": ended.isoformat(), "minutes": record.minutes},
    )
    return record


# --- paper sign-in sheets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow:
    """One line of a paper sign-in sheet: who, and from when to when they served."""

    person: Person
    start: datetime.datetime
    end: datetime.datetime


@transaction.atomic
def attendance_enter(*, actor: Any, session: Session, rows: Sequence[AttendanceRow]) -> list[ServiceRecord]:
    """The organiser or staff copy a paper sign-in sheet: one PENDING record (source PAPER) per row, each inside
    the session's span, each person an active volunteer of the community without a record of this session.
    All rows or none."""
    session = _lock_session(session)
    _require_runner(actor, session.activity)
    if session.is_cancelled:
        raise ValidationFailed(_("这个场次已取消"), code="session_cancelled")
    if not rows:
        raise ValidationFailed(_("请至少填写一行签到记录"), code="no_rows")
    people = [row.person.pk for row in rows]
    if len(set(people)) != len(people):
        raise ValidationFailed(_("同一位志愿者在签到表中出现了两次"), code="duplicate_row")
    if any(row.person.community_id != session.community_id for row in rows):
        raise NotFound()
    volunteers = set(
        Volunteer.objects.filter(
            community_id=session.community_id, person_id__in=people, status=VolunteerStatus.ACTIVE
        ).values_list("person_id", flat=True)
    )
    recorded = set(
        ServiceRecord.objects.filter(session=session, person_id__in=people).values_list("person_id", flat=True)
    )
    cards = dict(
        SignUp.objects.filter(session=session, person_id__in=people)
        .exclude(status=SignUpStatus.CANCELLED)
        .values_list("person_id", "card_id")
    )
    activity = session.activity
    records: list[ServiceRecord] = []
    for number, row in enumerate(rows, start=1):
        name = row.person.masked_name
        values = {"row": number, "name": name}
        if row.person.pk not in volunteers:
            raise ValidationFailed(
                _("第 %(row)s 行：%(name)s 不是本社区在册的志愿者") % values,
                code="not_volunteer",
                extra={"row": number},
            )
        if row.person.pk in recorded:
            raise Duplicate(
                _("第 %(row)s 行：%(name)s 在这个场次已有服务记录") % values,
                code="already_recorded",
                extra={"row": number},
            )
        problem = rules.check_span(row.start, row.end, session.starts_at, session.ends_at)
        if problem == "order":
            raise ValidationFailed(
                _("第 %(row)s 行：结束时间应晚于开始时间") % values, code="bad_span", extra={"row": number}
            )
        if problem == "over_span":
            raise ValidationFailed(
                _("第 %(row)s 行：服务时长超过活动时段（%(start)s–%(end)s）")
                % {
                    **values,
                    "start": f"{timezone.localtime(session.starts_at):%H:%M}",
                    "end": f"{timezone.localtime(session.ends_at):%H:%M}",
                },
                code="over_span",
                extra={"row": number},
            )
        records.append(
            ServiceRecord(
                community_id=session.community_id,
                person=row.person,
                card_id=cards.get(row.person.pk),
                service_type_id=activity.service_type_id,
                session=session,
                team_id=activity.team_id,
                source=RecordSource.PAPER,
                content=activity.title,
                place_id=activity.place_id,
                place_path=activity.place_path,
                grid_path=row.person.grid_path,
                service_date=timezone.localtime(row.start).date(),
                started_at=row.start,
                ended_at=row.end,
                minutes=rules.service_minutes(row.start, row.end, session.starts_at, session.ends_at),
                status=RecordStatus.PENDING,
                recorded_by=actor,
            )
        )
    try:
        with transaction.atomic():
            created = ServiceRecord.objects.bulk_create(records)
    except IntegrityError:
        raise Duplicate(_("签到表中有志愿者在这个场次已有服务记录"), code="already_recorded") from None
    audit.record(
        actor=actor,
        verb="timebank.attendance_enter",
        obj=session,
        community_id=session.community_id,
        after={
            "records": [[r.person_id, r.started_at.isoformat(), r.ended_at.isoformat()] for r in records if r.ended_at]
        },
    )
    return created


# --- approval and disputes -------------------------------------------------------------------------------------


def _lock_record(record: ServiceRecord) -> ServiceRecord:
    locked: ServiceRecord = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("community", "person", "service_type", "session__activity", "card")
        .get(pk=record.pk)
    )
    return locked


def _not_decidable(record: ServiceRecord, wanted: str) -> ValidationFailed:
    if record.status == RecordStatus.APPROVED:
        return ValidationFailed(_("这条服务记录已经审核通过，不能重复审核"), code="already_approved")
    if wanted == RecordStatus.DISPUTED:
        return ValidationFailed(_("这条服务记录不在申诉中"), code="not_disputed")
    if record.status == RecordStatus.CHECKED_IN:
        return ValidationFailed(_("志愿者还没有签退，不能审核"), code="not_checked_out")
    return ValidationFailed(
        _("这条服务记录现在是“%(status)s”，不能审核") % {"status": record.get_status_display()}, code="not_pending"
    )


def _post_points(actor: Any, record: ServiceRecord, now: datetime.datetime) -> None:
    """One EARN transaction, issuance → the person's account or the card (the person named on the entry)."""
    points = rules.points_for(record.minutes, record.service_type.points_per_hour)
    record.points = points
    if points > 0:
        target = record.card if record.card is not None else individual_account(record.person)
        if target.kind not in (AccountKind.INDIVIDUAL, *COLLECTIVE_KINDS):
            raise ValidationFailed(_("积分只能发放到个人账户或集体卡"), code="bad_account")
        community: Place = record.community
        record.transaction = transfer_post(
            actor=actor,
            community=community,
            kind=TransactionKind.EARN,
            postings=[(system_account(community, AccountKind.ISSUANCE), -points), (target, points)],
            memo=f"志愿服务：{record.content}"[:200],  # stored data, in Chinese like the memos staff type
            idempotency_key=f"record:{record.pk}:earn",
            attributed_person=record.person,
        )
    record.status = RecordStatus.APPROVED
    record.reviewed_by = actor
    record.reviewed_at = now


def _tell_volunteer(record: ServiceRecord, kind: str, title: str, body: str = "") -> None:
    if record.person.account_id:
        notify(
            users=[record.person.account_id],
            community_id=record.community_id,
            kind=kind,
            title=title,
            body=body,
            url=reverse("timebank:my_activities", args=[record.community_id]),
            dedupe_key=f"{kind}-{record.pk}",
        )


def _hours_text(record: ServiceRecord) -> str:
    return f"{record.minutes / 60:.1f}"


@transaction.atomic
def record_approve(*, actor: Any, record: ServiceRecord, now: datetime.datetime | None = None) -> ServiceRecord:
    """The activity's organiser (their own activities only), the grid worker for resident-to-resident help, or
    staff approve a PENDING record: its points (minutes × the service type's points per hour) are posted once."""
    record = _lock_record(record)
    _require_decider(actor, record)
    if record.status != RecordStatus.PENDING:
        raise _not_decidable(record, RecordStatus.PENDING)
    now = now or timezone.now()
    _post_points(actor, record, now)
    record.save(update_fields=["status", "points", "transaction", "reviewed_by", "reviewed_at"])
    _tell_volunteer(
        record,
        "timebank.record_approved",
        _("服务时长已审核通过：%(content)s，%(hours)s 小时，%(points)s 积分")
        % {"content": record.content, "hours": _hours_text(record), "points": record.points},
    )
    audit.record(
        actor=actor,
        verb="timebank.record_approve",
        obj=record,
        community_id=record.community_id,
        before={"status": RecordStatus.PENDING},
        after={"status": record.status, "points": record.points, "transaction": record.transaction_id},
    )
    return record


def _reason(reason: str, *, label: Any, required: Any, max_length: int = REASON_MAX) -> str:
    return clean_or_fail(
        reason, label=label, max_length=max_length, field="reason", required=required, required_code="reason_required"
    )


@transaction.atomic
def record_reject(
    *, actor: Any, record: ServiceRecord, reason: str, now: datetime.datetime | None = None
) -> ServiceRecord:
    """The same deciders reject a PENDING record, with a reason the volunteer sees (and may dispute once)."""
    record = _lock_record(record)
    _require_decider(actor, record)
    if record.status != RecordStatus.PENDING:
        raise _not_decidable(record, RecordStatus.PENDING)
    reason = _reason(reason, label=_("不通过原因"), required=_("请填写不通过的原因"))
    record.status = RecordStatus.REJECTED
    record.reject_reason = reason
    record.reviewed_by = actor
    record.reviewed_at = now or timezone.now()
    record.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    _tell_volunteer(
        record,
        "timebank.record_rejected",
        _("服务时长未通过审核：%(content)s") % {"content": record.content},
        _("原因：%(reason)s。如有异议，可以在“我的活动”中申诉一次。") % {"reason": reason},
    )
    audit.record(
        actor=actor,
        verb="timebank.record_reject",
        obj=record,
        community_id=record.community_id,
        before={"status": RecordStatus.PENDING},
        after={"status": record.status, "reason": reason},
    )
    return record


@transaction.atomic
def record_dispute(
    *, actor: Any, record: ServiceRecord, reason: str, now: datetime.datetime | None = None
) -> ServiceRecord:
    """The volunteer disputes the rejection of their own record, once; staff then decide."""
    record = _lock_record(record)
    _require_member(actor, record.community)
    if record.person.account_id != actor.pk:
        raise PermissionDenied(_("只能对自己的服务记录申诉"))
    if record.disputed_at is not None:
        raise ValidationFailed(_("每条服务记录只能申诉一次"), code="dispute_once")
    if record.status != RecordStatus.REJECTED:
        raise ValidationFailed(_("只有未通过审核的服务记录可以申诉"), code="not_rejected")
    reason = _reason(reason, label=_("申诉理由"), required=_("请填写申诉理由"), max_length=DISPUTE_MAX)
    record.status = RecordStatus.DISPUTED
    record.dispute_reason = reason
    record.disputed_at = now or timezone.now()
    record.save(update_fields=["status", "dispute_reason", "disputed_at"])
    audit.record(
        actor=actor,
        verb="timebank.record_dispute",
        obj=record,
        community_id=record.community_id,
        before={"status": RecordStatus.REJECTED},
        after={"status": record.status, "reason": reason},
    )
    return record


@transaction.atomic
def dispute_decide(
    *, actor: Any, record: ServiceRecord, approve: bool, reason: str = "", now: datetime.datetime | None = None
) -> ServiceRecord:
    """Community staff decide a dispute: upheld → APPROVED with its points posted; dismissed (reason required) →
    DISMISSED, final."""
    record = _lock_record(record)
    _require_member(actor, record.community)
    if not _is_staff(actor, record.community):
        raise PermissionDenied(_("只有社区工作人员可以处理申诉"))
    if Person.objects.filter(pk=record.person_id, account_id=actor.pk).exists():
        raise PermissionDenied(_("不能审核自己的服务记录"))
    if record.status != RecordStatus.DISPUTED:
        raise _not_decidable(record, RecordStatus.DISPUTED)
    now = now or timezone.now()
    before = {"status": record.status, "reject_reason": record.reject_reason}
    if approve:
        reason = clean_or_fail(reason, label=_("处理意见"), max_length=REASON_MAX, field="reason")
        _post_points(actor, record, now)
        record.save(update_fields=["status", "points", "transaction", "reviewed_by", "reviewed_at"])
        _tell_volunteer(
            record,
            "timebank.dispute_upheld",
            _("申诉成立，服务时长已审核通过：%(content)s，%(points)s 积分")
            % {"content": record.content, "points": record.points},
            reason,
        )
    else:
        reason = _reason(reason, label=_("处理意见"), required=_("驳回申诉请填写理由"))
        record.status = RecordStatus.DISMISSED
        record.reject_reason = reason
        record.reviewed_by = actor
        record.reviewed_at = now
        record.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
        _tell_volunteer(
            record,
            "timebank.dispute_dismissed",
            _("申诉未通过：%(content)s") % {"content": record.content},
            _("理由：%(reason)s") % {"reason": reason},
        )
    audit.record(
        actor=actor,
        verb="timebank.dispute_decide",
        obj=record,
        community_id=record.community_id,
        before=before,
        after={"status": record.status, "points": record.points, "reason": reason},
    )
    return record
