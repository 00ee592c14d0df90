"""双找 pages: the permission matrix of each page and form, the sheet's errors, and constant query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.places.models import PlaceKind
from gongzhi.places.services import household_create, place_create
from gongzhi.voices.models import Channel, Survey, SurveyVisit, Voice
from gongzhi.voices.services.surveys import NeedInput, survey_create, survey_visit_record
from tests import factories
from tests.conftest import login
from tests.queries import queries

pytestmark = pytest.mark.django_db


def open_survey(desk, place=None, title="花园小区双找走访") -> Survey:
    return survey_create(
        actor=desk.staff[Role.SECRETARY],
        place=place or desk.site.compound,
        title=title,
        starts_on=timezone.localdate() - datetime.timedelta(days=7),
    )


def urls(desk, survey, household=None) -> dict[str, str]:
    c = desk.site.community.pk
    household = household or desk.site.households[0]
    return {
        "list": reverse("voices:surveys", kwargs={"community_id": c}),
        "detail": reverse("voices:survey", kwargs={"community_id": c, "survey_id": survey.pk}),
        "visit": reverse(
            "voices:survey_visit", kwargs={"community_id": c, "survey_id": survey.pk, "household_id": household.pk}
        ),
    }


def test_anonymous_is_sent_to_log_in(client, desk):
    for url in urls(desk, open_survey(desk)).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_another_community_gets_404_everywhere(desk, other_desk):
    outsider = login(other_desk.staff[Role.SECRETARY])
    for url in urls(desk, open_survey(desk)).values():
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"outcome": "visited", "action": "close"}).status_code == 404
    assert not SurveyVisit.objects.exists() and not Survey.objects.get().is_closed


def test_lower_roles(desk):
    survey = open_survey(desk)
    u = urls(desk, survey)
    resident, prop = login(desk.resident), login(desk.staff[Role.PROPERTY])
    for client in (resident, prop):
        assert client.get(u["list"]).status_code == 403  # they see the community, not its surveys
        assert client.get(u["detail"]).status_code == 404
        assert client.get(u["visit"]).status_code == 404
        assert client.post(u["visit"], {"outcome": "visited"}).status_code == 404
    worker = login(desk.staff[Role.GRID_WORKER])
    assert (
        worker.post(u["list"], {"place": desk.site.compound.pk, "title": "走访", "starts_on": "2026-01-01"}).status_code
        == 403
    )
    assert worker.post(u["detail"], {"action": "close"}).status_code == 403  # they walk it; staff end it
    assert Survey.objects.count() == 1 and not Survey.objects.get().is_closed and not SurveyVisit.objects.exists()


FIELD = {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD}
MATRIX = {
    "list": {**dict.fromkeys(FIELD, 200), Role.PROPERTY: 403, Role.STREET_STAFF: 403, Role.RESIDENT: 403},
    "detail": {**dict.fromkeys(FIELD, 200), Role.PROPERTY: 404, Role.STREET_STAFF: 404, Role.RESIDENT: 404},
    "visit": {**dict.fromkeys(FIELD, 200), Role.PROPERTY: 404, Role.STREET_STAFF: 404, Role.RESIDENT: 404},
}


@pytest.mark.parametrize("page", sorted(MATRIX))
def test_every_role_on_every_page(desk, page):
    """The household (1栋, the micro grid) is in every field worker's reach; 物业, the street and residents are not
    survey roles: they see the community (403 on its survey list) but no survey (404)."""
    url = urls(desk, open_survey(desk))[page]
    got = {role: login(user).get(url).status_code for role, user in desk.staff.items()}
    assert got == MATRIX[page]


def test_out_of_scope_survey_and_household_are_404(desk):
    survey = open_survey(desk)
    building_2 = open_survey(desk, place=desk.site.buildings[1], title="2栋走访")
    worker = login(desk.staff[Role.GRID_WORKER])
    assert worker.get(urls(desk, building_2)["detail"]).status_code == 404
    outside = urls(desk, survey, desk.site.households[8])["visit"]  # 2栋, outside the micro grid
    assert worker.get(outside).status_code == 404
    assert worker.post(outside, {"outcome": "visited"}).status_code == 404
    head = login(desk.staff[Role.BUILDING_HEAD])
    assert head.get(outside).status_code == 404
    assert not SurveyVisit.objects.exists()


def test_staff_open_a_survey_from_the_list(desk):
    secretary = login(desk.staff[Role.SECRETARY])
    url = reverse("voices:surveys", kwargs={"community_id": desk.site.community.pk})
    page = secretary.get(url).content.decode()
    assert 'id="survey-form"' in page and desk.site.compound.name in page
    bad = secretary.post(url, {"place": desk.site.compound.pk, "title": "", "starts_on": "2026-11-01"})
    assert bad.status_code == 400 and "请填写走访名称" in bad.content.decode() and not Survey.objects.exists()
    bad = secretary.post(
        url, {"place": desk.site.compound.pk, "title": "走访", "starts_on": "2026-11-02", "ends_on": "2026-11-01"}
    )
    assert "结束日期不能早于开始日期" in bad.content.decode() and not Survey.objects.exists()
    response = secretary.post(url, {"place": desk.site.compound.pk, "title": "花园小区双找", "starts_on": "2026-11-01"})
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/surveys/{survey.pk}/")
    assert survey.title == "花园小区双找" and survey.place == desk.site.compound
    listing = login(desk.staff[Role.GRID_WORKER]).get(url).content.decode()
    assert "花园小区双找" in listing and 'id="survey-form"' not in listing and "已走访 0 / 共 16 户" in listing


def test_grid_worker_walks_the_sheet_and_comes_back_to_the_next_household(desk):
    survey = open_survey(desk)
    h = desk.site.households
    worker = login(desk.staff[Role.GRID_WORKER])
    u = urls(desk, survey, h[0])
    detail = worker.get(u["detail"]).content.decode()
    assert detail.count('class="household') == 8 and "已走访 0 / 共 8 户" in detail
    assert "张*明" in detail and "张三明" not in detail  # heads' names masked in the list
    sheet = worker.get(u["visit"]).content.decode()
    assert 'name="need-0-text"' in sheet and desk.categories["refuse"].name in sheet
    response = worker.post(
        u["visit"],
        {
            "outcome": "visited",
            "note": "独居老人",
            "need-0-category": desk.categories["refuse"].pk,
            "need-0-text": "垃圾房门口太脏",
            "need-0-public": "1",
            "need-1-category": "",
            "need-1-text": "",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?next={h[1].pk}#h-{h[1].pk}")
    voice = Voice.objects.get()
    assert voice.channel == Channel.SURVEY and voice.is_public and voice.household == h[0]
    page = worker.get(response["Location"]).content.decode()
    assert "已走访 1 / 共 8 户" in page and f'id="h-{h[1].pk}" class="household state-todo hot next-household"' in page
    nobody = urls(desk, survey, h[1])["visit"]
    response = worker.post(nobody, {"outcome": "nobody_home"})
    assert response["Location"].endswith(f"?next={h[2].pk}#h-{h[2].pk}")
    due = worker.get(u["detail"] + "?state=nobody_home").content.decode()
    assert due.count('class="household') == 1 and f'id="h-{h[1].pk}"' in due
    done = worker.get(u["detail"] + "?state=done").content.decode()
    assert done.count('class="household') == 1 and f'id="h-{h[0].pk}"' in done
    assert worker.get(u["detail"] + "?state=todo").content.decode().count('class="household') == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "visited", "need-0-category": "REF", "need-0-text": "<script>alert(1)</script>"}, "第 1 条需求"),
        ({"outcome": "visited", "need-0-category": "REF", "need-0-text": "  "}, "第 1 条需求没有填写内容"),
        ({"outcome": "visited", "need-0-text": "路灯坏了"}, "第 1 条需求请选择类别"),
        ({"outcome": "visited", "from_paper": "1"}, "纸质表补录请填写走访时间"),
        ({"outcome": "visited", "from_paper": "1", "visited_at": "2099-01-01T10:00"}, "走访时间不能晚于现在"),
        ({"outcome": "nobody_home", "need-0-category": "REF", "need-0-text": "路灯坏了"}, "只有入户走访时才能登记需求"),
        ({}, "走访结果"),
    ],
)
def test_the_sheet_shows_each_error_and_changes_nothing(desk, data, message):
    survey = open_survey(desk)
    worker = login(desk.staff[Role.GRID_WORKER])
    data = {k: (desk.categories["refuse"].pk if v == "REF" else v) for k, v in data.items()}
    response = worker.post(urls(desk, survey)["visit"], data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not SurveyVisit.objects.exists() and not Voice.objects.exists()


def test_a_closed_survey_shows_why_and_records_nothing(desk):
    survey = open_survey(desk)
    secretary = login(desk.staff[Role.SECRETARY])
    u = urls(desk, survey)
    assert secretary.post(u["detail"], {"action": "close"}).status_code == 302
    worker = login(desk.staff[Role.GRID_WORKER])
    sheet = worker.get(u["visit"]).content.decode()
    assert 'id="survey-closed"' in sheet and 'id="visit-submit"' not in sheet
    response = worker.post(u["visit"], {"outcome": "visited"})
    assert response.status_code == 400 and "该走访已经结束" in response.content.decode()
    assert not SurveyVisit.objects.exists()


def test_paper_entry_from_the_sheet(desk):
    survey = open_survey(desk)
    at = timezone.localtime() - datetime.timedelta(days=2)
    response = login(desk.staff[Role.BUILDING_HEAD]).post(
        urls(desk, survey)["visit"] + "?paper=1",
        {"outcome": "declined", "from_paper": "1", "visited_at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    v = SurveyVisit.objects.get()
    assert v.from_paper and v.outcome == "declined" and timezone.localtime(v.visited_at).date() == at.date()


# ------------------------------------------------------------------------------------------- queries


def _scene(desk, n: int, name: str) -> Survey:
    """A building of n households, each visited once (with one need), and a survey over it."""
    c = desk.site
    building = place_create(actor=None, parent=c.compound, kind=PlaceKind.BUILDING, name=name)
    households = [
        household_create(actor=None, place=building, room=f"{i + 101}", floor=1, area=Decimal("70"), grid=c.grid)
        for i in range(n)
    ]
    for h in households:
        factories.make_person(c.community, h)
    survey = open_survey(desk, place=building, title=f"{name}走访")
    for i, h in enumerate(households):
        survey_visit_record(
            actor=desk.staff[Role.SECRETARY],
            survey=survey,
            household=h,
            outcome="visited" if i % 2 == 0 else "nobody_home",
            needs=[NeedInput(desk.categories["refuse"], "垃圾清运不及时")] if i % 2 == 0 else (),
        )
    return survey


def test_pages_cost_the_same_queries_with_1_and_25_households(desk):
    small, large = _scene(desk, 1, "9栋"), _scene(desk, 25, "10栋")
    secretary = login(desk.staff[Role.SECRETARY])
    c = desk.site.community.pk

    def detail(survey):
        return reverse("voices:survey", kwargs={"community_id": c, "survey_id": survey.pk})

    secretary.get(detail(small))  # warm the process-wide caches

    with queries() as ctx:
        assert secretary.get(detail(small)).status_code == 200
    n = len(ctx.captured_queries)
    with queries(n):
        page = secretary.get(detail(large))
    assert page.content.decode().count('class="household') == 25


def test_survey_list_costs_the_same_with_1_and_25_surveys(desk):
    secretary = login(desk.staff[Role.SECRETARY])
    url = reverse("voices:surveys", kwargs={"community_id": desk.site.community.pk})
    open_survey(desk)
    secretary.get(url)

    with queries() as ctx:
        assert secretary.get(url).status_code == 200
    n = len(ctx.captured_queries)
    for i in range(24):
        open_survey(desk, title=f"第{i + 2}轮走访")
    with queries(n):
        page = secretary.get(url)
    assert page.content.decode().count('class="survey-row"') == 25
