"""Background tasks of the time bank: the sweep that expires unused 核销 codes and refunds their points, and keeps
recurring activities (杨西园村's twice-weekly cleaning) scheduled eight weeks ahead, and gives residents who reached
their street's elderly age its overdraft allowance.

One chain, like the voices sweep: `timebank_sweep_task` expires what is due and enqueues its next run about an hour
later, unless a run is already waiting. `ensure_sweep_scheduled()` starts the chain (`manage.py timebank_sweep
--schedule`, at deployment). Backends that cannot defer a task (the ImmediateBackend of the tests) never
self-enqueue, so the chain cannot recurse there."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from gongzhi.core.tasks import ensure_scheduled, exclusive

SWEEP_EVERY = timedelta(hours=1)
# Longer than any run; a worker killed mid-sweep blocks the next ones for at most this long.
SWEEP_LEASE = timedelta(hours=1)
_LOCK_ID = 0x74696D65  # "time": one advisory lock for the chain on PostgreSQL


@task()
def timebank_sweep_task() -> dict[str, int]:
    from gongzhi.timebank.services.redemptions import redemptions_expire
    from gongzhi.timebank.services.settings import elderly_floors_follow

    # Another worker running the sweep now (a second run queued by a deploy's --schedule): skip this one.
    with exclusive(lock_id=_LOCK_ID, lease=SWEEP_LEASE) as mine:
        counts = (
            {
                "redemptions_expired": redemptions_expire(),
                "sessions_added": recurring_sessions_extend(),
                "elderly_floors": elderly_floors_follow(),
            }
            if mine
            else {"skipped": 1}
        )
    ensure_sweep_scheduled(delay=SWEEP_EVERY)
    return counts


def recurring_sessions_extend() -> int:
    """Adds the coming sessions of every open recurring activity, on behalf of its organiser; the number added."""
    from gongzhi.timebank.models.activities import Activity, ActivityStatus, Recurrence
    from gongzhi.timebank.services.activities import sessions_extend

    added = 0
    recurring = Activity.objects.filter(status=ActivityStatus.OPEN).exclude(recurrence=Recurrence.ONCE)
    for activity in recurring.select_related("organiser").order_by("id").iterator():
        added += len(sessions_extend(actor=activity.organiser, activity=activity))
    return added


def ensure_sweep_scheduled(*, delay: timedelta = timedelta(0)) -> bool:
    """Enqueues the next sweep `delay` from now unless one is already waiting; True when it enqueued one.
    Needs a backend that can defer (the database backend of production and the demo)."""
    return ensure_scheduled(timebank_sweep_task, lock_id=_LOCK_ID, delay=delay)
