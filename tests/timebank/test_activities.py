"""Activities services: creating and cancelling activities, sign-up and waitlist, QR check-in/out, paper sheets,
approval with its one ledger posting, rejection, the one dispute and its decision; every bad input (a Chinese
message, nothing changed) and who may do what."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, Throttled, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.notifications.models import OutboxMessage
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.activities import (
    Activity,
    ActivityStatus,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    Session,
    SignUp,
    SignUpStatus,
)
from gongzhi.timebank.models.ledger import Account, AccountKind, Entry, Transaction, TransactionKind
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import Volunteer
from gongzhi.timebank.services.activities import activity_cancel, sessions_extend
from gongzhi.timebank.services.approval import dispute_decide, record_approve, record_dispute, record_reject
from gongzhi.timebank.services.checkin import (
    CODE_GUESSES,
    AttendanceRow,
    attendance_enter,
    check_in,
    check_out,
    person_from_code,
    volunteer_code,
    volunteer_code_rotate,
)
from gongzhi.timebank.services.signups import signup_cancel, signup_create
from gongzhi.timebank.services.volunteers import volunteer_status_set
from tests import factories
from tests.timebank.conftest import user_of
from tests.timebank.test_activities_world import (
    DAY,
    World,
    first_session,
    local,
    make_activity,
    make_world,
    register,
    served,
)

pytestmark = pytest.mark.date_sensitive

BEFORE = local(DAY, 8) - datetime.timedelta(days=1)


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def other(db) -> World:
    return make_world(factories.make_community(name="别的社区", residents_per_household=2))


def signup(world: World, session: Session, user, **kw) -> SignUp:
    return signup_create(actor=user, session=session, now=BEFORE, **kw)


# --- activities ------------------------------------------------------------------------------------------------


def test_a_one_off_activity_has_one_session_at_its_local_times_and_its_creator_organises_it(world):
    activity = make_activity(world)
    assert activity.organiser == world.organiser
    assert activity.place_path == world.site.buildings[0].path
    [session] = activity.sessions.all()
    assert (session.starts_at, session.ends_at, session.capacity) == (local(DAY, 9), local(DAY, 11), 2)
    assert AuditEvent.objects.filter(verb="timebank.activity_create", object_id=str(activity.pk)).count() == 1


def test_every_tuesday_and_friday_street_cleaning_up_to_its_end_date(world):
    activity = make_activity(world, recurrence="weekly", weekdays=[5, 2], end_date=DAY + datetime.timedelta(days=13))
    days = [s.starts_at.astimezone(local(DAY, 0).tzinfo).date() for s in activity.sessions.order_by("starts_at")]
    assert days == [
        DAY,
        DAY + datetime.timedelta(days=3),
        DAY + datetime.timedelta(days=7),
        DAY + datetime.timedelta(days=10),
    ]
    assert activity.weekdays == "2,5"


def test_an_open_ended_weekly_activity_gets_eight_weeks_and_extend_adds_the_next(world):
    activity = make_activity(world, recurrence="weekly", weekdays=[2], today=DAY)
    assert activity.sessions.count() == 9  # DAY and the eight Tuesdays after it
    added = sessions_extend(actor=world.organiser, activity=activity, today=DAY + datetime.timedelta(days=14))
    assert len(added) == 2
    assert activity.sessions.count() == 11
    assert sessions_extend(actor=world.organiser, activity=activity, today=DAY + datetime.timedelta(days=14)) == []
    # Published a year ahead: its first eight weeks are there already.
    ahead = make_activity(
        world, title="提前发布", recurrence="weekly", weekdays=[2], today=DAY - datetime.timedelta(days=365)
    )
    assert ahead.sessions.count() == 9


def test_first_saturday_big_clean(world):
    activity = make_activity(
        world,
        title="每月第一个周六 大扫除",
        recurrence="monthly",
        weekdays=[6],
        month_week=1,
        end_date=datetime.date(2030, 6, 30),
        today=datetime.date(2030, 5, 10),  # eight weeks from then reach past the end date
    )
    days = [s.starts_at.astimezone(local(DAY, 0).tzinfo).date() for s in activity.sessions.order_by("starts_at")]
    assert days == [datetime.date(2030, 4, 6), datetime.date(2030, 5, 4), datetime.date(2030, 6, 1)]


def test_front_door_duty_is_a_duty_kind(world):
    activity = make_activity(world, title="门前三包", kind="duty", recurrence="weekly", weekdays=[1, 2, 3, 4, 5])
    assert activity.get_kind_display() == "值守/门前三包"


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"title": ""}, "title", "请填写活动名称"),
        ({"title": "<script>alert(1)</script>"}, "bad_text", ""),
        ({"end_time": datetime.time(9, 0)}, "bad_times", "结束时间应晚于开始时间"),
        ({"capacity": 0}, "bad_capacity", "名额应在 1 到"),
        ({"capacity": 5000}, "bad_capacity", "名额应在 1 到"),
        ({"recurrence": "weekly"}, "bad_weekdays", "请选择星期几"),
        ({"recurrence": "weekly", "weekdays": [9]}, "bad_weekdays", "请选择星期几"),
        ({"recurrence": "monthly", "weekdays": [2, 6], "month_week": 1}, "bad_weekdays", "只选择一个星期几"),
        ({"recurrence": "monthly", "weekdays": [6]}, "bad_month_week", "请选择每月第几周"),
        (
            {"recurrence": "weekly", "weekdays": [2], "end_date": DAY - datetime.timedelta(days=1)},
            "bad_dates",
            "结束日期",
        ),
        ({"recurrence": "daily"}, "bad_recurrence", "请选择重复方式"),
        ({"kind": "party"}, "bad_kind", "请选择活动类型"),
        (
            {"recurrence": "weekly", "weekdays": [3], "end_date": DAY},
            "no_sessions",
            "所选日期范围内没有活动场次",
        ),
    ],
)
def test_bad_activities_are_refused_in_chinese_and_nothing_is_made(world, changes, code, message):
    with pytest.raises(ValidationFailed) as caught:
        make_activity(world, **changes)
    assert caught.value.code == code
    assert message in str(caught.value.message)
    assert not Activity.objects.exists() and not Session.objects.exists()


def test_a_service_type_or_place_of_another_community_is_refused(world, other):
    with pytest.raises(ValidationFailed) as caught:
        make_activity(world, service_type=other.cleaning)
    assert caught.value.code == "bad_service_type"
    with pytest.raises(ValidationFailed) as caught:
        make_activity(world, place=other.site.buildings[0])
    assert caught.value.code == "bad_place"
    assert not Activity.objects.exists()


def test_who_may_organise_where(world, other):
    with pytest.raises(PermissionDenied):  # a volunteer (resident) may not organise
        make_activity(world, organiser=world.alice_user)
    with pytest.raises(NotFound):  # another community's staff do not see this one
        make_activity(world, organiser=other.secretary)
    with pytest.raises(PermissionDenied) as caught:  # building 1's head, at building 2
        make_activity(world, place=world.site.buildings[1])
    assert "负责的范围" in str(caught.value.message)
    # The grid worker's micro grid holds building 1's households, not building 2's.
    assert make_activity(world, organiser=world.grid_worker).organiser == world.grid_worker
    with pytest.raises(PermissionDenied):
        make_activity(world, organiser=world.grid_worker, place=world.site.buildings[1], title="二栋")
    assert make_activity(world, organiser=world.social_worker, place=world.community, title="全社区").pk
    assert Activity.objects.count() == 2


def test_cancelling_an_activity_cancels_its_sessions_and_tells_who_signed_up(world):
    activity = make_activity(world, recurrence="weekly", weekdays=[2], end_date=DAY + datetime.timedelta(days=7))
    signup(world, first_session(activity), world.alice_user)
    with pytest.raises(PermissionDenied):
        activity_cancel(actor=world.other_organiser, activity=activity, now=BEFORE)
    activity_cancel(actor=world.organiser, activity=activity, now=BEFORE)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED
    assert set(activity.sessions.values_list("is_cancelled", flat=True)) == {True}
    assert OutboxMessage.objects.filter(user=world.alice_user, kind="timebank.activity_cancelled").count() == 1
    with pytest.raises(ValidationFailed) as caught:
        signup(world, first_session(activity), world.bob_user)
    assert caught.value.code == "session_cancelled"
    with pytest.raises(ValidationFailed):
        activity_cancel(actor=world.organiser, activity=activity, now=BEFORE)


# --- sign-up and waitlist --------------------------------------------------------------------------------------


def test_capacity_confirms_then_waitlists_in_order(world):
    session = first_session(make_activity(world))
    a, b, c = (signup(world, session, u) for u in (world.alice_user, world.bob_user, world.carol_user))
    assert (a.status, b.status, c.status) == (SignUpStatus.CONFIRMED, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)
    assert c.waitlist_position == 1
    session.refresh_from_db()
    assert session.confirmed_count == 2


def test_a_cancelled_place_goes_to_the_first_waitlisted_who_is_told(world):
    session = first_session(make_activity(world, capacity=1))
    a = signup(world, session, world.alice_user)
    b = signup(world, session, world.bob_user)
    c = signup(world, session, world.carol_user)
    assert (b.waitlist_position, c.waitlist_position) == (1, 2)
    signup_cancel(actor=world.alice_user, signup=a, now=BEFORE)
    b.refresh_from_db(), c.refresh_from_db(), session.refresh_from_db()
    assert (b.status, b.waitlist_position) == (SignUpStatus.CONFIRMED, None)
    assert (c.status, c.waitlist_position) == (SignUpStatus.WAITLISTED, 1)
    assert session.confirmed_count == 1
    assert OutboxMessage.objects.filter(user=world.bob_user, kind="timebank.waitlist_promoted").count() == 1


def test_leaving_the_waitlist_closes_it_up_and_a_freed_place_is_counted(world):
    session = first_session(make_activity(world, capacity=1))
    a = signup(world, session, world.alice_user)
    b = signup(world, session, world.bob_user)
    c = signup(world, session, world.carol_user)
    signup_cancel(actor=world.bob_user, signup=b, now=BEFORE)
    c.refresh_from_db()
    assert c.waitlist_position == 1
    signup_cancel(actor=world.carol_user, signup=c, now=BEFORE)
    signup_cancel(actor=world.alice_user, signup=a, now=BEFORE)
    session.refresh_from_db()
    assert session.confirmed_count == 0
    again = signup(world, session, world.bob_user)  # a cancelled sign-up may sign up again
    assert (again.pk, again.status) == (b.pk, SignUpStatus.CONFIRMED)


def test_sign_up_bad_inputs(world, other):
    session = first_session(make_activity(world))
    with pytest.raises(ValidationFailed) as caught:
        signup(world, session, world.dave_user)
    assert caught.value.code == "not_volunteer"
    assert "请先到社区登记注册志愿者" in str(caught.value.message)
    with pytest.raises(NotFound):
        signup(world, session, other.alice_user)
    first = signup(world, session, world.alice_user)
    with pytest.raises(Duplicate) as caught:
        signup(world, session, world.alice_user)
    assert caught.value.code == "already_signed_up"
    with pytest.raises(ValidationFailed) as caught:
        signup_create(actor=world.bob_user, session=session, now=local(DAY, 11))
    assert caught.value.code == "session_over"
    assert list(SignUp.objects.values_list("pk", flat=True)) == [first.pk]
    with pytest.raises(PermissionDenied):
        signup_cancel(actor=world.bob_user, signup=first, now=BEFORE)
    with pytest.raises(NotFound):
        signup_cancel(actor=other.alice_user, signup=first, now=BEFORE)


def test_a_suspended_volunteer_may_not_sign_up(world):
    from gongzhi.timebank.models.volunteers import Volunteer, VolunteerStatus

    Volunteer.objects.filter(person=world.bob).update(status=VolunteerStatus.SUSPENDED)
    with pytest.raises(ValidationFailed) as caught:
        signup(world, first_session(make_activity(world)), world.bob_user)
    assert caught.value.code == "not_volunteer"


def test_serving_under_a_card_needs_membership(world):
    session = first_session(make_activity(world))
    with pytest.raises(ValidationFailed) as caught:
        signup(world, session, world.bob_user, card=world.card)
    assert caught.value.code == "not_a_member"
    assert not SignUp.objects.exists()
    assert signup(world, session, world.alice_user, card=world.card).card == world.card


# --- QR check-in and check-out ---------------------------------------------------------------------------------


def unused_code(*taken: str) -> str:
    """Six digits that are none of `taken` (and, in a world of a few volunteers, nobody's code)."""
    return next(c for c in (f"{n:06d}" for n in range(1000, 10**6, 7919)) if c not in taken)


def test_the_code_is_six_random_digits_kept_for_the_volunteer(world, other):
    code = volunteer_code(world.alice)
    assert len(code) == 6 and code.isdigit()
    assert volunteer_code(world.alice) == code  # issued once, then the same
    assert Volunteer.objects.get(person=world.alice).code == code
    [issued] = AuditEvent.objects.filter(verb="timebank.volunteer_code_issue")
    assert code not in json.dumps([issued.before, issued.after])  # whoever reads the trail cannot check anyone in
    assert person_from_code(world.community, code) == world.alice
    full_width = code.translate({ord("0") + i: ord("０") + i for i in range(10)})
    for typed in (f"{code[:3]} {code[3:]}", f"{code[:3]}-{code[3:]}", full_width):
        assert person_from_code(world.community, typed) == world.alice
    forged = signing.Signer(salt="gongzhi.timebank.volunteer_code").sign(str(world.bob.pk))  # the old signed code
    for bad in (str(world.alice.pk), unused_code(code), forged, code[:5], ""):
        with pytest.raises(ValidationFailed) as caught:
            person_from_code(world.community, bad)
        assert caught.value.code == "bad_code"
    # A code is looked up in the organiser's community only: another community's volunteer is unknown here.
    theirs = volunteer_code(other.alice)
    if theirs != code:
        with pytest.raises(ValidationFailed) as caught:
            person_from_code(world.community, theirs)
        assert caught.value.code == "bad_code"
    assert person_from_code(other.community, theirs) == other.alice
    with pytest.raises(NotFound):
        volunteer_code(world.dave)  # not a volunteer: no code


def test_codes_are_unique_in_a_community_and_may_repeat_across_communities(world, other):
    code = volunteer_code(world.alice)
    Volunteer.objects.filter(person=other.alice).update(code=code)
    assert person_from_code(other.community, code) == other.alice
    assert person_from_code(world.community, code) == world.alice
    with pytest.raises(IntegrityError), transaction.atomic():
        Volunteer.objects.filter(person=world.bob).update(code=code)


def test_a_suspended_volunteers_code_checks_no_one_in(world):
    code = volunteer_code(world.alice)
    volunteer_status_set(actor=world.secretary, volunteer=Volunteer.objects.get(person=world.alice), status="suspended")
    with pytest.raises(ValidationFailed) as caught:
        person_from_code(world.community, code)
    assert caught.value.code == "bad_code"


def test_a_code_signed_with_the_old_published_key_checks_no_one_in(world):
    """The old code was the person's id signed with SECRET_KEY, whose default was published in settings.py."""
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user)
    published = "dev-only-insecure-key-change-me-" + "0" * 20
    forged = signing.Signer(key=published, salt="gongzhi.timebank.volunteer_code").sign(str(world.alice.pk))
    with pytest.raises(ValidationFailed) as caught:
        check_in(actor=world.organiser, session=session, code=forged, now=local(DAY, 9))
    assert caught.value.code == "bad_code"
    assert not ServiceRecord.objects.exists()


