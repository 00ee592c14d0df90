"""Permission questions that belong to no single domain app: roles, the admin, audit, accounts and API tokens.

The mechanism stays in `core.scoping` (a user's grants, `user_can` for any `Action` at a community or any node of
it): every app's own predicates are built on it. This module names the questions `core` itself answers, so its
services and views ask a name and not an `Action`. Plain functions, no django-rules: a predicate here is one
`user_can` call or one comparison, and django-rules would add a registry without removing a line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongzhi.core.models import Viewer
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import belongs_to, grants_allowing, user_can

if TYPE_CHECKING:
    from gongzhi.core.models import ApiToken, User
    from gongzhi.places.models import Place


def in_community(user: Viewer, community_id: int | None) -> bool:
    """Whether the user holds a role inside the community (staff, field roles, parties, residents), not above it."""
    return belongs_to(user, community_id)


def can_admin(user: Viewer, community: Place) -> bool:
    """Community administration: roles, tags, settings (`Action.ADMIN` reaching the community)."""
    return user_can(user, Action.ADMIN, community)


def can_admin_anywhere(user: Viewer) -> bool:
    """Whether some role of the user administers a community (what the Django admin's gate asks)."""
    return bool(grants_allowing(user, Action.ADMIN))


def can_view_audit_anywhere(user: Viewer) -> bool:
    """Whether some role of the user may read an audit log (the admin's audit list)."""
    return bool(grants_allowing(user, Action.AUDIT_VIEW))


def audit_community_ids(user: Viewer) -> set[int]:
    """The communities whose audit log the user may read."""
    return {g.community_id for g in grants_allowing(user, Action.AUDIT_VIEW) if g.community_id}


def can_assign_role(user: User, community: Place | None) -> bool:
    """A role is given inside a community by its administrators only (a node outside any community: no one)."""
    return community is not None and can_admin(user, community)


def can_manage_tokens_of(user: User, owner: User) -> bool:
    """API tokens are personal: only their account issues and revokes them (the system acts with actor None)."""
    return user.pk == owner.pk


def can_revoke_token(user: User, token: ApiToken) -> bool:
    """The token's own account may revoke it."""
    return user.pk == token.user_id
