"""Meeting writes: schedule, sign-in, attendance by staff, minutes, suggestions. One transaction and one audit event
each; the meeting row is locked first, so racing sign-ins of one person queue on it and the second is refused.

Who may do what: staff with TOPIC_MANAGE over the meeting's place schedule, hold, cancel and answer suggestions;
MEETING_RECORD (staff, and building heads / group heads in their place) take attendance, minutes and suggestions.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import (
    Attendance,
    AttendanceMethod,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Suggestion,
    SuggestionStatus,
    Topic,
)
from gongzhi.deliberation.predicates import can_manage_meeting, can_manage_place, can_record_meeting
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind

__all__ = [
    "MEETING_PLACE_KINDS",
    "SIGNIN_CLOSES_AFTER",
    "SIGNIN_OPENS_BEFORE",
    "attendance_record",
    "meeting_cancel",
    "meeting_mark_held",
    "meeting_schedule",
    "meeting_sign_in",
    "minutes_record",
    "signin_window",
    "suggestion_add",
    "suggestion_respond",
]

# A 坝坝会 starts when people arrive and ends when the talk does: the QR works from 2 h before the announced time
# (people gather early, a poster goes up) until 6 h after it (an evening 院落夜话 that runs late). The server's clock
# decides; the phone's does not matter.
SIGNIN_OPENS_BEFORE = datetime.timedelta(hours=2)
SIGNIN_CLOSES_AFTER = datetime.timedelta(hours=6)
# Meetings held on paper are entered afterwards, so the past is allowed, within reason.
SCHEDULE_PAST_LIMIT = datetime.timedelta(days=366)
SCHEDULE_FUTURE_LIMIT = datetime.timedelta(days=366)
MEETING_PLACE_KINDS = frozenset(
    {
        PlaceKind.COMMUNITY,
        PlaceKind.VILLAGE,
        PlaceKind.COMPOUND,
        PlaceKind.COURTYARD,
        PlaceKind.BUILDING,
        PlaceKind.NATURAL_VILLAGE,
        PlaceKind.VILLAGER_GROUP,
    }
)


def signin_window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    return meeting.starts_at - SIGNIN_OPENS_BEFORE, meeting.starts_at + SIGNIN_CLOSES_AFTER


def _locked(meeting: Meeting) -> Meeting:
    locked: Meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    return locked


def _managed(actor: User, meeting: Meeting) -> Meeting:
    meeting = _locked(meeting)
    if not can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("只有社区工作人员可以管理会议"))
    return meeting


def _recorded(actor: User, meeting: Meeting) -> Meeting:
    meeting = _locked(meeting)
    if not can_record_meeting(actor, meeting):
        raise PermissionDenied(_("您不能为该会议登记"))
    if meeting.status == MeetingStatus.CANCELLED:
        raise PhaseClosed(_("会议已取消"), code=Code.CANCELLED)
    return meeting


def _started(meeting: Meeting, now: datetime.datetime) -> None:
    if now < meeting.starts_at - SIGNIN_OPENS_BEFORE:
        raise PhaseClosed(_("会议尚未开始"), code=Code.NOT_STARTED)


@transaction.atomic
def meeting_schedule(
    *,
    actor: User,
    place: Place,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    location: str,
    topic: Topic | None = None,
) -> Meeting:
    if place.community_id is None or place.kind not in MEETING_PLACE_KINDS:
        raise ValidationFailed(_("请选择社区、小区、院落、楼栋、村或村民小组"), code=Code.BAD_PLACE)
    if not can_manage_place(actor, place.path):
        raise PermissionDenied(_("只有社区工作人员可以安排会议"))
    if kind not in MeetingKind.values:
        raise ValidationFailed(_("请选择会议类型"), code=Code.BAD_KIND, extra={"field": "kind"})
    now = timezone.now()
    if not now - SCHEDULE_PAST_LIMIT <= starts_at <= now + SCHEDULE_FUTURE_LIMIT:
        raise ValidationFailed(_("会议时间须在前后一年之内"), code=Code.BAD_TIME, extra={"field": "starts_at"})
    if topic is not None and (topic.community_id != place.community_id or not place.path.startswith(topic.place_path)):
        raise ValidationFailed(_("会议范围须在议题范围之内"), code=Code.BAD_TOPIC, extra={"field": "topic"})
    meeting = Meeting.objects.create(
        community_id=place.community_id,
        place=place,
        place_path=place.path,
        kind=kind,
        title=clean_or_fail(title, label=_("会议主题"), max_length=100, field="title", required=_("请填写会议主题")),
        location=clean_or_fail(
            location, label=_("地点"), max_length=100, field="location", required=_("请填写会议地点")
        ),
        starts_at=starts_at,
        topic=topic,
        convened_by=actor,
    )
    audit.record(
        actor=actor,
        verb="meeting.schedule",
        obj=meeting,
        community_id=meeting.community_id,
        after={
            "title": meeting.title,
            "kind": kind,
            "place": place.pk,
            "starts_at": starts_at.isoformat(),
            "topic": topic.pk if topic else None,
        },
    )
    return meeting


def _add_attendance(meeting: Meeting, attendance: Attendance) -> Attendance:
    if attendance.person_id and Attendance.objects.filter(meeting=meeting, person_id=attendance.person_id).exists():
        raise Duplicate(_("已签到，无需重复签到"), code=Code.ALREADY_SIGNED_IN)
    try:
        with transaction.atomic():
            attendance.save()
    except IntegrityError as exc:  # the constraint is the last word if a lock was ever bypassed
        raise Duplicate(_("已签到，无需重复签到"), code=Code.ALREADY_SIGNED_IN) from exc
    return attendance


@transaction.atomic
def meeting_sign_in(*, actor: User, meeting: Meeting, token: str) -> Attendance:
    """A resident scans the poster: once, while the meeting is on, and only as themselves."""
    meeting = _locked(meeting)
    if not token or token != meeting.signin_token:
        raise NotFound(_("签到码无效"), code=Code.BAD_TOKEN)
    if meeting.status == MeetingStatus.CANCELLED:
        raise PhaseClosed(_("会议已取消，不能签到"), code=Code.CANCELLED)
    opens, closes = signin_window(meeting)
    now = timezone.now()
    if now < opens:
        raise PhaseClosed(_("签到尚未开始：会议开始前两小时起可以扫码签到"), code=Code.TOO_EARLY)
    if now > closes:
        raise PhaseClosed(_("签到已结束：请找工作人员补登"), code=Code.TOO_LATE)
    person = (
        Person.objects.filter(account_id=actor.pk, community_id=meeting.community_id)
        .order_by("id")
        .only("id", "name", "household_id", "place_path")
        .first()
    )
    if person is None:
        raise PermissionDenied(_("您的账号尚未关联本社区的居民信息，请找工作人员代为签到"), code=Code.NO_PERSON)
    if not (person.place_path or "").startswith(meeting.place_path):
        raise PermissionDenied(_("您不在该会议的范围内，请找工作人员登记"), code=Code.NOT_IN_PLACE)
    attendance = _add_attendance(
        meeting,
        Attendance(
            community_id=meeting.community_id,
            meeting=meeting,
            person=person,
            household_id=person.household_id,
            name=person.name,
            method=AttendanceMethod.QR,
            recorded_by=actor,
        ),
    )
    audit.record(
        actor=actor,
        verb="meeting.sign_in",
        obj=meeting,
        community_id=meeting.community_id,
        after={"person": person.pk, "method": AttendanceMethod.QR},
    )
    return attendance


@transaction.atomic
def attendance_record(*, actor: User, meeting: Meeting, person: Person | None = None, name: str = "") -> Attendance:
    """Staff or a building head enters a resident found in the meeting's place, or a guest by name."""
    meeting = _recorded(actor, meeting)
    if person is not None:
        if person.community_id != meeting.community_id or not person.place_path.startswith(meeting.place_path):
            raise NotFound(_("该居民不在会议范围内"), code=Code.NOT_IN_PLACE)
        row = Attendance(
            community_id=meeting.community_id,
            meeting=meeting,
            person=person,
            household_id=person.household_id,
            name=person.name,
            method=AttendanceMethod.STAFF,
            recorded_by=actor,
        )
    else:
        guest = clean_or_fail(
            name,
            label=_("姓名"),
            max_length=50,
            field="name",
            required=_("请选择居民或填写来宾姓名"),
            required_code=Code.NO_NAME,
        )
        row = Attendance(
            community_id=meeting.community_id,
            meeting=meeting,
            name=guest,
            method=AttendanceMethod.STAFF,
            recorded_by=actor,
        )
    attendance = _add_attendance(meeting, row)
    audit.record(
        actor=actor,
        verb="meeting.attendance",
        obj=meeting,
        community_id=meeting.community_id,
        on_behalf_of=f"person:{person.pk}" if person is not None else "",
        after={"person": person.pk if person is not None else None, "guest": "" if person else attendance.name},
    )
    return attendance