def test_a_rotated_code_stops_working_at_once(world):
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user)
    old = volunteer_code(world.alice)
    row = volunteer_code_rotate(actor=world.alice_user, community=world.community)
    assert row.code != old and len(row.code) == 6 and volunteer_code(world.alice) == row.code
    with pytest.raises(ValidationFailed) as caught:
        check_in(actor=world.organiser, session=session, code=old, now=local(DAY, 9))
    assert caught.value.code == "bad_code"
    check_in(actor=world.organiser, session=session, code=row.code, now=local(DAY, 9))
    [rotated] = AuditEvent.objects.filter(verb="timebank.volunteer_code_rotate")
    assert rotated.actor_id == world.alice_user.pk
    assert old not in json.dumps([rotated.before, rotated.after]) and row.code not in json.dumps(rotated.after)


def test_only_the_volunteer_rotates_their_code(world, other):
    code = volunteer_code(world.alice)
    with pytest.raises(NotFound):
        volunteer_code_rotate(actor=world.dave_user, community=world.community)  # not a volunteer
    with pytest.raises(NotFound):
        volunteer_code_rotate(actor=other.alice_user, community=world.community)  # not of this community
    # Staff rotate no one's code but their own: the secretary is not a volunteer here.
    with pytest.raises(NotFound):
        volunteer_code_rotate(actor=world.secretary, community=world.community)
    assert volunteer_code(world.alice) == code
    assert not AuditEvent.objects.filter(verb="timebank.volunteer_code_rotate").exists()


