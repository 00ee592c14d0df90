"""Opinion maps: the Pol.is method of grouping participants by how they vote on statements.

Encodes the method described in C. Small, M. Bjorkegren, T. Erkkilä, L. Shaw and C. Megill, "Polis: Scaling
deliberation by mapping high dimensional opinion spaces", Recerca 26(2), 2021, and implemented in the
compdemocracy/polis math service (math/src/polismath/math: conversation.clj, pca.clj, clusters.clj,
repness.clj, stats.clj). Written from those descriptions; no code is copied.

Pipeline (names in brackets are the Pol.is ones):

1. Vote matrix [rating-mat]: participants × statements, 1 agree, -1 disagree, 0 pass, missing = unseen. A
   later vote on the same (participant, statement) pair replaces the earlier one. Statements listed in
   ``moderated_out`` [mod-out] are set to 0 for everybody, as Pol.is does: they carry no variance, but still
   count as seen in step 3 and their votes count towards step 4. Without this the groups on the Pol.is
   open data differ clearly from Pol.is's own (adjusted Rand index about 0.8 instead of 0.93 to 0.98).
2. PCA to two components of the matrix with each unseen cell replaced by its statement's mean
   [:mat, powerit-pca]. Pol.is uses power iteration; we take the same two leading eigenvectors directly.
3. Each participant's projection is multiplied by sqrt(n_statements / n_seen)
   [sparsity-aware-project-ptpt] so that people who voted on few statements are not all piled up in the
   centre.
4. Only participants with at least min(7, n_statements) votes are clustered [in-conv]. Pol.is's extra
   rules (once in, always in; topping up to 15 participants) need history or are for tiny conversations
   and are left out.
5. Two-level k-means as in Pol.is. Up to 100 base clusters [base-k], seeded as Pol.is seeds a new
   conversation [init-clusters]: with the first 100 distinct positions in participant order. Then the base
   clusters, weighted by size, are grouped for k = 2 … min(5, 2 + n_base // 12) [max-k-fn] (and at most
   n_base and n_clustered - 1), keeping the k whose grouping has the best silhouette, averaged over base
   clusters as in clusters.clj. Simplifications: Pol.is seeds the group k-means with the previous run's
   groups (it updates incrementally); we use the best of 30 weighted k-means++ restarts drawn from
   ``random_state``, enough for the result not to depend on it in practice. There is no k-smoothing over
   successive runs [group-k-smoother].
6. For the groups, per statement: agree / disagree / pass counts [group-votes]; group-aware consensus, the
   product over groups of (agree + 1) / (seen + 2) [group-aware-consensus]; consensus statements (defined
   on ``Result``); representative statements [repness, select-rep-comments]: statements significant at 90 %
   both for the group's own majority and for its difference from everyone else, ranked by
   repness × repness test × probability × probability test, at most five, the group's best agree first and
   agrees before disagrees. Pol.is finds its best agree by an order-dependent scan; we take the maximum of
   the same score over the same candidates.

Agreement with Pol.is's own groups on three real conversations is measured in bench/opinion_map.py
(adjusted Rand index 0.88, 0.93 and 0.98 with moderation passed as Pol.is did).

Groups are numbered by size, largest first.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

__all__ = [
    "BASE_CLUSTERS",
    "MAX_GROUPS",
    "MIN_VOTES",
    "PICK_MAX",
    "Z_90",
    "RepresentativeStatement",
    "Result",
    "VoteCounts",
    "run",
]

MIN_VOTES = 7
BASE_CLUSTERS = 100
MAX_GROUPS = 5
# Pol.is shows at most five consensus statements per direction and five representative ones per group.
PICK_MAX = 5
# One-sided 90 % critical value of the standard normal (stats.clj z-sig-90?).
Z_90 = 1.2816

# Group stage: restarts and iteration cap of the weighted k-means on the base clusters ([group-iters] = 100).
_GROUP_RESTARTS = 30
_MAX_ITER = 100

Direction = Literal["agree", "disagree"]
_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]
_BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class VoteCounts:
    agree: int
    disagree: int
    passed: int

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passed


@dataclass(frozen=True, slots=True)
class RepresentativeStatement:
    """Why a statement represents a group (Pol.is repness, repness.clj)."""

    statement: Hashable
    direction: Direction
    n_success: int  # group members who voted `direction`
    n_seen: int  # group members who voted on it at all, passes included
    p_success: float  # (n_success + 1) / (n_seen + 2)
    p_test: float  # one-proportion z of p_success against 1/2
    repness: float  # p_success divided by the same probability among everybody outside the group
    repness_test: float  # two-proportion z, inside against outside the group
    best_agree: bool  # the statement Pol.is puts first: what the group most distinctively agrees with


@dataclass(frozen=True, slots=True)
class Result:
    """Opinion map of one conversation.

    ``groups`` holds only clustered participants. ``coordinates`` holds everybody who voted (the map may
    show unclustered participants too). ``group_votes`` counts the votes of clustered participants only,
    and leaves out moderated-out statements, as do ``consensus``, ``group_aware_consensus`` and
    ``representative``.
    """

    groups: dict[Hashable, int]
    # Statements that a significant majority of every group agrees with (one-proportion z > Z_90 in each
    # group), best first by group-aware consensus, at most PICK_MAX. ``consensus_disagree`` is the same for
    # disagreement.
    consensus: list[Hashable]
    consensus_disagree: list[Hashable]
    # Product over groups of (agree + 1) / (seen + 2), for every statement (Pol.is group-aware consensus).
    group_aware_consensus: dict[Hashable, float]
    representative: dict[int, list[Hashable]]
    representative_details: dict[int, list[RepresentativeStatement]]
    group_votes: dict[int, dict[Hashable, VoteCounts]]
    coordinates: dict[Hashable, tuple[float, float]]
    k: int
    silhouette: float | None  # of the chosen k; None when no choice of k was made (k < 2)
    min_votes: int  # the participation threshold that was applied


def _bad_vote(vote: object) -> ValueError:
    return ValueError(f"投票值只能是 1（赞同）、-1（反对）或 0（跳过），收到：{vote!r}")


def _coerce_vote(vote: object) -> int:
    # numpy integers are fine; bool (a subclass of int) and floats such as 1.0 are rejected so that a
    # mistyped column is noticed instead of silently counted.
    if isinstance(vote, bool) or not isinstance(vote, numbers.Integral) or int(vote) not in (-1, 0, 1):
        raise _bad_vote(vote)
    return int(vote)


def _check_votes(values: list[int]) -> list[int]:
    """The votes as plain ints, or ValueError naming the first bad one."""
    if set(map(type, values)) <= {int} and set(values) <= {-1, 0, 1}:
        return values
    return [_coerce_vote(v) for v in values]


def _index(column: list[Hashable]) -> tuple[list[Hashable], _IntArray]:
    """Distinct ids in canonical order and each entry's position among them."""
    ids = list(dict.fromkeys(column))
    # Sorting makes the result independent of the order in which votes arrive (beyond replacement);
    # ids that do not compare keep their order of first appearance.
    try:
        cast(list[Any], ids).sort()
    except TypeError:
        ids = list(dict.fromkeys(column))
    position = {key: i for i, key in enumerate(ids)}
    return ids, np.fromiter(map(position.__getitem__, column), dtype=np.int64, count=len(column))