@transaction.atomic
def meeting_mark_held(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = _managed(actor, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise PhaseClosed(_("只有待召开的会议可以标记为已召开"), code=Code.BAD_STEP)
    _started(meeting, timezone.now())
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        verb="meeting.held",
        obj=meeting,
        community_id=meeting.community_id,
        before={"status": MeetingStatus.SCHEDULED},
        after={"status": MeetingStatus.HELD},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    meeting = _managed(actor, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise PhaseClosed(_("只有待召开的会议可以取消"), code=Code.BAD_STEP)
    meeting.cancel_reason = clean_or_fail(
        reason,
        label=_("取消原因"),
        max_length=200,
        field="reason",
        required=_("请填写取消原因"),
        required_code=Code.REASON_REQUIRED,
    )
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit.record(
        actor=actor,
        verb="meeting.cancel",
        obj=meeting,
        community_id=meeting.community_id,
        before={"status": MeetingStatus.SCHEDULED},
        after={"status": MeetingStatus.CANCELLED, "reason": meeting.cancel_reason},
    )
    return meeting


@transaction.atomic
def minutes_record(*, actor: User, meeting: Meeting, minutes: str) -> Meeting:
    """The minutes after the meeting; each edit keeps the previous text in the audit log. Recording minutes of a
    meeting still marked 待召开 marks it held: minutes are the proof it took place."""
    meeting = _recorded(actor, meeting)
    now = timezone.now()
    _started(meeting, now)
    text = clean_or_fail(
        minutes,
        label=_("会议纪要"),
        max_length=20000,
        field="minutes",
        required=_("请填写会议纪要"),
        required_code=Code.MINUTES_REQUIRED,
    )
    before = {"minutes": meeting.minutes, "status": meeting.status}
    meeting.minutes, meeting.minutes_by, meeting.minutes_at = text, actor, now
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["minutes", "minutes_by", "minutes_at", "status", "updated_at"])
    audit.record(
        actor=actor,
        verb="meeting.minutes",
        obj=meeting,
        community_id=meeting.community_id,
        before=before,
        after={"minutes": text, "status": meeting.status},
    )
    return meeting


@transaction.atomic
def suggestion_add(*, actor: User, meeting: Meeting, body: str, raised_by: str = "", category: str = "") -> Suggestion:
    """A suggestion raised at the meeting, entered on the resident's behalf (the name is optional)."""
    meeting = _recorded(actor, meeting)
    _started(meeting, timezone.now())
    suggestion = Suggestion.objects.create(
        community_id=meeting.community_id,
        meeting=meeting,
        body=clean_or_fail(body, label=_("建议"), max_length=1000, field="body", required=_("请填写建议内容")),
        raised_by=clean_or_fail(raised_by, label=_("提出人"), max_length=50, field="raised_by"),
        category=clean_or_fail(category, label=_("类别"), max_length=20, field="category"),
        entered_by=actor,
    )
    audit.record(
        actor=actor,
        verb="meeting.suggestion_add",
        obj=suggestion,
        community_id=meeting.community_id,
        after={"meeting": meeting.pk, "body": suggestion.body, "category": suggestion.category},
    )
    return suggestion


@transaction.atomic
def suggestion_respond(
    *, actor: User, suggestion: Suggestion, status: str, response: str, topic: Topic | None = None
) -> Suggestion:
    """The community's answer: adopted, made into a topic (linked), or answered; the answer is shown to residents."""
    suggestion = Suggestion.objects.select_for_update().select_related("meeting").get(pk=suggestion.pk)
    if not can_manage_meeting(actor, suggestion.meeting):
        raise PermissionDenied(_("只有社区工作人员可以答复建议"))
    if status not in (SuggestionStatus.ADOPTED, SuggestionStatus.TOPIC, SuggestionStatus.ANSWERED):
        raise ValidationFailed(_("请选择处理结果"), code=Code.BAD_STATUS, extra={"field": "status"})
    if status == SuggestionStatus.TOPIC:
        if topic is None:
            raise ValidationFailed(_("转为议题须选择议题"), code=Code.NO_TOPIC, extra={"field": "topic"})
        if topic.community_id != suggestion.community_id:
            raise NotFound()
    text = clean_or_fail(
        response,
        label=_("答复"),
        max_length=1000,
        field="response",
        required=_("请填写答复") if status == SuggestionStatus.ANSWERED else None,
        required_code=Code.RESPONSE_REQUIRED,
    )
    before = {"status": suggestion.status, "response": suggestion.response, "topic": suggestion.topic_id}
    suggestion.status, suggestion.response = status, text
    suggestion.topic = topic if status == SuggestionStatus.TOPIC else None
    suggestion.responded_by, suggestion.responded_at = actor, timezone.now()
    suggestion.save(update_fields=["status", "response", "topic", "responded_by", "responded_at"])
    audit.record(
        actor=actor,
        verb="meeting.suggestion_respond",
        obj=suggestion,
        community_id=suggestion.community_id,
        before=before,
        after={"status": status, "response": text, "topic": suggestion.topic_id},
    )
    return suggestion
