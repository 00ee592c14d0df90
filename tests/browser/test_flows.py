import pytest

from gongzhi.core.models import SensitiveAccess
from gongzhi.core.roles import Role
from tests import factories
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def social_worker_site(transactional_db):
    site = factories.make_community(name="东环路社区")
    worker = factories.make_user(Role.SOCIAL_WORKER, place=site.community, name="社工小李")
    return site, worker


def test_social_worker_browses_tree_to_household_and_reveals_id(page, social_worker_site):
    site, worker = social_worker_site
    log_in(page, worker.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    assert page.locator("h1").inner_text() == "东环路社区"
    # The tree opens in place, level by level (htmx).
    page.click(f"[data-place='{site.compound.name}']")
    page.click("[data-place='1栋']")
    page.click("[data-place='1单元']")
    unit = site.units[0]
    household = next(h for h in site.households if h.place_id == unit.pk)
    page.click(f"[data-household='{household.room}']")
    page.wait_for_url(f"**/households/{household.pk}/")
    person = next(p for p in site.people if p.household_id == household.pk)
    page.click("a[data-person]")
    page.wait_for_url(f"**/people/{person.pk}/")
    masked = page.locator("#reveal-id_number").inner_text()
    assert masked == person.masked_id_number and person.id_number not in page.content()
    page.click("#btn-reveal-id_number")
    page.wait_for_selector(".revealed[data-field='id_number']")
    assert page.locator(".revealed[data-field='id_number']").inner_text() == person.id_number
    screenshot(page, "flow1-revealed")
    log = SensitiveAccess.objects.get(object_id=str(person.pk))
    assert log.actor_id == worker.pk and log.field == "id_number"


def test_large_font_mode(page, social_worker_site):
    site, worker = social_worker_site
    log_in(page, worker.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("#toggle-large-font")
    page.wait_for_selector("body.large-font")
    large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert large >= normal * 1.3
    screenshot(page, "flow3-large-font")
    page.goto(f"/c/{site.community.pk}/people/")
    assert "large-font" in (page.get_attribute("body", "class") or "")


def test_english(page, social_worker_site):
    site, worker = social_worker_site
    log_in(page, worker.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.select_option("#language-select", "en")
    page.wait_for_selector("html[lang='en']")
    assert page.locator("nav.main").inner_text().count("Residents") == 1
    page.goto(f"/c/{site.community.pk}/people/")
    assert "Search" in page.content()
    screenshot(page, "flow4-english")
