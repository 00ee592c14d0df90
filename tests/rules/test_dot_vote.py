from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.rules import dot_vote as dv


@pytest.mark.parametrize(
    ("n", "cap", "k", "message"),
    [
        (0, None, 3, "每人点数"),
        (21, None, 3, "每人点数"),
        (5, 0, 3, "上限"),
        (5, 6, 3, "上限"),
        (5, None, 0, "类别数"),
        (5, None, 11, "类别数"),
    ],
)
def test_bad_settings_are_refused_in_chinese(n: int, cap: int | None, k: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dv.check_settings(n, cap, k)


@given(st.integers(1, 20), st.integers(1, 10), st.data())
def test_every_setting_in_range_is_accepted(n: int, k: int, data: st.DataObject) -> None:
    cap = data.draw(st.none() | st.integers(1, n))
    dv.check_settings(n, cap, k)


def test_the_fifth_dot_is_the_last_and_the_cap_applies_per_cluster() -> None:
    assert dv.spend_refusal(dots_per_person=5, max_per_cluster=None, spent=4, spent_on_cluster=4) is None
    assert dv.spend_refusal(dots_per_person=5, max_per_cluster=None, spent=5, spent_on_cluster=0) == "no_dots_left"
    assert dv.spend_refusal(dots_per_person=5, max_per_cluster=2, spent=2, spent_on_cluster=2) == "cluster_full"
    # Out of dots wins over a full cluster: the participant cannot spend anywhere.
    assert dv.spend_refusal(dots_per_person=2, max_per_cluster=2, spent=2, spent_on_cluster=2) == "no_dots_left"


@given(
    st.integers(1, 20),
    st.data(),
    st.lists(st.integers(0, 5), max_size=60),
)
def test_spends_the_rule_allows_never_break_the_budget(n: int, data: st.DataObject, wishes: list[int]) -> None:
    """Whatever a participant keeps trying, the dots accepted by spend_refusal form a valid allocation, and a
    refusal happens only when the budget really is spent (or the cluster is at its cap)."""
    cap = data.draw(st.none() | st.integers(1, n))
    held: Counter[int] = Counter()
    for cluster in wishes:
        spent = sum(held.values())
        refusal = dv.spend_refusal(dots_per_person=n, max_per_cluster=cap, spent=spent, spent_on_cluster=held[cluster])
        if refusal is None:
            held[cluster] += 1
        elif refusal == "no_dots_left":
            assert spent == n
        else:
            assert cap is not None and held[cluster] == cap and spent < n
        dv.check_allocation(held, n, cap)


@pytest.mark.parametrize(
    ("allocation", "cap", "message"),
    [({1: 3, 2: 3}, None, "最多投5个点"), ({1: 3}, 2, "每个类别每人最多投2个点"), ({1: -1}, None, "负")],
)
def test_bad_allocations_are_refused(allocation: dict[int, int], cap: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dv.check_allocation(allocation, 5, cap)


def test_tally_counts_dots_and_distinct_supporters_with_zero_for_unchosen() -> None:
    tallies = dv.tally([(1, 10), (1, 10), (2, 10), (2, 11)], {10: 0, 11: 1, 12: 2})
    assert tallies == [dv.ClusterTally(10, 0, 3, 2), dv.ClusterTally(11, 1, 1, 1), dv.ClusterTally(12, 2, 0, 0)]
    with pytest.raises(ValueError, match="不存在的类别"):
        dv.tally([(1, 99)], {10: 0})


def test_ties_go_to_more_supporters_then_board_order() -> None:
    tallies = [
        dv.ClusterTally(cluster=1, order=0, dots=4, supporters=1),  # one enthusiast
        dv.ClusterTally(cluster=2, order=1, dots=4, supporters=3),  # broad support
        dv.ClusterTally(cluster=3, order=3, dots=2, supporters=2),
        dv.ClusterTally(cluster=4, order=2, dots=2, supporters=2),
        dv.ClusterTally(cluster=5, order=4, dots=0, supporters=0),
    ]
    ranked = dv.rank(tallies, top=3)
    assert [r.tally.cluster for r in ranked] == [2, 1, 4, 3, 5]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
    assert [r.decided_by for r in ranked] == ["supporters", "dots", "order", "dots", "last"]
    assert [r.top for r in ranked] == [True, True, True, False, False]


def test_clusters_without_dots_never_go_to_the_plan() -> None:
    ranked = dv.rank([dv.ClusterTally(1, 0, 1, 1), dv.ClusterTally(2, 1, 0, 0)], top=3)
    assert [r.top for r in ranked] == [True, False]
    assert dv.rank([], top=3) == []
    with pytest.raises(ValueError, match="重复"):
        dv.rank([dv.ClusterTally(1, 0, 1, 1), dv.ClusterTally(1, 1, 0, 0)], top=1)
    with pytest.raises(ValueError, match="负"):
        dv.rank([], top=-1)


allocations = st.dictionaries(
    st.integers(1, 40),  # participant
    st.lists(st.integers(0, 7), max_size=20),  # the clusters (by index) of their dots
    max_size=30,
)


@given(st.integers(1, 8), allocations, st.integers(0, 10), st.randoms(use_true_random=False))
def test_ranking_is_a_total_deterministic_order(
    n_clusters: int, ballots: dict[int, list[int]], top: int, rnd: random.Random
) -> None:
    board = {100 + i: n_clusters - i for i in range(n_clusters)}  # ids and board order deliberately disagree
    dots = [(p, 100 + c % n_clusters) for p, cs in ballots.items() for c in cs]
    tallies = dv.tally(dots, board)
    shuffled = list(tallies)
    rnd.shuffle(shuffled)
    ranked = dv.rank(tallies, top)
    # The input order does not matter.
    assert dv.rank(shuffled, top) == ranked
    # A permutation of the board, ranks 1..n.
    assert sorted(r.tally.cluster for r in ranked) == sorted(board)
    assert [r.rank for r in ranked] == list(range(1, n_clusters + 1))
    assert sum(r.tally.dots for r in ranked) == len(dots)
    for a, b in itertools.pairwise(ranked):
        x, y = a.tally, b.tally
        assert (x.dots, x.supporters) >= (y.dots, y.supporters)
        if (x.dots, x.supporters) == (y.dots, y.supporters):
            assert x.order < y.order and a.decided_by == "order"
        elif x.dots == y.dots:
            assert a.decided_by == "supporters"
        else:
            assert a.decided_by == "dots"
    # The plan takes the best min(K, clusters with dots), each with at least one dot, best first.
    chosen = [r for r in ranked if r.top]
    assert len(chosen) == min(top, sum(1 for t in tallies if t.dots > 0))
    assert chosen == ranked[: len(chosen)]
    assert all(r.tally.dots > 0 for r in chosen)
    for t in tallies:
        assert t.supporters <= t.dots
        assert (t.dots == 0) == (t.supporters == 0)
