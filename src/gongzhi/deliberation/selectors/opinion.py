"""Opinion-map reads: the participant's next statement, the moderation queue, and the map.

The map is `rules.opinion_map.run` over one query of votes, cached under the topic and a version that every vote
and moderation replaces on commit, so a page view recomputes only after one of them (and a cached view costs no
query). A decided topic shows the map frozen into topic.result at the decision.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.deliberation.models import OpinionStatement, OpinionVote, Procedure, StatementStatus, Topic
from gongzhi.people.models import Person
from gongzhi.rules import opinion_map

__all__ = [
    "MAP_POINTS_MAX",
    "MapView",
    "OpinionPanel",
    "frozen_summary",
    "map_forget",
    "map_summary",
    "opinion_map_view",
    "opinion_panel",
    "participant_key",
    "questionnaire_person",
    "statement_get",
    "statement_list",
]

# The scatter is drawn from at most this many participants (every n-th one beyond), so a map of 30,000 voters
# stays a page of a few hundred kilobytes.
MAP_POINTS_MAX = 2000
_VIEW = 1000  # the SVG's coordinate range
_SNAP = 10  # dots closer than this share one
_CACHE_SECONDS = 24 * 3600


def participant_key(*, voter_id: int | None, person_id: int | None = None) -> str:
    """The id the algorithm sees: an account ("u12"), or a resident without one whose paper answers staff
    entered ("p7")."""
    return f"u{voter_id}" if voter_id is not None else f"p{person_id}"


def statement_list(*, topic: Topic) -> QuerySet[OpinionStatement]:
    """Every statement of the topic, with its author and vote count: the moderation page."""
    statements: QuerySet[OpinionStatement] = (
        OpinionStatement.objects.filter(topic=topic)
        .select_related("author")
        .annotate(n_votes=Count("votes"))
        .order_by("id")
    )
    return statements


def statement_get(*, topic: Topic, statement_id: int) -> OpinionStatement:
    """A statement of this (already visible) topic; any other id is a 404."""
    found: OpinionStatement | None = OpinionStatement.objects.filter(topic=topic, pk=statement_id).first()
    if found is None:
        raise NotFound()
    return found


def _order_for(user_id: int, statement_id: int) -> int:
    # A fixed shuffle per participant: each one meets the statements in a different order, so late statements
    # are not left with the fewest answers.
    return (statement_id * 2654435761 + user_id * 40503) % 4294967296


@dataclass(frozen=True)
class OpinionPanel:
    total: int  # approved statements, the m of "已回答 n / m"
    answered: int
    next: OpinionStatement | None
    mine: list[OpinionStatement]  # the viewer's own submissions, with their moderation state
    pending: int  # statements waiting for moderation (shown to staff)

    @property
    def percent(self) -> int:
        return self.answered * 100 // self.total if self.total else 0


def opinion_panel(*, actor: User, topic: Topic) -> OpinionPanel:
    """What one participant sees: the next approved statement they have not answered and their progress."""
    statements = list(OpinionStatement.objects.filter(topic=topic).order_by("id"))
    uid = actor.pk if getattr(actor, "is_authenticated", False) else 0
    answered = set(
        OpinionVote.objects.filter(topic=topic, voter_id=uid).values_list("statement_id", flat=True) if uid else ()
    )
    approved = [s for s in statements if s.status == StatementStatus.APPROVED]
    open_ = sorted((s for s in approved if s.pk not in answered), key=lambda s: _order_for(uid, s.pk))
    return OpinionPanel(
        total=len(approved),
        answered=sum(1 for s in approved if s.pk in answered),
        next=open_[0] if open_ else None,
        mine=[s for s in statements if s.author_id == uid and not s.seeded],
        pending=sum(1 for s in statements if s.status == StatementStatus.PENDING),
    )


def _pct(part: int, whole: int) -> int:
    """Whole percent, half up, for display only."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def _counts(votes: opinion_map.VoteCounts) -> dict[str, int]:
    seen = votes.seen
    return {
        "seen": seen,
        "agree": votes.agree,
        "disagree": votes.disagree,
        "agree_pct": _pct(votes.agree, seen),
        "disagree_pct": _pct(votes.disagree, seen),
        "pass_pct": _pct(votes.passed, seen) if seen else 0,
    }


