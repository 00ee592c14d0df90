from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.core.models import User
from tests import factories


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