def test_wrong_codes_are_throttled_per_organiser(world, time_machine):
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user)
    code = volunteer_code(world.alice)
    wrong = unused_code(code)
    at = local(DAY, 9)
    for _ in range(CODE_GUESSES.limit):
        with pytest.raises(ValidationFailed) as caught:
            check_in(actor=world.organiser, session=session, code=wrong, now=at)
        assert caught.value.code == "bad_code"
    with pytest.raises(Throttled) as caught:  # now even the right code waits
        check_in(actor=world.organiser, session=session, code=code, now=at)
    assert caught.value.code == "throttled" and caught.value.status == 429
    assert "输错次数过多" in str(caught.value.message) and "10 分钟后再试" in str(caught.value.message)
    with pytest.raises(Throttled):
        check_out(actor=world.organiser, session=session, code=code, now=at)
    assert not ServiceRecord.objects.exists()
    # The count is the organiser's: staff at the same session scan on.
    check_in(actor=world.social_worker, session=session, code=code, now=at)
    time_machine.move_to(timezone.now() + CODE_GUESSES.window + datetime.timedelta(seconds=1))
    record = check_out(actor=world.organiser, session=session, code=code, now=local(DAY, 10))
    assert record.status == RecordStatus.PENDING


def test_right_codes_do_not_count_towards_the_limit(world):
    session = first_session(make_activity(world, capacity=3))
    for user in (world.alice_user, world.bob_user, world.carol_user):
        signup(world, session, user)
    codes = [volunteer_code(p) for p in (world.alice, world.bob, world.carol)]
    wrong = unused_code(*codes)
    at = local(DAY, 9)
    for _ in range(CODE_GUESSES.limit - 1):
        with pytest.raises(ValidationFailed):
            check_in(actor=world.organiser, session=session, code=wrong, now=at)
    for code in codes:
        check_in(actor=world.organiser, session=session, code=code, now=at)
    assert ServiceRecord.objects.count() == 3


