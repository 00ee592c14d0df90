"""`{% load timebank_public %}{% public_timebank community %}`: the time bank's figures on the community's public
page (volunteers, Party-member volunteers, people served, hours, self-organizations, cards by type). Aggregates
only, for anyone (anonymous too), from the cached figures: the same few queries whatever the data size."""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.timebank.selectors.stats import public_timebank_figures

register = template.Library()


@register.inclusion_tag("timebank/public_stats.html")
def public_timebank(community: Any) -> dict[str, Any]:
    return {"community": community, "figures": public_timebank_figures(community=community)}
