"""`{% topic_voices topic %}`: on a 议事厅 topic page, the resident voices it was promoted from (the other way of
the link). Everyone sees how many voices and people it came from; each voice only those who may see it."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Sum

from gongzhi.voices.models import CustomStatus, Voice, status_label
from gongzhi.voices.predicates import can_handle

register = template.Library()


@register.inclusion_tag("voices/inbox_topic_voices.html", takes_context=True)
def topic_voices(context: Any, topic: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    totals = Voice.objects.filter(topic_id=topic.pk).aggregate(n=Count("id"), support=Sum("support_count"))
    shown: list[dict[str, Any]] = []
    if totals["n"]:
        custom = dict(CustomStatus.objects.filter(community_id=topic.community_id).values_list("code", "name"))
        shown = [
            {
                "pk": voice.pk,
                "summary": voice.summary,
                "status_name": status_label(voice.status, custom),
                "handles": can_handle(user, voice),
            }
            for voice in Voice.objects.visible_to(user).filter(topic_id=topic.pk).order_by("id")
        ]
    return {
        "community_id": topic.community_id,
        "total": totals["n"] or 0,
        "support": totals["support"] or 0,
        "shown": shown,
    }
