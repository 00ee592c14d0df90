"""议事厅 flows in Debian chromium; residents on a phone viewport."""

import pytest
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot, BallotSheet, Comment
from gongzhi.deliberation.services.ballots import ballot_cast
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_pin_hot,
    topic_propose,
    topic_publish,
    topic_start_discussion,
)
from gongzhi.people.services import ownership_add, person_account_create
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.deliberation.conftest import voting_topic

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(transactional_db):
    site = factories.make_community(name="瀝雄社区")
    secretary = factories.make_user(Role.SECRETARY, place=site.community, name="谈书记")
    for person in site.people:
        ownership_add(actor=None, household=person.household, person=person)
    resident = factories.password_changed(
        person_account_create(actor=None, person=site.people[0], password=factories.PASSWORD)
    )
    return site, secretary, resident


def test_resident_reads_hot_topic_comments_and_votes(page, hall):
    site, secretary, resident = hall
    topic = voting_topic(site, secretary)
    topic_pin_hot(actor=secretary, topic=topic, month=timezone.localdate())
    log_in(page, resident.phone, factories.PASSWORD)
    page.goto(f"/c/{site.community.pk}/topics/")
    assert "小区停车位重新划线" in page.locator("#hot-topic").inner_text()
    page.click("#hot-topic a")
    page.wait_for_selector("#vote-box")
    page.fill("#comment-form textarea", "支持重新划线，建议留出消防通道")
    page.click("#comment-submit")
    page.wait_for_selector("text=意见已发表")
    page.click("#vote-agree")
    page.wait_for_selector("text=您的表决已记录")
    screenshot(page, "delib1-resident-voted")
    assert Comment.objects.get().body.startswith("支持重新划线")
    assert Ballot.objects.get().choice == "agree"


def test_staff_enter_paper_ballot_and_repeat_is_refused(page, hall):
    """Staff print the sheets, then enter a filled-in one by its serial alone; the same sheet again is refused."""
    site, secretary, _resident = hall
    topic = voting_topic(site, secretary)
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    page.click("#print-sheets")
    page.click("#issue-sheets")
    page.wait_for_selector("text=已印发 16 张表决票")
    sheet = BallotSheet.objects.get(topic=topic, seq=4)
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    page.click("#enter-ballots")
    for _attempt in range(2):
        page.fill("#id_serial_no", sheet.serial_no)
        page.select_option("#id_choice", "disagree")
        page.click("#ballot-submit")
        page.wait_for_load_state()
    refusal = page.locator("[role=alert]").first.inner_text()
    assert "不能重复表决" in refusal or "已录入" in refusal
    screenshot(page, "delib2-paper-repeat-refused")
    ballot = Ballot.objects.get(topic=topic)
    assert ballot.voter_id == sheet.voter_id and ballot.serial_no == sheet.serial_no


def test_elevator_from_plan_to_votes_result_and_publicity_with_an_objection(page, browser, live_server, hall):
    import datetime

    from gongzhi.deliberation.models import Objection, Topic

    site, secretary, low_floor = hall  # the fixture's resident lives on the ground floor of unit 1
    unit = site.units[0]
    owners = [
        factories.password_changed(person_account_create(actor=None, person=p, password=factories.PASSWORD))
        for p in site.people[1:4]
        if p.household.place_id == unit.pk
    ]
    topic = topic_propose(actor=secretary, place=unit, title="1单元加装电梯", summary="高层老人上下楼难")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="elevator", body="加装一部电梯")
    topic_start_discussion(actor=secretary, topic=topic)

    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    page.click("#elevator-plan summary")
    page.fill("#id_total_yuan", "240000")
    page.click("#save-plan")
    page.wait_for_selector("#share-table")
    page.fill("#id_closes_at", (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#step-voting")
    page.wait_for_selector("[data-status='voting']")

    # An upper-floor owner votes in a phone browser; the others vote through the services.
    owner_ctx = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    owner_page = owner_ctx.new_page()
    log_in(owner_page, owners[-1].phone, factories.PASSWORD)
    owner_page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    assert "分摊" in owner_page.locator("#my-share").inner_text()
    owner_page.click("#vote-agree")
    owner_page.wait_for_selector("text=您的表决已记录")
    for account in owners[:-1]:
        ballot_cast(actor=account, topic=topic, choice="agree")
    Topic.objects.filter(pk=topic.pk).update(voting_closes_at=timezone.now())  # the window closes

    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    page.fill("#manage textarea[name=resolution]", "同意加装，按方案分摊")
    page.click("#step-decide")
    page.wait_for_selector("#publicity")

    low_ctx = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    low_page = low_ctx.new_page()
    log_in(low_page, low_floor.phone, factories.PASSWORD)
    low_page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    low_page.fill("#id_objection", "一楼采光会受影响，希望调整位置")
    low_page.click("#objection-submit")
    low_page.wait_for_selector(".objection")
    low_page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/result/")
    assert "公示中" in low_page.locator("#publicity-state").inner_text()
    assert "同意人数" in low_page.locator("#result").inner_text()
    screenshot(low_page, "delib3-elevator-publicity")
    owner_ctx.close()
    low_ctx.close()
    assert Objection.objects.get(topic=topic).body.startswith("一楼采光")
