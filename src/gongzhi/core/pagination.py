"""Pagination whose COUNT(*) is cached until the community's next write (a 30,000-row count on every page view)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from gongzhi.core.audit import data_version
from gongzhi.core.scoping import grants_for

if TYPE_CHECKING:
    from gongzhi.core.models import User


def count_key(*, actor: User, community_id: int, filters: str) -> str:
    scope = hashlib.sha1(repr((grants_for(actor), filters)).encode(), usedforsecurity=False).hexdigest()[:20]
    return f"gongzhi:count:{community_id}:{scope}:{data_version(community_id)}"


class CachedCountPaginator(Paginator):  # type: ignore[type-arg]
    def __init__(self, object_list: Any, per_page: int, *, key: str) -> None:
        super().__init__(object_list, per_page)
        self.key = key

    @cached_property
    def count(self) -> int:
        found = cache.get(self.key)
        if found is None:
            found = super().count
            cache.set(self.key, found, 300)
        return int(found)
