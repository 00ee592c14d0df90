"""The time bank's double-entry rules: balance checks, floors, reversals and the family gift limit."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules.ledger import (
    Entry,
    check_balanced,
    gift_allowed,
    month_start,
    net_by_account,
    reversal_of,
    would_cross_limit,
)

pytestmark = pytest.mark.date_sensitive


def test_a_balanced_pair_is_returned_as_a_list():
    entries = (Entry("issuance", -10), Entry("alice", 10))
    assert check_balanced(entries) == [Entry("issuance", -10), Entry("alice", 10)]


def test_four_legs_of_a_clearing_balance():
    legs = [Entry(1, -5), Entry(2, 5), Entry(3, -5), Entry(4, 5)]
    assert check_balanced(legs) == legs


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "至少要有两条分录"),
        ([Entry(1, 0)], "至少要有两条分录"),
        ([Entry(1, 5)], "至少要有两条分录"),
        ([Entry(1, 5), Entry(2, -4)], "借贷不平衡：分录合计为 1"),
        ([Entry(1, -5), Entry(2, 4)], "分录合计为 -1"),
        ([Entry(1, 0), Entry(2, 0)], "不能为零"),
        ([Entry(1, 5), Entry(2, -5), Entry(3, 0)], "不能为零"),
        ([Entry(1, 5), Entry(1, -5)], "同一账户"),
        ([Entry(1, 2.5), Entry(2, -2.5)], "整数"),  # type: ignore[arg-type]
        ([Entry(1, True), Entry(2, -1)], "整数"),
    ],
)
def test_invalid_postings_are_refused_in_chinese(entries, message):
    with pytest.raises(ValueError, match=message):
        check_balanced(entries)


@pytest.mark.parametrize(
    ("balance", "delta", "floor", "crosses"),
    [
        (10, -10, 0, False),
        (10, -11, 0, True),
        (0, -1, 0, True),
        (0, 5, 0, False),
        (0, -20, -20, False),  # an elderly resident's allowance
        (0, -21, -20, True),
        (-30, 5, -20, False),  # below a raised floor: income is still welcome
        (-30, -1, -20, True),
        (-(10**12), -(10**12), None, False),  # system accounts have no limit
        (5, 0, 0, False),
    ],
)
def test_floor(balance, delta, floor, crosses):
    assert would_cross_limit(balance, delta, floor) is crosses


def test_reversal_negates_every_posting_in_order():
    original = [Entry("issuance", -8), Entry("card", 8)]
    assert reversal_of(original) == [Entry("issuance", 8), Entry("card", -8)]
    assert net_by_account(original + reversal_of(original)) == {"issuance": 0, "card": 0}


def test_reversal_of_unbalanced_postings_is_refused():
    with pytest.raises(ValueError, match="借贷不平衡"):
        reversal_of([Entry(1, 3), Entry(2, -2)])


@pytest.mark.parametrize(
    ("sent", "amount", "limit", "allowed"),
    [
        (0, 100, 100, True),
        (0, 101, 100, False),
        (60, 40, 100, True),
        (60, 41, 100, False),
        (100, 1, 100, False),
        (0, 0, 100, False),
        (0, -5, 100, False),
        (-10, 5, 100, False),
        (0, 1, 0, False),
    ],
)
def test_gift_limit(sent, amount, limit, allowed):
    assert gift_allowed(sent, amount, limit) is allowed


def test_month_start():
    assert month_start(datetime.date(2026, 12, 31)) == datetime.date(2026, 12, 1)
    assert month_start(datetime.date(2024, 2, 29)) == datetime.date(2024, 2, 1)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 1000)), min_size=1, max_size=8))
def test_any_transfer_from_one_source_balances_and_its_reversal_cancels_it(pairs):
    # One source pays several distinct destinations: the shape of every posting the services make.
    amounts: dict[int, int] = {}
    for account, amount in pairs:
        amounts[account + 1] = amounts.get(account + 1, 0) + amount
    entries = [Entry(0, -sum(amounts.values()))] + [Entry(a, n) for a, n in amounts.items()]
    assert check_balanced(entries) == entries
    net = net_by_account(entries + reversal_of(entries))
    assert set(net.values()) == {0}


@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.one_of(st.none(), st.integers(-100, 0)))
def test_floor_property(balance, delta, floor):
    crosses = would_cross_limit(balance, delta, floor)
    if floor is None or delta >= 0:
        assert not crosses
    else:
        assert crosses is (balance + delta < floor)
