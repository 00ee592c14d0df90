"""The steps voices services share on a voice: locking it, checking who may act, appending to its timeline, telling
its followers, and cleaning the text they take."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, PermissionDenied, PhaseClosed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    OPEN_STATUSES,
    TEXT_MAX,
    CustomStatus,
    EventKind,
    Party,
    Status,
    Voice,
    VoiceEvent,
    VoiceFollower,
    party_ids_of,
)
from gongzhi.voices.predicates import can_handle, can_manage


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
    actor: User | None,
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


# --- the steps the workflow services share -------------------------------------------------------------------

REASON_MAX = 200


def voice_visible_or_404(actor: User, voice: Voice) -> None:
    if not Voice.objects.visible_to(actor).filter(pk=voice.pk).exists():
        raise NotFound()


def voice_lock_for(actor: User, voice: Voice | int, *, manage: bool = False) -> Voice:
    """Locks the voice, then: invisible → 404; visible but not the actor's to handle (or manage) → 403."""
    locked = voice_lock(voice)
    voice_visible_or_404(actor, locked)
    if manage:
        if not can_manage(actor, locked):
            raise PermissionDenied(_("只有社区书记或社工可以进行此操作"))
    elif not can_handle(actor, locked):
        raise PermissionDenied(_("该诉求不由您办理"))
    return locked


def voice_require_open(voice: Voice) -> None:
    if voice.status == Status.MERGED or voice.merged_into_id:
        raise PhaseClosed(
            _("该诉求已合并到 #%(id)s，请在合并后的诉求上办理") % {"id": voice.merged_into_id},
            code=Code.VOICE_MERGED,
            extra={"into": voice.merged_into_id},
        )
    if not voice.is_open:
        raise PhaseClosed(_("该诉求已办结，不能再进行此操作"), code=Code.VOICE_CLOSED)


def voice_actor_label(actor: User, voice: Voice) -> str:
    """The public name of who acted: their party on this voice, another party of theirs, or 社区工作人员 — never a
    person's name."""
    ids = party_ids_of(actor) if getattr(actor, "is_authenticated", False) else []
    if voice.party_id and voice.party_id in ids:
        return str(Party.objects.filter(pk=voice.party_id).values_list("name", flat=True).first() or "")
    if ids:
        name = Party.objects.filter(pk__in=ids, community_id=voice.community_id).values_list("name", flat=True).first()
        if name:
            return str(name)
    return _("社区工作人员")


def text_required(value: str, *, label: str, field: str, required: str, code: str, max_length: int = TEXT_MAX) -> str:
    return clean_or_fail(value, label=label, max_length=max_length, field=field, required=required, required_code=code)


def text_optional(value: str, *, label: str, field: str, max_length: int = TEXT_MAX) -> str:
    return clean_or_fail(value, label=label, max_length=max_length, field=field)


def voices_reindex(*voice_ids: int) -> None:
    def run() -> None:
        from gongzhi.voices.similarity import index_voice_changed

        for voice_id in voice_ids:
            index_voice_changed(voice_id=voice_id)

    transaction.on_commit(run)
