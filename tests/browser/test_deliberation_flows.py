"""议事厅 flows in Debian chromium; residents on a phone viewport."""

import pytest
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Ballot, Comment
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
    resident = person_account_create(actor=None, person=site.people[0], password=factories.PASSWORD)
    return site, secretary, resident


def test_resident_reads_hot_topic_comments_and_votes(page, hall):
    site, secretary, resident = hall
    topic = voting_topic(site, secretary)
    services.topic_pin_hot(actor=secretary, topic=topic, month=timezone.localdate())
    log_in(page, resident.phone, factories.PASSWORD)
    page.wait_for_url("**/password/")  # an account opened by staff must change its password first
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
    site, secretary, _resident = hall
    topic = voting_topic(site, secretary)
    owner = site.people[3]
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    page.click("#enter-ballots")
    for serial in ("P-0001", "P-0002"):
        page.fill("#id_id_number", owner.id_number)
        page.select_option("#id_choice", "disagree")
        page.fill("#id_serial_no", serial)
        page.click("#ballot-submit")
        page.wait_for_load_state()
    assert "不能重复表决" in page.locator("#ballot-error").inner_text()
    screenshot(page, "delib2-paper-repeat-refused")
    assert Ballot.objects.filter(topic=topic).count() == 1
