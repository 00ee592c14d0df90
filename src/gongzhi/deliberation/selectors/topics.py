"""Reads in the 议事厅, scoped to the actor; the owners' tally is computed from two queries and a pure rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing
from gongzhi.deliberation.models import Ballot, Comment, ProposalVersion, Status, Topic, TopicEvent
from gongzhi.people.models import Ownership
from gongzhi.places.models import Household, Place
from gongzhi.places.selectors import places_by_paths
from gongzhi.rules import owner_vote


def topic_list(*, actor: User, community: Place, status: str = "") -> QuerySet[Topic]:
    topics = Topic.objects.visible_to(actor).filter(community=community).select_related("place")
    if status:
        topics = topics.filter(status=status)
    annotated: QuerySet[Topic] = topics.annotate(n_comments=Count("comments", filter=Q(comments__hidden=False)))
    return annotated.order_by("-created_at")


def hot_topic(*, actor: User, community: Place, month: datetime.date) -> Topic | None:
    found: Topic | None = (
        Topic.objects.visible_to(actor)
        .filter(community=community, hot_month=month.replace(day=1))
        .select_related("place")
        .first()
    )
    return found


def hot_archive(*, actor: User, community: Place) -> QuerySet[Topic]:
    """Every month's hot topic, newest month first."""
    return Topic.objects.visible_to(actor).filter(community=community, hot_month__isnull=False).order_by("-hot_month")


def topic_get(*, actor: User, community: Place, topic_id: int) -> Topic:
    topic: Topic | None = (
        Topic.objects.visible_to(actor)
        .filter(pk=topic_id, community=community)
        .select_related("place", "proposed_by")
        .first()
    )
    if topic is None:
        raise NotFound()
    return topic


def topic_timeline(*, topic: Topic) -> list[TopicEvent]:
    return list(TopicEvent.objects.filter(topic=topic).select_related("actor").order_by("at", "id"))


def topic_versions(*, topic: Topic) -> list[ProposalVersion]:
    return list(ProposalVersion.objects.filter(topic=topic).select_related("author").order_by("number"))


def topic_comments(*, topic: Topic) -> list[Comment]:
    """Top-level comments with their replies, oldest first (two queries)."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    return list(
        Comment.objects.filter(topic=topic, parent=None)
        .select_related("author", "version")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def public_topics(*, community: Place) -> QuerySet[Topic]:
    """The public page: every topic past the proposal stage, with its outcome."""
    return (
        Topic.objects.filter(community=community)
        .exclude(status=Status.PROPOSED)
        .select_related("place")
        .order_by("-created_at")
    )


def ballot_list(*, actor: User, topic: Topic) -> QuerySet[Ballot]:
    return Ballot.objects.visible_to(actor).filter(topic=topic).select_related("voter", "entered_by").order_by("-id")


def ballot_get(*, actor: User, topic: Topic, ballot_id: int) -> Ballot:
    """A ballot of the topic the actor may see (those who manage the topic's place); NotFound otherwise."""
    ballot: Ballot | None = Ballot.objects.visible_to(actor).filter(topic=topic, pk=ballot_id).first()
    if ballot is None:
        raise NotFound()
    return ballot


def designated_owner_ids(*, topic: Topic) -> dict[int, int]:
    """household id → the owner who votes for it: with several owners of record, the first one registered."""
    designated: dict[int, int] = {}
    rows = (
        Ownership.objects.filter(community_id=topic.community_id, place_path__under=topic.place_path)
        .values_list("household_id", "person_id")
        .order_by("household_id", "person_id")
    )
    for household_id, person_id in rows:
        designated.setdefault(household_id, person_id)
    return designated


@dataclass(frozen=True)
class Tally:
    result: owner_vote.Result
    households: int  # all households under the topic's place
    counted: int  # households with an owner of record and a registered (or surveyed) area
    ballots: int

    @property
    def excluded(self) -> int:
        return self.households - self.counted

    def as_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "matter": r.matter,
            "quorum_met": r.quorum_met,
            "passed": r.passed,
            "total_area": str(r.total_area),
            "total_owners": r.total_owners,
            "participating_area": str(r.participating_area),
            "participating_owners": r.participating_owners,
            "agree_area": str(r.agree_area),
            "agree_owners": r.agree_owners,
            "thresholds": [t.describe() for t in r.thresholds],
            "households": self.households,
            "counted": self.counted,
            "ballots": self.ballots,
        }


def tally(*, topic: Topic) -> Tally:
    """Art. 278 tally over the owners of the topic's place (最高法解释第八、九条: one owner of several units is one
    person; area is the registered exclusive area, the surveyed one where none is registered)."""
    designated = designated_owner_ids(topic=topic)
    areas = dict(
        Household.objects.filter(community_id=topic.community_id, place_path__under=topic.place_path).values_list(
            "id", "area"
        )
    )
    units = [
        owner_vote.Unit(unit_id=str(h), owner_id=str(designated[h]), area=Decimal(area))
        for h, area in areas.items()
        if h in designated and area is not None and area > 0
    ]
    owners = {u.owner_id for u in units}
    live = Ballot.objects.filter(topic=topic, voided_at__isnull=True).values_list("voter_id", "choice")
    ballots = {str(v): c for v, c in live if str(v) in owners}
    if not units:
        raise NotFound("该范围内没有登记面积的业主，无法计票")
    return Tally(owner_vote.tally(units, ballots, topic.matter), len(areas), len(units), len(ballots))


