"""Dot voting (投点) in a 团队共创 session: each participant spends at most N dots over the clusters of ideas.

The facilitated method used in 瀝雄's old compounds (seeds/004): ideas are collected, grouped into clusters, and
every participant gets the same number of dots (贴点) to put on the clusters they think matter most, several on
one cluster if they wish, unless the session caps the dots one person may put on a single cluster. The clusters
with the most dots become the action plan.

Ranking, deterministic and stated to residents:
1. more dots first;
2. on equal dots, more distinct supporters first (support that is broad beats support that is deep);
3. on equal dots and supporters, the cluster's board order (the order staff laid the clusters out), then its id.
The top K are the first K clusters of that order that received at least one dot.

Pure: no Django, no I/O. Services lock the participant's budget before asking and raise when it says no.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "DEFAULT_DOTS",
    "DEFAULT_TOP",
    "MAX_DOTS",
    "MAX_TOP",
    "ClusterTally",
    "Ranked",
    "check_allocation",
    "check_settings",
    "rank",
    "spend_refusal",
    "tally",
]

DEFAULT_DOTS: Final = 5
MAX_DOTS: Final = 20
DEFAULT_TOP: Final = 3
MAX_TOP: Final = 10

Refusal = Literal["no_dots_left", "cluster_full"]
Decider = Literal["dots", "supporters", "order", "last"]


def check_settings(dots_per_person: int, max_per_cluster: int | None, top: int) -> None:
    """Raises ValueError (Chinese) unless 1 ≤ N ≤ 20, 1 ≤ cap ≤ N (or no cap) and 1 ≤ K ≤ 10."""
    if not 1 <= dots_per_person <= MAX_DOTS:
        raise ValueError(f"每人点数须在1到{MAX_DOTS}之间")
    if max_per_cluster is not None and not 1 <= max_per_cluster <= dots_per_person:
        raise ValueError("每个类别的点数上限须在1到每人点数之间")
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"进入行动计划的类别数须在1到{MAX_TOP}之间")


def spend_refusal(
    *, dots_per_person: int, max_per_cluster: int | None, spent: int, spent_on_cluster: int
) -> Refusal | None:
    """Why one more dot on a cluster is refused, or None when it may be spent.

    `spent` is the participant's live dots over every cluster, `spent_on_cluster` those on this one."""
    if spent >= dots_per_person:
        return "no_dots_left"
    if max_per_cluster is not None and spent_on_cluster >= max_per_cluster:
        return "cluster_full"
    return None


def check_allocation(allocation: Mapping[int, int], dots_per_person: int, max_per_cluster: int | None) -> None:
    """Raises ValueError (Chinese) unless a participant's dots per cluster fit the budget."""
    if any(n < 0 for n in allocation.values()):
        raise ValueError("点数不能为负")
    if sum(allocation.values()) > dots_per_person:
        raise ValueError(f"每人最多投{dots_per_person}个点")
    if max_per_cluster is not None and any(n > max_per_cluster for n in allocation.values()):
        raise ValueError(f"每个类别每人最多投{max_per_cluster}个点")


@dataclass(frozen=True)
class ClusterTally:
    cluster: int  # the cluster's id
    order: int  # its position on the board
    dots: int
    supporters: int  # distinct participants with at least one dot on it


@dataclass(frozen=True)
class Ranked:
    tally: ClusterTally
    rank: int  # 1-based, all distinct: the tie-break settles every tie
    top: bool  # goes to the action plan
    decided_by: Decider  # what set it above the next cluster: "dots", "supporters", "order", or "last"


def tally(dots: Iterable[tuple[int, int]], clusters: Mapping[int, int]) -> list[ClusterTally]:
    """Live dots as (participant, cluster) pairs, one pair per dot, and the board's clusters as id → order:
    the tally of every cluster on the board, with zero for those nobody chose. Dots on unknown clusters are
    an error, not silently dropped."""
    counts = dict.fromkeys(clusters, 0)
    people: dict[int, set[int]] = {c: set() for c in clusters}
    for participant, cluster in dots:
        if cluster not in counts:
            raise ValueError(f"点投在了不存在的类别上：{cluster}")
        counts[cluster] += 1
        people[cluster].add(participant)
    return [ClusterTally(c, clusters[c], counts[c], len(people[c])) for c in clusters]


def _key(t: ClusterTally) -> tuple[int, int, int, int]:
    return (-t.dots, -t.supporters, t.order, t.cluster)


def rank(tallies: Iterable[ClusterTally], top: int) -> list[Ranked]:
    """Every cluster in ranking order, the first `top` with at least one dot marked for the action plan."""
    if top < 0:
        raise ValueError("进入行动计划的类别数不能为负")
    ordered = sorted(tallies, key=_key)
    if len({t.cluster for t in ordered}) != len(ordered):
        raise ValueError("类别重复")
    out: list[Ranked] = []
    for i, t in enumerate(ordered):
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        decided: Decider
        if nxt is None:
            decided = "last"
        elif t.dots != nxt.dots:
            decided = "dots"
        elif t.supporters != nxt.supporters:
            decided = "supporters"
        else:
            decided = "order"
        out.append(Ranked(t, i + 1, i < top and t.dots > 0, decided))
    return out
