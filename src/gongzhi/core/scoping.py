"""Row scoping: every community-owned query starts from `visible_to(user)` or `restrict(user, action)`.

A user's grants (role on a node) are loaded once per request. Each grant becomes a Q on the model's
scope fields; the union of the grants whose role allows the action is what the user may touch.
No grant means `.none()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models
from django.db.models import Q

from gongzhi.core.permissions import Action, role_allows

if TYPE_CHECKING:
    from gongzhi.core.models import User, Viewer
    from gongzhi.places.models import Place


@dataclass(frozen=True)
class Grant:
    role: str
    community_id: int | None
    place_id: int | None
    place_path: str | None
    grid_path: str | None
    household_id: int | None
    household_path: str | None = None

    @property
    def node_path(self) -> str | None:
        """The path of the place the role sits on (a household's is its unit's)."""
        return self.place_path or self.household_path

    @property
    def whole_community(self) -> bool:
        return self.place_id is not None and self.place_id == self.community_id


def grants_for(user: Viewer | None) -> tuple[Grant, ...]:
    if user is None or not user.is_authenticated:
        return ()
    cached: tuple[Grant, ...] | None = getattr(user, "_gongzhi_grants", None)
    if cached is None:
        # Through the user's reverse relation, not the RoleAssignment model: core.models builds on this module.
        rows = user.role_assignments.values_list(
            "role", "community_id", "place_id", "place__path", "grid__path", "household_id", "household__place_path"
        )
        cached = tuple(Grant(*row) for row in rows)
        user.__dict__["_gongzhi_grants"] = cached  # memoized for the request, as forget_grants expects
    return cached


def forget_grants(user: User) -> None:
    user.__dict__.pop("_gongzhi_grants", None)
    user.__dict__.pop("_gongzhi_communities", None)


def belongs_to(user: Viewer | None, community_id: int | None) -> bool:
    """Whether the user holds a role inside this community (its staff, field roles, parties and residents), as
    opposed to above it: street staff get figures, and on the pages they may open, no one's name in full."""
    return community_id is not None and any(g.community_id == community_id for g in grants_for(user))


def grants_allowing(user: Viewer | None, action: Action | str) -> list[Grant]:
    return [g for g in grants_for(user) if role_allows(g.role, Action(action))]


def user_can(user: Viewer | None, action: Action | str, community: Place) -> bool:
    """Whether some grant for the action reaches this community (street grants reach their communities)."""
    return user_can_at(user, action, community_id=community.pk, path=community.path)


def user_can_at(user: Viewer | None, action: Action | str, *, community_id: int | None, path: str) -> bool:
    """The same, for any node of the community given by its community id and its own path."""
    for grant in grants_allowing(user, action):
        if community_id is not None and grant.community_id == community_id:
            return True
        if grant.community_id is None and grant.place_path and path.startswith(grant.place_path):
            return True
    return False


class ScopedQuerySet(models.QuerySet[Any]):
    def restrict(self, user: Viewer | None, action: Action | str) -> Self:
        combined: Q | None = None
        for grant in grants_allowing(user, action):
            q = grant_q(self.model, grant)
            if q is not None:
                combined = q if combined is None else combined | q
        return self.none() if combined is None else self.filter(combined)

    def visible_to(self, user: Viewer | None) -> Self:
        return self.restrict(user, self.model.view_action)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def grant_q(model: Any, grant: Grant) -> Q | None:
    place_field: str | None = getattr(model, "scope_place_path", None)
    grid_field: str | None = getattr(model, "scope_grid_path", None)
    household_field: str | None = getattr(model, "scope_household", None)
    if grant.household_id is not None:
        return Q(**{household_field: grant.household_id}) if household_field else None
    if grant.grid_path is not None:
        return Q(**{f"{grid_field}__under": grant.grid_path}) if grid_field else None
    if grant.place_path is None:
        return None
    if place_field:
        return Q(**{f"{place_field}__under": grant.place_path})
    if grant.community_id is None:  # a street-level grant reaches its communities
        return Q(community__path__under=grant.place_path)
    if grant.whole_community:
        return Q(community_id=grant.community_id)
    return None


class CommunityOwned(models.Model):
    """Base of every row that belongs to a community: carries community_id and the scoped manager."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    view_action: ClassVar[str] = Action.PLACE_VIEW
    scope_place_path: ClassVar[str | None] = None
    scope_grid_path: ClassVar[str | None] = None
    scope_household: ClassVar[str | None] = None

    class Meta:
        abstract = True
