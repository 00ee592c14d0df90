"""`{% topic_voices topic %}`: on a 议事厅 topic page, the resident voices it was promoted from (the other way of
the link). Everyone sees how many voices and people it came from; each voice only those who may see it."""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.voices.models import status_label
from gongzhi.voices.predicates import can_handle
from gongzhi.voices.selectors import inbox as selectors

register = template.Library()


@register.inclusion_tag("voices/inbox_topic_voices.html", takes_context=True)
def topic_voices(context: Any, topic: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    total, support, voices = selectors.topic_voices(actor=user, topic=topic)
    custom = selectors.custom_status_names(community_id=topic.community_id) if total else {}
    shown = [
        {
            "pk": voice.pk,
            "summary": voice.summary,
            "status_name": status_label(voice.status, custom),
            "handles": can_handle(user, voice),
        }
        for voice in voices
    ]
    return {
        "community_id": topic.community_id,
        "total": total,
        "support": support,
        "shown": shown,
    }
