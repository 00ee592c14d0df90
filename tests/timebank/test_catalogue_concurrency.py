"""Racing redemptions on PostgreSQL: the conditional stock UPDATE never lets stock go below zero, the accounts' row
locks keep balances right, and cancelling, completing and expiring the same code race to exactly one outcome."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, Overdraft, ValidationFailed
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.catalogue import Item, ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.models.ledger import Account, AccountKind
from gongzhi.timebank.services.accounts import account_open, system_account
from gongzhi.timebank.services.catalogue import donation_receive, item_save
from gongzhi.timebank.services.redemptions import redeem, redemption_cancel, redemption_complete, redemptions_expire
from tests import factories
from tests.timebank.conftest import key, make_bank, user_of
from tests.timebank.test_catalogue_helpers import balance, fresh_shop, stock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

# PostgreSQL's 100 connections are shared with other test runs: 25 threads run 4 redemptions each, all at once.
THREADS = 25


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def race_batches(threads: int, per_thread: int, work: Callable[[int], Any]) -> list[Any]:
    """Starts every thread at once (a barrier); each runs `per_thread` attempts back to back, on its own connection."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * (threads * per_thread)

    def run(t: int) -> None:
        try:
            barrier.wait()
            for j in range(per_thread):
                i = t * per_thread + j
                try:
                    results[i] = work(i)
                except Exception as exc:
                    results[i] = exc
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(120)
    return results


def login_of(person: Any) -> Any:
    person.refresh_from_db()
    return person.account or user_of(person)


def open_account(bank: Any, person: Any) -> Any:
    found = Account.objects.filter(kind=AccountKind.INDIVIDUAL, person=person).first()
    return found or account_open(
        actor=bank.secretary, community=bank.site.community, kind=AccountKind.INDIVIDUAL, person=person
    )


def test_a_hundred_racing_redemptions_of_ten_in_stock_leave_exactly_ten():
    site = factories.make_community(residents_per_household=2)
    bank = make_bank(site, factories.staff_of(site))
    item = item_save(
        actor=bank.secretary, community=site.community, kind=ItemKind.GOODS, name="食用油", price=7, stock=10
    )
    people = site.people[:THREADS]
    users, accounts = [], []
    for person in people:
        users.append(login_of(person))
        account = open_account(bank, person)
        bank.issue(account, 40)
        accounts.append(account)

    results = race_batches(
        THREADS,
        4,
        lambda i: redeem(actor=users[i // 4], item=item, idempotency_key=f"race-{i}"),
    )
    won = [r for r in results if isinstance(r, Redemption)]
    assert len(won) == 10, results
    assert all(isinstance(r, Redemption) or getattr(r, "code", "") == "out_of_stock" for r in results), results
    assert stock(item) == 0
    assert Redemption.objects.filter(item=item).count() == 10
    assert len({r.code for r in won}) == 10
    paid = {}
    for r in won:
        paid[r.account_id] = paid.get(r.account_id, 0) + 7
    for account in accounts:
        assert balance(account) == 40 - paid.get(account.pk, 0)
    assert balance(system_account(site.community, AccountKind.REDEMPTION)) == 70
    assert ledger_check().ok


def test_racing_redemptions_of_one_account_never_overdraw():
    shop = fresh_shop()
    bank = shop.bank
    donation_receive(actor=bank.secretary, item=shop.goods, donor="爱心企业", quantity=20)
    bank.issue(bank.alice_acct, 95)  # three rice at 30
    results = race_batches(10, 1, lambda i: redeem(actor=bank.alice_user, item=shop.goods, idempotency_key=f"a{i}"))
    assert sum(isinstance(r, Redemption) for r in results) == 3
    assert all(isinstance(r, Redemption | Overdraft) for r in results), results
    assert balance(bank.alice_acct) == 5 and stock(shop.goods) == 22
    assert ledger_check().ok


def test_a_repeated_key_raced_by_ten_taps_makes_one_redemption():
    shop = fresh_shop()
    shop.bank.issue(shop.bank.alice_acct, 100)
    results = race_batches(
        10, 1, lambda i: redeem(actor=shop.bank.alice_user, item=shop.goods, idempotency_key="same-tap")
    )
    assert all(isinstance(r, Redemption) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert balance(shop.bank.alice_acct) == 70 and stock(shop.goods) == 4
    assert ledger_check().ok


def test_racing_redemptions_across_the_street_clear_right():
    shop = fresh_shop()
    bank = shop.bank
    bank.issue(bank.alice_acct, 100)
    item = shop.neighbour_item  # stock 3, 10 积分
    results = race_batches(8, 1, lambda i: redeem(actor=bank.alice_user, item=item, idempotency_key=key("x")))
    assert sum(isinstance(r, Redemption) for r in results) == 3
    assert balance(bank.alice_acct) == 70 and stock(item) == 0
    here = system_account(bank.site.community, AccountKind.CLEARING, shop.neighbour.community)
    assert balance(here) == 30
    assert ledger_check().ok


def test_complete_cancel_and_expire_racing_on_one_code_have_one_outcome():
    shop = fresh_shop()
    bank = shop.bank
    bank.issue(bank.alice_acct, 100)
    r = redeem(actor=bank.alice_user, item=shop.goods, idempotency_key="one")
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() + datetime.timedelta(seconds=2))

    def work(i: int) -> Any:
        if i % 3 == 0:
            return redemption_complete(actor=bank.secretary, community=bank.site.community, code=r.code)
        if i % 3 == 1:
            return redemption_cancel(actor=bank.alice_user, redemption=r)
        return redemptions_expire(now=timezone.now() + datetime.timedelta(seconds=5))

    results = race_batches(9, 1, work)
    assert not [x for x in results if isinstance(x, Exception) and not isinstance(x, ApplicationError)], results
    r.refresh_from_db()
    winners = [x for x in results if isinstance(x, Redemption)] + [x for x in results if x == 1]
    assert len(winners) == 1, results
    refusals = [x for x in results if isinstance(x, ValidationFailed)]
    assert all(x.code in {"code_used", "code_expired", "not_reserved"} for x in refusals), results
    if r.status == RedemptionStatus.COMPLETED:
        assert balance(bank.alice_acct) == 70 and stock(shop.goods) == 4 and r.refund is None
    else:
        assert r.status in (RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED)
        assert balance(bank.alice_acct) == 100 and stock(shop.goods) == 5 and r.refund is not None
    assert ledger_check().ok


def test_racing_donations_and_redemptions_keep_the_stock_count():
    shop = fresh_shop()
    bank = shop.bank
    for person in bank.site.people[:6]:
        bank.issue(open_account(bank, person), 300)
    users = [login_of(p) for p in bank.site.people[:6]]

    def work(i: int) -> Any:
        if i % 2:
            return donation_receive(actor=bank.secretary, item=shop.goods, donor="爱心人士", quantity=1)
        return redeem(actor=users[i % 6], item=shop.goods, idempotency_key=key("d"))

    results = race_batches(12, 2, work)
    taken = sum(isinstance(r, Redemption) for r in results)
    given = sum(not isinstance(r, Redemption | Exception) for r in results)
    assert given == 12
    assert stock(shop.goods) == 5 + given - taken >= 0
    assert Item.objects.get(pk=shop.goods.pk).stock == 5 + 12 - taken
    assert ledger_check().ok
