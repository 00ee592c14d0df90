"""`transfer_post`'s two paths give the same results: PostgreSQL's one-statement function (migration 0009) and the
ORM path (SQLite, and on PostgreSQL every reversal and every post with a `before_post` check). Each scenario runs
through both on PostgreSQL (the ORM one also on SQLite): what moves, what is refused with which message, the
returned transaction, the audit event, and `verify_chains`/`ledger_check` staying clean."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, Overdraft, ValidationFailed
from gongzhi.core.models import AuditChainHead, AuditEvent
from gongzhi.places.models import Place, PlaceKind
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import Account, AccountKind, Entry, Transaction, TransactionKind
from gongzhi.timebank.services import posting
from gongzhi.timebank.services.accounts import system_account
from gongzhi.timebank.services.ledger import points_clear
from gongzhi.timebank.services.posting import transfer_post
from tests import factories
from tests.core.test_concurrency import race
from tests.queries import queries
from tests.timebank import test_invariants
from tests.timebank.conftest import Bank, key, make_bank

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"


@pytest.fixture(params=["orm", "one_statement"])
def path(request, monkeypatch) -> str:
    if request.param == "one_statement" and connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    monkeypatch.setattr(posting, "ONE_STATEMENT", request.param == "one_statement")
    return str(request.param)


def state() -> tuple:
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        tuple(Account.objects.order_by("id").values_list("balance", flat=True)),
        AuditEvent.objects.count(),
        tuple(AuditChainHead.objects.order_by("chain").values_list("seq", "hash")),
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def assert_clean() -> None:
    report = ledger_check()
    assert report.ok, report
    assert audit.verify_chains() is None


def issuance(bank: Bank) -> Account:
    return system_account(bank.site.community, AccountKind.ISSUANCE)


def post(bank: Bank, postings: list[tuple[Account, int]], **kw: Any) -> Transaction:
    kw.setdefault("memo", "调整")
    kw.setdefault("idempotency_key", key("post"))
    return transfer_post(
        actor=bank.secretary, community=bank.site.community, kind=TransactionKind.ADJUST, postings=postings, **kw
    )


FIELDS = ("community_id", "kind", "memo", "idempotency_key", "reverses_id", "reason", "counterpart_id")


def fields(tx: Transaction) -> dict[str, Any]:
    return {name: getattr(tx, name) for name in (*FIELDS, "created_by_id", "created_at", "pk")}


# --- what moves ------------------------------------------------------------------------------------------------


def test_an_issue_moves_the_points_and_returns_the_stored_transaction(bank: Bank, path):
    tx = bank.issue(bank.alice_acct, 30)
    stored = Transaction.objects.get(pk=tx.pk)
    assert fields(tx) == fields(stored)
    assert tx.kind == TransactionKind.EARN and tx.created_by == bank.secretary and tx.community == bank.site.community
    assert not tx._state.adding and tx._state.db == "default"
    assert str(tx) == str(stored)
    entries = list(
        tx.entries.order_by("id").values_list("account_id", "amount", "attributed_person_id", "community_id")
    )
    assert entries == [
        (issuance(bank).pk, -30, bank.alice.pk, bank.site.community.pk),
        (bank.alice_acct.pk, 30, bank.alice.pk, bank.site.community.pk),
    ]
    assert all(e.created_at == stored.created_at for e in tx.entries.all())
    assert (balance(bank.alice_acct), balance(issuance(bank))) == (30, -30)
    assert_clean()


def test_the_audit_event_is_the_one_core_audit_writes(bank: Bank, path):
    tx = bank.issue(bank.card, 12, attributed_person=bank.alice)
    [event] = AuditEvent.objects.filter(verb="timebank.earn")
    assert (event.chain, event.community_id, event.actor_id, event.on_behalf_of) == (
        bank.site.community.pk,
        bank.site.community.pk,
        bank.secretary.pk,
        "",
    )
    assert (event.object_type, event.object_id, event.before) == ("timebank.transaction", str(tx.pk), None)
    assert event.after == {
        "kind": "earn",
        "memo": "服务",
        "key": tx.idempotency_key,
        "entries": [[issuance(bank).pk, -12], [bank.card.pk, 12]],
        "attributed_person": bank.alice.pk,
    }
    head = AuditChainHead.objects.get(chain=bank.site.community.pk)
    assert (head.seq, head.hash) == (event.seq, event.hash)
    assert event.prev_hash == AuditEvent.objects.get(chain=event.chain, seq=event.seq - 1).hash
    assert event.hash == audit.event_hash(event)
    assert_clean()


@pytest.mark.skipif(not ON_POSTGRES, reason="compares PostgreSQL's two paths")
def test_both_paths_write_the_same_rows(bank: Bank, monkeypatch):
    made = {}
    for one_statement in (False, True):
        monkeypatch.setattr(posting, "ONE_STATEMENT", one_statement)
        tx = post(bank, [(issuance(bank), -9), (bank.bob_acct, 9)], memo="对照", attributed_person=bank.bob)
        event = AuditEvent.objects.get(object_type="timebank.transaction", object_id=str(tx.pk))
        made[one_statement] = (
            {k: v for k, v in fields(tx).items() if k not in ("pk", "idempotency_key", "created_at")},
            list(tx.entries.order_by("id").values_list("account_id", "amount", "attributed_person_id", "community_id")),
            [getattr(event, f) for f in ("chain", "actor_id", "on_behalf_of", "community_id", "verb", "object_type")],
            {k: v for k, v in event.after.items() if k != "key"},
        )
    assert made[False] == made[True]
    assert balance(bank.bob_acct) == 18
    assert_clean()


def test_a_clearing_moves_four_accounts_of_two_communities(bank: Bank, path):
    neighbour = factories.make_community(street=bank.site.street, name="邻居社区").community
    bank.issue(bank.alice_acct, 40)
    tx = points_clear(
        actor=bank.alice_user,
        account=bank.alice_acct,
        community=neighbour,
        amount=15,
        memo="在邻居社区理发",
        idempotency_key=key(),
    )
    assert tx.counterpart_id == neighbour.pk and tx.counterpart == neighbour
    by_community = dict(tx.entries.values_list("account__community_id", "community_id"))
    assert all(account_community == entry_community for account_community, entry_community in by_community.items())
    assert {e.community_id for e in tx.entries.all()} == {bank.site.community.pk, neighbour.pk}
    [event] = AuditEvent.objects.filter(verb="timebank.clear")
    assert event.after["counterpart"] == neighbour.pk and len(event.after["entries"]) == 4
    assert event.actor_id == bank.alice_user.pk and tx.created_by == bank.alice_user
    assert balance(bank.alice_acct) == 25
    assert_clean()


@pytest.mark.parametrize(
    "memo",
    [
        '引号"与\\反斜杠',
        "换行\n制表\t回车\r",
        "表情😀与全角，标点",
        "  两端空格  ",
        "'单引号' || 连接",
    ],
)
def test_any_text_in_memo_and_key_hashes_as_core_audit_does(bank: Bank, path, memo):
    tx = post(bank, [(issuance(bank), -1), (bank.alice_acct, 1)], memo=memo, idempotency_key=f'键"\\{memo[:20]}')
    assert Transaction.objects.get(pk=tx.pk).memo == memo.strip() == tx.memo
    event = AuditEvent.objects.get(object_id=str(tx.pk), verb="timebank.adjust")
    assert event.after["memo"] == memo.strip() and event.after["key"] == tx.idempotency_key
    assert_clean()


def test_a_plain_string_kind_and_an_anonymous_actor(bank: Bank, path):
    tx = transfer_post(
        actor=None,
        community=bank.site.community,
        kind="adjust",
        postings=[(issuance(bank), -3), (bank.alice_acct, 3)],
        memo="系统调整",
        idempotency_key=key(),
    )
    assert tx.created_by is None and tx.kind == "adjust"
    event = AuditEvent.objects.get(object_id=str(tx.pk), object_type="timebank.transaction")
    assert event.actor_id is None and event.verb == "timebank.adjust"
    assert_clean()


def test_a_community_without_an_audit_chain_yet_starts_one(path):
    # Rows made without the services, so nothing has written to the new community's chain.
    community = Place.objects.create(kind=PlaceKind.COMMUNITY, name="新社区", path="9999/")
    a, b = (Account.objects.create(community=community, kind=AccountKind.COURTYARD, name=n, floor=0) for n in "甲乙")
    system = Account.objects.create(community=community, kind=AccountKind.ISSUANCE, name="发行", floor=None)
    transfer_post(
        actor=None,
        community=community,
        kind=TransactionKind.EARN,
        postings=[(system, -5), (a, 5)],
        memo="起步",
        idempotency_key="first",
    )
    transfer_post(
        actor=None,
        community=community,
        kind=TransactionKind.ADJUST,
        postings=[(a, -2), (b, 2)],
        memo="转",
        idempotency_key="second",
    )
    head = AuditChainHead.objects.get(chain=community.pk)
    first = AuditEvent.objects.get(chain=community.pk, seq=1)
    assert head.seq == 2 and first.prev_hash == audit.GENESIS
    assert (balance(a), balance(b), balance(system)) == (3, 2, -5)
    assert_clean()


# --- idempotency ----------------------------------------------------------------------------------------------


def test_a_repeated_key_returns_the_stored_transaction_and_moves_nothing(bank: Bank, path):
    first = post(bank, [(issuance(bank), -6), (bank.alice_acct, 6)], idempotency_key="same")
    before = state()
    again = post(bank, [(issuance(bank), -6), (bank.alice_acct, 6)], idempotency_key="same")
    assert again.pk == first.pk and fields(again) == fields(first) and state() == before
    # Other accounts and amounts under a used key: still the original answer, nothing moved.
    other = post(bank, [(bank.alice_acct, -6), (bank.bob_acct, 6)], idempotency_key="same")
    assert other.pk == first.pk and state() == before
    # Even once the points have gone the repeat answers instead of an overdraft.
    post(bank, [(bank.alice_acct, -6), (bank.bob_acct, 6)], idempotency_key="spend")
    before = state()
    assert post(bank, [(bank.alice_acct, -6), (bank.bob_acct, 6)], idempotency_key="spend").pk != first.pk
    assert state() == before
    assert_clean()


def test_a_key_is_per_community(bank: Bank, path, other_site):
    post(bank, [(issuance(bank), -2), (bank.alice_acct, 2)], idempotency_key="k")
    foreign_issuance = system_account(other_site.community, AccountKind.ISSUANCE)
    foreign_card = Account.objects.create(community=other_site.community, kind=AccountKind.COURTYARD, name="卡")
    tx = transfer_post(
        actor=None,
        community=other_site.community,
        kind=TransactionKind.EARN,
        postings=[(foreign_issuance, -2), (foreign_card, 2)],
        memo="彼处",
        idempotency_key="k",
    )
    assert tx.community_id == other_site.community.pk and balance(foreign_card) == 2
    assert_clean()


# --- refusals: the same exception, message and extra; nothing written ----------------------------------------


def test_an_overdraft_names_the_account_and_amount(bank: Bank, path):
    bank.issue(bank.alice_acct, 4)
    before = state()
    with pytest.raises(Overdraft) as exc:
        post(bank, [(bank.bob_acct, 5), (bank.alice_acct, -5)])
    assert exc.value.message == f"积分余额不足：账户“{bank.alice_acct.name}”现余额 4，本次需 5 积分，最低余额为 0"
    assert exc.value.code == "overdraft"
    assert exc.value.extra == {"account": bank.alice_acct.pk, "balance": 4, "amount": -5, "floor": 0}
    assert state() == before


def test_the_first_posting_over_its_floor_is_the_one_named(bank: Bank, path):
    # In posting order, as the ORM path checks them: bob first although alice's id is lower.
    with pytest.raises(Overdraft) as exc:
        post(bank, [(bank.bob_acct, -2), (bank.alice_acct, -1), (issuance(bank), 3)])
    assert exc.value.extra["account"] == bank.bob_acct.pk


def test_an_account_may_end_exactly_at_its_floor_and_money_in_is_never_refused(bank: Bank, path):
    bank.issue(bank.alice_acct, 5)
    post(bank, [(bank.alice_acct, -5), (bank.bob_acct, 5)])
    assert balance(bank.alice_acct) == 0
    Account.objects.filter(pk=bank.carol_acct.pk).update(balance=-3)  # below a floor raised since
    with pytest.raises(Overdraft):
        post(bank, [(bank.carol_acct, -1), (bank.bob_acct, 1)])
    post(bank, [(bank.bob_acct, -1), (bank.carol_acct, 1)])
    assert balance(bank.carol_acct) == -2


def test_an_inactive_account_is_refused_by_name(bank: Bank, path):
    Account.objects.filter(pk=bank.bob_acct.pk).update(is_active=False)
    issuance(bank)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        post(bank, [(issuance(bank), -1), (bank.bob_acct, 1)])
    assert exc.value.code == "account_inactive"
    assert exc.value.message == f"账户“{bank.bob_acct.name}”已停用"
    assert state() == before


def test_an_unknown_or_foreign_account_is_not_found(bank: Bank, path, other_site):
    foreign = system_account(other_site.community, AccountKind.REDEMPTION)
    issuance(bank)
    before = state()
    for stranger in (Account(pk=10**12), foreign):
        with pytest.raises(NotFound):
            post(bank, [(issuance(bank), -1), (stranger, 1)])
    assert state() == before


def test_a_foreign_account_is_refused_before_an_inactive_one_in_id_order(bank: Bank, path, other_site):
    # Checked account by account in id order: whichever comes first decides.
    foreign = Account.objects.create(community=other_site.community, kind=AccountKind.COURTYARD, name="外")
    Account.objects.filter(pk=bank.alice_acct.pk).update(is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        post(bank, [(bank.alice_acct, -1), (foreign, 1)])
    assert exc.value.code == "account_inactive"  # alice's id is lower


def test_a_refusal_leaves_the_callers_transaction_usable(bank: Bank, path):
    bank.issue(bank.alice_acct, 3)
    with transaction.atomic():
        for bad in ([(bank.alice_acct, -9), (bank.bob_acct, 9)], [(bank.alice_acct, -1), (Account(pk=10**12), 1)]):
            with pytest.raises((Overdraft, NotFound)):
                post(bank, bad)
        post(bank, [(bank.alice_acct, -3), (bank.bob_acct, 3)])
    assert (balance(bank.alice_acct), balance(bank.bob_acct)) == (0, 3)
    assert_clean()


# --- cost -----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not ON_POSTGRES, reason="the one-statement path is PostgreSQL's")
def test_the_common_path_is_one_statement(bank: Bank):
    accounts = [issuance(bank), bank.alice_acct, bank.bob_acct, bank.carol_acct]
    with queries(1):
        post(bank, [(accounts[0], -3), (accounts[1], 1), (accounts[2], 1), (accounts[3], 1)])
    with queries(1):
        post(bank, [(bank.alice_acct, -1), (bank.bob_acct, 1)])
    assert_clean()


# --- races on PostgreSQL, the two paths mixed ------------------------------------------------------------------


def _orm(_locked: dict[int, Account]) -> None:
    """A `before_post` that checks nothing: it sends the post down the ORM path."""


@pytest.fixture
def pg_bank() -> Bank:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    site = factories.make_community(residents_per_household=2)
    return make_bank(site, factories.staff_of(site))


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_racing_spends_through_both_paths_never_overdraw(pg_bank: Bank):
    pg_bank.issue(pg_bank.alice_acct, 100)

    def work(i: int) -> Any:
        return post(
            pg_bank,
            [(pg_bank.alice_acct, -10), (pg_bank.bob_acct if i % 3 else pg_bank.card, 10)],
            before_post=_orm if i % 2 else None,
        )

    results = race(20, work)
    assert sum(isinstance(r, Transaction) for r in results) == 10
    assert all(isinstance(r, Transaction | Overdraft) for r in results), results
    assert balance(pg_bank.alice_acct) == 0
    assert_clean()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_one_key_raced_on_different_accounts_and_paths_moves_once(pg_bank: Bank):
    # Different accounts take different locks, so the unique key decides (ON CONFLICT / IntegrityError).
    pg_bank.issue(pg_bank.alice_acct, 10)
    pg_bank.issue(pg_bank.bob_acct, 10)
    pg_bank.issue(pg_bank.carol_acct, 10)
    senders = [pg_bank.alice_acct, pg_bank.bob_acct, pg_bank.carol_acct]
    redemption = system_account(pg_bank.site.community, AccountKind.REDEMPTION)

    def work(i: int) -> Any:
        return post(
            pg_bank,
            [(senders[i % 3], -10), (pg_bank.card if i % 2 else redemption, 10)],
            idempotency_key="raced",
            before_post=_orm if i % 4 == 0 else None,
        )

    results = race(12, work)
    assert all(isinstance(r, Transaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert sorted(balance(a) for a in senders) == [0, 10, 10]
    assert AuditEvent.objects.filter(verb="timebank.adjust").count() == 1
    assert_clean()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_opposite_transfers_through_both_paths_do_not_deadlock(pg_bank: Bank):
    pg_bank.issue(pg_bank.alice_acct, 100)
    pg_bank.issue(pg_bank.bob_acct, 100)
    a, b = pg_bank.alice_acct, pg_bank.bob_acct

    def work(i: int) -> Any:
        pair = [(a, -10), (b, 10)] if i % 2 else [(b, -10), (a, 10)]
        return post(pg_bank, pair, before_post=_orm if i % 4 < 2 else None)

    results = race(16, work)
    assert all(isinstance(r, Transaction) for r in results), results
    assert balance(a) == balance(b) == 100
    assert_clean()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_outside_a_transaction_the_post_commits_and_bumps_the_version(pg_bank: Bank):
    version = audit.data_version(pg_bank.site.community.pk)
    tx = post(pg_bank, [(issuance(pg_bank), -4), (pg_bank.alice_acct, 4)])
    assert not connection.in_atomic_block
    assert Transaction.objects.filter(pk=tx.pk).exists()
    assert audit.data_version(pg_bank.site.community.pk) > version
    with pytest.raises(Overdraft):
        post(pg_bank, [(pg_bank.alice_acct, -5), (pg_bank.bob_acct, 5)])
    assert balance(pg_bank.alice_acct) == 4 and not connection.in_atomic_block
    assert_clean()


# --- the ledger's state machine through the ORM path on PostgreSQL -------------------------------------------

world = test_invariants.world  # its bank, elder and neighbour


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs it through the ORM path already")
def test_random_operations_through_the_orm_path_keep_the_ledger_right(world, monkeypatch):
    # On PostgreSQL tests/timebank/test_invariants.py runs the same machine through the one-statement path.
    monkeypatch.setattr(posting, "ONE_STATEMENT", False)
    test_invariants.test_random_operations_keep_the_ledger_right(world)
