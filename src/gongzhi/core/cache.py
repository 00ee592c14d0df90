"""The shared cache (GONGZHI_CACHE_URL=redis://…): Django's RedisCache, made tolerant of a Redis outage.

Everything gongzhi caches can be recomputed from the database, so an unreachable Redis must cost speed, never a
page: a read answers as a miss, a write is dropped, and a warning is logged (at most once a minute per process,
naming the host but never the password). After a failure the process leaves Redis alone for RETRY_AFTER seconds,
so a dead server costs a request one timeout, not one per cache call.

A write dropped during the outage (a community's data version not bumped, a voice's index generation not
renewed) would leave stale figures behind once Redis answers again; so the first call that reaches Redis after a
dropped write empties the cache database (FLUSHDB) before anything is read from it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

__all__ = ["RETRY_AFTER", "TolerantRedisCache", "redis_location_for_log"]

logger = logging.getLogger("gongzhi.cache")

# Seconds a process leaves Redis alone after a failure; then the next call tries again.
RETRY_AFTER = 5.0
# Seconds between two warnings of one process about the same server.
LOG_EVERY = 60.0

T = TypeVar("T")


@dataclass
class _Outage:
    down_until: float = 0.0  # monotonic; before it, calls do not reach Redis
    logged_at: float | None = None
    missed_write: bool = False  # a write was dropped: flush before trusting what Redis holds


# Django makes one cache object per thread; an outage is the server's, so its state is per process and location.
_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def redis_location_for_log(url: str) -> str:
    """redis://host:port/db without user or password, for a log line."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


class TolerantRedisCache(RedisCache):
    """RedisCache whose calls never raise redis.RedisError: a miss, False or nothing instead (see the module)."""

    # Set by RedisCache (Django's type stubs leave them out).
    _servers: list[str]
    _cache: Any

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._where = ",".join(redis_location_for_log(each) for each in self._servers)
        with _outages_lock:
            self._outage = _outages.setdefault(self._where, _Outage())

    def _guard(self, call: Callable[[], T], fallback: T, *, write: bool) -> T:
        outage = self._outage
        if time.monotonic() < outage.down_until:
            outage.missed_write = outage.missed_write or write
            return fallback
        try:
            if outage.missed_write:
                self._cache.clear()
                outage.missed_write = False
                logger.warning(
                    "shared cache %s is back: emptied it, writes were dropped while it was down", self._where
                )
            return call()
        except RedisError as error:
            now = time.monotonic()
            outage.down_until = now + RETRY_AFTER
            outage.missed_write = outage.missed_write or write
            if outage.logged_at is None or now - outage.logged_at >= LOG_EVERY:
                outage.logged_at = now
                # The class name only: a server's message may echo what it was sent.
                logger.warning(
                    "shared cache %s unavailable (%s): answering from the database, next try in %.0f s",
                    self._where,
                    type(error).__name__,
                    RETRY_AFTER,
                )
            return fallback

    def ping(self) -> bool:
        """Whether Redis answers now (the health check); bypasses the pause after a failure, never raises."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except RedisError:
            return False

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).add(key, value, timeout, version), False, write=True)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(lambda: super(TolerantRedisCache, self).get(key, default, version), default, write=False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self._guard(lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), None, write=True)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).touch(key, timeout, version), False, write=True)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).delete(key, version), False, write=True)

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        return self._guard(lambda: super(TolerantRedisCache, self).get_many(keys, version), {}, write=False)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guard(lambda: super(TolerantRedisCache, self).has_key(key, version), False, write=False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        value: object = self._guard(lambda: super(TolerantRedisCache, self).incr(key, delta, version), None, write=True)
        if not isinstance(value, int):
            # What callers already handle for a key that expired (they then set it, which is dropped as well).
            raise ValueError(f"Key {key!r} not found: the shared cache is unavailable.")
        return value

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        # Django's contract: the keys that were not stored.
        return self._guard(
            lambda: super(TolerantRedisCache, self).set_many(data, timeout, version), list(data), write=True
        )

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> None:
        self._guard(lambda: super(TolerantRedisCache, self).delete_many(keys, version), None, write=True)

    def clear(self) -> None:
        self._guard(lambda: super(TolerantRedisCache, self).clear(), None, write=True)
