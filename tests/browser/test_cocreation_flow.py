"""Flow 4: a 团队共创 session with dot votes, on a phone, from the first idea to the action plan."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import ActionItem, Cluster, Dot, Idea, Status, Topic
from gongzhi.deliberation.services.topics import topic_accept, topic_propose, topic_publish, topic_start_discussion
from gongzhi.people.services import person_account_create
from tests import factories
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def session(transactional_db):
    site = factories.make_community(name="瀝雄社区")
    secretary = factories.make_user(Role.SECRETARY, place=site.community, name="谈书记")
    resident = factories.password_changed(
        person_account_create(actor=None, person=site.people[0], password=factories.PASSWORD)
    )
    topic = topic_propose(
        actor=secretary, place=site.compound, title="老旧院落公共空间改造", summary="院子怎么用，大家来出主意。"
    )
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="cocreation", body="收集想法、归类、投点、定行动。")
    topic_start_discussion(actor=secretary, topic=topic)
    return site, secretary, resident, topic


def test_cocreation_from_ideas_to_dots_ranking_and_action_plan(page, browser, live_server, session):
    site, secretary, resident, topic = session
    topic_url = f"/c/{site.community.pk}/topics/{topic.pk}/"

    # A resident adds an idea from the phone.
    log_in(page, resident.phone, factories.PASSWORD)
    page.goto(topic_url)
    page.fill("#id_idea_body", "大榕树下加几张带靠背的长椅")
    page.click("#idea-submit")
    page.wait_for_selector("text=想法已提交")
    assert "大榕树下加几张带靠背的长椅" in page.locator("#idea-board").inner_text()

    # Staff set the dots, enter an idea from the 坝坝会, make clusters and group the ideas.
    staff_ctx = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN")
    staff = staff_ctx.new_page()
    staff.set_default_timeout(15000)
    log_in(staff, secretary.phone, factories.PASSWORD)
    staff.wait_for_url(f"**/c/{site.community.pk}/")
    staff.goto(topic_url)
    staff.click("#cocreation-board-link")
    staff.fill("#id_dots_per_person", "3")
    staff.fill("#id_top", "2")
    staff.click("#save-settings")
    staff.wait_for_selector("text=设置已保存")
    staff.fill("#id_offline_name", "3栋王阿姨")
    staff.fill("#id_offline_body", "院子东角太黑，加两盏路灯")
    staff.click("#offline-submit")
    staff.wait_for_selector("text=想法已提交")
    for name in ("休闲座椅", "照明安全"):
        staff.fill("#id_cluster_name", name)
        staff.click("#cluster-submit")
        staff.wait_for_selector("text=类别已添加")
    seats, light = Cluster.objects.order_by("position")
    bench, lamp = Idea.objects.order_by("id")
    for idea, cluster in ((bench, seats), (lamp, light)):
        row = staff.locator(f"#idea-{idea.pk}")
        row.locator("select").select_option(str(cluster.pk))
        row.locator("button.assign").click()
        staff.wait_for_selector("text=已归类")
    assert Idea.objects.filter(cluster__isnull=False).count() == 2

    # Voting opens for two hours.
    staff.goto(topic_url)
    closes = timezone.localtime() + datetime.timedelta(hours=2)
    staff.fill("#id_closes_at", closes.strftime("%Y-%m-%dT%H:%M"))
    staff.click("#step-voting")
    staff.wait_for_selector("text=已保存")
    topic.refresh_from_db()
    assert topic.status == Status.VOTING

    # The resident spends the three dots, is refused a fourth, takes one back and moves it.
    page.goto(topic_url)
    assert page.locator("#dots-left").get_attribute("data-left") == "3"
    for cluster in (seats, seats, light):
        page.click(f"#spend-{cluster.pk}")
        page.wait_for_selector("text=已投一个点")
    assert page.locator("#dots-left").get_attribute("data-left") == "0"
    page.click(f"#spend-{light.pk}")
    page.wait_for_selector("text=您的3个点已经用完")
    page.click(f"#take-{seats.pk}")
    page.wait_for_selector("text=已收回一个点")
    assert page.locator("#dots-left").get_attribute("data-left") == "1"
    page.click(f"#spend-{light.pk}")
    page.wait_for_selector("text=已投一个点")
    page.locator("#dot-box").scroll_into_view_if_needed()
    screenshot(page, "cocreation1-resident-dots")
    page.click("#toggle-large-font")  # elderly residents read the dots in large-font mode
    page.wait_for_selector("body.large-font #dot-box")
    page.locator("#dot-box").scroll_into_view_if_needed()
    screenshot(page, "cocreation1b-resident-dots-large-font")
    assert Dot.objects.filter(withdrawn_at=None, cluster=light).count() == 2
    assert Dot.objects.filter(withdrawn_at=None).count() == 3

    # The window closes; staff record the decision, and the ranking is frozen.
    topic.refresh_from_db()
    assert topic.voting_closes_at is not None
    with time_machine.travel(topic.voting_closes_at + datetime.timedelta(minutes=1), tick=True):
        page.goto(topic_url)
        assert "投点已截止" in page.locator("#ranking-title").inner_text()
        assert page.locator("#dot-box").count() == 0
        staff.goto(topic_url)
        staff.fill("#manage textarea[name=resolution]", "照明与座椅两类列入行动计划。")
        staff.click("#step-decide")
        staff.wait_for_selector("#ranking")
        topic.refresh_from_db()
        assert topic.status == Status.DECIDED
        assert [r["name"] for r in topic.result["ranking"]] == ["照明安全", "休闲座椅"]

        # Staff turn the top clusters into the action plan.
        staff.click("#cocreation-plan-link")
        staff.select_option("#id_cluster", str(light.pk))
        staff.fill("#id_owner", "楼栋长韩师傅")
        staff.fill("#id_due", (timezone.localdate() + datetime.timedelta(days=20)).isoformat())
        staff.click("#item-submit")
        staff.wait_for_selector("text=行动已加入计划")
        item = ActionItem.objects.get()
        assert item.title == "照明安全" and item.owner == "楼栋长韩师傅"

        page.goto(topic_url)
        page.wait_for_selector("#action-plan")
        ranking = page.locator("#ranking").inner_text()
        assert "照明安全" in ranking and "2 点" in ranking
        assert "楼栋长韩师傅" in page.locator("#action-plan").inner_text()
        page.locator("#cocreation").scroll_into_view_if_needed()
        screenshot(page, "cocreation2-ranking-and-plan")
    staff_ctx.close()
    assert Topic.objects.get(pk=topic.pk).result["dots"] == 3