def _points(
    coordinates: dict[Any, tuple[float, float]], groups: dict[Any, int]
) -> tuple[list[list[int]], dict[str, int]]:
    """Participants scaled into the SVG's square (x right, y up) as [x, y, group, count, radius]: people who
    land on (nearly) the same spot share one dot whose area grows with their number. Also each participant's
    index among the dots."""
    keys = sorted(coordinates)
    stride = -(-len(keys) // MAP_POINTS_MAX) if keys else 1
    shown = keys[::stride]
    if not shown:
        return [], {}
    xs = [coordinates[k][0] for k in shown]
    ys = [coordinates[k][1] for k in shown]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    margin = _VIEW * 0.08
    scale = (_VIEW - 2 * margin) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    cell: dict[tuple[int, int, int], int] = {}
    points: list[list[int]] = []
    point_of: dict[str, int] = {}
    for k in shown:
        x = round((_VIEW / 2 + (coordinates[k][0] - cx) * scale) / _SNAP) * _SNAP
        y = round((_VIEW / 2 - (coordinates[k][1] - cy) * scale) / _SNAP) * _SNAP
        spot = (x, y, groups.get(k, -1))
        if spot not in cell:
            cell[spot] = len(points)
            points.append([x, y, spot[2], 0, 0])
        point_of[str(k)] = cell[spot]
        points[cell[spot]][3] += 1
    for point in points:
        point[4] = 8 + round(4 * math.sqrt(point[3]))
    return points, point_of


def _version_key(topic_id: int) -> str:
    return f"gongzhi:opinion:v:{topic_id}"


def map_forget(topic_id: int) -> None:
    """Every vote and moderation calls this on commit: the next page view computes the map afresh."""
    cache.delete(_version_key(topic_id))


def _version(topic_id: int) -> str:
    # A fresh random version whenever the last one was forgotten (or evicted). A map computed from data read
    # before a write is stored under the version that write forgot, which nobody reads again.
    key = _version_key(topic_id)
    version: str | None = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), None)
        version = cache.get(key) or ""
    return version


def _compute(topic: Topic, statements: list[OpinionStatement]) -> dict[str, Any]:
    rows = OpinionVote.objects.filter(topic=topic).values_list("voter_id", "person_id", "statement_id", "stance")
    votes = [(participant_key(voter_id=v, person_id=p), s, stance) for v, p, s, stance in rows]
    text = {s.pk: s.text for s in statements}
    rejected = [s.pk for s in statements if s.status == StatementStatus.REJECTED]
    result = opinion_map.run(votes, moderated_out=rejected)
    k = result.k
    groups: list[dict[str, Any]] = []
    for g in range(k):
        size = sum(1 for v in result.groups.values() if v == g)
        representative = [
            {
                "id": r.statement,
                "text": text.get(cast(int, r.statement), ""),
                "direction": r.direction,
                **_counts(result.group_votes[g][r.statement]),
            }
            for r in result.representative_details.get(g, [])
        ]
        groups.append({"index": g, "label": chr(ord("A") + g), "size": size, "representative": representative})

    def overall(statement: Any) -> dict[str, Any]:
        total = opinion_map.VoteCounts(
            agree=sum(result.group_votes[g][statement].agree for g in range(k)),
            disagree=sum(result.group_votes[g][statement].disagree for g in range(k)),
            passed=sum(result.group_votes[g][statement].passed for g in range(k)),
        )
        return {"id": statement, "text": text.get(cast(int, statement), ""), **_counts(total)}

    points, point_of = _points(result.coordinates, result.groups)
    return {
        "participants": len(result.coordinates),
        "clustered": len(result.groups),
        "min_votes": result.min_votes,
        "k": k,
        "statements": sum(1 for s in statements if s.status == StatementStatus.APPROVED),
        "votes": len(votes),
        "groups": groups,
        "consensus": [overall(s) for s in result.consensus],
        "consensus_disagree": [overall(s) for s in result.consensus_disagree],
        "points": points,
        "computed_at": timezone.now().isoformat(),
        # Not frozen into the result: who is in which group, for "your group" on the live map.
        "members": {str(p): g for p, g in result.groups.items()},
        "point_of": point_of,
    }


def map_summary(*, topic: Topic) -> dict[str, Any]:
    """The live map as plain values; from the cache (no query) until a vote or a moderation forgets it."""
    key = f"gongzhi:opinion:map:{topic.pk}:{_version(topic.pk)}"
    summary: dict[str, Any] | None = cache.get(key)
    if summary is None:
        statements = list(OpinionStatement.objects.filter(topic=topic).order_by("id"))
        summary = _compute(topic, statements)
        cache.set(key, summary, _CACHE_SECONDS)
    return summary


def frozen_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """What the decision keeps: the figures, groups and statements, without the participants' memberships."""
    return {k: v for k, v in summary.items() if k not in ("members", "point_of")}


@dataclass(frozen=True)
class MapView:
    summary: dict[str, Any]
    frozen: bool  # the map kept at the decision
    my_group: dict[str, Any] | None
    my_point: list[int] | None
    voted: bool  # whether the viewer has answered anything (and so is on the map)


def opinion_map_view(*, actor: User, topic: Topic) -> MapView:
    """The map page: the frozen map of a decided topic, else the live one; with the viewer's own group."""
    result = topic.result if isinstance(topic.result, dict) else None
    frozen = bool(result and result.get("procedure") == Procedure.OPINION)
    summary = result if frozen and result is not None else map_summary(topic=topic)
    me = participant_key(voter_id=actor.pk)
    index = summary.get("members", {}).get(me)
    point = summary.get("point_of", {}).get(me)
    return MapView(
        summary=summary,
        frozen=frozen,
        my_group=summary["groups"][index] if index is not None else None,
        my_point=summary["points"][point] if point is not None else None,
        voted=me in summary.get("point_of", {}) or index is not None,
    )


def questionnaire_person(*, actor: User, topic: Topic, id_number: str) -> Person | None:
    """The resident a paper questionnaire belongs to, found by ID number within the actor's scope."""
    found: Person | None = (
        Person.objects.visible_to(actor)
        .filter(community_id=topic.community_id, id_number=id_number.strip().upper())
        .select_related("account")
        .first()
    )
    return found