def _read_votes(
    votes: Iterable[tuple[Hashable, Hashable, int]],
) -> tuple[list[Hashable], list[Hashable], _IntArray, _IntArray, npt.NDArray[np.int8]]:
    """Validate votes and keep the last one per pair; returns ids and (row, column, vote) triples."""
    # Column-wise with C-level map/dict calls: a per-vote Python loop was most of the run time at 450,000
    # votes.
    stream = votes if isinstance(votes, list) else list(votes)
    p_ids, rows = _index(list(map(itemgetter(0), stream)))
    s_ids, cols = _index(list(map(itemgetter(1), stream)))
    values = np.asarray(_check_votes(list(map(itemgetter(2), stream))), dtype=np.int8)
    # Later vote wins: the first occurrence of each cell in the reversed stream is its last vote.
    cell = rows * max(len(s_ids), 1) + cols
    _, last = np.unique(cell[::-1], return_index=True)
    keep = len(cell) - 1 - last
    return p_ids, s_ids, rows[keep], cols[keep], values[keep]


def _components(centred: _FloatArray) -> _FloatArray:
    """The two leading principal axes (statements × 2) of an already centred matrix."""
    n_rows, n_cols = centred.shape
    axes = np.zeros((n_cols, 2))
    if n_rows == 0 or n_cols == 0:
        return axes
    # Eigen-decompose the smaller Gram matrix: a 5,000 × 300 conversation needs a 300 × 300 problem.
    if n_cols <= n_rows:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        top = np.argsort(values)[::-1][:2]
        found = vectors[:, top] * (values[top] > 0)
    else:
        values, vectors = np.linalg.eigh(centred @ centred.T)
        top = np.argsort(values)[::-1][:2]
        lengths = np.sqrt(np.clip(values[top], 0.0, None))
        found = centred.T @ vectors[:, top]
        found = np.divide(found, lengths, out=np.zeros_like(found), where=lengths > 0)
    # An eigenvector's sign is arbitrary; fix it so that equal input gives an equal map.
    for j in range(found.shape[1]):
        column = found[:, j]
        if column[np.argmax(np.abs(column))] < 0:
            found[:, j] = -column
    axes[:, : found.shape[1]] = found
    return axes


