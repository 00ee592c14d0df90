"""Who may act on a voice. Seeing a voice is `Voice.objects.visible_to`; these say whether a user who sees it may
act on it (otherwise 403). Every workflow service asks them, so the API, the admin and tasks cannot slip past."""

from __future__ import annotations

from gongzhi.core.models import User, Viewer
from gongzhi.core.permissions import Action, role_allows
from gongzhi.core.scoping import grants_allowing, grants_for, user_can, user_can_at
from gongzhi.places.models import Place
from gongzhi.voices.models import Party, Survey, Voice, party_ids_of

__all__ = [
    "can_close_survey",
    "can_configure",
    "can_edit_calendar",
    "can_enter",
    "can_enter_at",
    "can_handle",
    "can_manage",
    "can_manage_community",
    "can_organize_survey",
    "can_read_calendar",
    "can_reveal_phone",
    "can_submit",
    "can_submit_at",
    "can_work_surveys",
    "has_inbox",
    "text_reveals",
    "works_voices_in",
]


def can_manage(user: Viewer, voice: Voice) -> bool:
    """书记 and 社工 whose subtree holds the voice's place: routing, merging, promoting, rejecting."""
    return any(
        g.place_path and voice.place_path.startswith(g.place_path) for g in grants_allowing(user, Action.VOICE_MANAGE)
    )


def can_manage_community(user: Viewer, community: Place) -> bool:
    """Managing the community's own settings (custom statuses) needs a manage grant over the whole community."""
    return any(
        g.place_path and community.path.startswith(g.place_path) for g in grants_allowing(user, Action.VOICE_MANAGE)
    )


def can_handle(user: Viewer, voice: Voice) -> bool:
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


def can_enter(user: Viewer, community: Place) -> bool:
    """Entering a voice on a resident's behalf (hotline, counter, meeting) somewhere in the community."""
    return user_can_at(user, Action.VOICE_ENTER, community_id=community.pk, path=community.path)


def text_reveals(user: Viewer, voice: Voice) -> dict[str, bool]:
    """Which kinds of number typed into the voice's text a handler may see in full (a logged reveal): phones and ID
    numbers, by the role's reveal rights at the voice's place. Nobody else ever sees them (core/usertext.py)."""
    handler = can_handle(user, voice)
    return {
        kind: handler and user_can_at(user, action, community_id=voice.community_id, path=voice.place_path)
        for kind, action in (("phone", Action.REVEAL_PHONE), ("id_number", Action.REVEAL_ID_NUMBER))
    }


def can_reveal_phone(user: Viewer, voice: Voice) -> bool:
    """Whether the role may reveal a phone number at the voice's place (not 物业); the caller also asks
    `can_handle`."""
    return user_can_at(user, Action.REVEAL_PHONE, community_id=voice.community_id, path=voice.place_path)


def can_submit(user: Viewer, community: Place) -> bool:
    """A resident of the community (or staff with the resident's right) may report a voice there."""
    return user_can(user, Action.VOICE_SUBMIT, community)


def can_submit_at(user: Viewer | None, *, community_id: int, path: str) -> bool:
    """Reporting (or "me too") at one place of the community: VOICE_SUBMIT over that place."""
    return user_can_at(user, Action.VOICE_SUBMIT, community_id=community_id, path=path)


def can_enter_at(user: Viewer | None, *, community_id: int, path: str) -> bool:
    """Entering a voice on a resident's behalf at one place: VOICE_ENTER over that place."""
    return user_can_at(user, Action.VOICE_ENTER, community_id=community_id, path=path)


def can_configure(user: Viewer, community: Place) -> bool:
    """Editing the community's routing table, parties, categories and Open311 keys (书记, 社工): VOICE_MANAGE."""
    return user_can(user, Action.VOICE_MANAGE, community)


def can_edit_calendar(user: Viewer) -> bool:
    """The holiday calendar is deployment-wide: superusers only."""
    return bool(getattr(user, "is_superuser", False))


def can_read_calendar(user: User) -> bool:
    """Superusers and anyone who handles voices somewhere (deadlines depend on the calendar)."""
    return bool(user.is_superuser or grants_allowing(user, Action.VOICE_HANDLE))


def can_organize_survey(user: Viewer, place: Place) -> bool:
    """Opening and running 双找 surveys over a place: VOICE_MANAGE over it (the caller has made sure it is seen)."""
    return Place.objects.restrict(user, Action.VOICE_MANAGE).filter(pk=place.pk).exists()


def can_close_survey(user: Viewer, survey: Survey) -> bool:
    """Closing a survey: VOICE_MANAGE over its place."""
    return Place.objects.restrict(user, Action.VOICE_MANAGE).filter(pk=survey.place_id).exists()


def can_work_surveys(user: Viewer, community: Place) -> bool:
    """The survey pages: visitors (SURVEY_VISIT) and the staff who organise them (VOICE_MANAGE)."""
    return user_can(user, Action.SURVEY_VISIT, community) or user_can(user, Action.VOICE_MANAGE, community)


def has_inbox(user: Viewer, community: Place) -> bool:
    """Whether the user has an inbox in this community: some handling grant here, or a party of it."""
    for grant in grants_for(user):
        if not role_allows(grant.role, Action.VOICE_HANDLE):
            continue
        if grant.community_id == community.pk:
            if role_allows(grant.role, Action.VOICE_ENTER) or role_allows(grant.role, Action.VOICE_MANAGE):
                return True
            if Party.objects.filter(community_id=community.pk, pk__in=party_ids_of(user)).exists():
                return True
    return False


def works_voices_in(user: Viewer, community: Place) -> bool:
    """Whether the user works voices in this community (their 社情民意 home is the inbox): a handling role here, or
    a member of one of its parties."""
    for grant in grants_allowing(user, Action.VOICE_HANDLE):
        if grant.community_id == community.pk or (
            grant.community_id is None and grant.place_path and community.path.startswith(grant.place_path)
        ):
            return True
    return bool(party_ids_of(user)) and any(
        g.community_id == community.pk or g.community_id is None for g in grants_for(user)
    )
