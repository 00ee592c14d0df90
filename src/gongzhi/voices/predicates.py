"""Who may act on a voice. Seeing a voice is `Voice.objects.visible_to`; these say whether a user who sees it may
act on it (otherwise 403). Every workflow service asks them, so the API, the admin and tasks cannot slip past."""

from __future__ import annotations

from typing import Any

from gongzhi.core.permissions import Action, role_allows
from gongzhi.core.scoping import grants_allowing, user_can_at
from gongzhi.voices.models import Voice, party_ids_of

__all__ = ["can_enter", "can_handle", "can_manage", "can_manage_community", "text_reveals"]


def can_manage(user: Any, voice: Voice) -> bool:
    """书记 and 社工 whose subtree holds the voice's place: routing, merging, promoting, rejecting."""
    return any(
        g.place_path and voice.place_path.startswith(g.place_path) for g in grants_allowing(user, Action.VOICE_MANAGE)
    )


def can_manage_community(user: Any, community: Any) -> bool:
    """Managing the community's own settings (custom statuses) needs a manage grant over the whole community."""
    return any(
        g.place_path and community.path.startswith(g.place_path) for g in grants_allowing(user, Action.VOICE_MANAGE)
    )


def can_handle(user: Any, voice: Voice) -> bool:
    """Managers; a member of the party the voice is assigned to (物业 handles only what is assigned to it); a grid
    worker whose grid holds the voice, or a building or group head whose place does."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_manage(user, voice):
        return True
    if voice.party_id and voice.party_id in party_ids_of(user):
        return user_can_at(user, Action.VOICE_HANDLE, community_id=voice.community_id, path=voice.place_path)
    for grant in grants_allowing(user, Action.VOICE_ENTER):
        if not role_allows(grant.role, Action.VOICE_HANDLE):
            continue
        if grant.grid_path is not None:
            if voice.grid_path and voice.grid_path.startswith(grant.grid_path):
                return True
        elif grant.place_path and voice.place_path.startswith(grant.place_path):
            return True
    return False


def can_enter(user: Any, community: Any) -> bool:
    """Entering a voice on a resident's behalf (hotline, counter, meeting) somewhere in the community."""
    return user_can_at(user, Action.VOICE_ENTER, community_id=community.pk, path=community.path)


def text_reveals(user: Any, voice: Voice) -> dict[str, bool]:
    """Which kinds of number typed into the voice's text a handler may see in full (a logged reveal): phones and ID
    numbers, by the role's reveal rights at the voice's place. Nobody else ever sees them (core/usertext.py)."""
    handler = can_handle(user, voice)
    return {
        kind: handler and user_can_at(user, action, community_id=voice.community_id, path=voice.place_path)
        for kind, action in (("phone", Action.REVEAL_PHONE), ("id_number", Action.REVEAL_ID_NUMBER))
    }
