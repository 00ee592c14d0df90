"""Meeting services: schedule, QR sign-in and its window, staff entry, minutes with audited edits, suggestions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Attendance, Meeting, MeetingStatus, Suggestion, SuggestionStatus
from gongzhi.deliberation.services.meetings import (
    attendance_record,
    meeting_cancel,
    meeting_mark_held,
    meeting_schedule,
    meeting_sign_in,
    minutes_record,
    suggestion_add,
    suggestion_respond,
)
from tests import factories
from tests.deliberation.conftest import voting_topic

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
HOUR = datetime.timedelta(hours=1)


def meeting_at(site, actor, *, hours: float = 0, place=None, topic=None) -> Meeting:
    return meeting_schedule(
        actor=actor,
        place=place or site.compound,
        kind="bazaba",
        title="院落停车坝坝会",
        starts_at=timezone.now() + datetime.timedelta(hours=hours),
        location="花园小区中庭",
        topic=topic,
    )


def code_of(excinfo: pytest.ExceptionInfo[ApplicationError]) -> str:
    return excinfo.value.code


def test_schedule_copies_the_place_and_is_audited(site, secretary):
    meeting = meeting_at(site, secretary, hours=24)
    assert meeting.place_path == site.compound.path and meeting.community_id == site.community.pk
    assert meeting.status == MeetingStatus.SCHEDULED and len(meeting.signin_token) >= 20
    assert AuditEvent.objects.filter(verb="meeting.schedule", object_id=str(meeting.pk)).count() == 1


def test_two_meetings_never_share_a_token(site, secretary):
    assert meeting_at(site, secretary).signin_token != meeting_at(site, secretary).signin_token


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "<script>alert(1)</script>"}, "bad_text"),
        ({"title": ""}, "bad_text"),
        ({"location": "<b>中庭</b>"}, "bad_text"),
        ({"kind": "party"}, "bad_kind"),
        ({"starts_at_days": 400}, "bad_time"),
        ({"starts_at_days": -400}, "bad_time"),
    ],
)
def test_schedule_refuses_bad_input(site, secretary, changes, code):
    changes = dict(changes)  # the parametrized dict is shared by every run of this case (e.g. at every instant)
    args = {
        "actor": secretary,
        "place": site.compound,
        "kind": "bazaba",
        "title": "坝坝会",
        "starts_at": timezone.now() + datetime.timedelta(days=changes.pop("starts_at_days", 1)),
        "location": "中庭",
        **changes,
    }
    with pytest.raises(ValidationFailed) as exc:
        meeting_schedule(**args)
    assert code_of(exc) == code and not Meeting.objects.exists()


def test_schedule_on_a_unit_or_by_a_building_head_is_refused(site, secretary, staff):
    with pytest.raises(ValidationFailed) as exc:
        meeting_at(site, secretary, place=site.units[0])
    assert code_of(exc) == "bad_place"
    with pytest.raises(PermissionDenied):
        meeting_at(site, staff[Role.BUILDING_HEAD], place=site.buildings[0])
    assert not Meeting.objects.exists()


def test_schedule_for_a_topic_must_lie_inside_its_place(site, secretary):
    topic = voting_topic(site, secretary, place=site.buildings[0])
    with pytest.raises(ValidationFailed) as exc:
        meeting_at(site, secretary, place=site.buildings[1], topic=topic)
    assert code_of(exc) == "bad_topic"
    meeting = meeting_at(site, secretary, place=site.buildings[0], topic=topic)
    assert list(topic.meetings.all()) == [meeting]


def test_resident_signs_in_once(owners, secretary):
    meeting = meeting_at(owners.site, secretary)
    account = owners.accounts[0]
    row = meeting_sign_in(actor=account, meeting=meeting, token=meeting.signin_token)
    assert row.person == owners.site.people[0] and row.household == owners.site.households[0]
    assert row.method == "qr" and row.name == owners.site.people[0].name
    with pytest.raises(Duplicate) as exc:
        meeting_sign_in(actor=account, meeting=meeting, token=meeting.signin_token)
    assert code_of(exc) == "already_signed_in"
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert AuditEvent.objects.filter(verb="meeting.sign_in").count() == 1


@pytest.mark.parametrize(
    ("hours", "code"), [(2.5, "too_early"), (-6.5, "too_late")], ids=["before-window", "after-window"]
)
def test_sign_in_outside_the_window_is_refused(owners, secretary, hours, code):
    meeting = meeting_at(owners.site, secretary, hours=hours)
    with pytest.raises(PhaseClosed) as exc:
        meeting_sign_in(actor=owners.accounts[0], meeting=meeting, token=meeting.signin_token)
    assert code_of(exc) == code and not Attendance.objects.exists()


@pytest.mark.parametrize("hours", [1.9, -5.9], ids=["just-opened", "about-to-close"])
def test_sign_in_inside_the_window_edges(owners, secretary, hours):
    meeting = meeting_at(owners.site, secretary, hours=hours)
    meeting_sign_in(actor=owners.accounts[0], meeting=meeting, token=meeting.signin_token)
    assert Attendance.objects.count() == 1


def test_sign_in_to_a_cancelled_meeting_or_with_a_bad_token_is_refused(owners, secretary):
    meeting = meeting_at(owners.site, secretary)
    with pytest.raises(NotFound) as exc:
        meeting_sign_in(actor=owners.accounts[0], meeting=meeting, token="guessed")
    assert code_of(exc) == "bad_token"
    meeting_cancel(actor=secretary, meeting=meeting, reason="下雨改期")
    with pytest.raises(PhaseClosed) as exc:
        meeting_sign_in(actor=owners.accounts[0], meeting=meeting, token=meeting.signin_token)
    assert code_of(exc) == "cancelled" and not Attendance.objects.exists()


def test_sign_in_needs_a_registered_resident_of_the_place(owners, secretary, staff):
    meeting = meeting_at(owners.site, secretary, place=owners.site.buildings[0])
    with pytest.raises(PermissionDenied) as exc:  # a resident role without a registry entry
        meeting_sign_in(actor=staff[Role.RESIDENT], meeting=meeting, token=meeting.signin_token)
    assert code_of(exc) == "no_person"
    neighbour = owners.accounts[-1]  # lives in building 2
    with pytest.raises(PermissionDenied) as exc:
        meeting_sign_in(actor=neighbour, meeting=meeting, token=meeting.signin_token)
    assert code_of(exc) == "not_in_place" and not Attendance.objects.exists()


def test_staff_enter_a_resident_and_a_guest(site, secretary, staff):
    meeting = meeting_at(site, secretary)
    head = staff[Role.BUILDING_HEAD]
    building_meeting = meeting_at(site, secretary, place=site.buildings[0])
    attendance_record(actor=head, meeting=building_meeting, person=site.people[0])
    attendance_record(actor=secretary, meeting=meeting, person=site.people[0])
    attendance_record(actor=secretary, meeting=meeting, name="王大爷（来宾）")
    assert meeting.attendances.count() == 2 and building_meeting.attendances.count() == 1
    with pytest.raises(Duplicate) as exc:
        attendance_record(actor=secretary, meeting=meeting, person=site.people[0])
    assert code_of(exc) == "already_signed_in"
    event = AuditEvent.objects.filter(verb="meeting.attendance").first()
    assert event is not None and event.on_behalf_of == f"person:{site.people[0].pk}"


@pytest.mark.parametrize(("name", "code"), [("", "no_name"), ("<img src=x>", "bad_text")])
def test_staff_entry_refuses_bad_guest_names(site, secretary, name, code):
    meeting = meeting_at(site, secretary)
    with pytest.raises(ValidationFailed) as exc:
        attendance_record(actor=secretary, meeting=meeting, name=name)
    assert code_of(exc) == code and not Attendance.objects.exists()


def test_staff_entry_is_limited_to_the_place_and_to_recorders(site, secretary, staff, other_site):
    meeting = meeting_at(site, secretary, place=site.buildings[0])
    with pytest.raises(NotFound):  # lives in building 2
        attendance_record(actor=secretary, meeting=meeting, person=site.people[-1])
    with pytest.raises(NotFound):
        attendance_record(actor=secretary, meeting=meeting, person=other_site.people[0])
    for role in (Role.GRID_WORKER, Role.PROPERTY, Role.STREET_STAFF, Role.RESIDENT):
        with pytest.raises(PermissionDenied):
            attendance_record(actor=staff[role], meeting=meeting, name="来宾")
    other_head = factories.make_user(Role.BUILDING_HEAD, place=site.buildings[1])
    with pytest.raises(PermissionDenied):
        attendance_record(actor=other_head, meeting=meeting, name="来宾")
    assert not Attendance.objects.exists()


def test_minutes_edits_keep_before_and_after(site, secretary, staff):
    meeting = meeting_at(site, secretary, place=site.buildings[0], hours=-1)
    minutes_record(actor=staff[Role.BUILDING_HEAD], meeting=meeting, minutes="议定：周末清理楼道。")
    minutes_record(actor=secretary, meeting=meeting, minutes="议定：周六上午清理楼道。")
    meeting.refresh_from_db()
    assert meeting.minutes == "议定：周六上午清理楼道。" and meeting.status == MeetingStatus.HELD
    events = list(AuditEvent.objects.filter(verb="meeting.minutes").order_by("seq"))
    assert [e.before["minutes"] for e in events] == ["", "议定：周末清理楼道。"]
    assert events[1].after["minutes"] == "议定：周六上午清理楼道。"


@pytest.mark.parametrize(("text", "code"), [("", "minutes_required"), ("<script>x</script>", "bad_text")])
def test_minutes_refuse_empty_or_markup(site, secretary, text, code):
    meeting = meeting_at(site, secretary, hours=-1)
    with pytest.raises(ValidationFailed) as exc:
        minutes_record(actor=secretary, meeting=meeting, minutes=text)
    assert code_of(exc) == code
    meeting.refresh_from_db()
    assert meeting.minutes == "" and meeting.status == MeetingStatus.SCHEDULED


def test_minutes_before_the_meeting_or_of_a_cancelled_one_are_refused(site, secretary):
    future = meeting_at(site, secretary, hours=48)
    with pytest.raises(PhaseClosed) as exc:
        minutes_record(actor=secretary, meeting=future, minutes="还没开")
    assert code_of(exc) == "not_started"
    meeting_cancel(actor=secretary, meeting=future, reason="改期")
    with pytest.raises(PhaseClosed) as exc:
        minutes_record(actor=secretary, meeting=future, minutes="x")
    assert code_of(exc) == "cancelled"


def test_held_and_cancel_steps(site, secretary, staff):
    meeting = meeting_at(site, secretary, hours=-1)
    with pytest.raises(PermissionDenied):
        meeting_mark_held(actor=staff[Role.BUILDING_HEAD], meeting=meeting)
    meeting_mark_held(actor=secretary, meeting=meeting)
    with pytest.raises(PhaseClosed) as exc:
        meeting_cancel(actor=secretary, meeting=meeting, reason="x")
    assert code_of(exc) == "bad_step"
    later = meeting_at(site, secretary, hours=72)
    with pytest.raises(PhaseClosed) as exc:
        meeting_mark_held(actor=secretary, meeting=later)
    assert code_of(exc) == "not_started"
    with pytest.raises(ValidationFailed) as exc:
        meeting_cancel(actor=secretary, meeting=later, reason="")
    assert code_of(exc) == "reason_required"
    meeting_cancel(actor=secretary, meeting=later, reason="暴雨")
    later.refresh_from_db()
    assert later.status == MeetingStatus.CANCELLED and later.cancel_reason == "暴雨"


def test_suggestions_are_entered_and_answered(site, secretary, staff):
    meeting = meeting_at(site, secretary, place=site.buildings[0], hours=-1)
    head = staff[Role.BUILDING_HEAD]
    first = suggestion_add(actor=head, meeting=meeting, body="楼道加装声控灯", raised_by="李阿姨", category="照明")
    second = suggestion_add(actor=head, meeting=meeting, body="单元门禁维修")
    assert meeting.suggestions.count() == 2 and first.status == SuggestionStatus.PENDING
    with pytest.raises(PermissionDenied):  # answering on the community's behalf is staff work
        suggestion_respond(actor=head, suggestion=first, status="adopted", response="好")
    suggestion_respond(actor=secretary, suggestion=first, status="adopted", response="下月安装")
    with pytest.raises(ValidationFailed) as exc:
        suggestion_respond(actor=secretary, suggestion=second, status="answered", response="")
    assert code_of(exc) == "response_required"
    with pytest.raises(ValidationFailed) as exc:
        suggestion_respond(actor=secretary, suggestion=second, status="topic", response="")
    assert code_of(exc) == "no_topic"
    with pytest.raises(ValidationFailed) as exc:
        suggestion_respond(actor=secretary, suggestion=second, status="pending", response="")
    assert code_of(exc) == "bad_status"
    topic = voting_topic(site, secretary, place=site.buildings[0])
    suggestion_respond(actor=secretary, suggestion=second, status="topic", response="", topic=topic)
    second.refresh_from_db()
    assert second.status == SuggestionStatus.TOPIC and second.topic == topic
    event = AuditEvent.objects.filter(verb="meeting.suggestion_respond", object_id=str(first.pk)).get()
    assert event.before["status"] == "pending" and event.after["response"] == "下月安装"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": ""}, "bad_text"),
        ({"body": "<a href=x>y</a>"}, "bad_text"),
        ({"body": "好", "category": "x" * 21}, "bad_text"),
    ],
)
def test_suggestion_refuses_bad_input(site, secretary, fields, code):
    meeting = meeting_at(site, secretary, hours=-1)
    with pytest.raises(ValidationFailed) as exc:
        suggestion_add(actor=secretary, meeting=meeting, **fields)
    assert code_of(exc) == code and not Suggestion.objects.exists()


def test_group_heads_record_in_their_place_only(site, secretary):
    group_head = factories.make_user(Role.GROUP_HEAD, place=site.buildings[0])
    mine = meeting_at(site, secretary, place=site.buildings[0], hours=-1)
    attendance_record(actor=group_head, meeting=mine, name="来宾")
    minutes_record(actor=group_head, meeting=mine, minutes="小组会议纪要")
    suggestion_add(actor=group_head, meeting=mine, body="小组建议")
    wider = meeting_at(site, secretary, hours=-1)
    with pytest.raises(PermissionDenied):
        minutes_record(actor=group_head, meeting=wider, minutes="x")
    with pytest.raises(PermissionDenied):
        meeting_cancel(actor=group_head, meeting=mine, reason="x")


def test_residents_see_meetings_of_their_places_and_street_staff_see_all(site, secretary, staff):
    from gongzhi.deliberation.selectors.meetings import meeting_list, meetings_for_topic

    community_wide = meeting_at(site, secretary, place=site.community)
    mine = meeting_at(site, secretary, place=site.buildings[0])
    other = meeting_at(site, secretary, place=site.buildings[1])
    resident = staff[Role.RESIDENT]
    assert set(meeting_list(actor=resident, community=site.community)) == {community_wide, mine}
    street = set(meeting_list(actor=staff[Role.STREET_STAFF], community=site.community))
    assert street == {community_wide, mine, other}
    assert meetings_for_topic(actor=resident, topic=voting_topic(site, secretary)) == []
