"""Racing scans on PostgreSQL: one person scanning one poster twice at once gets one stamp; racing last stamps of a
card complete it once and grant its points once; racing takers of one request leave one helper."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.core.errors import Duplicate, ValidationFailed
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models.exchange import Exchange, PostKind
from gongzhi.timebank.models.ledger import Transaction
from gongzhi.timebank.models.stamps import Stamp, StampCard
from gongzhi.timebank.services.exchange import exchange_agree, post_create
from gongzhi.timebank.services.skills import service_types_default
from gongzhi.timebank.services.stamps import stamp_point_create, stamp_scan, trail_create
from tests import factories
from tests.core.test_concurrency import race
from tests.timebank.conftest import Bank, make_bank

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


@pytest.fixture
def pg_bank() -> Bank:
    site = factories.make_community(residents_per_household=2)
    return make_bank(site, factories.staff_of(site))


def _trail(bank: Bank, stamps: int, points: int = 20):
    return trail_create(
        actor=bank.secretary, community=bank.site.community, name="集章", stamps_required=stamps, points=points
    )


def _point(bank: Bank, trail, name: str):
    return stamp_point_create(actor=bank.secretary, trail=trail, name=name, place=bank.site.compound)


def test_racing_scans_of_one_poster_by_one_person_give_one_stamp(pg_bank: Bank):
    point = _point(pg_bank, _trail(pg_bank, stamps=5), "书屋")
    results = race(8, lambda i: stamp_scan(actor=pg_bank.alice_user, token=point.token))
    assert sum(isinstance(r, Stamp) for r in results) == 1
    assert all(isinstance(r, Stamp | Duplicate) for r in results), results
    [card] = StampCard.objects.filter(person=pg_bank.alice)
    assert card.stamp_count == 1 and Stamp.objects.count() == 1


def test_racing_last_stamps_complete_the_card_once_and_grant_points_once(pg_bank: Bank):
    trail = _trail(pg_bank, stamps=3, points=20)
    points = [_point(pg_bank, trail, f"点{i}") for i in range(6)]
    stamp_scan(actor=pg_bank.alice_user, token=points[0].token)
    stamp_scan(actor=pg_bank.alice_user, token=points[1].token)
    results = race(4, lambda i: stamp_scan(actor=pg_bank.alice_user, token=points[2 + i].token))
    assert all(isinstance(r, Stamp) for r in results), results
    cards = list(StampCard.objects.filter(person=pg_bank.alice).order_by("number"))
    assert [(c.number, c.stamp_count, c.completed_at is not None) for c in cards] == [
        (1, 3, True),
        (2, 3, True),
        (3, 0, False),
    ]
    assert Transaction.objects.filter(idempotency_key__startswith="stampcard:").count() == 2
    pg_bank.alice_acct.refresh_from_db()
    assert pg_bank.alice_acct.balance == 40
    assert ledger_check().ok


def test_racing_last_stamps_on_a_card_of_one_grant_once_per_card(pg_bank: Bank):
    trail = _trail(pg_bank, stamps=2, points=7)
    a, b = _point(pg_bank, trail, "甲"), _point(pg_bank, trail, "乙")
    stamp_scan(actor=pg_bank.alice_user, token=a.token)
    results = race(2, lambda i: stamp_scan(actor=pg_bank.alice_user, token=b.token))
    assert sum(isinstance(r, Stamp) for r in results) == 1
    assert Transaction.objects.filter(idempotency_key__startswith="stampcard:").count() == 1
    pg_bank.alice_acct.refresh_from_db()
    assert pg_bank.alice_acct.balance == 7


def test_racing_takers_of_one_request_leave_one_helper(pg_bank: Bank):
    service_type = {t.name: t for t in service_types_default(pg_bank.site.community)}["代购代办"]
    post = post_create(actor=pg_bank.carol_user, kind=PostKind.REQUEST, service_type=service_type, title="买菜")
    users = [pg_bank.alice_user, pg_bank.bob_user]
    results = race(2, lambda i: exchange_agree(actor=users[i], post=post))
    assert sum(isinstance(r, Exchange) for r in results) == 1
    assert all(isinstance(r, Exchange | ValidationFailed) for r in results), results
    assert Exchange.objects.filter(post=post).count() == 1
