"""Races that only a real multi-connection database shows: run on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from gongzhi.core import audit
from gongzhi.core.auth import user_login_attempt
from gongzhi.core.errors import ApplicationError, Duplicate
from gongzhi.core.models import AuditEvent, LoginThrottle
from gongzhi.people.models import Person
from gongzhi.people.services import person_create
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def race(workers: int, work: Callable[[int], Any]) -> list[Any]:
    """Starts every worker at once (a barrier) and returns each one's result or exception."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_audit_appends_never_fork_the_chain():
    community = factories.make_community(residents_per_household=0).community
    before = AuditEvent.objects.filter(chain=community.pk).count()

    def append(i: int) -> int:
        with transaction.atomic():
            return audit.record(
                actor=None, verb="test.race", community_id=community.pk, object_type="test", object_id=str(i)
            ).seq

    seqs = race(8, append)
    assert all(isinstance(s, int) for s in seqs), seqs
    assert sorted(seqs) == list(range(before + 1, before + 9))
    assert audit.verify_chains() is None


def test_same_person_registered_twice_at_once_gives_one_row_and_a_clear_message():
    site = factories.make_community(residents_per_household=0)
    id_number = factories.next_id_number()

    def register(i: int) -> Person:
        return person_create(
            actor=None, community=site.community, name="王大爷", id_number=id_number, household=site.households[i]
        )

    results = race(4, register)
    created = [r for r in results if isinstance(r, Person)]
    refused = [r for r in results if isinstance(r, Duplicate)]
    assert len(created) == 1 and len(refused) == 3, results
    assert all("已在本社区登记" in str(r.message) for r in refused)
    assert Person.objects.filter(community=site.community, id_number=id_number).count() == 1


def test_parallel_failed_logins_are_all_counted():
    user = factories.make_user()
    workers = settings.LOGIN_THROTTLE_PHONE["from_failure"] - 1

    def fail(i: int) -> str:
        try:
            user_login_attempt(phone=user.phone, password="wrong-password", client=f"192.0.2.{i + 1}")
        except ApplicationError as exc:
            return exc.code
        return "ok"

    assert race(workers, fail) == ["invalid_credentials"] * workers
    assert LoginThrottle.objects.get(key=f"phone:{user.phone}").failures == workers