def _kmeans_pp(points: _FloatArray, weights: _FloatArray, k: int, rng: np.random.Generator) -> _FloatArray:
    """Weighted k-means++ seeding (Arthur and Vassilvitskii 2007) for all restarts at once: (restarts, k, 2)."""
    restarts = _GROUP_RESTARTS
    n = len(points)
    centres = np.empty((restarts, k, points.shape[1]))
    centres[:, 0] = points[rng.choice(n, size=restarts, p=weights / weights.sum())]
    nearest = ((points[None, :, :] - centres[:, 0:1, :]) ** 2).sum(axis=2)
    for c in range(1, k):
        mass = np.cumsum(weights[None, :] * nearest, axis=1)
        draw = rng.random(restarts) * mass[:, -1]
        picked = np.minimum((mass <= draw[:, None]).sum(axis=1), n - 1)
        centres[:, c] = points[picked]
        nearest = np.minimum(nearest, ((points[None, :, :] - centres[:, c : c + 1, :]) ** 2).sum(axis=2))
    return centres


def _argmin_rows(values: _FloatArray) -> _IntArray:
    """argmin over axis 1 of (restarts, k, n); k is at most 5 and a loop over it beats ndarray.argmin."""
    best = values[:, 0].copy()
    index = np.zeros(best.shape, dtype=np.int64)
    for j in range(1, values.shape[1]):
        closer = values[:, j] < best
        best = np.where(closer, values[:, j], best)
        index[closer] = j
    return index


