"""Background tasks of the people app; the work itself lives in `people.importing.background`."""

from __future__ import annotations

from django_tasks import task

from gongzhi.people.importing import background


@task()
def import_job_validate(job_id: int) -> None:
    """Checks every row of an uploaded 台账 (see importing.background.import_job_validate)."""
    background.import_job_validate(job_id=job_id)


@task()
def import_job_run(job_id: int, actor_id: int | None = None) -> None:
    """Imports the valid rows of a confirmed 台账 (see importing.background.import_job_run)."""
    background.import_job_run(job_id=job_id, actor_id=actor_id)
