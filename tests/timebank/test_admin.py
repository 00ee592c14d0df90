"""The time bank's back office: every model registered, read-only and scoped to the admin's community; ledger rows
can be neither changed nor deleted; 核销 codes, QR tokens and guardians' contacts are not shown."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

from gongzhi.core.roles import Role
from gongzhi.timebank.models.catalogue import Redemption
from gongzhi.timebank.models.ledger import Entry, Transaction
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.services.redemptions import redeem
from tests.conftest import login
from tests.timebank.conftest import Bank
from tests.timebank.test_catalogue_helpers import Shop, make_shop

pytestmark = pytest.mark.django_db

MODELS = list(apps.get_app_config("timebank").get_models())


@pytest.fixture
def shop(bank: Bank) -> Shop:
    return make_shop(bank)


def admin_url(model, suffix: str = "") -> str:
    return f"/admin/timebank/{model._meta.model_name}/{suffix}"


def test_every_time_bank_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_list_opens_and_nothing_can_be_added(bank: Bank, model):
    client = login(bank.secretary)
    assert client.get(admin_url(model)).status_code == 200
    assert client.get(admin_url(model, "add/")).status_code == 403


def test_ledger_rows_can_be_neither_changed_nor_deleted(bank: Bank):
    tx = bank.issue(bank.alice_acct, 10)
    entry = Entry.objects.filter(transaction=tx).first()
    client = login(bank.secretary)
    page = client.get(admin_url(Transaction, f"{tx.pk}/change/"))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(admin_url(Transaction, f"{tx.pk}/change/"), {"memo": "改了"})
    assert client.get(admin_url(Transaction, f"{tx.pk}/delete/")).status_code == 403
    assert client.post(admin_url(Entry, f"{entry.pk}/delete/"), {"post": "yes"}).status_code == 403
    bulk = client.post(admin_url(Entry), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code == 200  # the delete action is not offered: the list comes back, nothing deleted
    tx.refresh_from_db()
    assert tx.memo == "服务" and Entry.objects.filter(transaction=tx).count() == 2


def test_rows_are_scoped_to_the_admins_community(shop: Shop, other_staff):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    mine = login(shop.bank.secretary)
    assert "大米 5 斤" in mine.get(admin_url(type(shop.goods))).content.decode()
    assert mine.get(admin_url(Redemption, f"{r.pk}/change/")).status_code == 200
    outsider = login(other_staff[Role.SECRETARY])
    assert "大米 5 斤" not in outsider.get(admin_url(type(shop.goods))).content.decode()
    assert outsider.get(admin_url(Redemption, f"{r.pk}/change/"))["Location"] == "/admin/"  # as if missing
    neighbour = login(shop.neighbour_secretary)  # the same street, another community
    assert "大米 5 斤" not in neighbour.get(admin_url(type(shop.goods))).content.decode()


def test_codes_and_tokens_are_not_shown(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="a")
    client = login(shop.bank.secretary)
    page = client.get(admin_url(Redemption, f"{r.pk}/change/")).content.decode()
    listing = client.get(admin_url(Redemption)).content.decode()
    assert r.token not in page and r.token not in listing
    assert f">{r.code}<" not in page and f">{r.code}<" not in listing


def test_street_settings_are_scoped_to_the_admins_street(shop: Shop, other_site, other_staff):
    mine = LedgerSettings.objects.create(street=shop.bank.site.street, gift_monthly_limit=123)
    LedgerSettings.objects.create(street=other_site.street, gift_monthly_limit=456)
    body = login(shop.bank.secretary).get(admin_url(LedgerSettings)).content.decode()
    assert 'gift_monthly_limit">123<' in body and 'gift_monthly_limit">456<' not in body
    assert login(other_staff[Role.SECRETARY]).get(admin_url(LedgerSettings, f"{mine.pk}/change/")).status_code in (
        302,
        404,
    )


@pytest.mark.parametrize("role", [Role.BUILDING_HEAD, Role.RESIDENT])
def test_lower_roles_have_no_time_bank_admin(bank: Bank, role):
    response = login(bank.staff[role]).get(admin_url(Transaction))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_guardians_name_and_phone_are_masked(bank: Bank):
    from gongzhi.timebank.models.volunteers import Volunteer

    volunteer = Volunteer.objects.create(
        community=bank.site.community,
        person=bank.bob,
        number="V-1",
        guardian_name="王小明",
        guardian_phone="13812345678",
    )
    page = login(bank.secretary).get(admin_url(Volunteer, f"{volunteer.pk}/change/")).content.decode()
    assert "王*明" in page and "138****5678" in page
    assert "王小明" not in page and "13812345678" not in page
