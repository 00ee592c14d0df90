"""Presence at a session: the volunteer's check-in code, QR check-in and check-out by the organiser, and paper
sign-in sheets copied in afterwards. Each makes or finishes a service record that then waits for approval.

Locks: the session's row (`session_lock`); a volunteer's row while its code is drawn.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, ValidationFailed
from gongzhi.core.guesses import GuessLimit
from gongzhi.core.models import User
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import redemption_code as code_rules
from gongzhi.rules import service_hours as rules
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import RecordSource, RecordStatus, ServiceRecord, Session, SignUp, SignUpStatus
from gongzhi.timebank.models.volunteers import Volunteer, VolunteerStatus
from gongzhi.timebank.predicates import (
    require_member,
    require_session_runner,
)
from gongzhi.timebank.services.activities import session_lock

__all__ = [
    "CHECK_IN_GRACE",
    "CODE_GUESSES",
    "AttendanceRow",
    "attendance_enter",
    "check_in",
    "check_out",
    "person_from_code",
    "volunteer_code",
    "volunteer_code_rotate",
]


CHECK_IN_GRACE = datetime.timedelta(hours=2)  # a scan this long before or after the session's span still counts
CODE_ATTEMPTS = 20  # draws of a fresh volunteer code before giving up (a community uses a tiny share of 10⁶)
CODE_GUESSES = GuessLimit(
    name="volunteer-code",
    limit=10,  # wrong codes one organiser may enter in the window, counted from the first of them
    window=datetime.timedelta(minutes=10),
    message=gettext_lazy("志愿者码输错次数过多，请 %(minutes)s 分钟后再试，或改用纸质签到表"),
)

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
    raise ValidationFailed(_("志愿者码暂时无法生成，请稍后重试"), code=Code.CODE_EXHAUSTED)


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
def volunteer_code_rotate(*, actor: User, community: Place) -> Volunteer:
    """The volunteer replaces their own code (photographed, lent, seen by the wrong person): the old code stops
    checking them in at once. Only the volunteer may; anyone else is not an active volunteer here (NotFound)."""
    require_member(actor, community)
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
            _("无法识别这个志愿者码，请核对后重新输入（6位数字）"), code=Code.BAD_CODE, extra={"field": "code"}
        )
    return row.person


def _scanned_person(actor: User, session: Session, code: str) -> Person:
    """`person_from_code`, limited to CODE_GUESSES wrong codes per organiser, so six digits cannot be tried one
    after another."""
    CODE_GUESSES.check(actor)
    try:
        return person_from_code(session.community, code)
    except ValidationFailed:
        CODE_GUESSES.missed(actor)
        raise


def _scan_checks(actor: User, session: Session, now: datetime.datetime) -> None:
    require_session_runner(actor, session.activity)
    if session.is_cancelled:
        raise ValidationFailed(_("这个场次已取消"), code=Code.SESSION_CANCELLED)
    if not rules.in_window(now, session.starts_at, session.ends_at, CHECK_IN_GRACE):
        raise ValidationFailed(
            _("现在不是这个场次的签到时间：只能在活动开始前后 %(hours)s 小时内扫码")
            % {"hours": int(CHECK_IN_GRACE.total_seconds() // 3600)},
            code=Code.NOT_NOW,
        )


@transaction.atomic
def check_in(*, actor: User, session: Session, code: str, now: datetime.datetime | None = None) -> ServiceRecord:
    """The organiser (or staff) scans a confirmed volunteer's code at the session: a record starts (CHECKED_IN,
    source QR, the activity's content and place). Once per person and session."""
    session = session_lock(session)
    now = now or timezone.now()
    _scan_checks(actor, session, now)
    person = _scanned_person(actor, session, code)
    signup: SignUp | None = SignUp.objects.filter(session=session, person=person).first()
    if signup is None or signup.status == SignUpStatus.CANCELLED:
        raise ValidationFailed(
            _("%(name)s 没有报名这个场次，不能签到") % {"name": person.masked_name}, code=Code.NOT_SIGNED_UP
        )
    if signup.status == SignUpStatus.WAITLISTED:
        raise ValidationFailed(
            _("%(name)s 还在候补名单上，没有确认报名，不能签到") % {"name": person.masked_name}, code=Code.WAITLISTED
        )
    if ServiceRecord.objects.filter(session=session, person=person).exists():
        raise Duplicate(_("%(name)s 已经签到过了") % {"name": person.masked_name}, code=Code.ALREADY_CHECKED_IN)
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
        raise Duplicate(
            _("%(name)s 已经签到过了") % {"name": person.masked_name}, code=Code.ALREADY_CHECKED_IN
        ) from None
    audit.record(
        actor=actor,
        verb="timebank.check_in",
        obj=record,
        community_id=session.community_id,
        after={"session": session.pk, "person": person.pk, "started_at": now.isoformat()},
    )
    return record