def _weighted_kmeans(points: _FloatArray, weights: _FloatArray, k: int, rng: np.random.Generator) -> _IntArray:
    """Lloyd's k-means with weights, best of _GROUP_RESTARTS k-means++ restarts run side by side."""
    restarts = _GROUP_RESTARTS
    centres = _kmeans_pp(points, weights, k, rng)
    offset = (np.arange(restarts) * k)[:, None]
    tiled = np.tile(np.column_stack([weights, weights[:, None] * points]).T, restarts)  # (1 + dims, restarts·n)
    sums = np.empty((len(tiled), restarts * k))
    for _ in range(_MAX_ITER):
        # |c|^2 - 2 c.p orders centres by distance to p; |p|^2 is the same for every centre.
        closeness = (centres**2).sum(axis=2)[:, :, None] - 2.0 * (centres @ points.T)
        cell = (_argmin_rows(closeness) + offset).ravel()
        for row, w in enumerate(tiled):
            sums[row] = np.bincount(cell, weights=w, minlength=restarts * k)
        mass = sums[0].reshape(restarts, k, 1)
        means = sums[1:].T.reshape(restarts, k, -1)
        # An emptied cluster keeps its centre rather than dividing by zero.
        moved = np.where(mass > 0, means / np.maximum(mass, 1e-300), centres)
        shift = float(np.abs(moved - centres).max())
        centres = moved
        if shift <= 1e-10:
            break
    dist = ((points[None, :, None, :] - centres[:, None, :, :]) ** 2).sum(axis=3)
    labels = dist.argmin(axis=2)
    inertia = (np.take_along_axis(dist, labels[:, :, None], axis=2)[:, :, 0] * weights[None, :]).sum(axis=1)
    best: _IntArray = labels[int(np.argmin(inertia))].astype(np.int64)
    return best


def _silhouette(points: _FloatArray, labels: _IntArray) -> float:
    """Mean silhouette over base clusters, unweighted as in clusters.clj (Rousseeuw 1987)."""
    n = len(points)
    k = int(labels.max()) + 1
    dist = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    member = (labels[:, None] == np.arange(k)).astype(np.float64)
    size = member.sum(axis=0)
    total = dist @ member  # distance sums from each point to each group
    own_size = size[labels]
    inside = np.divide(total[np.arange(n), labels], own_size - 1, out=np.zeros(n), where=own_size > 1)
    outside = np.where(np.arange(k)[None, :] == labels[:, None], np.inf, total / size[None, :])
    nearest = outside.min(axis=1)
    scale = np.maximum(inside, nearest)
    score = np.divide(nearest - inside, scale, out=np.zeros(n), where=scale > 0)
    # A point alone in its group scores 0 by convention.
    score[own_size <= 1] = 0.0
    return float(score.mean())


