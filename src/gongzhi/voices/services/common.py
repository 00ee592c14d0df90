"""What every voices service shares: locking a voice, appending to its timeline, telling its followers."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound
from gongzhi.voices.models import OPEN_STATUSES, CustomStatus, EventKind, Voice, VoiceEvent, VoiceFollower


def voice_lock(voice: Voice | int) -> Voice:
    """The voice row locked FOR UPDATE for the rest of the caller's transaction (every state change takes it)."""
    pk = voice if isinstance(voice, int) else voice.pk
    try:
        locked: Voice = Voice.objects.select_for_update().get(pk=pk)
        return locked
    except Voice.DoesNotExist as exc:
        raise NotFound() from exc


def status_is_open(community_id: int, code: str) -> bool | None:
    """Whether a status counts as open: built-in ones by their type, custom ones by theirs; None if unknown."""
    if code in OPEN_STATUSES:
        return True
    if code in ("resolved", "rejected", "merged"):
        return False
    row = CustomStatus.objects.filter(community_id=community_id, code=code).values_list("is_open", flat=True).first()
    return row


def event_append(
    *,
    voice: Voice,
    kind: EventKind | str,
    actor: Any,
    body: str = "",
    is_public: bool = True,
    from_status: str = "",
    to_status: str = "",
    party: Any = None,
    actor_label: str = "",
    at: Any = None,
) -> VoiceEvent:
    """Appends one timeline entry. The public label is the party or role, never a person's name."""
    return VoiceEvent.objects.create(
        community_id=voice.community_id,
        voice=voice,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label,
        body=body,
        is_public=is_public,
        from_status=from_status,
        to_status=to_status,
        party=party,
        created_at=at or timezone.now(),
    )


def follower_ids(voice: Voice) -> list[int]:
    """The users told of the voice's progress: its reporter, "me too"s and merged duplicates' reporters."""
    ids = set(VoiceFollower.objects.filter(voice=voice).values_list("user_id", flat=True))
    if voice.reporter_id:
        ids.add(voice.reporter_id)
    return sorted(ids)


def followers_notify(*, voice: Voice, title: str, body: str = "", kind: str = "voice.update") -> None:
    from gongzhi.notifications.services import notify

    notify(
        users=follower_ids(voice),
        community_id=voice.community_id,
        kind=kind,
        title=title,
        body=body,
        url=f"/c/{voice.community_id}/voices/{voice.pk}/",
    )


def voice_title(voice: Voice) -> str:
    return _("您反映的问题 #%(id)s") % {"id": voice.pk}
