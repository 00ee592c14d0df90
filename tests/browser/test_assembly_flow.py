"""A villagers' representatives meeting in Debian chromium: staff record the votes of those present, decide the
topic from them, and the result page shows each threshold's exact line."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import MemberVote, Status, Topic
from gongzhi.deliberation.services.assemblies import body_create, body_member_add
from gongzhi.deliberation.services.meetings import attendance_record, meeting_mark_held, meeting_schedule
from gongzhi.deliberation.services.topics import topic_accept, topic_propose, topic_publish, topic_start_discussion
from gongzhi.places.models import PlaceKind
from gongzhi.places.services import household_create, place_create
from tests import factories
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def reps_meeting(transactional_db):
    street = factories.make_street("示范镇")
    village = place_create(actor=None, parent=street, kind=PlaceKind.VILLAGE, name="秦巷村")
    hamlet = place_create(actor=None, parent=village, kind=PlaceKind.NATURAL_VILLAGE, name="当铺巷")
    group = place_create(actor=None, parent=hamlet, kind=PlaceKind.VILLAGER_GROUP, name="第一村民小组")
    people = [
        factories.make_person(village, household_create(actor=None, place=group, room=f"{i + 1}号"), name=f"秦{n}")
        for i, n in enumerate("一二三四五六")
    ]
    secretary = factories.make_user(Role.SECRETARY, place=village, name="秦书记")
    body = body_create(actor=secretary, place=village, kind="village_reps", name="秦巷村村民代表会议")
    for person in people:
        body_member_add(actor=secretary, body=body, person=person, since=datetime.date(2025, 1, 1))
    topic = topic_propose(actor=secretary, place=village, title="村民议事厅的使用与管理", summary="老当铺改建")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="village_reps", body="每天开放，小组长轮流管理")
    topic_start_discussion(actor=secretary, topic=topic)
    topic.refresh_from_db()
    meeting = meeting_schedule(
        actor=secretary,
        place=village,
        kind="village_reps",
        title="村民代表会议",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        location="村民议事厅（老当铺）",
        topic=topic,
    )
    for person in people[:5]:
        attendance_record(actor=secretary, meeting=meeting, person=person)
    meeting_mark_held(actor=secretary, meeting=meeting)
    return village, topic, secretary


def test_staff_record_a_representatives_vote_and_see_the_result(page, reps_meeting):
    village, topic, secretary = reps_meeting
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{village.pk}/")
    page.goto(f"/c/{village.pk}/topics/{topic.pk}/")
    page.click("#resolution-new summary")
    page.fill("#id_resolution_text", "同意议事厅开放与管理办法")
    page.click("#resolution-submit")
    page.wait_for_selector("#vote-form")
    radios = page.locator("#member-votes input[type=radio]")
    assert radios.count() == 5 * 3  # five signed in, three choices each; the absent member has none
    rows = page.locator("#member-votes tr[data-member]")
    choices = ["agree", "agree", "agree", "agree", "disagree"]
    i = 0
    for r in range(rows.count()):
        row = rows.nth(r)
        if row.locator("input[type=radio]").count():
            row.locator(f"input[value={choices[i]}]").check()
            i += 1
    page.click("#votes-submit")
    page.wait_for_selector("text=表决已记录")
    assert "出席人数 5 / 6 人 = 83.33% ≥ 2/3 ✓" in page.locator("#live-lines").inner_text()
    screenshot(page, "assembly1-votes-recorded")
    page.goto(f"/c/{village.pk}/topics/{topic.pk}/")
    page.fill("#id_assembly_resolution", "村民议事厅每天开放，小组长轮流管理。")
    page.click("#assembly-decide #step-decide")
    page.wait_for_selector("#topic-status[data-status=decided]")
    page.click("#result-link")
    text = page.locator("#result").inner_text()
    assert "出席人数 5 / 6 人 = 83.33% ≥ 2/3 ✓" in text
    assert "同意人数 4 / 5 人 = 80.00% > 1/2 ✓" in text
    assert "通过" in page.locator("#outcome").inner_text()
    screenshot(page, "assembly2-result")
    assert MemberVote.objects.count() == 5
    assert Topic.objects.get(pk=topic.pk).status == Status.DECIDED
