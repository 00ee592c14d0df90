"""Self-rescheduling background chains (the voices and time bank sweeps, the worker's heartbeat): one waiting run
at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

HEARTBEAT_EVERY = timedelta(minutes=1)
# /healthz calls the worker stale when its last beat is older than this (three missed beats).
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)
HEARTBEAT_ROW = 1
_HEARTBEAT_LOCK_ID = 0x62656174  # "beat": one advisory lock for the chain on PostgreSQL


def ensure_scheduled(task: Any, *, lock_id: int, delay: timedelta = timedelta(0)) -> bool:
    """Enqueues `task` to run `delay` from now unless a run of it is already waiting; True when it enqueued one.
    On PostgreSQL an advisory lock (`lock_id`, one per chain) makes two racing callers enqueue once. Backends that
    cannot defer (the ImmediateBackend of the tests) never enqueue, so a chain cannot recurse there."""
    if not getattr(task.get_backend(), "supports_defer", False):
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
        if DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists():
            return False
        task.using(run_after=timezone.now() + delay).enqueue()
    return True


@task()
def heartbeat_task() -> str:
    """Proves the task worker is alive and taking tasks: stamps WorkerHeartbeat, then queues the next beat."""
    from gongzhi.core.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(pk=HEARTBEAT_ROW, defaults={"beat_at": now})
    ensure_heartbeat_scheduled(delay=HEARTBEAT_EVERY)
    return now.isoformat()


def ensure_heartbeat_scheduled(*, delay: timedelta = timedelta(0)) -> bool:
    """Starts the heartbeat chain unless a beat is already waiting (`manage.py heartbeat_schedule`, at every start
    of the worker); True when it enqueued one."""
    return ensure_scheduled(heartbeat_task, lock_id=_HEARTBEAT_LOCK_ID, delay=delay)


@contextmanager
def exclusive(*, lock_id: int, lease: timedelta) -> Iterator[bool]:
    """Yields True to the one caller that holds the chain `lock_id` now, False to any other (who should skip its
    run): two workers never run the same sweep at once. The claim is one UPDATE of a TaskLease row, atomic on
    PostgreSQL and SQLite alike, and lapses after `lease`, so a worker killed mid-run cannot hold it for ever;
    `lease` must outlast the longest run."""
    from gongzhi.core.models import TaskLease

    now = timezone.now()
    TaskLease.objects.bulk_create([TaskLease(chain=lock_id, held_until=now)], ignore_conflicts=True)
    until = now + lease
    claimed = TaskLease.objects.filter(chain=lock_id, held_until__lte=now).update(held_until=until) == 1
    try:
        yield claimed
    finally:
        if claimed:
            TaskLease.objects.filter(chain=lock_id, held_until=until).update(held_until=timezone.now())
