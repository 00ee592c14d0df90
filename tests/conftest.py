from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from gongzhi.core.models import User
from tests import factories
from tests.clock import INSTANTS, pin_clock, pinned_now

# The redis_server and redis_cache fixtures: a test's own Redis, which it may stop.
pytest_plugins = ["tests.redis_server"]

# Hypothesis's deadline and its too_slow health check time each example: on a loaded machine (CI beside other jobs,
# the date script's six passes) they fail tests whose rules hold. Timings belong in bench/, so both are off.
settings.register_profile("gongzhi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("gongzhi")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--at-every-instant",
        action="store_true",
        help=f"run each test once at each instant of tests/clock.py ({', '.join(INSTANTS)})",
    )


def redis_db_for_worker(url: str, worker: str) -> str:
    """The shared-cache URL moved to a Redis database of its own per xdist worker (gw0 → 2, gw1 → 3…): each test
    clears the cache, and RedisCache's clear is FLUSHDB, which must not empty another worker's database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{2 + int(worker.removeprefix('gw'))}"))


def pytest_configure(config: pytest.Config) -> None:
    url, worker = os.environ.get("GONGZHI_CACHE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url:
        return
    from django.conf import settings as django_settings
    from django.core.cache import cache
    from django.test.signals import setting_changed

    from gongzhi.settings import cache_from_env

    if worker:
        django_settings.CACHES = cache_from_env({"GONGZHI_CACHE_URL": redis_db_for_worker(url, worker)})
        # Django drops the cache objects it made from the old setting (none yet, most likely).
        setting_changed.send(sender=None, setting="CACHES", value=django_settings.CACHES, enter=True)
    # The cache tolerates a dead Redis, so a run against none would pass without testing it.
    if not cache.ping():
        pytest.exit("GONGZHI_CACHE_URL is set but Redis does not answer there: start it, or unset the variable.", 2)


def pytest_report_header(config: pytest.Config) -> str:
    if config.getoption("--at-every-instant"):
        return "clock pinned at each of: " + ", ".join(f"{k} {v.isoformat()}" for k, v in INSTANTS.items())
    return f"clock pinned at {pinned_now().isoformat()} (GONGZHI_TEST_NOW; see tests/clock.py)"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.config.getoption("--at-every-instant") and "pinned_instant" in metafunc.fixturenames:
        # Module scope: a module's tests run together at one instant, its module-scoped fixtures set up once each.
        metafunc.parametrize(
            "pinned_instant", list(INSTANTS.values()), ids=list(INSTANTS), indirect=True, scope="module"
        )


@pytest.fixture(scope="module")
def pinned_instant(request: pytest.FixtureRequest):
    return getattr(request, "param", None) or pinned_now()


@pytest.fixture(autouse=True, scope="module")
def _pinned_clock_for_module_fixtures(pinned_instant):
    # Module-scoped fixtures (a demo street loaded once for a module) run before any function-scoped one.
    with pin_clock(pinned_instant):
        yield


@pytest.fixture(autouse=True)
def _pinned_clock(pinned_instant):
    # Each test starts at the pinned instant, however long the tests before it took.
    with pin_clock(pinned_instant):
        yield


@pytest.fixture(autouse=True)
def _fast_hashing_and_tasks(settings, tmp_path):
    # Argon2 is the production hasher (tested in tests/core/test_auth.py); MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Versions are bumped on commit, which never happens inside a test transaction.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db) -> factories.Community:
    return factories.make_community()


@pytest.fixture
def other_site(db) -> factories.Community:
    return factories.make_community(name="别的社区")


@pytest.fixture
def staff(site) -> dict[str, User]:
    return factories.staff_of(site)


@pytest.fixture
def other_staff(other_site) -> dict[str, User]:
    return factories.staff_of(other_site)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