def test_check_in_and_out_count_only_the_time_inside_the_session(world):
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user, card=world.card)
    code = volunteer_code(world.alice)
    record = check_in(actor=world.organiser, session=session, code=code, now=local(DAY, 8, 20))
    assert (record.status, record.source, record.content) == (RecordStatus.CHECKED_IN, RecordSource.QR, "1栋楼道保洁")
    assert (record.place, record.service_date, record.card) == (world.site.buildings[0], DAY, world.card)
    assert record.grid_path == world.alice.grid_path
    record = check_out(actor=world.organiser, session=session, code=code, now=local(DAY, 11, 40))
    assert (record.status, record.minutes, record.ended_at) == (RecordStatus.PENDING, 120, local(DAY, 11, 40))


def test_check_in_bad_inputs_change_nothing(world, other):
    session = first_session(make_activity(world, capacity=1))
    signup(world, session, world.alice_user)
    signup(world, session, world.bob_user)  # waitlisted
    at = local(DAY, 9)

    def refused(exc, code, user=None, person=None, when=at, out=False):
        fn = check_out if out else check_in
        with pytest.raises(exc) as caught:
            fn(
                actor=user or world.organiser,
                session=session,
                code=volunteer_code(person or world.alice),
                now=when,
            )
        assert caught.value.code == code
        return caught.value

    err = refused(ValidationFailed, "not_signed_up", person=world.carol)
    assert "没有报名这个场次" in str(err.message)
    refused(ValidationFailed, "waitlisted", person=world.bob)
    refused(ValidationFailed, "not_now", when=local(DAY, 6, 59))
    refused(ValidationFailed, "not_now", when=local(DAY + datetime.timedelta(days=1), 9))
    refused(ValidationFailed, "bad_code", person=other.alice)  # another community's code is unknown here
    refused(ValidationFailed, "not_checked_in", out=True)
    refused(PermissionDenied, "forbidden", user=world.other_organiser)
    refused(PermissionDenied, "forbidden", user=world.alice_user)
    refused(NotFound, "not_found", user=other.secretary)
    assert not ServiceRecord.objects.exists()
    check_in(actor=world.social_worker, session=session, code=volunteer_code(world.alice), now=at)
    err = refused(Duplicate, "already_checked_in")
    assert "已经签到过了" in str(err.message)
    check_out(actor=world.organiser, session=session, code=volunteer_code(world.alice), now=local(DAY, 10))
    refused(Duplicate, "already_checked_out", out=True, when=local(DAY, 10, 30))
    record = ServiceRecord.objects.get()
    assert (record.minutes, record.status) == (60, RecordStatus.PENDING)


