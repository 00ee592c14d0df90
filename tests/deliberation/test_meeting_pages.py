"""Meeting pages: every page and POST as anonymous, another community (404), a lower role (403/404) and the
allowed role; bad input on the pages; the 台账 workbooks; constant query counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Attendance, Meeting, MeetingStatus, Suggestion
from gongzhi.deliberation.services.meetings import (
    attendance_record,
    meeting_cancel,
    meeting_schedule,
    minutes_record,
    suggestion_add,
)
from tests import factories
from tests.conftest import login
from tests.deliberation.conftest import voting_topic
from tests.queries import queries

pytestmark = pytest.mark.django_db
ROLES = [
    Role.SECRETARY,
    Role.SOCIAL_WORKER,
    Role.GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.PROPERTY,
    Role.STREET_STAFF,
    Role.RESIDENT,
]
EVERYONE = set(ROLES)
STAFF = {Role.SECRETARY, Role.SOCIAL_WORKER}
RECORDERS = STAFF | {Role.BUILDING_HEAD}


def evening_in(days: int) -> str:
    """A meeting time for the form, `days` from now at 19:00 local time, as <input type=datetime-local> sends it."""
    return (timezone.localdate() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT19:00")


def building_meeting(site, secretary, hours: float = -0.5) -> Meeting:
    """A 院落夜话 in building 1, where the staff fixture's building head and resident live."""
    return meeting_schedule(
        actor=secretary,
        place=site.buildings[0],
        kind="night_talk",
        title="1栋院落夜话",
        starts_at=timezone.now() + datetime.timedelta(hours=hours),
        location="1栋楼下",
    )


def pages(site, meeting: Meeting) -> dict[str, str]:
    c, m = site.community.pk, meeting.pk
    return {
        "list": f"/c/{c}/meetings/",
        "detail": f"/c/{c}/meetings/{m}/",
        "signin": f"/c/{c}/meetings/signin/{meeting.signin_token}/",
        "schedule": f"/c/{c}/meetings/new/",
        "poster": f"/c/{c}/meetings/{m}/poster/",
        "attendance": f"/c/{c}/meetings/{m}/attendance/",
        "minutes": f"/c/{c}/meetings/{m}/minutes/",
        "suggestions": f"/c/{c}/meetings/{m}/suggestions/",
        "meeting_export": f"/c/{c}/meetings/{m}/export.xlsx",
        "register_export": f"/c/{c}/meetings/register.xlsx",
    }


ALLOWED = {
    "list": EVERYONE,
    "detail": EVERYONE,
    "signin": EVERYONE,
    "schedule": STAFF,
    "poster": RECORDERS,
    "attendance": RECORDERS,
    "minutes": RECORDERS,
    "suggestions": RECORDERS,
    "meeting_export": RECORDERS,
    "register_export": RECORDERS,
}


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_anonymous_is_sent_to_login(site, secretary, page):
    url = pages(site, building_meeting(site, secretary))[page]
    response = Client().get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_other_community_gets_404(site, secretary, other_staff, page):
    url = pages(site, building_meeting(site, secretary))[page]
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404