def _base_clusters(positions: _FloatArray) -> tuple[_FloatArray, _FloatArray, _IntArray]:
    """Base clusters of participants: (centres, sizes, participant → base cluster)."""
    distinct, first, inverse, counts = np.unique(
        positions, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    weights = counts.astype(np.float64)
    if len(distinct) <= BASE_CLUSTERS:
        return distinct.astype(np.float64), weights, inverse.astype(np.int64)
    # Seeded as Pol.is seeds a new conversation (clusters.clj init-clusters): the first BASE_CLUSTERS
    # distinct positions in participant order. Deterministic, and closer to Pol.is's groups than random
    # seeding in bench/opinion_map.py.
    seeds = distinct[np.argsort(first, kind="stable")[:BASE_CLUSTERS]]
    model = KMeans(n_clusters=BASE_CLUSTERS, init=seeds, n_init=1, max_iter=_MAX_ITER).fit(
        distinct, sample_weight=weights
    )
    base_of_distinct = model.labels_.astype(np.int64)
    sizes = np.bincount(base_of_distinct, weights=weights, minlength=BASE_CLUSTERS).astype(np.float64)
    # k-means can leave a seed without members; drop it and renumber the rest.
    used = sizes > 0
    renumber = np.cumsum(used) - 1
    centres: _FloatArray = model.cluster_centers_[used]
    base_of: _IntArray = renumber[base_of_distinct][inverse]
    return centres, sizes[used], base_of


def _group(positions: _FloatArray, random_state: int) -> tuple[_IntArray, int, float | None]:
    """Group labels for clustered participants, the number of groups and the silhouette of the choice."""
    n = len(positions)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0, None
    centres, sizes, base_of = _base_clusters(positions)
    max_k = min(MAX_GROUPS, 2 + len(centres) // 12, len(centres), n - 1)
    rng = np.random.default_rng(random_state)
    best: tuple[float, _IntArray] | None = None
    for k in range(2, max_k + 1):
        labels = _weighted_kmeans(centres, sizes, k, rng)
        _, labels = np.unique(labels, return_inverse=True)
        if labels.max() < 1:
            continue
        score = _silhouette(centres, labels)
        if best is None or score > best[0] + 1e-12:
            best = (score, labels.astype(np.int64))
    if best is None:
        # Fewer than three participants or fewer than two distinct positions: one group, nothing to choose.
        return np.zeros(n, dtype=np.int64), 1, None
    score, labels = best
    k = int(labels.max()) + 1
    # Number groups by size (largest first), ties by their first base cluster, so labels do not depend on
    # the random restart that found them.
    size_of = np.bincount(labels, weights=sizes, minlength=k)
    first_of = np.array([int(np.flatnonzero(labels == g)[0]) for g in range(k)])
    order = np.lexsort((first_of, -size_of))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels][base_of], k, score


def _prop_test(success: _FloatArray, n: _FloatArray) -> _FloatArray:
    # stats.clj prop-test: z of (success + 1) / (n + 1) against 1/2, with the +1 pseudo-count.
    result: _FloatArray = 2.0 * np.sqrt(n + 1.0) * ((success + 1.0) / (n + 1.0) - 0.5)
    return result


def _two_prop_test(
    success_in: _FloatArray, success_out: _FloatArray, n_in: _FloatArray, n_out: _FloatArray
) -> _FloatArray:
    # stats.clj two-prop-test with +1 on every count; a pooled proportion of 1 gives 0 instead of 0 / 0.
    s1, s2, m1, m2 = success_in + 1.0, success_out + 1.0, n_in + 1.0, n_out + 1.0
    pooled = (s1 + s2) / (m1 + m2)
    spread = np.sqrt(pooled * (1.0 - pooled) * (1.0 / m1 + 1.0 / m2))
    result: _FloatArray = np.divide(s1 / m1 - s2 / m2, spread, out=np.zeros_like(spread), where=spread > 0)
    return result


@dataclass(frozen=True, slots=True)
class _Side:
    """Statistics of one vote direction for one group, one entry per statement."""

    n: _FloatArray
    p: _FloatArray
    p_test: _FloatArray
    rep: _FloatArray
    rep_test: _FloatArray


def _side(inside: _FloatArray, seen_in: _FloatArray, outside: _FloatArray, seen_out: _FloatArray) -> _Side:
    p = (inside + 1.0) / (seen_in + 2.0)
    return _Side(
        n=inside,
        p=p,
        p_test=_prop_test(inside, seen_in),
        rep=p / ((outside + 1.0) / (seen_out + 2.0)),
        rep_test=_two_prop_test(inside, outside, seen_in, seen_out),
    )


def _detail(
    statement: Hashable, j: int, direction: Direction, side: _Side, seen: int, best: bool
) -> RepresentativeStatement:
    return RepresentativeStatement(
        statement=statement,
        direction=direction,
        n_success=int(side.n[j]),
        n_seen=seen,
        p_success=float(side.p[j]),
        p_test=float(side.p_test[j]),
        repness=float(side.rep[j]),
        repness_test=float(side.rep_test[j]),
        best_agree=best,
    )


def _representative(
    statements: Sequence[Hashable], agree: _FloatArray, disagree: _FloatArray, seen: _FloatArray
) -> dict[int, list[RepresentativeStatement]]:
    """Pol.is select-rep-comments for every group; counts are (groups × statements)."""
    k = agree.shape[0]
    result: dict[int, list[RepresentativeStatement]] = {}
    for g in range(k):
        rest = np.arange(k) != g
        seen_in, seen_out = seen[g], seen[rest].sum(axis=0)
        a = _side(agree[g], seen_in, agree[rest].sum(axis=0), seen_out)
        d = _side(disagree[g], seen_in, disagree[rest].sum(axis=0), seen_out)
        agree_way = a.rep_test > d.rep_test
        metric = np.where(agree_way, a.rep * a.rep_test * a.p * a.p_test, d.rep * d.rep_test * d.p * d.p_test)
        sufficient = ((a.rep_test > Z_90) & (a.p_test > Z_90)) | ((d.rep_test > Z_90) & (d.p_test > Z_90))

        # Best agree, as in Pol.is beats-best-agr? but without its order-dependent scan: among statements
        # with votes that the group significantly agrees with, or agrees with more than the rest does,
        # take the highest repness metric when some are distinctive (ra > 1), else the highest p × z.
        voted = (a.n + d.n) > 0
        eligible = voted & ((a.p_test > Z_90) | ((a.rep > 1.0) & (a.p > 0.5)))
        best_agree: int | None = None
        if eligible.any():
            distinctive = eligible & (a.rep > 1.0)
            pool = distinctive if distinctive.any() else eligible
            score = a.rep * a.rep_test * a.p * a.p_test if distinctive.any() else a.p * a.p_test
            best_agree = int(np.flatnonzero(pool)[np.argmax(score[pool])])

        chosen: list[RepresentativeStatement] = []
        if best_agree is not None:
            chosen.append(_detail(statements[best_agree], best_agree, "agree", a, int(seen_in[best_agree]), True))
        if sufficient.any():
            candidates = [j for j in np.flatnonzero(sufficient).tolist() if j != best_agree]
            # Highest metric first; statement order breaks ties so the output is stable.
            candidates.sort(key=lambda j: (-metric[j], j))
            for j in candidates[: PICK_MAX - len(chosen)]:
                way: Direction = "agree" if agree_way[j] else "disagree"
                chosen.append(_detail(statements[j], j, way, a if agree_way[j] else d, int(seen_in[j]), False))
        elif best_agree is None and len(statements) > 0:
            # Always show something: the statement with the strongest repness test in either direction.
            strongest = np.maximum(a.rep_test, d.rep_test)
            j = int(np.argmax(strongest))
            way = "agree" if agree_way[j] else "disagree"
            chosen.append(_detail(statements[j], j, way, a if agree_way[j] else d, int(seen_in[j]), False))
        # Agrees before disagrees (agrees-before-disagrees); sorted() is stable.
        result[g] = sorted(chosen, key=lambda r: r.direction != "agree")
    return result


def _consensus(statements: Sequence[Hashable], success: _FloatArray, seen: _FloatArray) -> list[Hashable]:
    """Statements that every group supports with a significant majority, best group-aware consensus first."""
    if success.shape[0] == 0:
        return []
    significant = (_prop_test(success, seen) > Z_90).all(axis=0)
    gac = ((success + 1.0) / (seen + 2.0)).prod(axis=0)
    picked = sorted(np.flatnonzero(significant).tolist(), key=lambda j: (-gac[j], j))
    return [statements[j] for j in picked[:PICK_MAX]]


def _project(
    n_p: int, n_s: int, rows: _IntArray, cols: _IntArray, values: npt.NDArray[np.int8], hidden: _BoolArray
) -> tuple[_FloatArray, _FloatArray, _BoolArray]:
    """Steps 1 to 3: (participants × 2 map positions, vote matrix with 0 for unseen, voted mask)."""
    voted = np.zeros((n_p, n_s), dtype=np.bool_)
    voted[rows, cols] = True
    matrix = np.zeros((n_p, n_s))
    matrix[rows, cols] = values
    matrix[:, hidden] = 0.0
    seen = voted | hidden[None, :]
    # Mean-impute unseen cells; after centring they are exactly 0, which is also what Pol.is's projection
    # (a dot product over seen cells only) amounts to.
    means = matrix.sum(axis=0) / np.maximum(seen.sum(axis=0), 1)
    centred = np.where(seen, matrix - means, 0.0)
    scale = np.sqrt(n_s / np.maximum(seen.sum(axis=1), 1))
    projection: _FloatArray = (centred @ _components(centred)) * scale[:, None]
    return projection, matrix, voted


@cache
def _thread_control() -> Any:
    return ThreadpoolController()


def run(
    votes: Iterable[tuple[Hashable, Hashable, int]],
    random_state: int = 0,
    *,
    moderated_out: Collection[Hashable] = (),
) -> Result:
    """Build the opinion map of a conversation from (participant_id, statement_id, vote) triples.

    ``votes`` are in time order (a later vote on the same pair replaces the earlier one); vote is 1 agree,
    -1 disagree, 0 pass, anything else raises ValueError. ``moderated_out`` (optional, keyword only) names
    statements hidden by moderators; see the module docstring for how Pol.is treats them. Participant and
    statement ids are sorted when they compare, so the result depends on ``random_state`` and on the last
    vote per pair, not on the order in which the pairs arrive.

    Degenerate inputs do not raise: no votes give an empty map (k = 0); with nobody at the vote threshold
    ``groups`` is empty and k = 0; with fewer than three clustered participants, or when they all sit at the
    same point, everybody clustered is in group 0 (k = 1) and ``representative`` is {0: []}, since there is
    no rest to differ from.
    """
    p_ids, s_ids, rows, cols, values = _read_votes(votes)
    n_p, n_s = len(p_ids), len(s_ids)
    min_votes = min(MIN_VOTES, n_s)
    hidden_ids = set(moderated_out)
    hidden = np.fromiter((s in hidden_ids for s in s_ids), dtype=np.bool_, count=n_s)

    # One BLAS/OpenMP thread: the matrices are small (a 300 × 300 eigenproblem takes 10 ms on one core),
    # and on a busy host multi-threaded OpenBLAS was measured 100 times slower than that.
    with _thread_control().limit(limits=1):
        projection, matrix, voted = _project(n_p, n_s, rows, cols, values, hidden)
        clustered = np.flatnonzero(voted.sum(axis=1) >= min_votes) if n_s else np.zeros(0, dtype=np.int64)
        labels, k, silhouette = _group(projection[clustered], random_state)

        shown = np.flatnonzero(~hidden)
        member = np.zeros((k, len(clustered)))
        member[labels, np.arange(len(clustered))] = 1.0
        block = matrix[np.ix_(clustered, shown)]
        agree = member @ (block == 1).astype(np.float64)
        disagree = member @ (block == -1).astype(np.float64)
        seen = member @ voted[np.ix_(clustered, shown)].astype(np.float64)

    shown_ids = [s_ids[j] for j in shown.tolist()]
    group_votes = {
        g: {
            s: VoteCounts(agree=int(a), disagree=int(d), passed=int(t - a - d))
            for s, a, d, t in zip(shown_ids, agree[g].tolist(), disagree[g].tolist(), seen[g].tolist(), strict=True)
        }
        for g in range(k)
    }
    gac = ((agree + 1.0) / (seen + 2.0)).prod(axis=0).tolist() if k else []
    details = _representative(shown_ids, agree, disagree, seen) if k >= 2 else {g: [] for g in range(k)}
    return Result(
        groups={p_ids[i]: g for i, g in zip(clustered.tolist(), labels.tolist(), strict=True)},
        consensus=_consensus(shown_ids, agree, seen),
        consensus_disagree=_consensus(shown_ids, disagree, seen),
        group_aware_consensus=dict(zip(shown_ids, gac, strict=False)),
        representative={g: [r.statement for r in items] for g, items in details.items()},
        representative_details=details,
        group_votes=group_votes,
        coordinates={p: (x, y) for p, (x, y) in zip(p_ids, projection.tolist(), strict=True)},
        k=k,
        silhouette=silhouette,
        min_votes=min_votes,
    )
