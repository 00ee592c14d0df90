"""The world every matrix case runs in: the demo street (a small 瀝雄), loaded once per module, with one login per
role in each community the cases use and the few rows the demo does not make (a notification, an import job, a
correction request, an Open311 key, a volunteer's proof, a voice photo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.places.models import Place

# The actors of a case. "other" is the secretary of 秦巷村, another community of the same street; "street" is street
# staff over the whole street; the others hold their role in the case's community (东环路 unless a case says 瀝雄).
ACTORS = (
    "secretary",
    "social_worker",
    "grid_worker",
    "building_head",
    "property",
    "volunteer",
    "resident",
    "street",
    "other",
    "other_street",  # street staff of another street, the "another community" of the street's own pages
    "owner",  # an owner of record of 东环路, who may vote on the open owners' vote
    "exchange_party",  # the helper of an agreed exchange of 东环路, who may call it off
)


@dataclass
class World:
    street: Place
    communities: dict[str, Place]  # "dh" 东环路社区, "lx" 瀝雄社区, "yx" 杨西园村, "qx" 秦巷村
    users: dict[tuple[str, str], User]  # (community key, actor) → user
    objects: dict[str, Any] = field(default_factory=dict)  # named rows built for the cases

    def c(self, key: str = "dh") -> int:
        return self.communities[key].pk

    def user(self, community: str, actor: str) -> User:
        return self.users[(community, actor)]

    def pk(self, name: str) -> int:
        obj = self.objects[name]
        return obj.pk if isinstance(obj, Model) else int(obj)


ROLE_OF = {
    "secretary": Role.SECRETARY,
    "social_worker": Role.SOCIAL_WORKER,
    "grid_worker": Role.GRID_WORKER,
    "building_head": Role.BUILDING_HEAD,
    "property": Role.PROPERTY,
    "volunteer": Role.VOLUNTEER,
    "resident": Role.RESIDENT,
}
