"""团队共创 reads. The topic comes from topic_get (already scoped to the actor); each read here is a fixed number of
queries whatever the number of ideas, clusters or dots."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.deliberation.models import (
    ActionItem,
    ActionStatus,
    Cluster,
    CocreationSession,
    Dot,
    Idea,
    Procedure,
    Topic,
)
from gongzhi.rules import dot_vote

__all__ = [
    "Board",
    "ClusterView",
    "action_item_get",
    "action_plan_progress",
    "cluster_get",
    "cocreation_board",
    "cocreation_ranking",
    "cocreation_session",
    "idea_get",
]


def cocreation_session(*, topic: Topic) -> CocreationSession:
    """The saved settings, or the defaults (unsaved) when staff have not set any yet."""
    found: CocreationSession | None = CocreationSession.objects.filter(topic=topic).first()
    return found or CocreationSession(topic=topic, community_id=topic.community_id)


def cocreation_ranking(*, topic: Topic, session: CocreationSession) -> dict[str, Any]:
    """The ranking of the live dots now, in the shape frozen into topic.result at the decision."""
    clusters = list(
        Cluster.objects.filter(topic=topic).order_by("position", "id").values_list("id", "name", "position")
    )
    dots = list(Dot.objects.filter(topic=topic, withdrawn_at__isnull=True).values_list("participant_id", "cluster_id"))
    names = {c: name for c, name, _pos in clusters}
    ranked = dot_vote.rank(dot_vote.tally(dots, {c: pos for c, _name, pos in clusters}), session.top)
    return {
        "procedure": Procedure.COCREATION.value,
        "dots_per_person": session.dots_per_person,
        "max_per_cluster": session.max_per_cluster,
        "top": session.top,
        "participants": len({p for p, _c in dots}),
        "dots": len(dots),
        "ranking": [
            {
                "cluster": r.tally.cluster,
                "name": names[r.tally.cluster],
                "dots": r.tally.dots,
                "supporters": r.tally.supporters,
                "rank": r.rank,
                "top": r.top,
                "decided_by": r.decided_by,
            }
            for r in ranked
        ],
    }


@dataclass
class ClusterView:
    cluster: Cluster
    ideas: list[Idea] = field(default_factory=list)
    mine: int = 0  # the actor's live dots on it
    full: bool = False  # the actor may put no more dots on it


@dataclass
class Board:
    session: CocreationSession
    clusters: list[ClusterView]
    loose: list[Idea]  # ideas in no cluster (hidden ones included, shown as hidden)
    ideas: list[Idea]
    spent: int
    ranking: dict[str, Any] | None  # frozen at the decision, or live once the window has closed
    frozen: bool
    items: list[ActionItem]

    @property
    def left(self) -> int:
        return max(self.session.dots_per_person - self.spent, 0)

    @property
    def dot_range(self) -> list[bool]:
        """One flag per dot of the budget: spent (True) or still in hand, for the row of dots on the page."""
        return [i < self.spent for i in range(self.session.dots_per_person)]

    @property
    def visible_ideas(self) -> int:
        return sum(1 for i in self.ideas if not i.hidden)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.status == ActionStatus.DONE)

    @property
    def top_clusters(self) -> list[ClusterView]:
        top = {r["cluster"] for r in (self.ranking or {}).get("ranking", []) if r["top"]}
        return [c for c in self.clusters if c.cluster.pk in top]


def cocreation_board(*, actor: User, topic: Topic) -> Board:
    """Everything the panel and the staff pages show, in six queries: settings, clusters, ideas, the actor's
    dots, the live ranking (only between the close of the window and the decision), and the action plan."""
    session = cocreation_session(topic=topic)
    clusters = [ClusterView(c) for c in Cluster.objects.filter(topic=topic).order_by("position", "id")]
    by_id = {c.cluster.pk: c for c in clusters}
    ideas = list(Idea.objects.filter(topic=topic).select_related("author").order_by("created_at", "id"))
    loose = []
    for idea in ideas:
        home = by_id.get(idea.cluster_id or 0)
        if home is None:
            loose.append(idea)
        else:
            home.ideas.append(idea)
    mine: Counter[int] = Counter()
    if getattr(actor, "is_authenticated", False):
        mine.update(
            Dot.objects.filter(topic=topic, participant_id=actor.pk, withdrawn_at__isnull=True).values_list(
                "cluster_id", flat=True
            )
        )
    spent = sum(mine.values())
    for view in clusters:
        view.mine = mine[view.cluster.pk]
        view.full = (
            dot_vote.spend_refusal(
                dots_per_person=session.dots_per_person,
                max_per_cluster=session.max_per_cluster,
                spent=spent,
                spent_on_cluster=view.mine,
            )
            is not None
        )
    frozen = bool(topic.result and topic.result.get("procedure") == Procedure.COCREATION)
    ranking: dict[str, Any] | None = topic.result if frozen else None
    closed = topic.voting_closes_at is not None and timezone.now() >= topic.voting_closes_at
    if ranking is None and topic.status == "voting" and closed:
        ranking = cocreation_ranking(topic=topic, session=session)
    items = list(ActionItem.objects.filter(topic=topic).select_related("cluster").order_by("due", "id"))
    return Board(session, clusters, loose, ideas, spent, ranking, frozen, items)


def cluster_get(*, topic: Topic, cluster_id: Any) -> Cluster:
    found: Cluster | None = (
        Cluster.objects.filter(topic=topic, pk=cluster_id).select_related("topic").first()
        if str(cluster_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound()
    return found


def idea_get(*, topic: Topic, idea_id: Any) -> Idea:
    found: Idea | None = (
        Idea.objects.filter(topic=topic, pk=idea_id).select_related("topic").first() if str(idea_id).isdigit() else None
    )
    if found is None:
        raise NotFound()
    return found


def action_item_get(*, topic: Topic, item_id: Any) -> ActionItem:
    found: ActionItem | None = (
        ActionItem.objects.filter(topic=topic, pk=item_id).select_related("topic").first()
        if str(item_id).isdigit()
        else None
    )
    if found is None:
        raise NotFound()
    return found


def action_plan_progress(*, topic_ids: list[int]) -> dict[int, tuple[int, int]]:
    """topic id → (actions done, actions in the plan), for the public report of many topics in one query. The
    plan is public once decided: callers pass topics they already show."""
    rows = (
        ActionItem.objects.filter(topic_id__in=topic_ids)
        .values("topic_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(status=ActionStatus.DONE)))
        .order_by()
    )
    return {r["topic_id"]: (r["done"], r["total"]) for r in rows}