@transaction.atomic
def check_out(*, actor: User, session: Session, code: str, now: datetime.datetime | None = None) -> ServiceRecord:
    """The organiser scans the code again at the end: the record's minutes are the time served inside the
    session's span (`service_minutes`), and it waits for approval (PENDING)."""
    session = session_lock(session)
    now = now or timezone.now()
    _scan_checks(actor, session, now)
    person = _scanned_person(actor, session, code)
    record: ServiceRecord | None = (
        ServiceRecord.objects.select_for_update().filter(session=session, person=person).first()
    )
    if record is None:
        raise ValidationFailed(
            _("%(name)s 还没有签到，不能签退") % {"name": person.masked_name}, code=Code.NOT_CHECKED_IN
        )
    if record.status != RecordStatus.CHECKED_IN:
        raise Duplicate(_("%(name)s 已经签退过了") % {"name": person.masked_name}, code=Code.ALREADY_CHECKED_OUT)
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
def attendance_enter(*, actor: User, session: Session, rows: Sequence[AttendanceRow]) -> list[ServiceRecord]:
    """The organiser or staff copy a paper sign-in sheet: one PENDING record (source PAPER) per row, each inside
    the session's span, each person an active volunteer of the community without a record of this session.
    All rows or none."""
    session = session_lock(session)
    require_session_runner(actor, session.activity)
    if session.is_cancelled:
        raise ValidationFailed(_("这个场次已取消"), code=Code.SESSION_CANCELLED)
    if not rows:
        raise ValidationFailed(_("请至少填写一行签到记录"), code=Code.NO_ROWS)
    people = [row.person.pk for row in rows]
    if len(set(people)) != len(people):
        raise ValidationFailed(_("同一位志愿者在签到表中出现了两次"), code=Code.DUPLICATE_ROW)
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
                code=Code.NOT_VOLUNTEER,
                extra={"row": number},
            )
        if row.person.pk in recorded:
            raise Duplicate(
                _("第 %(row)s 行：%(name)s 在这个场次已有服务记录") % values,
                code=Code.ALREADY_RECORDED,
                extra={"row": number},
            )
        problem = rules.check_span(row.start, row.end, session.starts_at, session.ends_at)
        if problem == "order":
            raise ValidationFailed(
                _("第 %(row)s 行：结束时间应晚于开始时间") % values, code=Code.BAD_SPAN, extra={"row": number}
            )
        if problem == "over_span":
            raise ValidationFailed(
                _("第 %(row)s 行：服务时长超过活动时段（%(start)s–%(end)s）")
                % {
                    **values,
                    "start": f"{timezone.localtime(session.starts_at):%H:%M}",
                    "end": f"{timezone.localtime(session.ends_at):%H:%M}",
                },
                code=Code.OVER_SPAN,
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
        raise Duplicate(_("签到表中有志愿者在这个场次已有服务记录"), code=Code.ALREADY_RECORDED) from None
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
