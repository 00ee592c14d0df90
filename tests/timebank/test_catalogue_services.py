"""The catalogue's services: items and certificates, donations, redeeming (own account, a card, 通存通兑), 核销,
cancelling and expiring with refunds that keep the ledger whole; every bad input is refused in Chinese and changes
nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.core.errors import NotFound, Overdraft, PermissionDenied, Throttled, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.timebank import tasks as timebank_tasks
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.catalogue import Donation, Item, ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.models.ledger import AccountKind, Entry, Transaction, TransactionKind
from gongzhi.timebank.models.skills import Certificate, ServiceType, Skill
from gongzhi.timebank.services import redemptions as catalogue_services
from gongzhi.timebank.services import redemptions as redemptions_services
from gongzhi.timebank.services.accounts import system_account
from gongzhi.timebank.services.catalogue import donation_receive, item_retire, item_save
from gongzhi.timebank.services.redemptions import redemption_cancel, redemption_complete, redemptions_expire
from tests import factories
from tests.timebank.conftest import Bank, key
from tests.timebank.test_catalogue_helpers import Shop, balance, make_shop, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(bank: Bank) -> Shop:
    return make_shop(bank)


def redeem(shop: Shop, item: Item | None = None, user=None, **kw):
    return redemptions_services.redeem(
        actor=user or shop.bank.alice_user, item=item or shop.goods, idempotency_key=kw.pop("k", key("r")), **kw
    )


def counts() -> tuple[int, int, int]:
    return Redemption.objects.count(), Transaction.objects.count(), Entry.objects.count()


# --- items ---------------------------------------------------------------------------------------------------


def test_staff_add_goods_with_stock_and_services_without(shop: Shop):
    assert shop.goods.kind == ItemKind.GOODS and shop.goods.stock == 5 and shop.goods.price == 30
    assert shop.service.stock is None and shop.service.provider_user == shop.partner
    assert AuditEvent.objects.filter(verb="timebank.item_save", object_id=str(shop.goods.pk)).exists()


def test_an_edit_keeps_the_stock_and_the_kind(shop: Shop):
    edited = item_save(
        actor=shop.bank.secretary,
        community=shop.bank.site.community,
        item=shop.goods,
        kind=ItemKind.GOODS,
        name="大米 10 斤",
        price=50,
        stock=999,
    )
    assert (edited.name, edited.price, stock(edited)) == ("大米 10 斤", 50, 5)
    with pytest.raises(ValidationFailed) as exc:
        item_save(
            actor=shop.bank.secretary,
            community=shop.bank.site.community,
            item=shop.goods,
            kind=ItemKind.SERVICE,
            name="x",
            price=1,
        )
    assert exc.value.code == "kind_fixed"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "name"),
        ({"name": "<script>alert(1)</script>"}, "bad_text"),
        ({"name": "米" * 101}, "bad_text"),
        ({"price": 0}, "bad_price"),
        ({"price": -5}, "bad_price"),
        ({"price": "30"}, "bad_price"),
        ({"price": True}, "bad_price"),
        ({"stock": -1}, "bad_stock"),
        ({"stock": None}, "bad_stock"),
        ({"kind": "car"}, "bad_kind"),
        ({"code_valid_days": 0}, "bad_valid_days"),
        ({"code_valid_days": 400}, "bad_valid_days"),
        ({"description": "<img src=x onerror=alert(1)>"}, "bad_text"),
    ],
)
def test_bad_item_input_is_refused_in_chinese_and_nothing_is_saved(shop: Shop, changes, code):
    before = Item.objects.count()
    args = {"kind": ItemKind.GOODS, "name": "食用油", "price": 10, "stock": 1, **changes}
    with pytest.raises(ValidationFailed) as exc:
        item_save(actor=shop.bank.secretary, community=shop.bank.site.community, **args)
    assert exc.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert Item.objects.count() == before


def test_only_catalogue_staff_manage_items(shop: Shop, other_staff):
    site = shop.bank.site
    args = {"community": site.community, "kind": ItemKind.GOODS, "name": "油", "price": 5, "stock": 1}
    for role in (Role.GRID_WORKER, Role.BUILDING_HEAD, Role.RESIDENT):
        with pytest.raises(PermissionDenied):
            item_save(actor=shop.bank.staff[role], **args)
    with pytest.raises(PermissionDenied):
        item_save(actor=shop.bank.alice_user, **args)
    with pytest.raises(NotFound):
        item_save(actor=other_staff[Role.SECRETARY], **args)
    with pytest.raises(NotFound):  # another community's item, even for staff of the same street
        item_save(
            actor=shop.neighbour_secretary,
            community=shop.neighbour.community,
            item=shop.goods,
            kind=ItemKind.GOODS,
            name="x",
            price=1,
        )
    with pytest.raises(PermissionDenied):
        item_retire(actor=shop.bank.alice_user, item=shop.goods)
    assert Item.objects.filter(community=site.community).count() == 2


def certified_type(shop: Shop) -> tuple[ServiceType, Skill]:
    community = shop.bank.site.community
    skill = Skill.objects.create(community=community, name="理发")
    return ServiceType.objects.create(community=community, name="上门理发", required_skill=skill), skill


def offer(shop: Shop, service_type: ServiceType):
    return item_save(
        actor=shop.bank.secretary,
        community=shop.bank.site.community,
        kind=ItemKind.SERVICE,
        name="上门理发",
        price=15,
        service_type=service_type,
        provider_person=shop.bank.bob,
    )


@pytest.mark.date_sensitive
def test_a_certified_service_needs_the_volunteers_live_certificate(shop: Shop):
    service_type, skill = certified_type(shop)
    community = shop.bank.site.community
    with pytest.raises(ValidationFailed) as exc:
        offer(shop, service_type)
    assert exc.value.code == "certificate_required" and "证书" in str(exc.value.message)
    cert = Certificate.objects.create(
        community=community,
        person=shop.bank.bob,
        skill=skill,
        number="LF-1",
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationFailed) as exc:
        offer(shop, service_type)
    assert exc.value.code == "certificate_required"
    Certificate.objects.filter(pk=cert.pk).update(valid_until=None, revoked_at=timezone.now())
    with pytest.raises(ValidationFailed):
        offer(shop, service_type)
    assert not Item.objects.filter(name="上门理发").exists()
    Certificate.objects.create(community=community, person=shop.bank.bob, skill=skill, number="LF-2")
    item = offer(shop, service_type)
    assert item.provider_person == shop.bank.bob


def test_a_service_type_or_volunteer_of_another_community_is_refused(shop: Shop):
    other_type = ServiceType.objects.create(community=shop.neighbour.community, name="维修")
    with pytest.raises(ValidationFailed) as exc:
        item_save(
            actor=shop.bank.secretary,
            community=shop.bank.site.community,
            kind=ItemKind.SERVICE,
            name="维修",
            price=5,
            service_type=other_type,
        )
    assert exc.value.code == "bad_service_type"
    with pytest.raises(ValidationFailed) as exc:
        item_save(
            actor=shop.bank.secretary,
            community=shop.bank.site.community,
            kind=ItemKind.SERVICE,
            name="陪诊",
            price=5,
            provider_person=shop.dave,
        )
    assert exc.value.code == "bad_provider"


def test_retired_items_cannot_be_redeemed(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    item_retire(actor=shop.bank.secretary, item=shop.goods)
    with pytest.raises(ValidationFailed) as exc:
        redeem(shop)
    assert exc.value.code == "item_inactive"
    assert balance(shop.bank.alice_acct) == 100 and stock(shop.goods) == 5


# --- donations -----------------------------------------------------------------------------------------------


def test_a_donation_adds_to_the_stock_with_the_donor(shop: Shop):
    donation = donation_receive(actor=shop.bank.secretary, item=shop.goods, donor="爱心企业", quantity=12, note="春节")
    assert stock(shop.goods) == 17
    assert (donation.donor, donation.quantity, donation.received_by) == ("爱心企业", 12, shop.bank.secretary)
    assert AuditEvent.objects.filter(verb="timebank.donation_receive").count() == 1


@pytest.mark.parametrize(
    ("donor", "quantity", "code"),
    [("", 1, "donor"), ("爱心企业", 0, "bad_quantity"), ("爱心企业", -3, "bad_quantity"), ("<b>x</b>", 1, "bad_text")],
)
def test_bad_donations_change_nothing(shop: Shop, donor, quantity, code):
    with pytest.raises(ValidationFailed) as exc:
        donation_receive(actor=shop.bank.secretary, item=shop.goods, donor=donor, quantity=quantity)
    assert exc.value.code == code
    assert stock(shop.goods) == 5 and not Donation.objects.exists()


def test_donations_are_goods_only_and_staff_only(shop: Shop, other_staff):
    with pytest.raises(ValidationFailed) as exc:
        donation_receive(actor=shop.bank.secretary, item=shop.service, donor="某人", quantity=1)
    assert exc.value.code == "not_goods"
    with pytest.raises(PermissionDenied):
        donation_receive(actor=shop.bank.alice_user, item=shop.goods, donor="某人", quantity=1)
    with pytest.raises(NotFound):
        donation_receive(actor=other_staff[Role.SECRETARY], item=shop.goods, donor="某人", quantity=1)
    assert stock(shop.goods) == 5


# --- redeeming -----------------------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_redeeming_pays_takes_one_unit_and_issues_a_code(shop: Shop):
    bank = shop.bank
    bank.issue(bank.alice_acct, 100)
    r = redeem(shop)
    assert r.status == RedemptionStatus.RESERVED and r.points == 30 and r.person == bank.alice
    assert len(r.code) == 6 and r.code.isdigit() and len(r.token) >= 20
    assert r.expires_at - r.created_at == datetime.timedelta(days=14)
    assert balance(bank.alice_acct) == 70 and stock(shop.goods) == 4
    assert r.transaction.kind == TransactionKind.SPEND
    redemption_acct = system_account(bank.site.community, AccountKind.REDEMPTION)
    assert balance(redemption_acct) == 30
    assert AuditEvent.objects.filter(verb="timebank.redeem", object_id=str(r.pk)).count() == 1
    assert ledger_check().ok


def test_insufficient_points_is_the_ledgers_overdraft_and_nothing_changes(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 29)
    before = counts()
    with pytest.raises(Overdraft) as exc:
        redeem(shop)
    assert "积分余额不足" in str(exc.value.message)
    assert counts() == before and balance(shop.bank.alice_acct) == 29 and stock(shop.goods) == 5


def test_an_account_first_opened_by_redeeming_has_no_points(bank: Bank):
    shop = make_shop(bank)
    eve = bank.site.people[3]
    from tests.timebank.conftest import user_of

    with pytest.raises(Overdraft):
        redeem(shop, user=user_of(eve))
    assert not Redemption.objects.exists()


def test_stock_zero_is_refused_and_nothing_changes(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 1000)
    for _ in range(5):
        redeem(shop)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        redeem(shop)
    assert exc.value.code == "out_of_stock" and "库存不足" in str(exc.value.message)
    assert counts() == before and balance(shop.bank.alice_acct) == 1000 - 5 * 30 and stock(shop.goods) == 0


def test_the_conditional_stock_update_decides_even_after_the_quick_check(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    stale = Item.objects.get(pk=shop.goods.pk)
    Item.objects.filter(pk=shop.goods.pk).update(stock=0)  # a racing redemption took the last unit
    stale.stock = 1
    with pytest.raises(ValidationFailed) as exc:
        redemptions_services.redeem(actor=shop.bank.alice_user, item=stale, idempotency_key="late")
    assert exc.value.code == "out_of_stock"
    assert (
        balance(shop.bank.alice_acct) == 100
        and stock(shop.goods) == 0
        and not Transaction.objects.filter(kind=TransactionKind.SPEND).exists()
    )


def test_services_have_no_stock_to_run_out_of(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    codes = {redeem(shop, shop.service).code for _ in range(5)}
    assert len(codes) == 5 and stock(shop.service) is None and balance(shop.bank.alice_acct) == 0


def test_the_same_key_returns_the_same_redemption_and_moves_nothing_twice(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    first = redeem(shop, k="tap-1")
    again = redeem(shop, k="tap-1")
    assert again.pk == first.pk and again.code == first.code
    assert balance(shop.bank.alice_acct) == 70 and stock(shop.goods) == 4 and Redemption.objects.count() == 1
    other = redeem(shop, shop.service, k="tap-1")  # the key is per item
    assert other.pk != first.pk


@pytest.mark.parametrize("bad", ["", "   ", "k" * 101])
def test_a_missing_or_long_key_is_refused(shop: Shop, bad):
    shop.bank.issue(shop.bank.alice_acct, 100)
    with pytest.raises(ValidationFailed) as exc:
        redeem(shop, k=bad)
    assert exc.value.code == "bad_idempotency_key"
    assert not Redemption.objects.exists() and stock(shop.goods) == 5


def test_a_card_is_spent_by_its_manager_only(shop: Shop):
    bank = shop.bank
    bank.issue(bank.card, 50, attributed_person=bank.alice)
    r = redeem(shop, user=bank.carol_user, account=bank.card)
    assert r.account == bank.card and r.person == bank.carol and balance(bank.card) == 20
    before = counts()
    with pytest.raises(PermissionDenied) as exc:
        redeem(shop, user=bank.alice_user, account=bank.card)  # a member, not a manager
    assert "管理人" in str(exc.value.message)
    assert counts() == before and balance(bank.card) == 20 and stock(shop.goods) == 4


def test_someone_elses_account_is_refused(shop: Shop):
    shop.bank.issue(shop.bank.bob_acct, 100)
    with pytest.raises(PermissionDenied):
        redeem(shop, user=shop.bank.alice_user, account=shop.bank.bob_acct)
    assert balance(shop.bank.bob_acct) == 100 and stock(shop.goods) == 5


def test_an_item_of_another_community_of_the_street_is_paid_by_clearing(shop: Shop):
    bank = shop.bank
    bank.issue(bank.alice_acct, 50)
    r = redeem(shop, shop.neighbour_item)
    assert r.community_id == shop.neighbour.community.pk and r.account == bank.alice_acct
    assert r.transaction.kind == TransactionKind.CLEAR and r.transaction.entries.count() == 4
    assert balance(bank.alice_acct) == 40 and stock(shop.neighbour_item) == 2
    there = system_account(shop.neighbour.community, AccountKind.REDEMPTION)
    assert balance(there) == 10
    assert ledger_check().ok


def test_a_card_cannot_clear_into_another_community(shop: Shop):
    bank = shop.bank
    bank.issue(bank.card, 50, attributed_person=bank.alice)
    with pytest.raises(ValidationFailed) as exc:
        redeem(shop, shop.neighbour_item, user=bank.carol_user, account=bank.card)
    assert exc.value.code == "card_other_community"
    assert balance(bank.card) == 50 and stock(shop.neighbour_item) == 3


def test_an_item_of_another_street_does_not_exist_for_the_redeemer(shop: Shop, other_site, other_staff):
    far = item_save(
        actor=other_staff[Role.SECRETARY],
        community=other_site.community,
        kind=ItemKind.GOODS,
        name="远方的书",
        price=1,
        stock=1,
    )
    shop.bank.issue(shop.bank.alice_acct, 10)
    with pytest.raises(NotFound):
        redeem(shop, far)
    assert balance(shop.bank.alice_acct) == 10 and stock(far) == 1


def test_a_colliding_code_is_drawn_again(shop: Shop, monkeypatch):
    shop.bank.issue(shop.bank.alice_acct, 100)
    draws = iter([123456, 123456, 654321])
    monkeypatch.setattr(catalogue_services.secrets, "randbelow", lambda n: next(draws))
    assert redeem(shop).code == "123456"
    assert redeem(shop).code == "654321"


def test_codes_exhausted_is_a_clear_error_and_nothing_changes(shop: Shop, monkeypatch):
    shop.bank.issue(shop.bank.alice_acct, 100)
    monkeypatch.setattr(catalogue_services.secrets, "randbelow", lambda n: 7)
    assert redeem(shop).code == "000007"
    with pytest.raises(ValidationFailed) as exc:
        redeem(shop)
    assert exc.value.code == "code_exhausted"
    assert balance(shop.bank.alice_acct) == 70 and stock(shop.goods) == 4


# --- 核销 -------------------------------------------------------------------------------------------------------


def complete(shop: Shop, user, **kw):
    return redemption_complete(actor=user, community=shop.bank.site.community, **kw)


def test_the_partner_completes_its_service_by_code_once(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop, shop.service)
    done = complete(shop, shop.partner, code=r.code)
    assert done.status == RedemptionStatus.COMPLETED and done.completed_by == shop.partner
    assert AuditEvent.objects.filter(verb="timebank.redemption_complete").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        complete(shop, shop.partner, code=r.code)
    assert exc.value.code == "code_used" and "已经核销" in str(exc.value.message)
    assert balance(shop.bank.alice_acct) == 80  # completion moves no points


def test_staff_complete_by_the_qr_token_and_a_typed_code_may_carry_spaces(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r1, r2 = redeem(shop), redeem(shop)
    assert complete(shop, shop.bank.secretary, token=r1.token).pk == r1.pk
    spaced = f"{r2.code[:3]} {r2.code[3:]}".translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)})
    assert complete(shop, shop.bank.staff[Role.SOCIAL_WORKER], code=spaced).pk == r2.pk


def test_a_volunteer_provider_completes_with_their_own_login(shop: Shop):
    service_type, skill = certified_type(shop)
    Certificate.objects.create(community=shop.bank.site.community, person=shop.bank.bob, skill=skill, number="C-1")
    item = offer(shop, service_type)
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop, item)
    assert complete(shop, shop.bank.bob_user, code=r.code).status == RedemptionStatus.COMPLETED


def test_the_provider_of_another_item_is_refused(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop)  # the 慈善超市's rice, not the barber's
    with pytest.raises(PermissionDenied):
        complete(shop, shop.partner, code=r.code)
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED


def test_who_may_not_complete_at_all(shop: Shop, other_staff):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop)
    with pytest.raises(PermissionDenied):  # the redeemer cannot complete their own code
        complete(shop, shop.bank.alice_user, code=r.code)
    with pytest.raises(PermissionDenied):
        complete(shop, shop.bank.staff[Role.GRID_WORKER], code=r.code)
    with pytest.raises(NotFound):
        complete(shop, other_staff[Role.SECRETARY], code=r.code)
    with pytest.raises(NotFound):
        complete(shop, shop.neighbour_secretary, code=r.code)
    with pytest.raises(NotFound):
        complete(shop, factories.make_user(), code=r.code)
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "<script>"])
def test_an_unknown_or_malformed_code_is_code_unknown(shop: Shop, typed):
    with pytest.raises(ValidationFailed) as exc:
        complete(shop, shop.bank.secretary, code=typed)
    assert exc.value.code == "code_unknown" and "核销码不存在" in str(exc.value.message)


def test_a_provider_guessing_codes_is_stopped_after_ten_wrong_ones_for_ten_minutes(shop: Shop, time_machine):
    shop.bank.issue(shop.bank.alice_acct, 100)
    rice = redeem(shop)  # the 慈善超市's rice: for the barber, a code of someone else's item counts as wrong too
    haircut = redeem(shop, shop.service)  # the barber's own: refused too once the limit is reached
    wrong = "000000" if rice.code != "000000" else "111111"
    for guess in [wrong] * (catalogue_services.REDEMPTION_GUESSES.limit - 1) + [rice.code]:
        with pytest.raises((ValidationFailed, PermissionDenied)):
            complete(shop, shop.partner, code=guess)
    with pytest.raises(Throttled) as exc:
        complete(shop, shop.partner, code=haircut.code)
    assert exc.value.status == 429 and "核销码输错次数过多，请 10 分钟后再试" in str(exc.value.message)
    # The count is the barber's: staff at the same counter complete the rice.
    assert complete(shop, shop.bank.secretary, code=rice.code).status == RedemptionStatus.COMPLETED
    time_machine.move_to(timezone.now() + catalogue_services.REDEMPTION_GUESSES.window + datetime.timedelta(seconds=1))
    assert complete(shop, shop.partner, code=haircut.code).status == RedemptionStatus.COMPLETED


def test_a_code_of_another_community_is_unknown_here(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop, shop.neighbour_item)
    with pytest.raises(ValidationFailed) as exc:
        complete(shop, shop.bank.secretary, code=r.code)
    assert exc.value.code == "code_unknown"
    assert (
        redemption_complete(actor=shop.neighbour_secretary, community=shop.neighbour.community, code=r.code).status
        == RedemptionStatus.COMPLETED
    )


@pytest.mark.date_sensitive
def test_an_expired_code_is_refused_and_nothing_changes(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop)
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as exc:
        complete(shop, shop.bank.secretary, code=r.code)
    assert exc.value.code == "code_expired" and "过期" in str(exc.value.message)
    r.refresh_from_db()
    assert r.status == RedemptionStatus.RESERVED and r.completed_at is None and balance(shop.bank.alice_acct) == 70


def test_a_cancelled_code_is_used_up(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop)
    redemption_cancel(actor=shop.bank.alice_user, redemption=r)
    with pytest.raises(ValidationFailed) as exc:
        complete(shop, shop.bank.secretary, code=r.code)
    assert exc.value.code == "code_used" and "已取消" in str(exc.value.message)


# --- cancelling and expiring -----------------------------------------------------------------------------------


def test_cancelling_refunds_by_a_linked_reversal_and_restocks(shop: Shop):
    bank = shop.bank
    bank.issue(bank.alice_acct, 100)
    r = redeem(shop)
    cancelled = redemption_cancel(actor=bank.alice_user, redemption=r, reason="买重了")
    assert cancelled.status == RedemptionStatus.CANCELLED
    refund = cancelled.refund
    assert refund is not None and refund.kind == TransactionKind.REVERSE and refund.reverses_id == r.transaction_id
    assert refund.reason == "买重了"
    assert balance(bank.alice_acct) == 100 and stock(shop.goods) == 5
    assert balance(system_account(bank.site.community, AccountKind.REDEMPTION)) == 0
    assert ledger_check().ok
    with pytest.raises(ValidationFailed) as exc:
        redemption_cancel(actor=bank.alice_user, redemption=r)
    assert exc.value.code == "not_reserved"
    assert balance(bank.alice_acct) == 100 and stock(shop.goods) == 5


def test_cancelling_a_clearing_reverses_all_four_legs(shop: Shop):
    bank = shop.bank
    bank.issue(bank.alice_acct, 50)
    r = redeem(shop, shop.neighbour_item)
    redemption_cancel(actor=shop.neighbour_secretary, redemption=r, reason="缺货")
    r.refresh_from_db()
    legs = {e.account_id: e.amount for e in r.transaction.entries.all()}
    back = {e.account_id: e.amount for e in r.refund.entries.all()}
    assert back == {pk: -amount for pk, amount in legs.items()} and len(back) == 4
    assert balance(bank.alice_acct) == 50 and stock(shop.neighbour_item) == 3
    assert ledger_check().ok


def test_a_completed_redemption_cannot_be_cancelled(shop: Shop):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop)
    complete(shop, shop.bank.secretary, code=r.code)
    with pytest.raises(ValidationFailed) as exc:
        redemption_cancel(actor=shop.bank.secretary, redemption=r)
    assert exc.value.code == "not_reserved" and balance(shop.bank.alice_acct) == 70


def test_only_the_redeemer_or_staff_cancel(shop: Shop, other_staff):
    shop.bank.issue(shop.bank.alice_acct, 100)
    r = redeem(shop)
    with pytest.raises(PermissionDenied):
        redemption_cancel(actor=shop.bank.bob_user, redemption=r)
    with pytest.raises(PermissionDenied):
        redemption_cancel(actor=shop.bank.staff[Role.GRID_WORKER], redemption=r)
    with pytest.raises(NotFound):
        redemption_cancel(actor=other_staff[Role.SECRETARY], redemption=r)
    with pytest.raises(ValidationFailed):
        redemption_cancel(actor=shop.bank.alice_user, redemption=r, reason="<script>x</script>")
    assert Redemption.objects.get(pk=r.pk).status == RedemptionStatus.RESERVED and balance(shop.bank.alice_acct) == 70
    assert redemption_cancel(actor=shop.bank.secretary, redemption=r).status == RedemptionStatus.CANCELLED


def test_the_sweep_expires_unused_codes_with_a_refund(shop: Shop):
    bank = shop.bank
    bank.issue(bank.alice_acct, 100)
    old, fresh, used = redeem(shop), redeem(shop), redeem(shop, shop.service)
    complete(shop, shop.partner, code=used.code)
    past = timezone.now() - datetime.timedelta(minutes=1)
    Redemption.objects.filter(pk__in=[old.pk, used.pk]).update(expires_at=past)
    assert redemptions_expire() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == RedemptionStatus.EXPIRED and old.refund.reverses_id == old.transaction_id
    assert fresh.status == RedemptionStatus.RESERVED
    assert Redemption.objects.get(pk=used.pk).status == RedemptionStatus.COMPLETED
    assert balance(bank.alice_acct) == 100 - 30 - 20 and stock(shop.goods) == 4
    assert redemptions_expire() == 0  # a second run finds nothing
    assert ledger_check().ok
    with pytest.raises(ValidationFailed) as exc:
        complete(shop, bank.secretary, code=old.code)
    assert exc.value.code == "code_expired"


def test_the_sweep_command_and_task_expire_too(shop: Shop, capsys):
    shop.bank.issue(shop.bank.alice_acct, 100)
    a, b = redeem(shop), redeem(shop)
    Redemption.objects.filter(pk=a.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    call_command("timebank_sweep")
    assert "1" in capsys.readouterr().out
    assert Redemption.objects.get(pk=a.pk).status == RedemptionStatus.EXPIRED
    Redemption.objects.filter(pk=b.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    result = timebank_tasks.timebank_sweep_task.enqueue()
    assert result.return_value == {"redemptions_expired": 1, "sessions_added": 0, "elderly_floors": 0}
    assert balance(shop.bank.alice_acct) == 100 and stock(shop.goods) == 5