# --- paper sign-in sheets --------------------------------------------------------------------------------------


def row(person, start, end):
    return AttendanceRow(person=person, start=local(DAY, *start), end=local(DAY, *end))


def test_a_paper_sheet_makes_pending_records_for_each_row(world):
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user, card=world.card)
    records = attendance_enter(
        actor=world.organiser,
        session=session,
        rows=[row(world.alice, (9, 0), (11, 0)), row(world.carol, (9, 30), (10, 15))],
    )
    assert [(r.person, r.minutes, r.source, r.status) for r in records] == [
        (world.alice, 120, RecordSource.PAPER, RecordStatus.PENDING),
        (world.carol, 45, RecordSource.PAPER, RecordStatus.PENDING),
    ]
    assert records[0].card == world.card and records[1].card is None
    assert AuditEvent.objects.filter(verb="timebank.attendance_enter").count() == 1


@pytest.mark.parametrize(
    ("rows", "exc", "code", "message"),
    [
        (
            lambda w: [row(w.alice, (9, 0), (11, 0)), row(w.bob, (8, 30), (11, 0))],
            ValidationFailed,
            "over_span",
            "服务时长超过活动时段",
        ),
        (lambda w: [row(w.alice, (9, 0), (11, 30))], ValidationFailed, "over_span", "服务时长超过活动时段"),
        (lambda w: [row(w.alice, (10, 0), (10, 0))], ValidationFailed, "bad_span", "结束时间应晚于开始时间"),
        (
            lambda w: [row(w.alice, (9, 0), (10, 0)), row(w.dave, (9, 0), (10, 0))],
            ValidationFailed,
            "not_volunteer",
            "第 2 行",
        ),
        (
            lambda w: [row(w.alice, (9, 0), (10, 0)), row(w.alice, (10, 0), (11, 0))],
            ValidationFailed,
            "duplicate_row",
            "两次",
        ),
        (lambda w: [], ValidationFailed, "no_rows", "至少填写一行"),
    ],
)
def test_a_bad_paper_row_saves_no_row_at_all(world, rows, exc, code, message):
    session = first_session(make_activity(world))
    with pytest.raises(exc) as caught:
        attendance_enter(actor=world.organiser, session=session, rows=rows(world))
    assert caught.value.code == code
    assert message in str(caught.value.message)
    assert not ServiceRecord.objects.exists()


