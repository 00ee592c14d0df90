"""Flow 4: a grid worker records a door-to-door (双找) visit on a phone. They open the survey, record a visit with one
need found, and see the progress go up with the next household highlighted; a "no one home" household stays due."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.voices.models import Channel, SurveyVisit, Voice
from gongzhi.voices.services.surveys import survey_create
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.voices.conftest import make_desk

pytestmark = pytest.mark.browser


@pytest.fixture
def survey(transactional_db):
    site = factories.make_community(name="东环路社区")
    desk = make_desk(site, factories.staff_of(site))
    survey = survey_create(
        actor=desk.staff[Role.SECRETARY],
        place=site.compound,
        title="花园小区双找入户走访",
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    return desk, survey


def test_grid_worker_records_a_visit_with_a_need_and_a_no_one_home(page, survey):
    desk, survey = survey
    site, worker = desk.site, desk.staff[Role.GRID_WORKER]
    first, second = site.households[0], site.households[1]
    c = site.community.pk
    log_in(page, worker.phone, factories.PASSWORD)
    page.wait_for_url("**/c/**")
    page.goto(f"/c/{c}/voices/surveys/")
    page.click("text=花园小区双找入户走访")
    page.wait_for_selector("#progress-grid")
    assert "已走访 0 / 共 8 户" in page.locator("#progress-building").inner_text()
    assert page.locator("tr.household").count() == 8  # the worker's micro grid only
    screenshot(page, "survey1-list")

    page.locator(f"#h-{first.pk} .visit-link").click()
    page.wait_for_selector("#visit-form")
    page.check("#outcome-visited")
    page.select_option("#need-0-category", str(desk.categories["lighting"].pk))
    page.fill("#need-0-text", "楼道感应灯坏了，老人晚上看不见台阶")
    page.check("#need-0-public")
    page.fill("#id_note", "老两口在家")
    screenshot(page, "survey2-sheet")
    page.click("#visit-submit")
    page.wait_for_selector("text=的走访")
    assert "已走访 1 / 共 8 户" in page.locator("#progress-building").inner_text()
    assert page.locator(f"#h-{second.pk}.next-household").is_visible()  # the next household to knock at
    screenshot(page, "survey3-progress")
    voice = Voice.objects.get()
    assert voice.channel == Channel.SURVEY and voice.household == first and voice.party == desk.property

    page.locator(f"#h-{second.pk} .visit-link").click()
    page.check("#outcome-nobody_home")
    page.click("#visit-submit")
    page.wait_for_selector("text=的走访")
    assert "已走访 1 / 共 8 户" in page.locator("#progress-building").inner_text()  # no one home does not count
    page.click("a[data-state=nobody_home]")
    page.wait_for_selector(f"#h-{second.pk}")
    assert page.locator("tr.household").count() == 1
    assert page.locator(f"#h-{second.pk} .visit-link").is_visible()  # still due for a later visit
    assert "无人在家，待再访" in page.locator(f"#h-{second.pk}").inner_text()
    screenshot(page, "survey4-nobody-home")
    assert SurveyVisit.objects.filter(survey=survey).count() == 2

    # In large-font mode the sheet still fits the phone: nothing wider than the screen, the save button reachable.
    page.click("#toggle-large-font")
    page.wait_for_selector("body.large-font")
    page.locator(f"#h-{second.pk} .visit-link").click()
    page.wait_for_selector("#visit-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#visit-submit").scroll_into_view_if_needed()
    assert page.locator("#visit-submit").is_visible()
    screenshot(page, "survey5-sheet-large-font")


def test_the_sheet_shows_a_bad_need_and_keeps_what_was_typed(page, survey):
    desk, survey = survey
    worker = desk.staff[Role.GRID_WORKER]
    household = desk.site.households[2]
    log_in(page, worker.phone, factories.PASSWORD)
    page.wait_for_url("**/c/**")
    page.goto(f"/c/{desk.site.community.pk}/voices/surveys/{survey.pk}/households/{household.pk}/")
    page.check("#outcome-visited")
    page.select_option("#need-0-category", str(desk.categories["refuse"].pk))
    page.fill("#need-0-text", "<script>alert(1)</script>")
    page.click("#visit-submit")
    page.wait_for_selector("#visit-error")
    assert "第 1 条需求" in page.locator("#visit-error").inner_text()
    assert page.locator("#need-0-text").input_value() == "<script>alert(1)</script>"
    assert not SurveyVisit.objects.exists() and not Voice.objects.exists()
