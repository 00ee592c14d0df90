"""Racing requests against the street's limits on PostgreSQL: racing 通存通兑 never lets one community owe another
more than the clearing limit, and a change of the elderly floor racing elders' spends and gifts neither deadlocks
nor leaves any balance below its floor."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.core.errors import Overdraft, ValidationFailed
from gongzhi.core.roles import Role
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.ledger import Account, AccountKind, Transaction
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.services.accounts import individual_account
from gongzhi.timebank.services.ledger import points_clear, points_gift, points_spend
from gongzhi.timebank.services.settings import ledger_settings_save
from tests import factories
from tests.core.test_concurrency import race
from tests.timebank.conftest import Bank, key, make_bank, make_elder, set_street_rules, user_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


@pytest.fixture
def pg_bank() -> Bank:
    site = factories.make_community(residents_per_household=2)
    return make_bank(site, factories.staff_of(site))


def test_racing_clearings_never_pass_the_clearing_limit(pg_bank: Bank):
    set_street_rules(pg_bank.site.street, clearing_limit=100)
    neighbour = factories.make_community(street=pg_bank.site.street, name="邻居社区").community
    pg_bank.issue(pg_bank.alice_acct, 500)
    pg_bank.issue(pg_bank.bob_acct, 500)
    spenders = [(pg_bank.alice_user, pg_bank.alice_acct), (pg_bank.bob_user, pg_bank.bob_acct)]

    def work(i: int):
        user, account = spenders[i % 2]
        return points_clear(
            actor=user, account=account, community=neighbour, amount=15, memo="通存通兑", idempotency_key=f"c{i}"
        )

    results = race(12, work)
    assert all(isinstance(r, Transaction) or getattr(r, "code", "") == "clearing_limit" for r in results), results
    assert sum(isinstance(r, Transaction) for r in results) == 6  # 90 of 100; a seventh would make 105
    owed = Account.objects.get(community=pg_bank.site.community, kind=AccountKind.CLEARING, counterpart=neighbour)
    assert owed.balance == 90
    assert ledger_check().ok


def test_a_floor_change_racing_elders_spends_and_gifts_keeps_every_balance_at_or_above_its_floor(pg_bank: Bank):
    set_street_rules(pg_bank.site.street, elderly_floor=-40)
    elders = [make_elder(pg_bank.site, household_index=i) for i in (0, 0, 5, 6)]  # two share alice's household
    accounts = [individual_account(p) for p in elders]
    users = [user_of(p) for p in elders]
    street_staff = pg_bank.staff[Role.STREET_STAFF]

    def work(i: int):
        if i == 0:
            return ledger_settings_save(
                actor=street_staff,
                street=pg_bank.site.street,
                elderly_floor=-10,
                elderly_age=60,
                gift_monthly_limit=200,
                clearing_limit=5000,
            )
        n = i % len(accounts)
        if i % 3 == 0 and n in (0, 1):  # the two elders of one household give to each other
            other = 1 - n
            return points_gift(
                actor=users[n],
                sender=accounts[n],
                recipient=accounts[other],
                amount=4,
                memo="互赠",
                idempotency_key=key("g"),
            )
        return points_spend(actor=users[n], account=accounts[n], amount=6, memo="助浴", idempotency_key=key("s"))

    results = race(16, work)
    assert isinstance(results[0], LedgerSettings), results[0]
    assert all(isinstance(r, Transaction | Overdraft | ValidationFailed) for r in results[1:]), results
    report = ledger_check()
    assert report.ok and not report.below_floor, report
    for account in Account.objects.filter(pk__in=[a.pk for a in accounts]):
        # -10 now, or lower where the balance already was when the rule changed (then it cannot spend more).
        assert -40 <= account.floor <= -10 and account.balance >= account.floor
