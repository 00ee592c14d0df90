"""The ledger's services: every movement balanced and audited, and each bad input refused with its code and a
Chinese message, leaving the ledger exactly as it was."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gongzhi.core.errors import Duplicate, NotFound, Overdraft, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import Account, AccountKind, Entry, Transaction, TransactionKind
from gongzhi.timebank.selectors.ledger import account_get, account_list, entry_list
from gongzhi.timebank.services.accounts import account_open, card_member_add, system_account
from gongzhi.timebank.services.ledger import points_clear, points_gift, points_issue, points_spend, transaction_reverse
from gongzhi.timebank.services.posting import transfer_post
from tests import factories
from tests.timebank.conftest import Bank, key, make_bank, make_elder, set_street_rules, user_of

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        tuple(Account.objects.order_by("id").values_list("balance", flat=True)),
        AuditEvent.objects.count(),
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def assert_consistent() -> None:
    report = ledger_check()
    assert report.ok, report


# --- issuing -------------------------------------------------------------------------------------------------


def test_issuing_moves_points_from_issuance_with_one_audit_event(bank: Bank):
    tx = bank.issue(bank.alice_acct, 30)
    assert tx.kind == TransactionKind.EARN and tx.created_by == bank.secretary
    entries = {e.account.kind: (e.amount, e.attributed_person_id) for e in tx.entries.select_related("account")}
    assert entries == {AccountKind.ISSUANCE: (-30, bank.alice.pk), AccountKind.INDIVIDUAL: (30, bank.alice.pk)}
    assert balance(bank.alice_acct) == 30
    issuance = Account.objects.get(community=bank.site.community, kind=AccountKind.ISSUANCE)
    assert issuance.balance == -30 and issuance.floor is None
    [event] = AuditEvent.objects.filter(verb="timebank.earn")
    assert event.object_id == str(tx.pk) and event.after["entries"] == [[issuance.pk, -30], [bank.alice_acct.pk, 30]]
    assert_consistent()


def test_a_card_earns_with_the_member_who_served_on_the_entry(bank: Bank):
    tx = bank.issue(bank.card, 12, attributed_person=bank.bob)
    card_entry = tx.entries.get(account=bank.card)
    assert card_entry.amount == 12 and card_entry.attributed_person_id == bank.bob.pk
    assert balance(bank.card) == 12


def test_a_card_refuses_an_attribution_to_a_non_member(bank: Bank):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        bank.issue(bank.card, 12, attributed_person=bank.carol)
    assert exc.value.code == "not_a_member" and "不是这张集体卡的成员" in str(exc.value.message)
    assert state() == before


@pytest.mark.parametrize("amount", [0, -5, 2.5, True])
def test_issuing_a_non_positive_or_fractional_amount_is_refused(bank: Bank, amount):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        bank.issue(bank.alice_acct, amount)
    assert exc.value.code == "bad_amount" and "正整数" in str(exc.value.message)
    assert state() == before


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.BUILDING_HEAD, Role.PROPERTY, Role.RESIDENT])
def test_a_lower_role_may_not_issue(bank: Bank, role):
    before = state()
    with pytest.raises(PermissionDenied) as exc:
        points_issue(actor=bank.staff[role], account=bank.alice_acct, amount=5, memo="x", idempotency_key=key())
    assert exc.value.code == "forbidden" and "只有社区工作人员" in str(exc.value.message)
    assert state() == before


def test_staff_of_another_community_get_404(bank: Bank, other_staff):
    before = state()
    for action in (
        lambda u: points_issue(actor=u, account=bank.alice_acct, amount=5, memo="x", idempotency_key=key()),
        lambda u: points_spend(actor=u, account=bank.alice_acct, amount=5, memo="x", idempotency_key=key()),
        lambda u: card_member_add(actor=u, account=bank.card, person=bank.carol),
    ):
        with pytest.raises(NotFound):
            action(other_staff[Role.SECRETARY])
    with pytest.raises(NotFound):
        account_get(actor=other_staff[Role.SECRETARY], id=bank.alice_acct.pk)
    assert state() == before
    tx = bank.issue(bank.alice_acct, 5)
    before = state()
    with pytest.raises(NotFound):
        transaction_reverse(actor=other_staff[Role.SECRETARY], transaction=tx, reason="错发", idempotency_key=key())
    assert state() == before


def test_a_resident_of_another_community_cannot_spend_here(bank: Bank, other_site):
    stranger = user_of(other_site.people[0])
    with pytest.raises(NotFound):
        points_spend(actor=stranger, account=bank.alice_acct, amount=1, memo="x", idempotency_key=key())


# --- spending ------------------------------------------------------------------------------------------------


def test_a_resident_spends_their_own_points(bank: Bank):
    bank.issue(bank.alice_acct, 30)
    tx = points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=20, memo="兑换大米", idempotency_key=key())
    assert tx.kind == TransactionKind.SPEND and tx.created_by == bank.alice_user
    assert balance(bank.alice_acct) == 10
    assert Account.objects.get(community=bank.site.community, kind=AccountKind.REDEMPTION).balance == 20
    assert_consistent()


def test_overdraft_is_refused_and_says_how_much(bank: Bank):
    bank.issue(bank.alice_acct, 10)
    before = state()
    with pytest.raises(Overdraft) as exc:
        points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=11, memo="兑换", idempotency_key=key())
    assert exc.value.code == "overdraft" and exc.value.status == 409
    assert "积分余额不足" in str(exc.value.message) and "现余额 10" in str(exc.value.message)
    assert exc.value.extra == {"account": bank.alice_acct.pk, "balance": 10, "amount": -11, "floor": 0}
    assert state() == before


def test_an_elderly_residents_allowance_lets_them_go_exactly_to_the_streets_floor(family_site):
    set_street_rules(family_site.street, elderly_floor=-20)
    staff = factories.staff_of(family_site)
    person = make_elder(family_site)
    user = user_of(person)
    account = account_open(
        actor=staff[Role.SECRETARY], community=family_site.community, kind="individual", person=person
    )
    assert account.floor == -20
    points_spend(actor=user, account=account, amount=20, memo="理发", idempotency_key=key())
    assert balance(account) == -20
    with pytest.raises(Overdraft):
        points_spend(actor=user, account=account, amount=1, memo="理发", idempotency_key=key())
    assert_consistent()


def test_a_younger_resident_may_not_overdraw_even_where_the_street_allows_elders(family_site):
    set_street_rules(family_site.street, elderly_floor=-20)
    staff = factories.staff_of(family_site)
    account = account_open(
        actor=staff[Role.SECRETARY], community=family_site.community, kind="individual", person=family_site.people[5]
    )
    assert account.floor == 0


@pytest.mark.parametrize(("elder", "floor"), [(True, -21), (True, 1), (False, -1), (False, 1)])
def test_an_individual_floor_outside_the_allowance_is_refused(family_site, elder, floor):
    set_street_rules(family_site.street, elderly_floor=-20)
    staff = factories.staff_of(family_site)
    person = make_elder(family_site) if elder else family_site.people[5]
    with pytest.raises(ValidationFailed) as exc:
        account_open(
            actor=staff[Role.SECRETARY], community=family_site.community, kind="individual", person=person, floor=floor
        )
    assert exc.value.code == "bad_floor"
    assert ("-20 到 0" if elder else "不能透支") in str(exc.value.message)
    assert not Account.objects.filter(person=person).exists()


def test_a_second_individual_account_is_refused(bank: Bank):
    with pytest.raises(Duplicate) as exc:
        account_open(actor=bank.secretary, community=bank.site.community, kind="individual", person=bank.alice)
    assert exc.value.code == "account_exists"


def test_spending_someone_elses_account_is_403(bank: Bank):
    bank.issue(bank.alice_acct, 10)
    before = state()
    with pytest.raises(PermissionDenied) as exc:
        points_spend(actor=bank.bob_user, account=bank.alice_acct, amount=5, memo="x", idempotency_key=key())
    assert "只能使用自己的积分账户" in str(exc.value.message)
    assert state() == before


def test_only_a_cards_managers_spend_it(bank: Bank):
    bank.issue(bank.card, 50, attributed_person=bank.alice)
    with pytest.raises(PermissionDenied) as exc:  # a member earns to the card but does not spend it
        points_spend(actor=bank.alice_user, account=bank.card, amount=5, memo="x", idempotency_key=key())
    assert "管理人" in str(exc.value.message)
    points_spend(actor=bank.carol_user, account=bank.card, amount=50, memo="院落聚餐", idempotency_key=key())
    assert balance(bank.card) == 0
    with pytest.raises(Overdraft):  # a card never overdraws
        points_spend(actor=bank.carol_user, account=bank.card, amount=1, memo="x", idempotency_key=key())


def test_a_card_manager_cannot_spend_another_card(bank: Bank):
    other = account_open(
        actor=bank.secretary, community=bank.site.community, kind=AccountKind.PARTY_ORG, name="某单位党支部储蓄卡"
    )
    bank.issue(other, 10)
    with pytest.raises(PermissionDenied):
        points_spend(actor=bank.carol_user, account=other, amount=1, memo="x", idempotency_key=key())


# --- idempotency ---------------------------------------------------------------------------------------------


def test_a_repeated_key_returns_the_same_transaction_and_moves_nothing(bank: Bank):
    first = points_issue(actor=bank.secretary, account=bank.alice_acct, amount=7, memo="a", idempotency_key="x")
    before = state()
    again = points_issue(actor=bank.secretary, account=bank.alice_acct, amount=7, memo="a", idempotency_key="x")
    assert again.pk == first.pk
    assert state() == before
    spend = points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=7, memo="b", idempotency_key="y")
    before = state()
    # Even after the balance is gone the repeat answers with the original instead of an overdraft.
    again = points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=7, memo="b", idempotency_key="y")
    assert again.pk == spend.pk and state() == before
    assert balance(bank.alice_acct) == 0


@pytest.mark.parametrize("bad", ["", "   ", "k" * 101])
def test_a_missing_or_overlong_key_is_refused(bank: Bank, bad):
    with pytest.raises(ValidationFailed) as exc:
        points_issue(actor=bank.secretary, account=bank.alice_acct, amount=1, memo="a", idempotency_key=bad)
    assert exc.value.code == "bad_idempotency_key"


# --- the one write path --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amounts", "message"),
    [((5, -4), "借贷不平衡"), ((5,), "至少要有两条分录"), ((0, 0), "不能为零"), ((3, -3, 0), "不能为零")],
)
def test_transfer_post_refuses_unbalanced_postings(bank: Bank, amounts, message):
    accounts = [bank.alice_acct, bank.bob_acct, bank.carol_acct]
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        transfer_post(
            actor=bank.secretary,
            community=bank.site.community,
            kind=TransactionKind.ADJUST,
            postings=list(zip(accounts, amounts, strict=False)),
            memo="调整",
            idempotency_key=key(),
        )
    assert exc.value.code == "unbalanced" and message in str(exc.value.message)
    assert state() == before


def test_transfer_post_refuses_another_communitys_account(bank: Bank, other_site):
    foreign = system_account(other_site.community, AccountKind.REDEMPTION)
    with pytest.raises(NotFound):
        transfer_post(
            actor=bank.secretary,
            community=bank.site.community,
            kind=TransactionKind.ADJUST,
            postings=[(system_account(bank.site.community, AccountKind.ISSUANCE), -1), (foreign, 1)],
            memo="调整",
            idempotency_key=key(),
        )
    assert Transaction.objects.count() == 0


def test_an_inactive_account_moves_nothing(bank: Bank):
    Account.objects.filter(pk=bank.bob_acct.pk).update(is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        bank.issue(bank.bob_acct, 5)
    assert exc.value.code == "account_inactive"


# --- gifts ---------------------------------------------------------------------------------------------------


def gift(bank: Bank, amount: int, recipient: Account | None = None, **kw) -> Transaction:
    return points_gift(
        actor=bank.alice_user,
        sender=bank.alice_acct,
        recipient=recipient or bank.bob_acct,
        amount=amount,
        memo="给家人",
        idempotency_key=key("gift"),
        **kw,
    )


def test_a_gift_to_family_within_the_monthly_limit(bank: Bank):
    bank.issue(bank.alice_acct, 300)
    gift(bank, 150)
    gift(bank, 50)
    assert (balance(bank.alice_acct), balance(bank.bob_acct)) == (100, 200)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        gift(bank, 1)
    assert exc.value.code == "gift_limit"
    assert "本月已赠送 200 积分" in str(exc.value.message) and "最多还能赠送 0 积分" in str(exc.value.message)
    assert state() == before
    assert_consistent()


def test_the_gift_limit_starts_again_each_month(bank: Bank):
    bank.issue(bank.alice_acct, 500)
    with time_machine.travel(datetime.datetime(2026, 11, 30, 23, 0, tzinfo=timezone.get_current_timezone())):
        gift(bank, 200)
        with pytest.raises(ValidationFailed):
            gift(bank, 1)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 0, 30, tzinfo=timezone.get_current_timezone())):
        gift(bank, 200)
    assert balance(bank.bob_acct) == 400


def test_a_gift_over_the_limit_at_once_is_refused(bank: Bank):
    bank.issue(bank.alice_acct, 500)
    with pytest.raises(ValidationFailed) as exc:
        gift(bank, 201)
    assert exc.value.code == "gift_limit"
    assert balance(bank.bob_acct) == 0


def test_gifts_go_only_to_the_same_household(bank: Bank):
    bank.issue(bank.alice_acct, 50)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        gift(bank, 10, recipient=bank.carol_acct)
    assert exc.value.code == "not_family" and "同户" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        gift(bank, 10, recipient=bank.alice_acct)
    assert exc.value.code == "gift_to_self"
    with pytest.raises(ValidationFailed) as exc:
        gift(bank, 10, recipient=bank.card)
    assert exc.value.code == "bad_account"
    assert state() == before


def test_a_gift_beyond_the_balance_is_an_overdraft(bank: Bank):
    bank.issue(bank.alice_acct, 5)
    with pytest.raises(Overdraft):
        gift(bank, 6)


def test_only_the_holder_gives_from_an_account(bank: Bank):
    bank.issue(bank.alice_acct, 50)
    with pytest.raises(PermissionDenied):
        points_gift(
            actor=bank.bob_user,
            sender=bank.alice_acct,
            recipient=bank.bob_acct,
            amount=5,
            memo="x",
            idempotency_key=key(),
        )


# --- reversal ------------------------------------------------------------------------------------------------


def test_a_reversal_is_linked_with_its_reason_and_cancels_the_original(bank: Bank):
    tx = bank.issue(bank.alice_acct, 25)
    rev = transaction_reverse(
        actor=bank.staff[Role.SOCIAL_WORKER], transaction=tx, reason="重复登记", idempotency_key=key()
    )
    assert rev.kind == TransactionKind.REVERSE and rev.reverses_id == tx.pk and rev.reason == "重复登记"
    assert sorted(rev.entries.values_list("amount", flat=True)) == [-25, 25]
    assert balance(bank.alice_acct) == 0
    assert AuditEvent.objects.get(verb="timebank.reverse").after["reason"] == "重复登记"
    assert_consistent()


def test_reversing_twice_is_refused(bank: Bank):
    tx = bank.issue(bank.alice_acct, 25)
    transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key="r1")
    before = state()
    again = transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key="r1")
    assert again.reverses_id == tx.pk and state() == before  # the same request: the same answer
    with pytest.raises(Duplicate) as exc:
        transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key="r2")
    assert exc.value.code == "already_reversed" and "不能重复冲正" in str(exc.value.message)
    assert state() == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reversal_needs_a_reason(bank: Bank, reason):
    tx = bank.issue(bank.alice_acct, 25)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        transaction_reverse(actor=bank.secretary, transaction=tx, reason=reason, idempotency_key=key())
    assert exc.value.code == "reason_required" and "冲正必须填写原因" in str(exc.value.message)
    assert state() == before


def test_a_reversal_that_would_overdraw_is_refused_and_says_what_to_do(bank: Bank):
    tx = bank.issue(bank.alice_acct, 25)
    spend = points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=20, memo="兑换", idempotency_key=key())
    before = state()
    with pytest.raises(Overdraft) as exc:
        transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key=key())
    assert exc.value.code == "overdraft" and exc.value.extra["reversal"] is True
    assert "积分已被使用" in str(exc.value.message) and "请先冲正之后的兑换" in str(exc.value.message)
    assert state() == before
    # Following the advice works: the spend first, then the issue.
    transaction_reverse(actor=bank.secretary, transaction=spend, reason="撤销兑换", idempotency_key=key())
    transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key=key())
    assert balance(bank.alice_acct) == 0
    assert_consistent()


def test_a_reversal_cannot_itself_be_reversed(bank: Bank):
    tx = bank.issue(bank.alice_acct, 25)
    rev = transaction_reverse(actor=bank.secretary, transaction=tx, reason="错发", idempotency_key=key())
    with pytest.raises(ValidationFailed) as exc:
        transaction_reverse(actor=bank.secretary, transaction=rev, reason="再改", idempotency_key=key())
    assert exc.value.code == "reverse_reversal"


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.BUILDING_HEAD, Role.RESIDENT])
def test_a_lower_role_may_not_reverse(bank: Bank, role):
    tx = bank.issue(bank.alice_acct, 25)
    with pytest.raises(PermissionDenied):
        transaction_reverse(actor=bank.staff[role], transaction=tx, reason="错发", idempotency_key=key())
    with pytest.raises(PermissionDenied):  # not even the holder
        transaction_reverse(actor=bank.alice_user, transaction=tx, reason="错发", idempotency_key=key())


# --- 通存通兑 ------------------------------------------------------------------------------------------------


@pytest.fixture
def neighbour(bank: Bank) -> factories.Community:
    return factories.make_community(street=bank.site.street, name="邻居社区")


def test_clearing_spends_in_a_neighbouring_community_in_one_transaction(bank: Bank, neighbour):
    bank.issue(bank.alice_acct, 40)
    tx = points_clear(
        actor=bank.alice_user,
        account=bank.alice_acct,
        community=neighbour.community,
        amount=15,
        memo="在邻居社区理发",
        idempotency_key=key(),
    )
    assert tx.kind == TransactionKind.CLEAR and tx.counterpart_id == neighbour.community.pk
    a_owes_b = Account.objects.get(community=bank.site.community, kind="clearing", counterpart=neighbour.community)
    b_from_a = Account.objects.get(community=neighbour.community, kind="clearing", counterpart=bank.site.community)
    b_redemption = Account.objects.get(community=neighbour.community, kind="redemption")
    assert (balance(bank.alice_acct), a_owes_b.balance, b_from_a.balance, b_redemption.balance) == (25, 15, -15, 15)
    assert a_owes_b.balance + b_from_a.balance == 0
    # Each community's entries of the clearing balance on their own.
    by_community = {
        c: sum(tx.entries.filter(community=c).values_list("amount", flat=True))
        for c in (bank.site.community, neighbour.community)
    }
    assert set(by_community.values()) == {0}
    rev = transaction_reverse(actor=bank.secretary, transaction=tx, reason="未兑换", idempotency_key=key())
    assert rev.entries.count() == 4 and balance(bank.alice_acct) == 40
    assert_consistent()


def test_clearing_with_another_street_or_at_home_is_refused(bank: Bank, other_site):
    bank.issue(bank.alice_acct, 40)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        points_clear(
            actor=bank.alice_user,
            account=bank.alice_acct,
            community=other_site.community,
            amount=5,
            memo="x",
            idempotency_key=key(),
        )
    assert exc.value.code == "other_street" and "同一街道" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        points_clear(
            actor=bank.alice_user,
            account=bank.alice_acct,
            community=bank.site.community,
            amount=5,
            memo="x",
            idempotency_key=key(),
        )
    assert exc.value.code == "same_community"
    assert state() == before


def test_clearing_beyond_the_balance_is_an_overdraft(bank: Bank, neighbour):
    bank.issue(bank.alice_acct, 4)
    with pytest.raises(Overdraft):
        points_clear(
            actor=bank.alice_user,
            account=bank.alice_acct,
            community=neighbour.community,
            amount=5,
            memo="x",
            idempotency_key=key(),
        )
    assert not Transaction.objects.filter(kind=TransactionKind.CLEAR).exists()
    assert set(Account.objects.filter(kind="clearing").values_list("balance", flat=True)) <= {0}


# --- append-only ---------------------------------------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_ledger_rows(bank: Bank):
    tx = bank.issue(bank.alice_acct, 5)
    entry = tx.entries.first()
    for row in (tx, entry):
        row.memo = "改"  # type: ignore[union-attr]
        with pytest.raises(RuntimeError, match="append-only"):
            row.save()
        with pytest.raises(RuntimeError, match="append-only"):
            row.delete()
    with pytest.raises(RuntimeError, match="append-only"):
        Transaction.objects.filter(pk=tx.pk).update(memo="改")
    with pytest.raises(RuntimeError, match="append-only"):
        Entry.objects.filter(transaction=tx).delete()
    assert Transaction.objects.get(pk=tx.pk).memo == "服务"


def test_postgresql_refuses_updates_and_deletes(bank: Bank):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    from django.db import DatabaseError, transaction

    tx = bank.issue(bank.alice_acct, 5)
    for sql in (
        "UPDATE timebank_entry SET amount = amount + 1 WHERE transaction_id = %s",
        "DELETE FROM timebank_entry WHERE transaction_id = %s",
        "UPDATE timebank_transaction SET memo = 'x' WHERE id = %s",
        "DELETE FROM timebank_transaction WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [tx.pk])
    assert_consistent()


# --- reads and the check -------------------------------------------------------------------------------------


def test_residents_see_their_households_accounts_and_managers_their_cards(bank: Bank):
    mine = set(account_list(actor=bank.alice_user).values_list("pk", flat=True))
    assert mine == {bank.alice_acct.pk, bank.bob_acct.pk}
    carols = set(account_list(actor=bank.carol_user).values_list("pk", flat=True))
    assert carols == {bank.carol_acct.pk, bank.card.pk}
    with pytest.raises(NotFound):
        account_get(actor=bank.alice_user, id=bank.carol_acct.pk)
    staff_sees = account_list(actor=bank.secretary, filters={"community": bank.site.community.pk})
    assert staff_sees.count() == 4
    assert account_list(actor=bank.staff[Role.GRID_WORKER]).count() == 0
    bank.issue(bank.alice_acct, 3)
    assert [e.amount for e in entry_list(actor=bank.bob_user, account=bank.alice_acct)] == [3]


def test_verify_ledger_reports_a_consistent_ledger_and_finds_a_wrong_balance(bank: Bank, capsys):
    bank.issue(bank.alice_acct, 5)
    call_command("verify_ledger")
    assert "积分账本一致" in capsys.readouterr().out
    Account.objects.filter(pk=bank.alice_acct.pk).update(balance=6)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=f"账户 {bank.alice_acct.pk}：余额 6，分录合计 5"):
        call_command("verify_ledger")


def test_a_clean_community_has_an_empty_consistent_ledger(site):
    report = ledger_check()
    assert report.ok and report.accounts == 0


def test_make_bank_is_reusable(family_site):
    bank = make_bank(family_site, factories.staff_of(family_site))
    assert bank.card.floor == 0 and bank.alice_acct.floor == 0
