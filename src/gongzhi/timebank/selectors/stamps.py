"""Reads of the stamp trail: trails are public to everyone with a role in the community, each with the actor's
own open card; posters (their tokens) are for staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.places.models import Place
from gongzhi.timebank.models.stamps import StampCard, StampPoint, StampTrail
from gongzhi.timebank.predicates import can_run_stamps, require_member

__all__ = [
    "TrailProgress",
    "point_by_token",
    "point_get",
    "points_by_trail",
    "trail_get",
    "trail_list",
    "trail_points",
]


@dataclass
class TrailProgress:
    trail: StampTrail
    card: StampCard | None  # the actor's open card
    completed: int  # the actor's full cards on the trail
    points: list[StampPoint] = field(default_factory=list)  # filled for staff

    @property
    def stamps(self) -> int:
        return self.card.stamp_count if self.card else 0

    @property
    def percent(self) -> int:
        return min(100, self.stamps * 100 // max(self.trail.stamps_required, 1))


def trail_list(*, actor: User, community: Place) -> list[TrailProgress]:
    """Active trails first, newest first, each with the actor's open card and count of full cards: two queries."""
    require_member(actor, community)
    trails = list(
        StampTrail.objects.filter(community=community)
        .annotate(point_count=Count("points_of_trail", filter=Q(points_of_trail__is_active=True)))
        .order_by("-is_active", "-starts_on", "-id")
    )
    cards: dict[int, StampCard] = {}
    completed: dict[int, int] = {}
    for card in StampCard.objects.filter(community=community, person__account_id=actor.pk).only(
        "id", "trail_id", "number", "stamp_count", "completed_at"
    ):
        if card.completed_at is None:
            cards[card.trail_id] = card
        else:
            completed[card.trail_id] = completed.get(card.trail_id, 0) + 1
    return [TrailProgress(t, cards.get(t.pk), completed.get(t.pk, 0)) for t in trails]


def trail_get(*, actor: User, community: Place, id: int) -> StampTrail:
    require_member(actor, community)
    trail: StampTrail | None = StampTrail.objects.filter(community=community, pk=id).select_related("community").first()
    if trail is None:
        raise NotFound()
    return trail


def trail_points(*, actor: User, trail: StampTrail) -> QuerySet[StampPoint]:
    """A trail's service points with their places (staff: the tokens print on posters)."""
    community: Place = trail.community
    require_member(actor, community)
    if not can_run_stamps(actor, community):
        raise PermissionDenied()
    return StampPoint.objects.filter(trail=trail).select_related("place").order_by("id")


def point_get(*, actor: User, community: Place, id: int) -> StampPoint:
    """One service point for its poster (staff)."""
    require_member(actor, community)
    if not can_run_stamps(actor, community):
        raise PermissionDenied()
    point: StampPoint | None = (
        StampPoint.objects.filter(community=community, pk=id).select_related("trail", "place").first()
    )
    if point is None:
        raise NotFound()
    return point


def point_by_token(*, actor: User, community: Place, token: str) -> StampPoint:
    """The service point a poster's QR names, in the community of the URL; an unknown token is a 404."""
    require_member(actor, community)
    point: StampPoint | None = (
        StampPoint.objects.filter(community=community, token=str(token)[:40]).select_related("trail", "place").first()
    )
    if point is None:
        raise NotFound()
    return point


def points_by_trail(*, actor: User, community: Place) -> dict[int, list[StampPoint]]:
    """Every service point of the community, by trail (staff), in one query."""
    require_member(actor, community)
    if not can_run_stamps(actor, community):
        raise PermissionDenied()
    out: dict[int, list[StampPoint]] = {}
    for point in StampPoint.objects.filter(community=community).select_related("place").order_by("id"):
        out.setdefault(point.trail_id, []).append(point)
    return out
