"""The catalogue's JSON API: the catalogue (and a street neighbour's), redeeming with an Idempotency-Key, and the
provider's 核销; errors are {code, message, extra} in Chinese; the permission matrix."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.core.roles import Role
from gongzhi.timebank.models.catalogue import ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.services.catalogue import item_save
from gongzhi.timebank.services.redemptions import redeem
from tests import factories
from tests.conftest import login
from tests.timebank.conftest import Bank
from tests.timebank.test_catalogue_helpers import Shop, balance, make_shop, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(bank: Bank) -> Shop:
    return make_shop(bank)


def catalogue_url(community_id: int) -> str:
    return f"/api/timebank/communities/{community_id}/catalogue"


def redeem_url(item_id: int) -> str:
    return f"/api/timebank/items/{item_id}/redeem"


def complete_url(community_id: int) -> str:
    return f"/api/timebank/communities/{community_id}/redemptions/complete"


def post(client: Client, path: str, body: dict, **headers: str):
    return client.post(path, body, content_type="application/json", headers=headers)


def test_a_member_gets_the_catalogue(shop: Shop):
    response = login(shop.bank.alice_user).get(catalogue_url(shop.bank.site.community.pk))
    assert response.status_code == 200
    data = response.json()
    names = {i["name"]: i for i in data["items"]}
    assert names["大米 5 斤"]["stock"] == 5 and names["大米 5 斤"]["price"] == 30 and names["理发一次"]["stock"] is None


def test_the_street_neighbours_catalogue_for_clearing(shop: Shop, other_site):
    client = login(shop.bank.alice_user)
    data = client.get(catalogue_url(shop.neighbour.community.pk)).json()
    assert data["community_name"] == "邻里社区" and [i["name"] for i in data["items"]] == ["洗衣液"]
    assert client.get(catalogue_url(other_site.community.pk)).status_code == 404
    assert client.get(catalogue_url(999_999)).status_code == 404


def test_anonymous_is_refused(shop: Shop):
    assert Client().get(catalogue_url(shop.bank.site.community.pk)).status_code == 401
    assert post(Client(), redeem_url(shop.goods.pk), {}, **{"Idempotency-Key": "a"}).status_code == 401


def test_redeem_with_the_header_key_is_idempotent(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    client = login(shop.bank.alice_user)
    first = post(client, redeem_url(shop.goods.pk), {}, **{"Idempotency-Key": "app-1"})
    assert first.status_code == 201
    body = first.json()
    assert len(body["code"]) == 6 and body["status"] == "reserved" and body["points"] == 30 and body["token"]
    again = post(client, redeem_url(shop.goods.pk), {}, **{"Idempotency-Key": "app-1"})
    assert again.json()["id"] == body["id"]
    assert balance(shop.bank.alice_acct) == 70 and stock(shop.goods) == 4


def test_redeem_with_the_body_key_and_a_card(shop: Shop):
    shop.bank.issue(shop.bank.card, 40, attributed_person=shop.bank.alice)
    response = post(
        login(shop.bank.carol_user), redeem_url(shop.goods.pk), {"account": shop.bank.card.pk, "idempotency_key": "b"}
    )
    assert response.status_code == 201 and response.json()["account_id"] == shop.bank.card.pk
    assert balance(shop.bank.card) == 10


def test_redeem_without_a_key_is_refused(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    response = post(login(shop.bank.alice_user), redeem_url(shop.goods.pk), {})
    assert response.status_code == 400 and response.json()["code"] == "bad_idempotency_key"
    # Someone who cannot see the item gets its 404 first, key or no key: the answer tells nothing about the item.
    outsider = post(login(factories.make_user()), redeem_url(shop.goods.pk), {})
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    assert not Redemption.objects.exists()


def test_redeem_errors_are_coded_and_chinese(shop: Shop):
    client = login(shop.bank.alice_user)
    response = post(client, redeem_url(shop.goods.pk), {}, **{"Idempotency-Key": "x"})
    assert response.status_code == 409 and response.json()["code"] == "overdraft"
    assert "积分余额不足" in response.json()["message"]
    shop.bank.issue(shop.bank.card, 40, attributed_person=shop.bank.alice)
    response = post(client, redeem_url(shop.goods.pk), {"account": shop.bank.card.pk}, **{"Idempotency-Key": "y"})
    assert response.status_code == 404  # a card she only serves under: the ledger selector does not show it to her
    assert balance(shop.bank.card) == 40 and stock(shop.goods) == 5


def test_redeem_an_item_of_another_street_is_404(shop: Shop, other_site, other_staff):
    far = item_save(
        actor=other_staff[Role.SECRETARY],
        community=other_site.community,
        kind=ItemKind.GOODS,
        name="远方",
        price=1,
        stock=1,
    )
    shop.bank.issue(shop.bank.alice_acct, 10)
    response = post(login(shop.bank.alice_user), redeem_url(far.pk), {}, **{"Idempotency-Key": "z"})
    assert response.status_code == 404 and balance(shop.bank.alice_acct) == 10


def test_the_partner_completes_by_api_and_never_sees_the_code(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.service, idempotency_key="a")
    client = login(shop.partner)
    response = post(client, complete_url(shop.bank.site.community.pk), {"code": r.code})
    assert response.status_code == 200
    assert response.json()["status"] == "completed" and response.json()["code"] is None
    again = post(client, complete_url(shop.bank.site.community.pk), {"token": r.token})
    assert again.status_code == 400 and again.json()["code"] == "code_used"
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.COMPLETED


def test_complete_permissions(shop: Shop, other_staff):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    path = complete_url(shop.bank.site.community.pk)
    assert post(login(other_staff[Role.SECRETARY]), path, {"code": r.code}).status_code == 404
    assert post(login(shop.bank.alice_user), path, {"code": r.code}).status_code == 403
    assert post(login(shop.partner), path, {"code": r.code}).status_code == 403  # the barber, not the rice
    unknown = post(login(shop.bank.secretary), path, {"code": "12"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "code_unknown"
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED
    assert post(login(shop.bank.secretary), path, {"code": r.code}).status_code == 200
