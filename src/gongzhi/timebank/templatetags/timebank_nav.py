"""`{% timebank_nav community "current" %}`: the time bank's sub-navigation, showing each part the user may use."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can

register = template.Library()

# (key, url name, label, action needed or None for every member of the community)
LINKS: list[tuple[str, str, Any, Action | None]] = [
    ("home", "timebank:home", _("我的积分"), None),
    ("activities", "timebank:activity_list", _("志愿活动"), None),
    ("exchange", "timebank:exchange_list", _("邻里互助"), None),
    ("catalogue", "timebank:catalogue", _("积分兑换"), None),
    ("stamps", "timebank:stamp_list", _("公益集章"), None),
    ("skills", "timebank:skill_list", _("技能培训"), None),
    ("record", "timebank:my_record", _("服务记录"), None),
    ("volunteers", "timebank:volunteer_list", _("志愿者"), Action.TIMEBANK_VOLUNTEERS),
    ("accounts", "timebank:accounts", _("账户管理"), Action.TIMEBANK_ACCOUNTS),
    ("stats", "timebank:stats", _("统计"), Action.TIMEBANK_STATS),
]
# Street pages, reached from a community of the street (their url takes the street's id).
STREET_LINKS: list[tuple[str, str, Any, Action]] = [
    ("settlement", "timebank:street_settlement", _("通存通兑结算"), Action.TIMEBANK_SETTLEMENT),
]


@register.inclusion_tag("timebank/_nav.html", takes_context=True)
def timebank_nav(context: dict[str, Any], community: Any, current: str = "") -> dict[str, Any]:
    user = context["request"].user
    links = []
    for key, name, label, action in LINKS:
        if action is not None and not user_can(user, action, community):
            continue
        try:
            url = reverse(name, args=[community.pk])
        except NoReverseMatch:  # a part not built yet
            continue
        links.append({"key": key, "url": url, "label": label, "active": key == current})
    street_id = getattr(community, "parent_id", None)
    for key, name, label, street_action in STREET_LINKS:
        if street_id is None or not user_can(user, street_action, community):
            continue
        url = reverse(name, args=[street_id])
        links.append({"key": key, "url": url, "label": label, "active": key == current})
    return {"links": links}
