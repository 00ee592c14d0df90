"""The catalogue's pages: browsing (and 通存通兑 across the street), redeeming with the balance shown, my codes with
their QR, the provider's 核销 page, and staff's items and donations; permissions and query counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.timebank.models.catalogue import Donation, Item, ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.services.catalogue import item_retire, item_save
from gongzhi.timebank.services.redemptions import REDEMPTION_GUESSES, redeem, redemption_complete
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import Bank, key
from tests.timebank.test_catalogue_helpers import Shop, balance, make_shop, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(bank: Bank) -> Shop:
    return make_shop(bank)


def url(name: str, shop: Shop, *args: int) -> str:
    return reverse(f"timebank:{name}", args=[shop.bank.site.community.pk, *args])


def text(response) -> str:
    return response.content.decode()


# --- the catalogue -------------------------------------------------------------------------------------------


def test_a_resident_sees_goods_with_stock_and_services_and_the_street(shop: Shop):
    page = login(shop.bank.alice_user).get(url("catalogue", shop))
    assert page.status_code == 200
    body = text(page)
    assert "大米 5 斤" in body and "理发一次" in body and "库存 5" in body and "30 积分" in body
    assert "邻里社区" in body and 'id="street-switcher"' in body
    assert 'id="item-new-link"' not in body and 'id="verify-link"' not in body


def test_the_switcher_shows_another_community_of_the_street(shop: Shop):
    page = login(shop.bank.alice_user).get(url("catalogue", shop), {"c": shop.neighbour.community.pk})
    assert page.status_code == 200 and "洗衣液" in text(page) and "大米" not in text(page)
    assert 'id="clearing-note"' in text(page)


def test_a_community_of_another_street_is_not_there(shop: Shop, other_site):
    client = login(shop.bank.alice_user)
    assert client.get(url("catalogue", shop), {"c": other_site.community.pk}).status_code == 404
    assert client.get(url("catalogue", shop), {"c": "x"}).status_code == 200  # a bad id is just the own shelf


def test_the_catalogue_of_another_community_is_404(shop: Shop, other_staff):
    assert login(other_staff[Role.SECRETARY]).get(url("catalogue", shop)).status_code == 404
    assert login(shop.dave_user).get(url("catalogue", shop)).status_code == 404  # he browses from his own


def test_staff_see_manage_links_and_retired_items(shop: Shop):
    item_retire(actor=shop.bank.secretary, item=shop.service)
    body = text(login(shop.bank.secretary).get(url("catalogue", shop)))
    assert 'id="item-new-link"' in body and 'id="verify-link"' in body and "已下架" in body
    assert "理发一次" not in text(login(shop.bank.alice_user).get(url("catalogue", shop)))


def test_the_catalogue_page_has_constant_queries(shop: Shop):
    client = login(shop.bank.alice_user)
    client.get(url("catalogue", shop))
    with queries(7) as small:
        assert client.get(url("catalogue", shop)).status_code == 200
    for i in range(25):
        item_save(
            actor=shop.bank.secretary,
            community=shop.bank.site.community,
            kind=ItemKind.GOODS,
            name=f"物品{i}",
            price=5,
            stock=3,
        )
    with queries(len(small)):
        page = client.get(url("catalogue", shop))
    assert "物品24" in text(page)


# --- redeeming -----------------------------------------------------------------------------------------------


def test_the_item_page_confirms_with_the_balance(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 45)
    body = text(login(shop.bank.alice_user).get(url("item_detail", shop, shop.goods.pk)))
    assert "45 积分" in body and "确认兑换（30 积分）" in body and 'name="key"' in body


def test_a_card_manager_chooses_the_card(shop: Shop):
    shop.bank.issue(shop.bank.card, 50, attributed_person=shop.bank.alice)
    client = login(shop.bank.carol_user)
    body = text(client.get(url("item_detail", shop, shop.goods.pk)))
    assert 'name="account"' in body and "花园院落集体卡（余额 50 积分）" in body
    response = client.post(url("item_detail", shop, shop.goods.pk), {"account": shop.bank.card.pk, "key": "c1"})
    assert response.status_code == 302
    assert balance(shop.bank.card) == 20 and Redemption.objects.get().account == shop.bank.card


def test_redeeming_on_the_page_shows_my_code(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    client = login(shop.bank.alice_user)
    response = client.post(url("item_detail", shop, shop.goods.pk), {"key": "tap-1"}, follow=True)
    r = Redemption.objects.get()
    assert response.redirect_chain[-1][0] == url("my_redemptions", shop)
    body = text(response)
    assert f'id="code-{r.pk}"' in body and r.code in body and "<svg" in body and r.token not in body
    client.post(url("item_detail", shop, shop.goods.pk), {"key": "tap-1"})  # a double tap
    assert Redemption.objects.count() == 1 and balance(shop.bank.alice_acct) == 70


def test_insufficient_points_on_the_page_is_a_chinese_message_and_nothing_changes(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 10)
    response = login(shop.bank.alice_user).post(url("item_detail", shop, shop.goods.pk), {"key": key()})
    assert response.status_code == 409 and "积分余额不足" in text(response)
    assert not Redemption.objects.exists() and stock(shop.goods) == 5 and balance(shop.bank.alice_acct) == 10


def test_out_of_stock_on_the_page(shop: Shop):
    Item.objects.filter(pk=shop.goods.pk).update(stock=0)
    shop.bank.issue(shop.bank.alice_acct, 100)
    response = login(shop.bank.alice_user).post(url("item_detail", shop, shop.goods.pk), {"key": key()})
    assert response.status_code == 400 and "库存不足" in text(response)
    assert balance(shop.bank.alice_acct) == 100


def test_a_non_manager_posting_a_card_pays_from_their_own_account(shop: Shop):
    shop.bank.issue(shop.bank.card, 50, attributed_person=shop.bank.alice)
    shop.bank.issue(shop.bank.alice_acct, 5)
    response = login(shop.bank.alice_user).post(
        url("item_detail", shop, shop.goods.pk), {"account": shop.bank.card.pk, "key": key()}
    )
    assert response.status_code == 400  # not one of her choices
    assert balance(shop.bank.card) == 50 and not Redemption.objects.exists()


def test_redeeming_across_the_street_on_the_page(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 30)
    client = login(shop.bank.alice_user)
    page = client.get(url("item_detail", shop, shop.neighbour_item.pk))
    assert page.status_code == 200 and "通存通兑" in text(page)
    assert client.post(url("item_detail", shop, shop.neighbour_item.pk), {"key": key()}).status_code == 302
    assert balance(shop.bank.alice_acct) == 20 and stock(shop.neighbour_item) == 2


def test_an_item_of_another_street_is_404(shop: Shop, other_site, other_staff):
    far = item_save(
        actor=other_staff[Role.SECRETARY],
        community=other_site.community,
        kind=ItemKind.GOODS,
        name="远方",
        price=1,
        stock=1,
    )
    assert login(shop.bank.alice_user).get(url("item_detail", shop, far.pk)).status_code == 404
    assert login(shop.bank.alice_user).post(url("item_detail", shop, far.pk), {"key": "k"}).status_code == 404


# --- my redemptions ------------------------------------------------------------------------------------------


def test_my_redemptions_cancel_refunds(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    client = login(shop.bank.alice_user)
    response = client.post(url("redemption_cancel", shop, r.pk), follow=True)
    assert "已取消兑换，30 积分已退还" in text(response)
    assert balance(shop.bank.alice_acct) == 100 and stock(shop.goods) == 5
    again = client.post(url("redemption_cancel", shop, r.pk), follow=True)
    assert "不能取消" in text(again) and balance(shop.bank.alice_acct) == 100


def test_someone_elses_redemption_cannot_be_cancelled(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    assert login(shop.bank.bob_user).post(url("redemption_cancel", shop, r.pk)).status_code == 404
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED
    assert login(shop.bank.bob_user).get(url("my_redemptions", shop)).content.decode().count(r.code) == 0


def test_my_redemptions_has_constant_queries(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 10_000)
    redeem(actor=shop.bank.alice_user, item=shop.service, idempotency_key="first")
    client = login(shop.bank.alice_user)
    client.get(url("my_redemptions", shop))
    with queries(6) as small:
        assert client.get(url("my_redemptions", shop)).status_code == 200
    for i in range(24):
        r = redeem(actor=shop.bank.alice_user, item=shop.service, idempotency_key=f"n{i}")
        if i % 3 == 0:
            redemption_complete(actor=shop.partner, community=shop.bank.site.community, code=r.code)
    with queries(len(small)):
        assert client.get(url("my_redemptions", shop)).status_code == 200


# --- the provider's 核销 page ---------------------------------------------------------------------------------


def test_the_partner_looks_up_and_completes_a_code(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.service, idempotency_key="a")
    client = login(shop.partner)  # a partner business's login without any role in the community
    page = client.get(url("redeem_complete", shop), {"q": r.code})
    assert page.status_code == 200 and "理发一次" in text(page) and 'id="verify-submit"' in text(page)
    assert shop.bank.alice.name not in text(page)  # masked
    done = client.post(url("redeem_complete", shop), {"q": r.code}, follow=True)
    assert "核销成功" in text(done)
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.COMPLETED
    used = client.post(url("redeem_complete", shop), {"q": r.code})
    assert used.status_code == 400 and "已经核销过" in text(used)
    mine = text(login(shop.bank.alice_user).get(url("my_redemptions", shop)))
    assert "已核销" in mine


def test_staff_complete_by_a_scanned_token(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    response = login(shop.bank.secretary).post(url("redeem_complete", shop), {"q": r.token})
    assert response.status_code == 302
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.COMPLETED


def test_an_expired_or_unknown_code_on_the_page(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client = login(shop.bank.secretary)
    page = client.get(url("redeem_complete", shop), {"q": r.code})
    assert page.status_code == 400 and "过期" in text(page) and 'id="verify-submit"' not in text(page)
    posted = client.post(url("redeem_complete", shop), {"q": r.code})
    assert posted.status_code == 400 and "过期" in text(posted)
    other = "000000" if r.code != "000000" else "111111"
    unknown = client.get(url("redeem_complete", shop), {"q": other})
    assert unknown.status_code == 400 and "核销码不存在" in text(unknown)
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED


def test_wrong_codes_typed_on_the_page_count_once_each_and_then_a_chinese_429(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    other = "000000" if r.code != "000000" else "111111"
    client = login(shop.bank.secretary)
    for _ in range(REDEMPTION_GUESSES.limit // 2):  # a preview and a confirmation: one guess each
        assert client.get(url("redeem_complete", shop), {"q": other}).status_code == 400
        assert client.post(url("redeem_complete", shop), {"q": other}).status_code == 400
    refused = client.post(url("redeem_complete", shop), {"q": r.code})
    assert refused.status_code == 429 and "核销码输错次数过多" in text(refused)
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED


def test_the_verify_page_is_for_providers_and_staff_only(shop: Shop, other_staff):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    assert login(shop.bank.alice_user).get(url("redeem_complete", shop)).status_code == 403
    assert login(shop.bank.staff[Role.GRID_WORKER]).get(url("redeem_complete", shop)).status_code == 403
    assert login(other_staff[Role.SECRETARY]).get(url("redeem_complete", shop)).status_code == 404
    assert login(factories.make_user()).get(url("redeem_complete", shop)).status_code == 404
    # the barber may not see or complete the 慈善超市's rice
    page = login(shop.partner).get(url("redeem_complete", shop), {"q": r.code})
    assert page.status_code == 403 and "大米" not in text(page)
    assert login(shop.partner).post(url("redeem_complete", shop), {"q": r.code}).status_code == 403
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED


# --- staff: items and donations ------------------------------------------------------------------------------


def test_staff_add_and_edit_an_item(shop: Shop):
    client = login(shop.bank.secretary)
    assert client.get(url("item_new", shop)).status_code == 200
    response = client.post(
        url("item_new", shop),
        {"kind": "goods", "name": "毛巾", "price": "8", "stock": "20", "code_valid_days": "7", "provider_phone": ""},
    )
    item = Item.objects.get(name="毛巾")
    assert response.status_code == 302 and item.stock == 20 and item.code_valid_days == 7
    response = client.post(
        url("item_edit", shop, item.pk),
        {"name": "纯棉毛巾", "price": "9", "code_valid_days": "7", "provider_phone": shop.partner.phone},
    )
    item.refresh_from_db()
    assert response.status_code == 302 and (item.name, item.price, item.stock) == ("纯棉毛巾", 9, 20)
    assert item.provider_user == shop.partner


def test_bad_item_input_on_the_page(shop: Shop):
    client = login(shop.bank.secretary)
    response = client.post(
        url("item_new", shop), {"kind": "goods", "name": "<script>x</script>", "price": "8", "code_valid_days": "7"}
    )
    assert response.status_code == 400 and "名称不能包含HTML或脚本代码" in text(response)
    response = client.post(
        url("item_new", shop), {"kind": "goods", "name": "毛巾", "price": "8", "code_valid_days": "7"}
    )
    assert response.status_code == 400 and "请填写库存数量（0 或正整数）" in text(response)
    response = client.post(
        url("item_new", shop),
        {
            "kind": "goods",
            "name": "毛巾",
            "price": "8",
            "stock": "1",
            "code_valid_days": "7",
            "provider_phone": "19912345678",
        },
    )
    assert response.status_code == 400 and "没有找到这个手机号的账号" in text(response)
    assert not Item.objects.filter(name="毛巾").exists()


def test_a_certified_service_needs_the_certificate_on_the_page(shop: Shop):
    from gongzhi.timebank.models.skills import ServiceType, Skill

    skill = Skill.objects.create(community=shop.bank.site.community, name="助浴")
    stype = ServiceType.objects.create(community=shop.bank.site.community, name="助浴服务", required_skill=skill)
    response = login(shop.bank.secretary).post(
        url("item_new", shop),
        {"kind": "service", "name": "助浴", "price": "30", "code_valid_days": "7", "service_type": stype.pk},
    )
    assert response.status_code == 302  # a partner business without a volunteer named: no certificate asked
    choices = text(login(shop.bank.secretary).get(url("item_new", shop)))
    assert shop.bank.bob.name not in choices  # no certificate, so not offered as a provider


def test_items_and_donations_are_staff_only(shop: Shop, other_staff):
    for user in (shop.bank.alice_user, shop.bank.staff[Role.GRID_WORKER]):
        client = login(user)
        assert client.get(url("item_new", shop)).status_code == 403
        assert client.get(url("item_edit", shop, shop.goods.pk)).status_code == 403
        assert client.get(url("donation_new", shop, shop.goods.pk)).status_code == 403
        assert client.post(url("item_retire", shop, shop.goods.pk)).status_code == 403
    outsider = login(other_staff[Role.SECRETARY])
    for name in ("item_edit", "donation_new"):
        assert outsider.get(url(name, shop, shop.goods.pk)).status_code == 404
    assert outsider.get(url("item_new", shop)).status_code == 404
    # the neighbour's item is browsable from here but not editable here
    assert login(shop.bank.secretary).get(url("item_edit", shop, shop.neighbour_item.pk)).status_code == 404
    assert Item.objects.get(pk=shop.goods.pk).is_active


def test_a_donation_on_the_page(shop: Shop):
    client = login(shop.bank.secretary)
    response = client.post(
        url("donation_new", shop, shop.goods.pk), {"donor": "爱心超市", "quantity": "6"}, follow=True
    )
    assert "已入库" in text(response) and stock(shop.goods) == 11
    assert "爱心超市" in text(response)  # the item page lists its donations
    bad = client.post(url("donation_new", shop, shop.goods.pk), {"donor": "", "quantity": "0"})
    assert bad.status_code == 400 and Donation.objects.count() == 1 and stock(shop.goods) == 11


def test_retiring_on_the_page(shop: Shop):
    response = login(shop.bank.secretary).post(url("item_retire", shop, shop.goods.pk))
    assert response.status_code == 302 and not Item.objects.get(pk=shop.goods.pk).is_active


def test_pages_need_a_login(shop: Shop):
    from django.test import Client

    for target in (url("catalogue", shop), url("my_redemptions", shop), url("redeem_complete", shop)):
        response = Client().get(target)
        assert response.status_code == 302 and re.search(r"/login/", response["Location"])


def test_goods_without_stock_on_the_page(shop: Shop):
    response = login(shop.bank.secretary).post(
        url("item_new", shop), {"kind": "goods", "name": "毛巾", "price": "8", "code_valid_days": "7"}
    )
    assert response.status_code == 400 and 'data-field="stock"' in text(response) and "库存" in text(response)
    assert not Item.objects.filter(name="毛巾").exists()
