"""The shared cache (GONGZHI_CACHE_URL): a Redis outage is a miss, logged without secrets, never a 500."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
import redis
from django.core.cache import cache

from gongzhi.core import cache as tolerant
from gongzhi.core.roles import Role
from gongzhi.settings import cache_from_env
from tests.conftest import login, redis_db_for_worker
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db


@dataclass
class Figure:
    label: str
    value: int


def test_unset_url_keeps_the_per_process_cache_and_a_bad_one_refuses_to_start():
    assert cache_from_env({})["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    redis_setting = cache_from_env({"GONGZHI_CACHE_URL": "redis://127.0.0.1:6379/4"})["default"]
    assert redis_setting["BACKEND"] == "gongzhi.core.cache.TolerantRedisCache"
    assert redis_setting["LOCATION"] == "redis://127.0.0.1:6379/4"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="共享缓存地址格式有误"):
        cache_from_env({"GONGZHI_CACHE_URL": "memcached://127.0.0.1:11211"})


def test_each_xdist_worker_gets_its_own_redis_database():
    assert redis_db_for_worker("redis://127.0.0.1:6379/2", "gw0") == "redis://127.0.0.1:6379/2"
    assert redis_db_for_worker("redis://:pw@127.0.0.1:6379/2", "gw1") == "redis://:pw@127.0.0.1:6379/3"


def test_values_round_trip_through_redis(redis_cache):
    assert cache.ping()
    cache.set("figure", Figure("户数", 3))
    assert cache.get("figure") == Figure("户数", 3)
    assert cache.get_or_set("version", 1, None) == 1
    assert cache.incr("version") == 2
    assert cache.add("version", 9) is False
    assert cache.get_many(["figure", "nothing"]) == {"figure": Figure("户数", 3)}
    # Another process sees it: the point of a shared cache.
    assert redis.Redis.from_url(redis_cache.url(0)).dbsize() == 2


def test_a_dead_redis_is_a_miss_and_writes_are_dropped(redis_cache, caplog):
    cache.set("figure", 41)
    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="gongzhi.cache"):
        assert cache.get("figure") is None
        assert cache.get("figure", "default") == "default"
        cache.set("figure", 42)  # does not raise
        assert cache.add("other", 1) is False
        assert cache.get_many(["figure"]) == {}
        assert cache.delete("figure") is False
        assert cache.get_or_set("version", 1, None) == 1
        with pytest.raises(ValueError, match="unavailable"):  # what callers already catch for an expired counter
            cache.incr("version")
        assert cache.ping() is False
    warnings = [r.getMessage() for r in caplog.records if r.name == "gongzhi.cache"]
    assert len(warnings) == 1, warnings
    assert "unavailable" in warnings[0]
    assert f"127.0.0.1:{redis_cache.port}" in warnings[0]


def test_the_warning_is_rate_limited_and_names_no_password(settings, monkeypatch, caplog):
    dead = free_port()
    settings.CACHES = cache_from_env({"GONGZHI_CACHE_URL": f"redis://:s3cret-word@127.0.0.1:{dead}/0"})
    monkeypatch.setattr(tolerant, "RETRY_AFTER", 0.0)  # every call reaches the dead port
    with caplog.at_level(logging.WARNING, logger="gongzhi.cache"):
        for _ in range(5):
            assert cache.get("anything") is None
    warnings = [r.getMessage() for r in caplog.records if r.name == "gongzhi.cache"]
    assert len(warnings) == 1
    assert "s3cret" not in caplog.text
    assert f"redis://127.0.0.1:{dead}/0" in warnings[0]


def test_a_write_dropped_during_an_outage_leaves_nothing_stale(redis_cache, monkeypatch):
    """A community's data version that could not be bumped must not come back from Redis once it answers."""
    monkeypatch.setattr(tolerant, "RETRY_AFTER", 0.0)  # the next call after the failure reaches Redis again
    cache.set("gongzhi:v:7", 1, None)
    admin = redis.Redis.from_url(redis_cache.url(0))
    admin.execute_command("CLIENT", "PAUSE", 1500, "ALL")  # Redis alive but not answering: the bump times out
    cache.set("gongzhi:v:7", 2, None)
    admin.ping()  # waits for the pause to end
    assert cache.get("gongzhi:v:7") is None  # emptied, never the stale 1
    cache.set("gongzhi:v:7", 3, None)
    assert cache.get("gongzhi:v:7") == 3


def test_pages_answer_from_the_database_when_redis_dies(redis_cache, site, staff):
    client = login(staff[Role.SECRETARY])
    url = f"/c/{site.community.pk}/"
    assert client.get(url).status_code == 200
    redis_cache.stop()
    response = client.get(url)
    assert response.status_code == 200
    assert site.community.name in response.content.decode()
    # The session (cached_db) is read from the database too: still signed in.
    assert response.wsgi_request.user == staff[Role.SECRETARY]