@pytest.mark.parametrize("page", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused(site, staff, page, role):
    url = pages(site, building_meeting(site, staff[Role.SECRETARY]))[page]
    status = login(staff[role]).get(url).status_code
    assert status == (200 if role in ALLOWED[page] else 403), (page, role, status)


def test_a_meeting_outside_the_residents_places_is_invisible(site, staff):
    secretary = staff[Role.SECRETARY]
    elsewhere = meeting_schedule(
        actor=secretary,
        place=site.buildings[1],
        kind="bazaba",
        title="2栋坝坝会",
        starts_at=timezone.now(),
        location="2栋",
    )
    for role in (Role.RESIDENT, Role.BUILDING_HEAD):
        client = login(staff[role])
        for page in ("detail", "signin", "poster", "minutes"):
            assert client.get(pages(site, elsewhere)[page]).status_code == 404, (role, page)
        assert "2栋坝坝会" not in client.get(f"/c/{site.community.pk}/meetings/").content.decode()


def test_bad_token_is_404(site, staff):
    response = login(staff[Role.SECRETARY]).get(f"/c/{site.community.pk}/meetings/signin/not-a-token/")
    assert response.status_code == 404


# --- POSTs -----------------------------------------------------------------------------------------------------


def posts(site, meeting: Meeting, suggestion: Suggestion) -> dict[str, tuple[str, dict[str, str]]]:
    c, m = site.community.pk, meeting.pk
    return {
        "schedule": (
            f"/c/{c}/meetings/new/",
            {
                "place": str(site.buildings[0].pk),
                "kind": "bazaba",
                "title": "新的坝坝会",
                "starts_at": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                "location": "中庭",
            },
        ),
        "attendance": (f"/c/{c}/meetings/{m}/attendance/", {"name": "来宾甲"}),
        "minutes": (f"/c/{c}/meetings/{m}/minutes/", {"minutes": "商定：周末大扫除。"}),
        "suggestions": (f"/c/{c}/meetings/{m}/suggestions/", {"body": "增设晾衣架"}),
        "respond": (
            f"/c/{c}/meetings/{m}/suggestions/{suggestion.pk}/respond/",
            {"status": "answered", "response": "已转物业"},
        ),
        "held": (f"/c/{c}/meetings/{m}/held/", {}),
        "cancel": (f"/c/{c}/meetings/{m}/cancel/", {"reason": "下雨"}),
    }


POST_ALLOWED = {
    "schedule": STAFF,
    "attendance": RECORDERS,
    "minutes": RECORDERS,
    "suggestions": RECORDERS,
    "respond": STAFF,
    "held": STAFF,
    "cancel": STAFF,
}


def state(meeting: Meeting, suggestion: Suggestion) -> tuple[object, ...]:
    meeting.refresh_from_db()
    suggestion.refresh_from_db()
    return (
        Meeting.objects.count(),
        meeting.status,
        meeting.minutes,
        Attendance.objects.count(),
        Suggestion.objects.count(),
        suggestion.status,
    )


@pytest.fixture
def posted(site, staff):
    secretary = staff[Role.SECRETARY]
    meeting = building_meeting(site, secretary)
    suggestion = suggestion_add(actor=secretary, meeting=meeting, body="修好单元门")
    return meeting, suggestion


@pytest.mark.parametrize("action", sorted(POST_ALLOWED))
def test_post_anonymous_and_other_community_change_nothing(site, other_staff, posted, action):
    meeting, suggestion = posted
    url, data = posts(site, meeting, suggestion)[action]
    before = state(meeting, suggestion)
    response = Client().post(url, data)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert login(other_staff[Role.SECRETARY]).post(url, data).status_code == 404
    assert state(meeting, suggestion) == before


@pytest.mark.parametrize("action", sorted(POST_ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_post_by_each_role(site, staff, posted, action, role):
    meeting, suggestion = posted
    url, data = posts(site, meeting, suggestion)[action]
    before = state(meeting, suggestion)
    response = login(staff[role]).post(url, data)
    if role in POST_ALLOWED[action]:
        assert response.status_code == 302, (action, role, response.content.decode()[:500])
        assert state(meeting, suggestion) != before, (action, role)
    else:
        assert response.status_code == 403, (action, role, response.status_code)
        assert state(meeting, suggestion) == before


@pytest.mark.date_sensitive
def test_sign_in_post_only_for_registered_residents(owners, secretary):
    site = owners.site
    meeting = building_meeting(site, secretary)
    url = pages(site, meeting)["signin"]
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and not Attendance.objects.exists()
    client = login(owners.accounts[0])
    page = client.get(url).content.decode()
    assert 'id="signin-submit"' in page and "1栋院落夜话" in page
    first = client.post(url).content.decode()
    assert 'id="signed-in"' in first
    again = client.post(url).content.decode()
    assert "已签到，无需重复签到" in again
    rescanned = client.get(url).content.decode()
    assert 'id="signed-in"' in rescanned and 'id="signin-submit"' not in rescanned
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    neighbour = login(owners.accounts[-1])  # building 2: cannot see a building 1 meeting
    assert neighbour.post(url).status_code == 404
    assert Attendance.objects.count() == 1


@pytest.mark.date_sensitive
def test_sign_in_page_explains_the_window_and_cancellation(owners, secretary):
    site = owners.site
    later = building_meeting(site, secretary, hours=30)
    client = login(owners.accounts[0])
    page = client.get(pages(site, later)["signin"]).content.decode()
    assert "签到时间" in page and 'id="signin-submit"' not in page
    assert "签到尚未开始" in client.post(pages(site, later)["signin"]).content.decode()
    meeting_cancel(actor=secretary, meeting=later, reason="改期")
    assert "会议已取消" in client.get(pages(site, later)["signin"]).content.decode()
    assert not Attendance.objects.exists()


# --- bad input through the pages ----------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_pages_show_errors_and_change_nothing(site, staff):
    secretary = staff[Role.SECRETARY]
    client = login(secretary)
    c = site.community.pk
    bad = client.post(
        f"/c/{c}/meetings/new/",
        {
            "place": site.compound.pk,
            "kind": "bazaba",
            "title": "<script>x</script>",
            "starts_at": evening_in(5),
            "location": "中庭",
        },
    )
    assert bad.status_code == 200 and "会议主题不能包含HTML或脚本代码" in bad.content.decode()
    assert not Meeting.objects.exists()
    wrong_place = client.post(
        f"/c/{c}/meetings/new/",
        {
            "place": site.units[0].pk,
            "kind": "bazaba",
            "title": "会",
            "starts_at": evening_in(5),
            "location": "中庭",
        },
    )
    assert wrong_place.status_code == 404 and not Meeting.objects.exists()
    meeting = building_meeting(site, secretary)
    empty = client.post(f"/c/{c}/meetings/{meeting.pk}/minutes/", {"minutes": "  "})
    assert "请填写会议纪要" in empty.content.decode()
    markup = client.post(f"/c/{c}/meetings/{meeting.pk}/suggestions/", {"body": "<img src=x onerror=alert(1)>"})
    assert "不能包含HTML或脚本代码" in markup.content.decode() and not Suggestion.objects.exists()
    guest = client.post(f"/c/{c}/meetings/{meeting.pk}/attendance/", {"name": ""}, follow=True)
    assert "请选择居民或填写来宾姓名" in guest.content.decode()
    outsider = client.post(f"/c/{c}/meetings/{meeting.pk}/attendance/", {"person": site.people[-1].pk})
    assert outsider.status_code == 404 and not Attendance.objects.exists()
    meeting.refresh_from_db()
    assert meeting.minutes == "" and meeting.status == MeetingStatus.SCHEDULED


def test_staff_search_shows_masked_id_and_phone_only(site, staff):
    secretary = staff[Role.SECRETARY]
    meeting = building_meeting(site, secretary)
    person = site.people[0]
    html = (
        login(staff[Role.BUILDING_HEAD])
        .get(f"/c/{site.community.pk}/meetings/{meeting.pk}/attendance/", {"q": person.household.room})
        .content.decode()
    )
    assert person.name in html and person.masked_id_number in html and person.masked_phone in html
    assert person.id_number not in html and person.phone not in html
    building_two = [p for p in site.people if p.household.place.parent == site.buildings[1]]
    assert html.count('class="sign-person"') == 2  # room 101 of each unit of building 1
    assert all(p.masked_id_number not in html for p in building_two)
    login(staff[Role.BUILDING_HEAD]).post(
        f"/c/{site.community.pk}/meetings/{meeting.pk}/attendance/", {"person": person.pk}
    )
    assert Attendance.objects.get().person == person


def test_residents_see_counts_and_answers_but_not_the_names(owners, secretary):
    site = owners.site
    meeting = building_meeting(site, secretary)
    attendance_record(actor=secretary, meeting=meeting, person=site.people[1])
    suggestion_add(actor=secretary, meeting=meeting, body="楼道堆物清理", raised_by="赵阿姨")
    minutes_record(actor=secretary, meeting=meeting, minutes="大家同意周末清理。")
    html = login(owners.accounts[0]).get(pages(site, meeting)["detail"]).content.decode()
    assert 'id="attendance-count">1<' in html and "楼道堆物清理" in html and "大家同意周末清理。" in html
    assert site.people[1].name not in html and "赵阿姨" not in html and 'id="attendees"' not in html
    staff_html = login(secretary).get(pages(site, meeting)["detail"]).content.decode()
    assert site.people[1].name in staff_html and "赵阿姨" in staff_html


def test_list_counts_suggestions_of_the_community(site, staff):
    secretary = staff[Role.SECRETARY]
    meeting = building_meeting(site, secretary)
    for body in ("一", "二", "三"):
        suggestion_add(actor=secretary, meeting=meeting, body=f"建议{body}")
    upcoming = building_meeting(site, secretary, hours=48)
    html = login(staff[Role.RESIDENT]).get(f"/c/{site.community.pk}/meetings/").content.decode()
    assert 'id="suggestion-total">3<' in html and "已收集建议 3 条" in html
    assert html.index('id="upcoming"') < html.index(f"/meetings/{upcoming.pk}/") < html.index('id="past"')


def test_poster_shows_a_qr_of_the_absolute_sign_in_url(site, staff):
    meeting = building_meeting(site, staff[Role.SECRETARY])
    html = login(staff[Role.BUILDING_HEAD]).get(pages(site, meeting)["poster"]).content.decode()
    assert "<svg" in html and f"http://testserver/c/{site.community.pk}/meetings/signin/{meeting.signin_token}/" in html


def test_hall_links_to_meetings(site, staff):
    html = login(staff[Role.RESIDENT]).get(f"/c/{site.community.pk}/topics/").content.decode()
    assert f'href="/c/{site.community.pk}/meetings/"' in html


@pytest.mark.date_sensitive
def test_schedule_for_a_topic_through_the_page(site, staff):
    secretary = staff[Role.SECRETARY]
    topic = voting_topic(site, secretary)
    client = login(secretary)
    form = client.get(f"/c/{site.community.pk}/meetings/new/?topic={topic.pk}").content.decode()
    assert f'value="{topic.pk}" selected' in form
    response = client.post(
        f"/c/{site.community.pk}/meetings/new/",
        {
            "place": site.compound.pk,
            "kind": "council",
            "title": "议事会会议",
            "starts_at": evening_in(10),
            "location": "社区会议室",
            "topic": topic.pk,
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get().topic == topic


# --- 台账 -----------------------------------------------------------------------------------------------------------


def _book(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content), read_only=True)


def _all_text(book) -> str:
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)


def test_meeting_workbook_has_three_sheets_and_no_id_or_phone(site, staff):
    secretary = staff[Role.SECRETARY]
    meeting = building_meeting(site, secretary)
    attendance_record(actor=secretary, meeting=meeting, person=site.people[0])
    attendance_record(actor=secretary, meeting=meeting, name='=HYPERLINK("http://x")')
    suggestion_add(actor=secretary, meeting=meeting, body="加装充电桩", category="停车")
    minutes_record(actor=secretary, meeting=meeting, minutes="议定：试点两个充电桩。")
    book = _book(login(secretary).get(pages(site, meeting)["meeting_export"]))
    assert book.sheetnames == ["基本信息", "签到", "建议"]
    text = _all_text(book)
    assert "议定：试点两个充电桩。" in text and site.people[0].name in text and "加装充电桩" in text
    assert site.people[0].id_number not in text and site.people[0].phone not in text
    signin = list(book["签到"].iter_rows(values_only=True))
    assert len(signin) == 3 and signin[2][1] == '=HYPERLINK("http://x")'


def test_register_has_one_row_per_meeting_with_counts(site, staff):
    secretary = staff[Role.SECRETARY]
    first = building_meeting(site, secretary, hours=-30)
    building_meeting(site, secretary, hours=48)
    attendance_record(actor=secretary, meeting=first, name="来宾")
    suggestion_add(actor=secretary, meeting=first, body="建议")
    rows = list(_book(login(secretary).get(pages(site, first)["register_export"])).active.iter_rows(values_only=True))
    assert rows[0][0] == "日期" and len(rows) == 3
    assert rows[1][4] == "1栋院落夜话" and rows[1][6] == 1 and rows[1][7] == 1


# --- query counts -------------------------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _fill(site, secretary, meeting: Meeting, n: int) -> None:
    for i in range(n):
        attendance_record(actor=secretary, meeting=meeting, name=f"来宾{i}")
        suggestion_add(actor=secretary, meeting=meeting, body=f"建议{i}")


@pytest.mark.parametrize("page", ["detail", "list", "attendance", "suggestions"])
def test_query_counts_do_not_grow_with_rows(site, staff, page):
    secretary = staff[Role.SECRETARY]
    small, large = building_meeting(site, secretary), building_meeting(site, secretary, hours=-3)
    _fill(site, secretary, small, 1)
    client = login(secretary)
    at_one = _queries(client, pages(site, small)[page])
    _fill(site, secretary, large, 25)
    attendance_record(actor=secretary, meeting=large, person=site.people[0])
    for _i in range(24):
        building_meeting(site, secretary, hours=-5)
    assert _queries(client, pages(site, large)[page]) <= at_one


def test_other_building_head_is_refused_on_record_pages(site, staff):
    meeting = building_meeting(site, staff[Role.SECRETARY])
    other_head = factories.make_user(Role.BUILDING_HEAD, place=site.buildings[1])
    # A neighbouring building's meeting is neither theirs to see nor to record.
    assert login(other_head).get(pages(site, meeting)["detail"]).status_code == 404
    assert login(other_head).get(pages(site, meeting)["minutes"]).status_code == 404


@pytest.mark.date_sensitive
def test_topic_panel_lists_the_topics_meetings(site, staff):
    from django.template.loader import render_to_string

    from gongzhi.deliberation.selectors.meetings import meetings_for_topic

    secretary = staff[Role.SECRETARY]
    topic = voting_topic(site, secretary)
    meeting = meeting_schedule(
        actor=secretary,
        place=site.compound,
        kind="council",
        title="议事会会议：停车位",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        location="社区会议室",
        topic=topic,
    )
    html = render_to_string(
        "deliberation/meeting_topic_panel.html",
        {
            "community": site.community,
            "topic": topic,
            "can_manage": True,
            "topic_meetings": meetings_for_topic(actor=staff[Role.RESIDENT], topic=topic),
        },
    )
    assert f"/meetings/{meeting.pk}/" in html and f"?topic={topic.pk}" in html
