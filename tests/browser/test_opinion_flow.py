"""Flow 5: an opinion-map topic where 30 seeded residents have voted in two camps; a resident on a phone
answers statement cards and opens the map, which shows the groups and what each of them thinks."""

import pytest

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import OpinionVote
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.deliberation.test_opinion import SEEDS, opinion_topic, residents, two_camps

pytestmark = pytest.mark.browser


@pytest.fixture
def opinion_hall(transactional_db):
    site = factories.make_community(name="瀝雄社区")
    secretary = factories.make_user(Role.SECRETARY, place=site.community, name="谈书记")
    topic = opinion_topic(site, secretary)
    two_camps(topic, residents(site, 30))
    resident = factories.make_user(Role.RESIDENT, household=site.households[0], name="李阿姨")
    return site, topic, resident


def test_resident_answers_cards_and_sees_the_groups(page, opinion_hall):
    site, topic, resident = opinion_hall
    log_in(page, resident.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    assert "已回答 0 / 7" in page.locator("#opinion-progress").inner_text()
    screenshot(page, "opinion1-topic-card")
    for n in range(1, len(SEEDS) + 1):
        text = page.locator("#statement-text").inner_text()
        # Like the first camp: agree with the first three and the last, disagree with the rest.
        index = SEEDS.index(text)
        page.click("#stance-agree" if index < 3 or index == 6 else "#stance-disagree")
        page.wait_for_function(
            "n => document.querySelector('#opinion-progress').innerText.includes('已回答 ' + n + ' /')", arg=n
        )
    assert page.locator("#all-answered").is_visible()
    assert OpinionVote.objects.filter(voter=resident).count() == len(SEEDS)

    page.click("#opinion-map-link")
    page.wait_for_selector("#map-figures")
    assert page.locator("#map-participants").inner_text() == "31"
    assert int(page.locator("#map-groups").inner_text()) >= 2
    groups = page.locator(".group")
    assert groups.count() >= 2
    for i in range(groups.count()):
        assert groups.nth(i).locator(".rep-text").count() >= 1  # representative statements with percentages
        assert "% 同意" in groups.nth(i).inner_text()
    assert SEEDS[6] in page.locator("#consensus").inner_text()
    assert "意见相近" in page.locator("#my-group").inner_text()
    dots = page.locator("#opinion-scatter circle[data-n]")
    assert sum(int(dots.nth(i).get_attribute("data-n")) for i in range(dots.count())) == 31
    assert page.locator("#my-point").count() == 1
    screenshot(page, "opinion2-map")


def test_resident_adds_a_statement_without_javascript(browser, live_server, opinion_hall):
    site, topic, resident = opinion_hall
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        log_in(page, resident.phone, factories.PASSWORD)
        page.wait_for_load_state()
        page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/opinion/")
        page.click("#stance-pass")
        page.wait_for_load_state()
        assert "已回答 1 / 7" in page.locator("#opinion-progress").inner_text()
        page.click("#add-statement summary")
        page.fill("#add-statement textarea", "充电棚要装监控")
        page.click("#statement-submit")
        page.wait_for_load_state()
        assert "审核通过后大家就能作答" in page.content()
        assert "待审核" in page.locator("#my-statements").inner_text()
        screenshot(page, "opinion3-no-js-statement")
    finally:
        context.close()