def test_paper_rows_cannot_double_a_record_or_come_from_elsewhere(world, other):
    session = first_session(make_activity(world))
    served(world, session, world.alice, world.alice_user)
    with pytest.raises(Duplicate) as caught:
        attendance_enter(actor=world.organiser, session=session, rows=[row(world.alice, (9, 0), (10, 0))])
    assert caught.value.code == "already_recorded"
    with pytest.raises(NotFound):
        attendance_enter(actor=world.organiser, session=session, rows=[row(other.alice, (9, 0), (10, 0))])
    with pytest.raises(PermissionDenied):
        attendance_enter(actor=world.alice_user, session=session, rows=[row(world.bob, (9, 0), (10, 0))])
    with pytest.raises(PermissionDenied):
        attendance_enter(actor=world.other_organiser, session=session, rows=[row(world.bob, (9, 0), (10, 0))])
    assert ServiceRecord.objects.count() == 1


# --- approval --------------------------------------------------------------------------------------------------


def test_approval_posts_the_points_once_to_the_volunteer_and_tells_them(world):
    record = served(world, first_session(make_activity(world)), world.alice, world.alice_user, 8, 12)  # 09–11 count
    record = record_approve(actor=world.organiser, record=record)
    assert (record.status, record.points, record.reviewed_by) == (RecordStatus.APPROVED, 20, world.organiser)
    tx = record.transaction
    assert (tx.kind, tx.idempotency_key) == (TransactionKind.EARN, f"record:{record.pk}:earn")
    account = Account.objects.get(kind=AccountKind.INDIVIDUAL, person=world.alice)
    assert account.balance == 20
    issuance = Account.objects.get(community=world.community, kind=AccountKind.ISSUANCE)
    assert sorted(
        Entry.objects.filter(transaction=tx).values_list("account_id", "amount", "attributed_person_id")
    ) == sorted([(issuance.pk, -20, world.alice.pk), (account.pk, 20, world.alice.pk)])
    message = OutboxMessage.objects.get(user=world.alice_user, kind="timebank.record_approved")
    assert "20 积分" in message.title
    with pytest.raises(ValidationFailed) as caught:
        record_approve(actor=world.secretary, record=record)
    assert caught.value.code == "already_approved"
    assert Transaction.objects.count() == 1
    assert ledger_check().ok


