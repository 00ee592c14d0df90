"""Permission questions on places, grids and households, and on the figures of a community or street.

Built on `core.scoping`; `actor None` (the system: migrations, tasks) is the services' business, not a predicate's."""

from __future__ import annotations

from gongzhi.core.models import Viewer
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing, user_can, user_can_at
from gongzhi.places.models import Place


def can_change_place(user: Viewer, place: Place) -> bool:
    """Whether a role that may change places reaches this node (its community, a street above, or the node)."""
    return Place.objects.restrict(user, Action.PLACE_CHANGE).filter(pk=place.pk).exists()


def can_view_aggregates(user: Viewer, community: Place) -> bool:
    """Whole-community counts without rows (street staff see a community's shape, never its residents)."""
    return user_can(user, Action.COMMUNITY_AGGREGATES, community)


def can_view_aggregates_at(user: Viewer, place: Place) -> bool:
    """The same, for any node of a community."""
    return user_can_at(user, Action.COMMUNITY_AGGREGATES, community_id=place.community_id, path=place.path)


def can_view_street(user: Viewer, street_id: int) -> bool:
    """Whether the user holds a street-level role on this street (its figures page)."""
    return any(
        g.community_id is None and g.place_id == street_id for g in grants_allowing(user, Action.COMMUNITY_AGGREGATES)
    )


def street_ids(user: Viewer) -> list[int | None]:
    """The streets whose figures the user may read (the home page's street links)."""
    return [g.place_id for g in grants_allowing(user, Action.COMMUNITY_AGGREGATES) if not g.community_id]


def can_view_places_anywhere(user: Viewer) -> bool:
    """Whether some role of the user reaches a place at all (the home page lists communities only then)."""
    return bool(grants_allowing(user, Action.PLACE_VIEW))