def live_tally(*, topic: Topic) -> dict[str, Any]:
    """The open vote's tally for the results page, recomputed once per change of the community's data (every
    ballot bumps it on commit) rather than on every view; decisions always tally afresh through `tally`."""
    from django.core.cache import cache

    from gongzhi.core.audit import data_version

    key = f"gongzhi:tally:{topic.pk}:{data_version(topic.community_id)}"
    found: dict[str, Any] | None = cache.get(key)
    if found is None:
        found = tally(topic=topic).as_json()
        cache.set(key, found, 3600)
    return found


def all_comments(*, topic: Topic) -> QuerySet[Comment]:
    return Comment.objects.filter(topic=topic)


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


@dataclass(frozen=True)
class ElevatorView:
    plan: Any
    rows: list[dict[str, Any]]  # per household: room, floor, area, coefficient, share in 元
    mine: list[dict[str, Any]]  # the rows of the viewer's own households
    publicity_start: datetime.datetime | None
    publicity_end: datetime.datetime | None
    publicity_open: bool
    final: bool
    objections: list[Any]
    total_yuan: str


def elevator_view(*, actor: User, topic: Topic) -> ElevatorView | None:
    """The plan with every household's share (largest remainder, in fen, summing to the total), the viewer's own
    share, and the 公示 window with its objections."""
    from django.utils import timezone

    from gongzhi.deliberation.models import ElevatorPlan, Objection
    from gongzhi.people.models import Person
    from gongzhi.rules import cost_share
    from gongzhi.rules import topic_lifecycle as lc

    plan = ElevatorPlan.objects.filter(topic=topic).first()
    if plan is None:
        return None
    households = list(
        Household.objects.filter(community_id=topic.community_id, place_path__under=topic.place_path)
        .values_list("id", "room", "floor", "area")
        .order_by("floor", "room")
    )
    coefficients = {int(k): Decimal(v) for k, v in plan.coefficients.items()}
    usable = [(str(h), floor, area) for h, _room, floor, area in households if floor is not None and area]
    weights = cost_share.elevator_weights(usable, coefficients)
    shares = cost_share.split(plan.total_fen, weights) if any(weights.values()) else {}
    rows = [
        {
            "household_id": h,
            "room": room,
            "floor": floor,
            "area": area,
            "coefficient": plan.coefficients.get(str(floor), "—"),
            "share": yuan(shares.get(str(h), 0)),
        }
        for h, room, floor, area in households
    ]
    own: set[int] = set()
    if getattr(actor, "is_authenticated", False):
        persons = Person.objects.filter(account_id=actor.pk, community_id=topic.community_id)
        own = set(persons.values_list("household_id", flat=True)) | set(
            Ownership.objects.filter(person__in=persons).values_list("household_id", flat=True)
        )
    start = plan.publicity_starts_at
    end = lc.publicity_closes(start, plan.publicity_days) if start else None
    now = timezone.now()
    return ElevatorView(
        plan=plan,
        rows=rows,
        mine=[r for r in rows if r["household_id"] in own],
        publicity_start=start,
        publicity_end=end,
        publicity_open=bool(start and end and start <= now < end and topic.status in (Status.DECIDED,)),
        final=bool(end and now >= end),
        objections=list(Objection.objects.filter(topic=topic).select_related("author", "answered_by")),
        total_yuan=yuan(plan.total_fen),
    )


def objection_list(*, topic: Topic) -> QuerySet[Any]:
    from gongzhi.deliberation.models import Objection

    return Objection.objects.filter(topic=topic)


def elevator_form_floors(*, topic: Topic, plan: Any = None) -> list[tuple[int, str]]:
    """(floor, coefficient) for each floor of the unit, for the plan form: the saved plan's, else the community's
    table, else the default one (ground floor 0); a floor no table covers is left blank for staff to fill."""
    from gongzhi.rules import cost_share

    floors = (
        Household.objects.filter(community_id=topic.community_id, place_path__under=topic.place_path)
        .exclude(floor=None)
        .values_list("floor", flat=True)
        .distinct()
    )
    top = max([f for f in floors if f > 0], default=0)
    if plan is not None:
        table = {int(k): str(v) for k, v in plan.coefficients.items()}
    else:
        source = community_coefficients(topic.community_id) or cost_share.DEFAULT_ELEVATOR_COEFFICIENTS
        table = {f: str(c) for f, c in source.items()}
    return [(f, table.get(f, "")) for f in range(1, top + 1)]


def community_coefficients(community_id: int) -> dict[int, Decimal] | None:
    """The community's own floor-coefficient table, or None for the default of rules.cost_share."""
    from gongzhi.deliberation.models.topics import ElevatorCoefficients

    row = ElevatorCoefficients.objects.filter(community_id=community_id).first()
    return {int(k): Decimal(v) for k, v in row.coefficients.items()} if row else None


def proposable_places(*, actor: User, community: Place) -> list[Place]:
    """The actor's own places from the community down, where they may propose a topic (a resident: community →
    compound → building → unit)."""
    from gongzhi.deliberation.models import ancestor_paths

    paths: set[str] = set()
    for g in grants_allowing(actor, Action.TOPIC_PROPOSE):
        if g.community_id == community.pk and g.node_path:
            paths.update(p for p in ancestor_paths(g.node_path) if p.startswith(community.path))
        elif g.community_id == community.pk:
            paths.add(community.path)
    return places_by_paths(community=community, paths=sorted(paths))
