"""时间银行 flow 2 on a phone: a volunteer with points redeems a catalogue item and is shown the 6-digit 核销 code;
the provider, on another phone, types the code on the verify page and completes the 核销; the volunteer's
redemption then shows 已核销 (also in the large-font mode) and the balance is lower."""

import re

import pytest

from gongzhi.core.models import User
from gongzhi.timebank.models.catalogue import ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.services.catalogue import item_save
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.timebank.conftest import make_bank

pytestmark = pytest.mark.browser


@pytest.fixture
def shelf(transactional_db):
    site = factories.make_community(name="东环路社区", residents_per_household=2)
    bank = make_bank(site, factories.staff_of(site))
    User.objects.filter(pk=bank.alice_user.pk).update(must_change_password=False)
    bank.issue(bank.alice_acct, 120)
    partner = factories.make_user(name="阳光理发店")
    item = item_save(
        actor=bank.secretary,
        community=site.community,
        kind=ItemKind.SERVICE,
        name="理发一次",
        price=40,
        provider_name="阳光理发店",
        provider_user=partner,
    )
    return bank, partner, item


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_volunteer_redeems_and_the_provider_completes_the_code(page, browser, live_server, shelf):
    bank, partner, item = shelf
    c = bank.site.community.pk
    log_in(page, bank.alice_user.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/timebank/catalogue/")
    assert page.locator(f"#item-{item.pk}").is_visible()
    assert no_sideways_scroll(page)
    page.click(f"#redeem-{item.pk}")
    page.wait_for_url(f"**/timebank/catalogue/{item.pk}/")
    assert "120 积分" in page.inner_text("#redeem-card")
    page.click("#redeem-submit")
    page.wait_for_url(f"**/c/{c}/timebank/redemptions/")
    redemption = Redemption.objects.get()
    code_box = page.locator(f"#code-{redemption.pk}")
    assert re.fullmatch(r"\d{6}", code_box.inner_text().strip())
    code = code_box.inner_text().strip()
    assert page.locator(f"#redemption-{redemption.pk} svg").count() == 1  # the QR
    assert no_sideways_scroll(page)
    screenshot(page, "timebank_redeem_code")

    provider = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN")
    shop_page = provider.new_page()
    shop_page.set_default_timeout(15000)
    try:
        log_in(shop_page, partner.phone, factories.PASSWORD)
        shop_page.wait_for_load_state()
        shop_page.goto(f"/c/{c}/timebank/verify/")
        shop_page.fill("#id_q", code)
        shop_page.click("#verify-lookup-submit")
        shop_page.wait_for_selector("#verify-found")
        assert "理发一次" in shop_page.inner_text("#verify-found")
        shop_page.click("#verify-submit")
        shop_page.wait_for_selector(".messages")
        assert "核销成功" in shop_page.inner_text(".messages")
        assert no_sideways_scroll(shop_page)
        screenshot(shop_page, "timebank_redeem_verified")
    finally:
        provider.close()

    page.reload()
    assert page.inner_text(f"#status-{redemption.pk}") == "已核销"
    assert page.locator(f"#code-{redemption.pk}").count() == 0
    page.click("#toggle-large-font")  # the elderly read their codes in the large-font mode
    page.wait_for_selector("body.large-font")
    assert no_sideways_scroll(page)
    screenshot(page, "timebank_redeem_done_large_font")
    page.goto(f"/c/{c}/timebank/catalogue/{item.pk}/")
    assert "80 积分" in page.inner_text("#redeem-card")
    assert Redemption.objects.get().status == RedemptionStatus.COMPLETED
