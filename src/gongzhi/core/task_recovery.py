"""Tasks left RUNNING by a worker that died (killed, out of memory, the machine rebooted) run again, once.

django-tasks' database worker marks a task RUNNING when it claims it, and only the end of that run changes it. A
worker killed mid-task leaves the row RUNNING for ever: a sweep chain stops, since each sweep enqueues the next
at its end, and an import stays "importing".

Each worker service runs under a fixed worker id (deploy/bin/gongzhi-worker). When it starts, whatever that id
still holds RUNNING belongs to its previous incarnation, which is dead. `tasks_recover` makes such a task READY
again when that was its first claim. When it was already a second run, the task is FAILED instead: a task that
kills its worker must not loop. Every task is safe to run twice: the sweeps look at the state of things, not at
what they did before, and an import resumes after its last committed batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

__all__ = ["Recovered", "tasks_recover"]

# A task claimed this many times and still left RUNNING is not run again.
MAX_CLAIMS = 2
DIED_TWICE = "gongzhi.core.task_recovery.WorkerDied"


@dataclass(frozen=True)
class Recovered:
    requeued: list[str]
    failed: list[str]


def tasks_recover(*, worker_id: str) -> Recovered:
    """Requeues (or, on a second death, fails) the tasks that `worker_id` left RUNNING. Call it only when no process
    runs under that id: at the start of its worker service, before `db_worker --worker-id` takes over."""
    requeued: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update().filter(status=TaskResultStatus.RUNNING)
        for row in running:
            claims = list(row.worker_ids or [])
            if not claims or claims[-1] != worker_id:
                continue  # another worker's, perhaps alive
            if len(claims) < MAX_CLAIMS:
                row.status = TaskResultStatus.READY
                row.started_at = None
                row.save(update_fields=["status", "started_at"])
                requeued.append(str(row.pk))
            else:
                row.status = TaskResultStatus.FAILED
                row.finished_at = timezone.now()
                row.exception_class_path = DIED_TWICE
                row.traceback = f"The worker died during each of {len(claims)} runs of this task; not run again."
                row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                failed.append(str(row.pk))
    return Recovered(requeued=requeued, failed=failed)
