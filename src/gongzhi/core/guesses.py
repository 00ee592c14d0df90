"""A limit on wrong guesses of a short code (a volunteer's 6 digits, a 核销 code) per person, so that a million
codes cannot be tried one after another by whoever is allowed to type one.

The count lives in the cache, not in a table: a wrong code rolls back the service's transaction, and a row counting
it would roll back with it. With the default per-process LocMemCache each server process counts on its own; a
shared cache in CACHES (production) makes it one count."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise

from gongzhi.core.errors import Throttled

if TYPE_CHECKING:
    from gongzhi.core.models import User

__all__ = ["GuessLimit"]


@dataclass(frozen=True)
class GuessLimit:
    """At most `limit` wrong guesses per actor in `window`, counted from the first of them. `message` is formatted
    with `minutes` (the window's length) when the limit is reached."""

    name: str
    limit: int
    window: datetime.timedelta
    message: str | Promise

    def _key(self, actor: User) -> str:
        return f"gongzhi:guesses:{self.name}:{actor.pk}"

    def _open(self, since: float | None) -> bool:
        """Whether the window that opened at `since` is still open by the app's clock. The cache's own expiry runs
        on its server's clock (Redis), which is right in production but not the clock the rest of the app reads;
        keeping the opening time makes the window end when `timezone.now()` says so, and the expiry is a backstop."""
        return since is not None and timezone.now().timestamp() - since < self.window.total_seconds()

    def check(self, actor: User) -> None:
        """Raises Throttled once the actor has used up the window's wrong guesses; call before looking the code up."""
        key = self._key(actor)
        found = cache.get_many([key, key + ":since"])
        if found.get(key, 0) >= self.limit and self._open(found.get(key + ":since")):
            raise Throttled(str(self.message) % {"minutes": int(self.window.total_seconds() // 60)})

    def missed(self, actor: User) -> None:
        """Counts one wrong guess; the first one, or the first after the window closed, opens a new window."""
        key, timeout = self._key(actor), int(self.window.total_seconds())
        if not self._open(cache.get(key + ":since")):
            cache.set_many({key: 0, key + ":since": timezone.now().timestamp()}, timeout=timeout)
        cache.add(key, 0, timeout=timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this wrong guess opens a new window
            cache.set_many({key: 1, key + ":since": timezone.now().timestamp()}, timeout=timeout)
