from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from gongzhi.core.models import User
from tests import factories
from tests.clock import INSTANTS, pin_clock, pinned_now

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
