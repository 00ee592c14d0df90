"""Background tasks of 社情民意: the sweep that sends reminders and escalates overdue voices (督办), and retries
outbox messages whose delivery failed.

One chain: `voices_sweep_task` runs the sweep and enqueues its next run about 15 minutes later, unless a run is
already waiting. `ensure_sweep_scheduled()` starts the chain (from `manage.py voices_schedule`, run by
`scripts/serve_demo.sh` and at deployment). Backends that cannot defer a task (the ImmediateBackend of the tests)
never self-enqueue, so the chain cannot recurse there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django_tasks import task

from gongzhi.core.tasks import ensure_scheduled, exclusive

SWEEP_EVERY = timedelta(minutes=15)
# Longer than any run; a worker killed mid-sweep blocks the next ones for at most this long.
SWEEP_LEASE = timedelta(minutes=30)
_LOCK_ID = 0x766F6963  # "voic": one advisory lock for the chain on PostgreSQL


@task()
def voices_sweep_task() -> dict[str, Any]:
    from gongzhi.notifications.delivery import outbox_retry_due
    from gongzhi.voices.services.sweep import voices_sweep

    # Another worker running the sweep now (a second run queued by a deploy's voices_schedule): skip this one.
    with exclusive(lock_id=_LOCK_ID, lease=SWEEP_LEASE) as mine:
        counts = voices_sweep() if mine else {"skipped": 1}
        if mine:
            counts["outbox_retried"] = outbox_retry_due()  # messages whose earlier delivery failed
    ensure_sweep_scheduled(delay=SWEEP_EVERY)
    return counts


def ensure_sweep_scheduled(*, delay: timedelta = timedelta(0)) -> bool:
    """Enqueues the next sweep `delay` from now unless one is already waiting; True when it enqueued one.
    Needs a backend that can defer (the database backend of production and the demo)."""
    return ensure_scheduled(voices_sweep_task, lock_id=_LOCK_ID, delay=delay)