def test_serving_under_a_card_earns_to_the_card_and_the_hours_stay_the_persons(world):
    session = first_session(make_activity(world, service_type=world.elderly))
    signup_create(actor=world.alice_user, session=session, card=world.card, now=BEFORE)
    code = volunteer_code(world.alice)
    check_in(actor=world.organiser, session=session, code=code, now=local(DAY, 9))
    record = check_out(actor=world.organiser, session=session, code=code, now=local(DAY, 10, 30))
    record = record_approve(actor=world.organiser, record=record)
    world.card.refresh_from_db()
    assert (record.person, record.minutes, record.points, world.card.balance) == (world.alice, 90, 23, 23)  # 22.5 → 23
    assert set(Entry.objects.filter(transaction=record.transaction).values_list("attributed_person_id", flat=True)) == {
        world.alice.pk
    }
    assert not Account.objects.filter(kind=AccountKind.INDIVIDUAL, person=world.alice).exists()


def test_an_organiser_approves_only_their_own_activities(world, other):
    mine = served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    theirs = served(
        world,
        first_session(make_activity(world, organiser=world.other_organiser, title="二栋")),
        world.carol,
        world.carol_user,
    )
    for actor, record, exc in [
        (world.other_organiser, mine, PermissionDenied),
        (world.organiser, theirs, PermissionDenied),
        (world.grid_worker, mine, PermissionDenied),
        (world.bob_user, mine, PermissionDenied),
        (world.alice_user, mine, PermissionDenied),
        (other.secretary, mine, NotFound),
    ]:
        with pytest.raises(exc):
            record_approve(actor=actor, record=record)
        with pytest.raises(exc):
            record_reject(actor=actor, record=record, reason="不对")
    assert not Transaction.objects.exists()
    assert record_approve(actor=world.other_organiser, record=theirs).status == RecordStatus.APPROVED
    assert record_approve(actor=world.social_worker, record=mine).status == RecordStatus.APPROVED


def test_a_record_still_checked_in_cannot_be_decided(world):
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user)
    record = check_in(actor=world.organiser, session=session, code=volunteer_code(world.alice), now=local(DAY, 9))
    with pytest.raises(ValidationFailed) as caught:
        record_approve(actor=world.organiser, record=record)
    assert caught.value.code == "not_checked_out"


def test_a_rejection_needs_a_reason_and_may_be_disputed_once(world):
    record = served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    with pytest.raises(ValidationFailed) as caught:
        record_reject(actor=world.organiser, record=record, reason="  ")
    assert caught.value.code == "reason_required"
    record = record_reject(actor=world.organiser, record=record, reason="当天未到场")
    assert (record.status, record.reject_reason) == (RecordStatus.REJECTED, "当天未到场")
    assert OutboxMessage.objects.filter(user=world.alice_user, kind="timebank.record_rejected").exists()
    with pytest.raises(ValidationFailed) as caught:
        record_approve(actor=world.organiser, record=record)
    assert caught.value.code == "not_pending"
    with pytest.raises(PermissionDenied):
        record_dispute(actor=world.bob_user, record=record, reason="我看见她了")
    with pytest.raises(ValidationFailed) as caught:
        record_dispute(actor=world.alice_user, record=record, reason="")
    assert caught.value.code == "reason_required"
    record = record_dispute(actor=world.alice_user, record=record, reason="我签到了，有照片")
    assert (record.status, record.dispute_reason) == (RecordStatus.DISPUTED, "我签到了，有照片")
    with pytest.raises(ValidationFailed) as caught:
        record_dispute(actor=world.alice_user, record=record, reason="再申诉")
    assert caught.value.code == "dispute_once"
    # Only staff decide a dispute; dismissing needs a reason; a dismissed record is final.
    with pytest.raises(PermissionDenied):
        dispute_decide(actor=world.organiser, record=record, approve=True)
    with pytest.raises(ValidationFailed) as caught:
        dispute_decide(actor=world.secretary, record=record, approve=False, reason="")
    assert caught.value.code == "reason_required"
    record = dispute_decide(actor=world.secretary, record=record, approve=False, reason="签到表上没有她")
    assert record.status == RecordStatus.DISMISSED
    with pytest.raises(ValidationFailed) as caught:
        record_dispute(actor=world.alice_user, record=record, reason="再申诉")
    assert caught.value.code == "dispute_once"
    with pytest.raises(ValidationFailed) as caught:
        dispute_decide(actor=world.secretary, record=record, approve=True)
    assert caught.value.code == "not_disputed"
    assert not Transaction.objects.exists()


