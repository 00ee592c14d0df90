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
    masked = page.locator("#reveal-id_number .masked").inner_text()
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
    # The toggle is a form post answered by a redirect: wait for the new page's
    # load event, not just its <body>, or the stylesheet may not apply yet.
    with page.expect_navigation():
        page.click("#toggle-large-font")
    assert "large-font" in (page.get_attribute("body", "class") or "")
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


def test_social_worker_imports_sheet_with_one_bad_row(page, social_worker_site, tmp_path):
    from gongzhi.people.models import Person
    from tests import factories as f
    from tests.people.sheets import person_row, xlsx_bytes

    site, worker = social_worker_site
    rows = [
        person_row(f.next_id_number(), name="赵一", room="101"),
        person_row(f.next_id_number(), name="钱二", room="102"),
        person_row("110105194912310021", name="孙三", room="201"),  # wrong check character: Excel row 4
        person_row(f.next_id_number(), name="李四", room="202"),
    ]
    sheet = tmp_path / "居民台账.xlsx"
    sheet.write_bytes(xlsx_bytes(rows))
    before = Person.objects.filter(community=site.community).count()
    log_in(page, worker.phone, f.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.click("nav.main >> text=台账导入")
    page.select_option("#id_target", str(site.compound.pk))
    page.set_input_files("#id_file", str(sheet))
    page.click("#upload-submit")
    page.wait_for_selector("[data-status='validated']")
    errors = page.locator("#import-errors").inner_text()
    assert "第4行" in errors and "校验位" in errors
    assert page.locator("#import-errors tr").count() == 2  # header + the one bad row
    screenshot(page, "flow2-import-errors")
    page.click("#import-valid")
    page.wait_for_selector("[data-status='done']")
    assert "已导入 3 人" in page.locator("#import-status").inner_text()
    names = set(Person.objects.filter(community=site.community).values_list("name", flat=True))
    assert {"赵一", "钱二", "李四"} <= names and "孙三" not in names
    assert Person.objects.filter(community=site.community).count() == before + 3


def test_upload_of_wrong_type_is_refused_in_the_page(page, social_worker_site, tmp_path):
    site, worker = social_worker_site
    bogus = tmp_path / "名单.xlsx"
    bogus.write_text("not a spreadsheet")
    log_in(page, worker.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.goto(f"/c/{site.community.pk}/imports/")
    page.set_input_files("#id_file", str(bogus))
    page.click("#upload-submit")
    assert "xlsx" in page.locator("#upload-error").inner_text()
