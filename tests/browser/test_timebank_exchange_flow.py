"""邻里互助 and 公益集章 on a phone.

1. A certified resident offers haircuts; a neighbour takes the offer up, and after the haircut confirms it with the
   minutes, which leaves a record for the grid worker's approval.
2. A resident opens a poster's scan link, collects the stamp that fills the card and sees the points; scanning
   again the same day says why not."""

import datetime

import pytest
from django.utils import timezone

from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus
from gongzhi.timebank.services.skills import service_types_default, training_attend, training_create
from gongzhi.timebank.services.stamps import stamp_point_create, stamp_scan, trail_create
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.timebank.conftest import make_bank

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.fixture
def bank(transactional_db):
    site = factories.make_community(name="琼花观社区", residents_per_household=2)
    bank = make_bank(site, factories.staff_of(site))
    for user in (bank.alice_user, bank.carol_user):
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    return bank


def test_a_certified_resident_offers_haircuts_and_the_helped_confirms(page, bank):
    types = {t.name: t for t in service_types_default(bank.site.community)}
    skill = types["理发"].required_skill
    now = timezone.now()
    training = training_create(
        actor=bank.secretary,
        community=bank.site.community,
        title="助残理发培训",
        skill=skill,
        trainer="琼花观社工站",
        place=None,
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
    )
    training_attend(actor=bank.secretary, training=training, person=bank.alice)
    c = bank.site.community.pk

    log_in(page, bank.alice.phone, factories.PASSWORD)
    page.goto(f"/c/{c}/timebank/exchange/")
    page.click("#new-offer")
    page.wait_for_url(f"**/c/{c}/timebank/exchange/new/?kind=offer")
    page.select_option("#id_service_type", str(types["理发"].pk))
    page.fill("#id_title", "上门为老人理发")
    page.fill("#id_description", "周末上午")
    assert no_sideways_scroll(page)
    page.click("#post-submit")
    page.wait_for_selector("text=已发布，邻居们可以看到了")
    screenshot(page, "timebank-exchange-offer")

    page.context.clear_cookies()
    log_in(page, bank.carol.phone, factories.PASSWORD)
    page.goto(f"/c/{c}/timebank/exchange/")
    assert bank.alice.masked_name in page.locator("#offers").inner_text()
    assert bank.alice.name not in page.content()
    page.click("#offers a")
    page.click("#agree-submit")
    page.wait_for_selector("text=已约定")
    page.fill(".confirm-form input[name=minutes]", "40")
    page.fill(".confirm-form input[name=content]", "理发")
    assert no_sideways_scroll(page)
    screenshot(page, "timebank-exchange-confirm")
    page.click(".confirm-submit")
    page.wait_for_selector("text=已确认，服务记录已提交网格员审核")
    exchange = Exchange.objects.get()
    assert exchange.status == ExchangeStatus.CONFIRMED
    record = ServiceRecord.objects.get()
    assert (record.person, record.minutes, record.status) == (bank.alice, 40, RecordStatus.PENDING)


def test_a_resident_fills_a_stamp_card_by_scanning_a_poster(page, bank):
    trail = trail_create(
        actor=bank.secretary, community=bank.site.community, name="垃圾分类集章", stamps_required=2, points=15
    )
    first = stamp_point_create(actor=bank.secretary, trail=trail, name="书屋", place=bank.site.compound)
    second = stamp_point_create(actor=bank.secretary, trail=trail, name="回收站", place=bank.site.compound)
    stamp_scan(actor=bank.alice_user, token=first.token)
    c = bank.site.community.pk

    log_in(page, bank.alice.phone, factories.PASSWORD)
    page.goto(f"/c/{c}/timebank/stamps/scan/{second.token}/")
    assert "1 / 2" in page.locator("#scan-card").inner_text()
    page.click("#stamp-submit")
    page.wait_for_selector("#card-full")
    assert "获得 15 积分" in page.locator("#card-full").inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "timebank-stamp-full")
    bank.alice_acct.refresh_from_db()
    assert bank.alice_acct.balance == 15

    page.goto(f"/c/{c}/timebank/stamps/scan/{second.token}/")
    page.click("#stamp-submit")
    page.wait_for_selector("#scan-error")
    assert "今天已经在“回收站”打过卡了" in page.locator("#scan-error").inner_text()
    page.goto(f"/c/{c}/timebank/stamps/")
    assert "已集满 1 张卡" in page.locator(f"#trail-{trail.pk}").inner_text()


def test_staff_print_a_poster_for_a_service_point(page, bank):
    trail = trail_create(
        actor=bank.secretary, community=bank.site.community, name="垃圾分类集章", stamps_required=5, points=15
    )
    c = bank.site.community.pk
    log_in(page, bank.secretary.phone, factories.PASSWORD)
    page.goto(f"/c/{c}/timebank/stamps/")
    page.fill(f"#point-name-{trail.pk}", "社区书屋")
    page.select_option(f"#point-place-{trail.pk}", str(bank.site.compound.pk))
    assert no_sideways_scroll(page)
    screenshot(page, "timebank-stamps-staff")
    page.click(f"#trail-{trail.pk} .point-form button")
    page.wait_for_selector("#stamp-qr svg")
    point = trail.points_of_trail.get()
    assert page.locator("#scan-url").inner_text().endswith(f"/c/{c}/timebank/stamps/scan/{point.token}/")
    screenshot(page, "timebank-stamp-poster")
