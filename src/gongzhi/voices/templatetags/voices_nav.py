"""`{% load voices_nav %}{% voices_nav community "inbox" %}`: the 社情民意 pages a user may open, as one row of links.

Built from the user's grants, which the request has already loaded, so it adds no query to a page."""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can

register = template.Library()


@register.inclusion_tag("voices/_nav.html", takes_context=True)
def voices_nav(context: dict[str, Any], community: Any, current: str = "") -> dict[str, Any]:
    user = context["request"].user
    can = {
        "handle": user_can(user, Action.VOICE_HANDLE, community),
        "enter": user_can(user, Action.VOICE_ENTER, community),
        "survey": user_can(user, Action.SURVEY_VISIT, community),
        "stats": user_can(user, Action.VOICE_STATS, community),
        "manage": user_can(user, Action.VOICE_MANAGE, community),
        "submit": user_can(user, Action.VOICE_SUBMIT, community),
    }
    return {"community": community, "current": current, "can": can}
