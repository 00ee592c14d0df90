"""`{% load voices_public %}{% public_voices community %}`: the latest public voices on the community's public page,
and the `voice_status` filter that names a status, built-in or the community's own. (Free text is masked by the
built-in `masked` filters, core/templatetags/usertext.py.)"""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.voices.models import EventKind, status_label
from gongzhi.voices.selectors.voices import custom_status_names
from gongzhi.voices.selectors.voices import public_voices as select_public_voices

register = template.Library()

PANEL_SIZE = 20
REPLY_KINDS = frozenset({EventKind.REPLIED, EventKind.CLOSED, EventKind.REJECTED, EventKind.STATUS})


@register.filter
def voice_status(code: str, custom: dict[str, str] | None = None) -> str:
    return status_label(code, custom)


@register.inclusion_tag("voices/residents_public_tag.html")
def public_voices(community: Any) -> dict[str, Any]:
    """The 20 newest public voices with their latest reply; no identity (the selector carries none)."""
    voices = list(select_public_voices(community=community)[:PANEL_SIZE])
    for voice in voices:
        # `public_events` is the selector's prefetch; `last_reply` is what the panel shows beside the status.
        replies = [e for e in getattr(voice, "public_events", []) if e.kind in REPLY_KINDS and e.body]
        setattr(voice, "last_reply", replies[-1] if replies else None)  # noqa: B010
    custom = custom_status_names(community=community)
    return {"community": community, "voices": voices, "custom": custom}
