"""A street's time-bank rules and the services that apply them: the elderly floor (exactly the allowance, not one
point more; floors follow a change but never rise above a negative balance), the monthly gift limit, the clearing
limit between two communities, adjustments, and the settlement figures."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.errors import NotFound, Overdraft, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import Account, AccountKind, Entry, Transaction, TransactionKind
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.selectors.ledger import settlement
from gongzhi.timebank.services.accounts import account_open, individual_account, system_account
from gongzhi.timebank.services.ledger import (
    points_adjust,
    points_clear,
    points_gift,
    points_issue,
    points_spend,
    settlement_sentence,
    transaction_reverse,
)
from gongzhi.timebank.services.settings import SETTING_FIELDS, elderly_born_by, ledger_settings, ledger_settings_save
from tests import factories
from tests.timebank.conftest import Bank, key, make_elder, set_street_rules, user_of

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def state() -> tuple[int, int, tuple[int, ...], tuple[int | None, ...], int]:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        tuple(Account.objects.order_by("id").values_list("balance", flat=True)),
        tuple(Account.objects.order_by("id").values_list("floor", flat=True)),
        AuditEvent.objects.count(),
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def save_rules(bank: Bank, **values: int) -> LedgerSettings:
    current = ledger_settings(bank.site.street)
    fields = {name: getattr(current, name) for name in SETTING_FIELDS}
    return ledger_settings_save(actor=bank.staff[Role.STREET_STAFF], street=bank.site.street, **{**fields, **values})


@pytest.fixture
def neighbour(bank: Bank) -> factories.Community:
    return factories.make_community(street=bank.site.street, name="邻居社区")


# --- settings ------------------------------------------------------------------------------------------------


def test_a_street_without_settings_uses_the_defaults(bank: Bank):
    rules = ledger_settings(bank.site.street)
    assert (rules.pk, rules.elderly_floor, rules.elderly_age, rules.gift_monthly_limit, rules.clearing_limit) == (
        None,
        0,
        60,
        200,
        5000,
    )


def test_street_staff_save_the_rules_audited_with_before_and_after(bank: Bank):
    first = save_rules(bank, gift_monthly_limit=300)
    [event] = AuditEvent.objects.filter(verb="timebank.settings")
    assert event.before is None and event.after["gift_monthly_limit"] == 300
    save_rules(bank, elderly_floor=-30)
    event = AuditEvent.objects.filter(verb="timebank.settings").order_by("-id").first()
    assert event is not None
    assert event.before["elderly_floor"] == 0 and event.after["elderly_floor"] == -30
    assert LedgerSettings.objects.get().pk == first.pk
    assert ledger_settings(bank.site.street).updated_by == bank.staff[Role.STREET_STAFF]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("elderly_floor", -51, "bad_elderly_floor"),
        ("elderly_floor", 1, "bad_elderly_floor"),
        ("elderly_age", 49, "bad_elderly_age"),
        ("elderly_age", 101, "bad_elderly_age"),
        ("gift_monthly_limit", -1, "bad_gift_monthly_limit"),
        ("gift_monthly_limit", 100_001, "bad_gift_monthly_limit"),
        ("clearing_limit", -1, "bad_clearing_limit"),
        ("clearing_limit", True, "bad_clearing_limit"),
    ],
)
def test_rules_out_of_range_are_refused_in_chinese(bank: Bank, field, value, code):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        save_rules(bank, **{field: value})
    assert exc.value.code == code and exc.value.extra == {"field": field}
    assert "之间" in str(exc.value.message)
    assert state() == before and not LedgerSettings.objects.exists()


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.RESIDENT])
def test_only_street_staff_set_the_rules(bank: Bank, role):
    with pytest.raises(PermissionDenied) as exc:
        ledger_settings_save(
            actor=bank.staff[role],
            street=bank.site.street,
            elderly_floor=-10,
            elderly_age=60,
            gift_monthly_limit=200,
            clearing_limit=5000,
        )
    assert "街道工作人员" in str(exc.value.message)
    assert not LedgerSettings.objects.exists()


def test_another_streets_staff_get_404(bank: Bank, other_staff):
    with pytest.raises(NotFound):
        ledger_settings_save(
            actor=other_staff[Role.STREET_STAFF],
            street=bank.site.street,
            elderly_floor=-10,
            elderly_age=60,
            gift_monthly_limit=200,
            clearing_limit=5000,
        )


# --- the elderly floor ---------------------------------------------------------------------------------------


def test_the_elderly_floor_allows_exactly_the_negative_limit_and_not_one_point_more(bank: Bank):
    save_rules(bank, elderly_floor=-30)
    elder = make_elder(bank.site)
    account = individual_account(elder)  # opened on first need
    assert account.floor == -30
    user = user_of(elder)
    points_spend(actor=user, account=account, amount=30, memo="助浴", idempotency_key=key())
    assert balance(account) == -30
    before = state()
    with pytest.raises(Overdraft) as exc:
        points_spend(actor=user, account=account, amount=1, memo="助浴", idempotency_key=key())
    assert "最低余额为 -30" in str(exc.value.message)
    assert state() == before


def test_the_elderly_age_is_counted_to_the_day(bank: Bank):
    set_street_rules(bank.site.street, elderly_floor=-10, elderly_age=60)
    today = timezone.localdate()
    sixty = make_elder(bank.site, birth=elderly_born_by(today, 60))
    almost = make_elder(bank.site, household_index=6, birth=elderly_born_by(today, 60) + datetime.timedelta(1))
    assert individual_account(sixty).floor == -10
    assert individual_account(almost).floor == 0


def test_elderly_born_by_handles_the_29th_of_february():
    assert elderly_born_by(datetime.date(2028, 2, 29), 60) == datetime.date(1968, 2, 29)
    assert elderly_born_by(datetime.date(2027, 3, 1), 60) == datetime.date(1967, 3, 1)
    assert elderly_born_by(datetime.date(2029, 2, 28), 61) == datetime.date(1968, 2, 28)
    assert elderly_born_by(datetime.date(2030, 2, 28), 2) == datetime.date(2028, 2, 28)


def test_floors_follow_a_change_of_the_rules_but_never_above_a_negative_balance(bank: Bank, neighbour):
    save_rules(bank, elderly_floor=-40)
    elder = make_elder(bank.site)
    elder_user = user_of(elder)
    spender = individual_account(elder)
    saver = individual_account(make_elder(bank.site, household_index=6))
    elsewhere = individual_account(make_elder(neighbour, household_index=1))  # same street
    points_spend(actor=elder_user, account=spender, amount=25, memo="理发", idempotency_key=key())
    assert (spender.floor, saver.floor, elsewhere.floor, bank.alice_acct.floor) == (-40, -40, -40, 0)

    save_rules(bank, elderly_floor=-10)
    floors = dict(Account.objects.values_list("pk", "floor"))
    # The one already at -25 keeps -25 (not below its floor); it can spend nothing until it earns.
    assert (floors[spender.pk], floors[saver.pk], floors[elsewhere.pk], floors[bank.alice_acct.pk]) == (
        -25,
        -10,
        -10,
        0,
    )
    event = AuditEvent.objects.filter(verb="timebank.settings").order_by("-id").first()
    assert event is not None and event.after["accounts_refloored"] == 3
    with pytest.raises(Overdraft):
        points_spend(actor=elder_user, account=spender, amount=1, memo="理发", idempotency_key=key())

    save_rules(bank, elderly_floor=-10, elderly_age=90)  # nobody is that old: everyone back to 0, spender at -25
    floors = dict(Account.objects.values_list("pk", "floor"))
    assert (floors[spender.pk], floors[saver.pk], floors[elsewhere.pk]) == (-25, 0, 0)
    assert ledger_check().ok


def test_floors_of_another_street_do_not_move(bank: Bank, other_site):
    far = individual_account(make_elder(other_site, household_index=1))
    save_rules(bank, elderly_floor=-50)
    assert Account.objects.get(pk=far.pk).floor == 0


def test_a_card_floor_is_always_zero_whatever_the_street_allows(bank: Bank):
    save_rules(bank, elderly_floor=-50)
    assert Account.objects.get(pk=bank.card.pk).floor == 0


# --- the gift limit ------------------------------------------------------------------------------------------


def gift(bank: Bank, amount: int, **kw) -> Transaction:
    return points_gift(
        actor=bank.alice_user,
        sender=bank.alice_acct,
        recipient=bank.bob_acct,
        amount=amount,
        memo="给家人",
        idempotency_key=key("gift"),
        **kw,
    )


def test_the_gift_limit_comes_from_the_streets_rules(bank: Bank):
    set_street_rules(bank.site.street, gift_monthly_limit=50)
    bank.issue(bank.alice_acct, 300)
    gift(bank, 30)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        gift(bank, 21)
    assert exc.value.code == "gift_limit"
    assert "上限 50 积分" in str(exc.value.message) and "最多还能赠送 20 积分" in str(exc.value.message)
    assert exc.value.extra == {"sent": 30, "limit": 50}
    assert state() == before
    gift(bank, 20)
    assert balance(bank.bob_acct) == 50


def test_a_reversed_gift_still_counts_against_the_month(bank: Bank):
    set_street_rules(bank.site.street, gift_monthly_limit=50)
    bank.issue(bank.alice_acct, 300)
    tx = gift(bank, 50)
    transaction_reverse(actor=bank.secretary, transaction=tx, reason="送错了", idempotency_key=key())
    with pytest.raises(ValidationFailed):
        gift(bank, 1)


def test_a_limit_of_zero_means_no_gifts(bank: Bank):
    set_street_rules(bank.site.street, gift_monthly_limit=0)
    bank.issue(bank.alice_acct, 30)
    moment = datetime.datetime(2026, 6, 1, 9, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment), pytest.raises(ValidationFailed) as exc:
        gift(bank, 1)
    assert "最多还能赠送 0 积分" in str(exc.value.message)


# --- the clearing limit --------------------------------------------------------------------------------------


def clear(bank: Bank, community, amount: int, user=None, account=None) -> Transaction:  # type: ignore[no-untyped-def]
    return points_clear(
        actor=user or bank.alice_user,
        account=account or bank.alice_acct,
        community=community,
        amount=amount,
        memo="通存通兑",
        idempotency_key=key("clear"),
    )


def test_one_community_may_owe_another_at_most_the_clearing_limit(bank: Bank, neighbour):
    set_street_rules(bank.site.street, clearing_limit=100)
    bank.issue(bank.alice_acct, 500)
    clear(bank, neighbour.community, 60)
    clear(bank, neighbour.community, 40)  # exactly the limit
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        clear(bank, neighbour.community, 1)
    assert exc.value.code == "clearing_limit"
    message = str(exc.value.message)
    assert "测试社区 现应付 邻居社区 100 积分" in message and "上限 100 积分" in message
    assert "最多还能兑换 0 积分" in message
    assert state() == before


def test_spending_the_other_way_nets_the_debt_and_frees_the_limit(bank: Bank, neighbour):
    set_street_rules(bank.site.street, clearing_limit=100)
    bank.issue(bank.alice_acct, 500)
    clear(bank, neighbour.community, 100)
    staff = factories.staff_of(neighbour)
    visitor = neighbour.people[0]
    visitor_acct = account_open(
        actor=staff[Role.SECRETARY], community=neighbour.community, kind="individual", person=visitor
    )
    points_issue(actor=staff[Role.SECRETARY], account=visitor_acct, amount=30, memo="服务", idempotency_key=key())
    clear(bank, bank.site.community, 30, user=user_of(visitor), account=visitor_acct)  # 邻居's resident spends here
    clear(bank, neighbour.community, 30)  # the net debt was 70: 30 more fits
    with pytest.raises(ValidationFailed):
        clear(bank, neighbour.community, 1)
    data = settlement(actor=bank.staff[Role.STREET_STAFF], street=bank.site.street)
    assert [(d.name, c.name, n) for d, c, n in data.debts] == [("测试社区", "邻居社区", 100)]


def test_reversing_a_clearing_frees_the_limit(bank: Bank, neighbour):
    set_street_rules(bank.site.street, clearing_limit=50)
    bank.issue(bank.alice_acct, 500)
    tx = clear(bank, neighbour.community, 50)
    transaction_reverse(actor=bank.secretary, transaction=tx, reason="未兑换", idempotency_key=key())
    clear(bank, neighbour.community, 50)
    assert ledger_check().ok


# --- adjustments ---------------------------------------------------------------------------------------------


def test_staff_adjust_a_balance_both_ways_with_a_reason(bank: Bank):
    tx = points_adjust(
        actor=bank.secretary, account=bank.alice_acct, amount=15, reason="补录纸质台账", idempotency_key=key()
    )
    assert tx.kind == TransactionKind.ADJUST and tx.reason == "补录纸质台账" and tx.memo == "补录纸质台账"
    points_adjust(
        actor=bank.secretary, account=bank.alice_acct, amount=-5, reason="多录了 5 积分", idempotency_key=key()
    )
    assert balance(bank.alice_acct) == 10
    issuance = Account.objects.get(community=bank.site.community, kind=AccountKind.ISSUANCE)
    assert issuance.balance == -10
    assert AuditEvent.objects.filter(verb="timebank.adjust").count() == 2
    assert ledger_check().ok


@pytest.mark.parametrize(
    ("amount", "reason", "code"),
    [(0, "补录", "bad_amount"), (1.5, "补录", "bad_amount"), (True, "补录", "bad_amount"), (5, " ", "reason_required")],
)
def test_a_bad_adjustment_is_refused(bank: Bank, amount, reason, code):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        points_adjust(
            actor=bank.secretary, account=bank.alice_acct, amount=amount, reason=reason, idempotency_key=key()
        )
    assert exc.value.code == code
    assert state() == before


def test_an_adjustment_respects_the_floor_and_the_account_kind(bank: Bank):
    bank.issue(bank.card, 5)
    with pytest.raises(Overdraft):
        points_adjust(actor=bank.secretary, account=bank.card, amount=-6, reason="更正", idempotency_key=key())
    redemption = system_account(bank.site.community, AccountKind.REDEMPTION)
    with pytest.raises(ValidationFailed) as exc:
        points_adjust(actor=bank.secretary, account=redemption, amount=5, reason="x", idempotency_key=key())
    assert exc.value.code == "bad_account"


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.BUILDING_HEAD, Role.RESIDENT])
def test_a_lower_role_may_not_adjust(bank: Bank, role, other_staff):
    with pytest.raises(PermissionDenied):
        points_adjust(actor=bank.staff[role], account=bank.alice_acct, amount=5, reason="x", idempotency_key=key())
    with pytest.raises(NotFound):
        points_adjust(
            actor=other_staff[Role.SECRETARY], account=bank.alice_acct, amount=5, reason="x", idempotency_key=key()
        )
    assert balance(bank.alice_acct) == 0


def test_a_card_spend_must_say_what_for(bank: Bank):
    bank.issue(bank.card, 20)
    with pytest.raises(ValidationFailed) as exc:
        points_spend(actor=bank.carol_user, account=bank.card, amount=5, memo="  ", idempotency_key=key())
    assert exc.value.code == "memo_required" and "用途" in str(exc.value.message)
    assert balance(bank.card) == 20


# --- settlement ----------------------------------------------------------------------------------------------


def test_settlement_says_who_owes_whom_with_each_communitys_totals(bank: Bank, neighbour):
    third = factories.make_community(street=bank.site.street, name="第三社区")
    bank.issue(bank.alice_acct, 500)
    clear(bank, neighbour.community, 40)
    clear(bank, third.community, 15)
    data = settlement(actor=bank.staff[Role.STREET_STAFF], street=bank.site.street)
    assert data.whole_street
    assert [(d.name, c.name, n) for d, c, n in data.debts] == [
        ("测试社区", "邻居社区", 40),
        ("测试社区", "第三社区", 15),
    ]
    assert data.totals[bank.site.community.pk] == {"payable": 55, "receivable": 0, "net": -55}
    assert data.totals[neighbour.community.pk] == {"payable": 0, "receivable": 40, "net": 40}
    assert sum(f["net"] for f in data.totals.values()) == 0
    assert settlement_sentence("测试社区", "邻居社区", 40) == "测试社区 应付 邻居社区 40 积分"


def test_a_communitys_staff_see_only_their_own_rows(bank: Bank, neighbour):
    third = factories.make_community(street=bank.site.street, name="第三社区")
    bank.issue(bank.alice_acct, 500)
    clear(bank, third.community, 15)
    staff = factories.staff_of(neighbour)
    data = settlement(actor=staff[Role.SECRETARY], street=bank.site.street)
    assert not data.whole_street and data.debts == []
    assert [c.pk for c in data.communities] == [neighbour.community.pk]
    with pytest.raises(PermissionDenied):
        settlement(actor=staff[Role.GRID_WORKER], street=bank.site.street)


def test_settlement_of_another_street_is_404(bank: Bank, other_staff):
    for role in (Role.STREET_STAFF, Role.SECRETARY, Role.RESIDENT):
        with pytest.raises(NotFound):
            settlement(actor=other_staff[role], street=bank.site.street)