def test_an_upheld_dispute_posts_the_points(world):
    record = served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    with pytest.raises(ValidationFailed) as caught:
        record_dispute(actor=world.alice_user, record=record, reason="为什么")
    assert caught.value.code == "not_rejected"
    record_reject(actor=world.organiser, record=record, reason="时长不对")
    record_dispute(actor=world.alice_user, record=record, reason="我从九点干到十一点")
    record = dispute_decide(actor=world.social_worker, record=record, approve=True, reason="核实属实")
    assert (record.status, record.points) == (RecordStatus.APPROVED, 20)
    assert Account.objects.get(kind=AccountKind.INDIVIDUAL, person=world.alice).balance == 20
    assert ledger_check().ok


def test_staff_cannot_approve_their_own_service(world):
    staff_person = world.site.people[6]
    user = user_of(staff_person)
    from gongzhi.core.services import role_assign

    role_assign(actor=None, user=user, role=Role.SOCIAL_WORKER, place=world.community)
    register(staff_person)
    activity = make_activity(world, organiser=world.social_worker, place=world.community)
    record = served(world, first_session(activity), staff_person, user)
    with pytest.raises(PermissionDenied) as caught:
        record_approve(actor=user, record=record)
    assert "自己的服务记录" in str(caught.value.message)


def exchange_record(world: World, person, grid_path: str, place) -> ServiceRecord:
    """A resident-to-resident help record as the exchange part makes it (PENDING, source EXCHANGE)."""
    return ServiceRecord.objects.create(
        community=world.community,
        person=person,
        service_type=world.elderly,
        source=RecordSource.EXCHANGE,
        content="陪老人买菜",
        place=place,
        place_path=place.path,
        grid_path=grid_path,
        service_date=DAY,
        started_at=local(DAY, 9),
        ended_at=local(DAY, 10),
        minutes=60,
        status=RecordStatus.PENDING,
    )


def test_help_between_residents_is_approved_by_the_grid_worker_whose_grid_reaches_it(world):
    inside = exchange_record(world, world.bob, world.site.micro_grid.path, world.site.buildings[0])
    outside = exchange_record(world, world.carol, world.site.grid.path, world.site.buildings[1])
    with pytest.raises(PermissionDenied) as caught:
        record_approve(actor=world.grid_worker, record=outside)
    assert "网格员" in str(caught.value.message)
    with pytest.raises(PermissionDenied):
        record_approve(actor=world.organiser, record=inside)
    record = record_approve(actor=world.grid_worker, record=inside)
    assert (record.status, record.points) == (RecordStatus.APPROVED, 15)
    assert record_approve(actor=world.secretary, record=outside).points == 15


def test_zero_minutes_are_approved_without_a_posting(world):
    session = first_session(make_activity(world))
    signup(world, session, world.alice_user)
    code = volunteer_code(world.alice)
    check_in(actor=world.organiser, session=session, code=code, now=local(DAY, 8))
    record = check_out(actor=world.organiser, session=session, code=code, now=local(DAY, 8, 50))
    assert record.minutes == 0
    record = record_approve(actor=world.organiser, record=record)
    assert (record.status, record.points, record.transaction) == (RecordStatus.APPROVED, 0, None)
    assert not Transaction.objects.exists()


def test_an_inactive_service_type_cannot_start_an_activity(world):
    ServiceType.objects.filter(pk=world.cleaning.pk).update(is_active=False)
    world.cleaning.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        make_activity(world)
    assert caught.value.code == "bad_service_type"
