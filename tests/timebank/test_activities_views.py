"""Activities pages and API: what each role sees and may do, the Chinese error shown on the page (nothing changed),
404 for another community, and constant query counts of the list pages."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine

from gongzhi.core.qr import qr_svg
from gongzhi.timebank.models.activities import Activity, RecordStatus, ServiceRecord, Session, SignUp, SignUpStatus
from gongzhi.timebank.models.ledger import Account, AccountKind
from gongzhi.timebank.services.checkin import CODE_GUESSES, person_from_code, volunteer_code
from gongzhi.timebank.services.signups import signup_create
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.test_activities_world import DAY, World, first_session, local, make_activity, make_world, served

BEFORE = local(DAY, 8) - datetime.timedelta(days=1)


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def other(db) -> World:
    return make_world(factories.make_community(name="别的社区", residents_per_household=2))


def url(world: World, name: str, *args: int) -> str:
    from django.urls import reverse

    return reverse(f"timebank:{name}", args=[world.community.pk, *args])


def text(response) -> str:
    return response.content.decode()


# --- the list and the detail ------------------------------------------------------------------------------------


def test_every_member_sees_upcoming_sessions_with_free_places_and_waitlist(world, other):
    session = first_session(make_activity(world, capacity=1))
    signup_create(actor=world.alice_user, session=session, now=BEFORE)
    signup_create(actor=world.bob_user, session=session, now=BEFORE)
    for user in (world.dave_user, world.alice_user, world.staff["property"], world.secretary):
        page = login(user).get(url(world, "activity_list"))
        assert page.status_code == 200
        assert "1栋楼道保洁" in text(page)
        assert 'data-free="0"' in text(page) and 'data-waitlist="1"' in text(page)
    assert 'data-mine="confirmed"' in text(login(world.alice_user).get(url(world, "activity_list")))
    assert 'data-mine="waitlisted"' in text(login(world.bob_user).get(url(world, "activity_list")))
    assert login(other.secretary).get(url(world, "activity_list")).status_code == 404
    assert login(other.alice_user).get(url(world, "activity_detail", session.activity_id)).status_code == 404


def test_anonymous_is_sent_to_log_in(world):
    from django.test import Client

    assert Client().get(url(world, "activity_list")).status_code == 302
    assert Client().get(url(world, "my_code")).status_code == 302


def _count_queries(client, path: str) -> int:
    with queries() as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["activity_list", "my_activities"])
def test_list_pages_take_the_same_queries_for_one_session_or_twenty_five(world, name):
    one = make_activity(world)
    signup_create(actor=world.alice_user, session=first_session(one), now=BEFORE)
    served(world, first_session(make_activity(world, title="另一场", capacity=5)), world.alice, world.alice_user)
    client = login(world.alice_user)
    small = _count_queries(client, url(world, name))
    many = make_activity(
        world,
        title="每日巡查",
        recurrence="weekly",
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        end_date=DAY + datetime.timedelta(days=24),
    )
    for session in many.sessions.all():
        signup_create(actor=world.alice_user, session=session, now=BEFORE)
    for i in range(24):
        activity = make_activity(world, title=f"活动{i}", start_date=DAY + datetime.timedelta(days=i + 1), capacity=3)
        served(world, first_session(activity), world.alice, world.alice_user)
    assert Session.objects.count() >= 50
    with queries(small):
        assert client.get(url(world, name)).status_code == 200


def test_the_approvals_queue_takes_the_same_queries_for_one_record_or_twenty_five(world):
    served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    client = login(world.organiser)
    small = _count_queries(client, url(world, "approvals"))
    for i in range(24):
        activity = make_activity(world, title=f"活动{i}", start_date=DAY + datetime.timedelta(days=i + 1), capacity=3)
        served(
            world,
            first_session(activity),
            world.bob if i % 2 else world.carol,
            world.bob_user if i % 2 else world.carol_user,
        )
    assert ServiceRecord.objects.filter(status=RecordStatus.PENDING).count() == 25
    with queries(small):
        page = client.get(url(world, "approvals"))
    assert text(page).count('class="card record"') == 25


def test_sign_up_and_cancel_from_the_detail_page(world):
    activity = make_activity(world, capacity=1)
    session = first_session(activity)
    client = login(world.alice_user)
    page = client.get(url(world, "activity_detail", activity.pk))
    assert f'id="signup-{session.pk}"' in text(page)
    assert f'id="run-{session.pk}"' not in text(page)  # the scan page is the organiser's
    response = client.post(url(world, "session_signup", session.pk), {"card": str(world.card.pk)}, follow=True)
    assert "报名成功" in text(response)
    signup = SignUp.objects.get()
    assert (signup.status, signup.card) == (SignUpStatus.CONFIRMED, world.card)
    bob = login(world.bob_user).post(url(world, "session_signup", session.pk), follow=True)
    assert "候补，排第 1 位" in text(bob)
    again = client.post(url(world, "session_signup", session.pk))
    assert again.status_code == 409 and "您已经报名了这个场次" in text(again)
    response = client.post(url(world, "signup_cancel", signup.pk), follow=True)
    assert "已取消报名" in text(response)
    assert SignUp.objects.get(person=world.bob).status == SignUpStatus.CONFIRMED


def test_sign_up_errors_show_in_chinese_and_change_nothing(world, other):
    session = first_session(make_activity(world))
    response = login(world.dave_user).post(url(world, "session_signup", session.pk))
    assert response.status_code == 400
    assert "您还不是本社区在册的志愿者" in text(response)
    response = login(world.bob_user).post(url(world, "session_signup", session.pk), {"card": str(world.card.pk)})
    assert response.status_code == 400 and "不是这张集体卡的成员" in text(response)
    assert login(other.alice_user).post(url(world, "session_signup", session.pk)).status_code == 404
    assert login(world.alice_user).get(url(world, "session_signup", session.pk)).status_code == 405
    assert not SignUp.objects.exists()


# --- new activity -----------------------------------------------------------------------------------------------


def form(world: World, **changes) -> dict:
    data = {
        "title": "每周二、周五 街道保洁",
        "description": "带好手套",
        "kind": "event",
        "service_type": str(world.cleaning.pk),
        "place": str(world.site.buildings[0].pk),
        "team": "",
        "recurrence": "weekly",
        "weekdays": ["2", "5"],
        "month_week": "",
        "start_date": "2030-03-05",
        "end_date": "2030-03-15",
        "start_time": "09:00",
        "end_time": "11:00",
        "capacity": "20",
    }
    data.update(changes)
    return data


def test_an_organiser_publishes_a_recurring_activity(world):
    client = login(world.organiser)
    page = client.get(url(world, "activity_new"))
    assert page.status_code == 200 and 'id="activity-form"' in text(page)
    response = client.post(url(world, "activity_new"), form(world), follow=True)
    activity = Activity.objects.get()
    assert response.redirect_chain[-1][0] == url(world, "activity_detail", activity.pk)
    assert "共 4 个场次" in text(response)
    assert (activity.organiser, activity.weekdays) == (world.organiser, "2,5")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "08:00"}, "结束时间应晚于开始时间"),
        ({"recurrence": "monthly", "month_week": ""}, "只选择一个星期几"),
        ({"place": lambda w: str(w.site.buildings[1].pk)}, "选择一个有效的选项"),  # not offered to building 1's head
        ({"title": "<b>保洁</b>"}, "活动名称"),
    ],
)
def test_a_bad_activity_form_shows_why_and_makes_nothing(world, changes, message):
    changes = {k: v(world) if callable(v) else v for k, v in changes.items()}
    response = login(world.organiser).post(url(world, "activity_new"), form(world, **changes))
    assert response.status_code == 400
    assert message in text(response)
    assert not Activity.objects.exists()


def test_residents_and_volunteers_cannot_reach_the_new_activity_page(world, other):
    # A resident sees the community's time bank but may not organise: 403; another community's staff: 404.
    assert login(world.alice_user).get(url(world, "activity_new")).status_code == 403
    assert login(world.alice_user).post(url(world, "activity_new"), form(world)).status_code == 403
    assert login(other.secretary).get(url(world, "activity_new")).status_code == 404
    assert not Activity.objects.exists()


# --- my code, the session page ------------------------------------------------------------------------------------


def test_my_code_shows_the_qr_and_the_text(world):
    page = login(world.alice_user).get(url(world, "my_code"))
    code = volunteer_code(world.alice)
    assert page.status_code == 200
    assert "<svg" in text(page) and f'data-code="{code}"' in text(page)
    assert person_from_code(world.community, page.context["code_groups"]) == world.alice
    none = login(world.dave_user).get(url(world, "my_code"))
    assert "您还不是本社区在册的志愿者" in text(none) and "<svg" not in text(none)


def test_my_code_page_shows_six_digits_and_the_qr_carries_them(world):
    page = login(world.alice_user).get(url(world, "my_code"))
    code = volunteer_code(world.alice)
    assert len(code) == 6 and code.isdigit()
    assert page.context["code_groups"] == f"{code[:3]} {code[3:]}"
    assert page.context["qr"] == qr_svg(code, size_px=280, label="我的志愿者码")
    assert 'id="rotate-code"' in text(page)


def test_rotating_my_code_permission_matrix(world, other):
    from django.test import Client

    code = volunteer_code(world.alice)
    rotate = url(world, "my_code_rotate")
    anonymous = Client().post(rotate)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert login(other.alice_user).post(rotate).status_code == 404  # another community
    assert login(world.dave_user).post(rotate).status_code == 404  # a resident who is not a volunteer
    assert login(world.secretary).post(rotate).status_code == 404  # staff have no code of their own here
    assert login(world.alice_user).get(rotate).status_code == 405
    assert volunteer_code(world.alice) == code
    response = login(world.alice_user).post(rotate, follow=True)
    assert response.status_code == 200 and "已换成新的志愿者码" in text(response)
    fresh = volunteer_code(world.alice)
    assert fresh != code and f'data-code="{fresh}"' in text(response)


def test_too_many_wrong_codes_show_a_chinese_message_with_429(world):
    session = first_session(make_activity(world))
    signup_create(actor=world.alice_user, session=session, now=BEFORE)
    code = volunteer_code(world.alice)
    wrong = "000000" if code != "000000" else "000001"
    with time_machine.travel(local(DAY, 9), tick=False):
        client = login(world.organiser)
        for _ in range(CODE_GUESSES.limit):
            response = client.post(url(world, "session_scan", session.pk), {"code": wrong, "action": "in"})
            assert response.status_code == 400 and "无法识别这个志愿者码" in text(response)
        response = client.post(url(world, "session_scan", session.pk), {"code": code, "action": "in"})
    assert response.status_code == 429 and "志愿者码输错次数过多" in text(response)
    assert not ServiceRecord.objects.exists()


def test_the_organiser_scans_in_and_out_on_the_session_page(world):
    session = first_session(make_activity(world))
    signup_create(actor=world.alice_user, session=session, now=BEFORE)
    code = volunteer_code(world.alice)
    with time_machine.travel(local(DAY, 8, 40), tick=False):
        client = login(world.organiser)  # logged in at the travelled-to time, so the session has not expired
        page = client.get(url(world, "session_detail", session.pk))
        assert 'id="scan-code"' in text(page) and world.alice.masked_name in text(page)
        assert world.alice.name not in text(page)
        response = client.post(url(world, "session_scan", session.pk), {"code": code, "action": "in"}, follow=True)
    assert "签到成功" in text(response)
    with time_machine.travel(local(DAY, 10, 30), tick=False):
        response = client.post(url(world, "session_scan", session.pk), {"code": code, "action": "in"})
        assert response.status_code == 409 and "已经签到过了" in text(response)
        response = client.post(url(world, "session_scan", session.pk), {"code": code, "action": "out"}, follow=True)
    assert "服务 90 分钟，待审核" in text(response)
    assert ServiceRecord.objects.get().status == RecordStatus.PENDING


def test_scan_errors_show_in_chinese(world):
    session = first_session(make_activity(world))
    with time_machine.travel(local(DAY, 9), tick=False):
        client = login(world.organiser)
        response = client.post(
            url(world, "session_scan", session.pk), {"code": volunteer_code(world.bob), "action": "in"}
        )
        assert response.status_code == 400 and "没有报名这个场次" in text(response)
        response = client.post(url(world, "session_scan", session.pk), {"code": "乱码", "action": "in"})
        assert response.status_code == 400 and "无法识别这个志愿者码" in text(response)
    with time_machine.travel(local(DAY, 13, 1), tick=False):
        response = client.post(
            url(world, "session_scan", session.pk), {"code": volunteer_code(world.bob), "action": "in"}
        )
    assert response.status_code == 400 and "现在不是这个场次的签到时间" in text(response)
    assert not ServiceRecord.objects.exists()


def test_only_those_who_run_the_session_see_the_scan_box_and_may_post(world, other):
    session = first_session(make_activity(world))
    for user in (world.alice_user, world.other_organiser, world.grid_worker):
        page = login(user).get(url(world, "session_detail", session.pk))
        assert page.status_code == 200 and 'id="scan-code"' not in text(page)
    assert 'id="scan-code"' in text(login(world.social_worker).get(url(world, "session_detail", session.pk)))
    with time_machine.travel(local(DAY, 9), tick=False):
        response = login(world.other_organiser).post(
            url(world, "session_scan", session.pk), {"code": volunteer_code(world.alice), "action": "in"}
        )
    assert response.status_code == 403
    assert login(other.secretary).get(url(world, "session_detail", session.pk)).status_code == 404
    data = {"row0-person": str(world.alice.pk), "row0-start": "09:00", "row0-end": "10:00"}
    assert login(world.other_organiser).post(url(world, "session_paper", session.pk), data).status_code == 403
    assert not ServiceRecord.objects.exists()


def test_a_paper_sheet_is_entered_all_or_nothing(world):
    session = first_session(make_activity(world))
    signup_create(actor=world.alice_user, session=session, now=BEFORE)
    client = login(world.organiser)
    page = client.get(url(world, "session_detail", session.pk) + "?q=" + world.carol.name[:2])
    assert world.carol.masked_name in text(page)
    bad = {
        "q": world.carol.name[:2],
        "row0-person": str(world.alice.pk),
        "row0-start": "09:00",
        "row0-end": "11:00",
        "row1-person": str(world.carol.pk),
        "row1-start": "08:30",
        "row1-end": "10:00",
    }
    response = client.post(url(world, "session_paper", session.pk) + "?q=" + world.carol.name[:2], bad)
    assert response.status_code == 400 and "第 2 行：服务时长超过活动时段" in text(response)
    assert not ServiceRecord.objects.exists()
    incomplete = {"row0-person": str(world.alice.pk), "row0-start": "09:00"}
    response = client.post(url(world, "session_paper", session.pk), incomplete)
    assert response.status_code == 400 and "请填写志愿者、开始和结束时间" in text(response)
    good = {**bad, "row1-start": "09:30"}
    response = client.post(url(world, "session_paper", session.pk) + "?q=" + world.carol.name[:2], good, follow=True)
    assert "已录入 2 条签到记录" in text(response)
    assert sorted(ServiceRecord.objects.values_list("minutes", flat=True)) == [30, 120]


# --- my activities, approvals -----------------------------------------------------------------------------------


def test_approve_on_the_queue_and_the_volunteer_sees_the_points(world):
    record = served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    page = login(world.organiser).get(url(world, "approvals"))
    assert f'id="approve-{record.pk}"' in text(page) and world.alice.masked_name in text(page)
    assert f'id="record-{record.pk}"' not in text(login(world.other_organiser).get(url(world, "approvals")))
    assert login(world.alice_user).get(url(world, "approvals")).status_code == 403
    refused = login(world.other_organiser).post(url(world, "record_decide", record.pk), {"decision": "approve"})
    assert refused.status_code == 404  # another organiser's record does not exist for them
    response = login(world.organiser).post(url(world, "record_decide", record.pk), {"decision": "approve"}, follow=True)
    assert "已通过" in text(response) and "20 积分" in text(response)
    mine = login(world.alice_user).get(url(world, "my_activities"))
    assert 'id="my-balance">20<' in text(mine) and 'data-points="20"' in text(mine)
    assert 'id="my-hours">2.0<' in text(mine)


def test_reject_needs_a_reason_and_the_volunteer_disputes_once(world):
    record = served(world, first_session(make_activity(world)), world.alice, world.alice_user)
    client = login(world.organiser)
    response = client.post(url(world, "record_decide", record.pk), {"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "请填写不通过的原因" in text(response)
    client.post(url(world, "record_decide", record.pk), {"decision": "reject", "reason": "未到场"})
    mine = login(world.alice_user)
    page = mine.get(url(world, "my_activities"))
    assert "未到场" in text(page) and f'id="dispute-{record.pk}"' in text(page)
    response = mine.post(url(world, "record_dispute", record.pk), {"reason": ""})
    assert response.status_code == 400 and "请填写申诉理由" in text(response)
    response = mine.post(url(world, "record_dispute", record.pk), {"reason": "我到场了"}, follow=True)
    assert "申诉已提交" in text(response) and f'id="dispute-{record.pk}"' not in text(response)
    assert login(world.bob_user).post(url(world, "record_dispute", record.pk), {"reason": "x"}).status_code == 404
    staff = login(world.secretary)
    assert f'id="uphold-{record.pk}"' in text(staff.get(url(world, "approvals")))
    assert f'id="record-{record.pk}"' not in text(client.get(url(world, "approvals")))  # staff decide disputes
    staff.post(url(world, "record_decide", record.pk), {"decision": "uphold", "reason": "核实"})
    record.refresh_from_db()
    assert (record.status, record.points) == (RecordStatus.APPROVED, 20)
    response = staff.post(url(world, "record_decide", record.pk), {"decision": "approve"})
    assert response.status_code == 400 and "已经审核通过" in text(response)


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_lists_upcoming_sessions_for_members_only(world, other):
    session = first_session(make_activity(world, capacity=1))
    signup_create(actor=world.alice_user, session=session, now=BEFORE)
    path = f"/api/timebank/communities/{world.community.pk}/activities"
    response = login(world.alice_user).get(path)
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["free"], row["capacity"], row["my_status"]) == (session.pk, 0, 1, "confirmed")
    assert (row["title"], row["points_per_hour"]) == ("1栋楼道保洁", 10)
    assert login(world.dave_user).get(path).json()[0]["my_status"] is None
    missing = login(other.alice_user).get(path)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_api_signup(world, other):
    session = first_session(make_activity(world, capacity=1))
    path = f"/api/timebank/sessions/{session.pk}/signup"
    post = lambda user, body=None: login(user).post(path, json.dumps(body or {}), content_type="application/json")  # noqa: E731
    created = post(world.alice_user, {"card": world.card.pk})
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["card"]) == ("confirmed", world.card.pk)
    assert post(world.bob_user).json()["waitlist_position"] == 1
    again = post(world.alice_user)
    assert again.status_code == 409 and again.json()["code"] == "already_signed_up"
    refused = post(world.dave_user)
    assert refused.status_code == 400 and "在册的志愿者" in refused.json()["message"]
    not_member = post(world.carol_user, {"card": world.card.pk})
    assert not_member.status_code == 400 and not_member.json()["code"] == "not_a_member"
    assert post(other.alice_user).status_code == 404
    assert SignUp.objects.count() == 2
    assert Account.objects.filter(kind=AccountKind.INDIVIDUAL).count() == 0


def test_the_organiser_extends_a_recurring_activity_from_its_page(world):
    activity = make_activity(world, recurrence="weekly", weekdays=[2])
    assert activity.sessions.count() == 9
    with time_machine.travel(local(DAY + datetime.timedelta(days=14), 12), tick=False):
        refused = login(world.other_organiser).post(url(world, "activity_extend", activity.pk))
        assert refused.status_code == 403 and "组织者" in text(refused)
        client = login(world.organiser)
        assert 'id="activity-extend"' in text(client.get(url(world, "activity_detail", activity.pk)))
        response = client.post(url(world, "activity_extend", activity.pk), follow=True)
    assert "已续排 2 个场次" in text(response)
    assert activity.sessions.count() == 11
