"""Self-rescheduling background chains (the voices and time bank sweeps): one waiting run at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone


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
