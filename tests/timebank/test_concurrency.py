"""Racing requests on PostgreSQL: the accounts' row locks (taken in id order) keep every balance at or above its
floor, and the idempotency key's unique constraint lets a raced request move points once."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.core.errors import Duplicate, Overdraft, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import Account, Transaction
from gongzhi.timebank.services.ledger import points_gift, points_issue, points_spend, transaction_reverse
from tests import factories
from tests.core.test_concurrency import race
from tests.timebank.conftest import Bank, key, make_bank

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


@pytest.fixture
def pg_bank() -> Bank:
    site = factories.make_community(residents_per_household=2)
    return make_bank(site, factories.staff_of(site))


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def test_twenty_racing_spends_of_ten_from_a_hundred_exactly_ten_succeed(pg_bank: Bank):
    pg_bank.issue(pg_bank.alice_acct, 100)
    results = race(
        20,
        lambda i: points_spend(
            actor=pg_bank.alice_user, account=pg_bank.alice_acct, amount=10, memo="兑换", idempotency_key=f"s{i}"
        ),
    )
    assert sum(isinstance(r, Transaction) for r in results) == 10
    assert all(isinstance(r, Transaction | Overdraft) for r in results), results
    assert balance(pg_bank.alice_acct) == 0
    assert ledger_check().ok


def test_racing_spends_of_a_card_by_its_manager_and_a_gift_never_overdraw(pg_bank: Bank):
    pg_bank.issue(pg_bank.card, 35, attributed_person=pg_bank.alice)
    pg_bank.issue(pg_bank.alice_acct, 35)

    def work(i: int):
        if i % 2:
            return points_spend(
                actor=pg_bank.carol_user, account=pg_bank.card, amount=7, memo="集体", idempotency_key=f"c{i}"
            )
        return points_gift(
            actor=pg_bank.alice_user,
            sender=pg_bank.alice_acct,
            recipient=pg_bank.bob_acct,
            amount=7,
            memo="给家人",
            idempotency_key=f"g{i}",
        )

    results = race(16, work)
    assert all(isinstance(r, Transaction | Overdraft) for r in results), results
    assert balance(pg_bank.card) >= 0 and balance(pg_bank.alice_acct) >= 0
    assert balance(pg_bank.card) == 35 - 7 * sum(isinstance(r, Transaction) for r in results[1::2])
    assert ledger_check().ok


def test_racing_gifts_cannot_pass_the_monthly_limit(pg_bank: Bank):
    pg_bank.issue(pg_bank.alice_acct, 1000)
    results = race(
        10,
        lambda i: points_gift(
            actor=pg_bank.alice_user,
            sender=pg_bank.alice_acct,
            recipient=pg_bank.bob_acct,
            amount=50,
            memo="给家人",
            idempotency_key=f"g{i}",
        ),
    )
    assert sum(isinstance(r, Transaction) for r in results) == 4  # 200 a month
    assert all(isinstance(r, Transaction) or getattr(r, "code", "") == "gift_limit" for r in results), results
    assert balance(pg_bank.bob_acct) == 200


def test_a_repeated_key_raced_by_ten_threads_moves_points_once(pg_bank: Bank):
    pg_bank.issue(pg_bank.alice_acct, 10)
    results = race(
        10,
        lambda i: points_spend(
            actor=pg_bank.alice_user, account=pg_bank.alice_acct, amount=10, memo="兑换", idempotency_key="same"
        ),
    )
    assert all(isinstance(r, Transaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert balance(pg_bank.alice_acct) == 0
    assert AuditEvent.objects.filter(verb="timebank.spend").count() == 1
    assert ledger_check().ok


def test_a_repeated_issue_key_raced_by_ten_staff_requests_moves_points_once(pg_bank: Bank):
    results = race(
        10,
        lambda i: points_issue(
            actor=pg_bank.secretary, account=pg_bank.alice_acct, amount=5, memo="服务", idempotency_key="issue-1"
        ),
    )
    assert all(isinstance(r, Transaction) for r in results), results
    assert len({r.pk for r in results}) == 1 and balance(pg_bank.alice_acct) == 5


def test_racing_reversals_of_one_transaction_one_wins(pg_bank: Bank):
    tx = pg_bank.issue(pg_bank.alice_acct, 10)
    results = race(
        6,
        lambda i: transaction_reverse(actor=pg_bank.secretary, transaction=tx, reason="错发", idempotency_key=f"r{i}"),
    )
    assert sum(isinstance(r, Transaction) for r in results) == 1
    assert all(isinstance(r, Transaction | Duplicate) for r in results), results
    assert balance(pg_bank.alice_acct) == 0
    assert ledger_check().ok


def test_opposite_gifts_in_one_household_do_not_deadlock(pg_bank: Bank):
    pg_bank.issue(pg_bank.alice_acct, 100)
    pg_bank.issue(pg_bank.bob_acct, 100)
    pairs = [
        (pg_bank.alice_user, pg_bank.alice_acct, pg_bank.bob_acct),
        (pg_bank.bob_user, pg_bank.bob_acct, pg_bank.alice_acct),
    ]

    def work(i: int):
        user, sender, recipient = pairs[i % 2]
        return points_gift(
            actor=user, sender=sender, recipient=recipient, amount=10, memo="互赠", idempotency_key=key(f"x{i}")
        )

    results = race(12, work)
    assert all(isinstance(r, Transaction) for r in results), results
    assert balance(pg_bank.alice_acct) == balance(pg_bank.bob_acct) == 100
    assert not any(isinstance(r, ValidationFailed) for r in results)
