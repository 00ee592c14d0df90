"""GET /healthz: the database, the shared cache and the task worker's heartbeat, public and never cached."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone

from gongzhi.core.models import WorkerHeartbeat
from gongzhi.core.tasks import HEARTBEAT_STALE_AFTER, heartbeat_task

pytestmark = pytest.mark.django_db

HEALTHY = {"status": "ok", "checks": {"database": "ok", "cache": "ok", "worker": "ok"}}


def healthz(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies
    return response.status_code, json.loads(response.content)


def test_healthy_once_the_worker_has_beaten(client):
    heartbeat_task.enqueue()  # the tests' immediate backend runs it at once
    assert healthz(client) == (200, HEALTHY)


def test_only_a_read_is_answered(client):
    assert client.post("/healthz").status_code == 405


def test_a_worker_that_never_ran_the_heartbeat_is_named(client):
    status, body = healthz(client)
    assert status == 503
    assert body == {"status": "fail", "checks": {"database": "ok", "cache": "ok", "worker": "never"}}


def test_a_worker_silent_for_three_minutes_is_stale(client):
    heartbeat_task.enqueue()
    beat = WorkerHeartbeat.objects.get().beat_at
    with time_machine.travel(beat + HEARTBEAT_STALE_AFTER - timedelta(seconds=1), tick=False):
        assert healthz(client)[0] == 200
    with time_machine.travel(beat + HEARTBEAT_STALE_AFTER + timedelta(seconds=1), tick=False):
        status, body = healthz(client)
    assert status == 503
    assert body["checks"] == {"database": "ok", "cache": "ok", "worker": "stale"}


def test_a_database_that_refuses_is_down_and_its_message_stays_private(client):
    heartbeat_task.enqueue()
    secret = OperationalError('connection to server at "db.internal" failed: password hunter2 rejected')
    with mock.patch.object(connection, "cursor", side_effect=secret):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {"database": "down", "cache": "ok", "worker": "unknown"}
    for private in (b"hunter2", b"db.internal", b"OperationalError"):
        assert private not in response.content


def test_a_dead_redis_is_a_503_naming_the_cache(client, redis_cache):
    heartbeat_task.enqueue()
    assert healthz(client) == (200, HEALTHY)
    redis_cache.stop()
    status, body = healthz(client)
    assert status == 503
    assert body["checks"] == {"database": "ok", "cache": "down", "worker": "ok"}
    assert str(redis_cache.port).encode() not in json.dumps(body).encode()


def test_the_schedule_command_queues_one_beat_and_the_beat_queues_the_next(settings):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = StringIO()
    call_command("heartbeat_schedule", stdout=out)
    call_command("heartbeat_schedule", stdout=out)
    assert out.getvalue().splitlines() == ["heartbeat: scheduled", "heartbeat: already scheduled (or no defer)"]
    waiting = DBTaskResult.objects.filter(task_path=heartbeat_task.module_path, status=TaskResultStatus.READY)
    assert waiting.count() == 1

    waiting.update(status=TaskResultStatus.RUNNING)  # the worker takes it
    before = timezone.now()
    heartbeat_task.call()  # and runs it: a beat, then the next one queued a minute later
    assert WorkerHeartbeat.objects.get().beat_at >= before
    assert waiting.get().run_after >= before + timedelta(minutes=1)


def test_a_sweep_runs_in_one_worker_at_a_time_and_a_dead_holder_lapses():
    from gongzhi.core.models import TaskLease
    from gongzhi.core.tasks import exclusive
    from gongzhi.timebank.tasks import timebank_sweep_task
    from gongzhi.voices.tasks import voices_sweep_task

    chain = 0x766F6963  # the voices sweep's
    with exclusive(lock_id=chain, lease=timedelta(minutes=30)) as first:
        assert first
        with exclusive(lock_id=chain, lease=timedelta(minutes=30)) as second:
            assert not second
        assert voices_sweep_task.call() == {"skipped": 1}  # the second worker's run does nothing
    with exclusive(lock_id=chain, lease=timedelta(minutes=30)) as again:
        assert again  # released at the end of the run
    assert "skipped" not in voices_sweep_task.call()

    # A worker killed mid-run never releases: the next run waits for the lease, not for ever.
    TaskLease.objects.filter(chain=0x74696D65).delete()
    TaskLease.objects.create(chain=0x74696D65, held_until=timezone.now() + timedelta(hours=1))
    assert timebank_sweep_task.call() == {"skipped": 1}
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1), tick=False):
        assert "redemptions_expired" in timebank_sweep_task.call()
