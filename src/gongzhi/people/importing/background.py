"""The task bodies of the import (`people.tasks` runs them): validate the uploaded file, then import its valid rows.

Each ends the job (VALIDATED, DONE or FAILED) and, once it has ended, discards the uploaded file."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.models import User
from gongzhi.people.importing.checking import Scan, scan_job
from gongzhi.people.importing.sheet import SheetError
from gongzhi.people.importing.writing import RowWriter
from gongzhi.people.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000


def _reload(job_id: int) -> ImportJob:
    job: ImportJob = ImportJob.objects.get(pk=job_id)
    return job


def discard_upload(job: ImportJob) -> None:
    """PIPL data minimisation: the uploaded register is not kept once its job has ended, done, cancelled or failed
    (a failed job asks for a new upload; the old file would only sit on the disk with everyone's ID numbers)."""
    name, storage = job.file.name, job.file.storage
    job.file = ""
    job.save(update_fields=["file"])
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _fail(job_id: int, failure: str, *, actor: User | None = None) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.status, job.failure, job.finished_at = ImportStatus.FAILED, failure[:500], timezone.now()
        job.save(update_fields=["status", "failure", "finished_at"])
        discard_upload(job)
        audit.record(
            actor=actor,
            verb="import_job.fail",
            obj=job,
            community_id=job.community_id,
            after={"failure": job.failure, "imported_rows": job.imported_rows},
        )


def import_job_validate(*, job_id: int) -> ImportJob:
    """Task body: checks every row, stores the errors and counts, and leaves the job VALIDATED (or FAILED)."""
    job: ImportJob = ImportJob.objects.select_related("community", "target", "created_by").get(pk=job_id)
    if job.status != ImportStatus.VALIDATING:
        return job  # a retried task must not redo a finished step

    def progress(processed: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=processed, total_rows=total)

    try:
        scan = scan_job(job, actor=job.created_by, progress=progress)
    except SheetError as exc:
        _fail(job_id, exc.message)
        return _reload(job_id)
    except Exception as exc:
        logger.exception("import job %s: validation failed", job_id)
        _fail(job_id, _("校验时出错（%(error)s），请重新上传") % {"error": type(exc).__name__})
        return _reload(job_id)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.errors, job.total_rows, job.valid_rows = scan.errors, scan.total_rows, len(scan.rows)
        job.processed_rows, job.status = scan.total_rows, ImportStatus.VALIDATED
        job.save(update_fields=["errors", "total_rows", "valid_rows", "processed_rows", "status"])
        audit.record(
            actor=None,
            verb="import_job.validate",
            obj=job,
            community_id=job.community_id,
            after={"total_rows": job.total_rows, "valid_rows": job.valid_rows},
        )
    return job


def _imported_before(job: ImportJob, scan: Scan, count: int) -> set[int]:
    """The sheet rows that the dead run committed: the first `count` rows that its own scan found valid. That scan's
    errors are on the job (saved before it wrote anything), and every non-blank row is now either valid or an
    error."""
    earlier_errors = {error["row"] for error in job.errors}
    rows = sorted({row.row for row in scan.rows} | {error["row"] for error in scan.errors})
    return set([row for row in rows if row not in earlier_errors][:count])


def import_job_run(*, job_id: int, actor_id: int | None = None) -> ImportJob:
    """Task body: re-checks the file and imports its valid rows, BATCH_ROWS per transaction.

    Each batch is complete on its own, so a failure leaves the batches before it imported and the job FAILED.
    """
    job: ImportJob = ImportJob.objects.select_related("community", "target", "created_by").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    actor = actor or job.created_by
    # Rows that a run whose worker died committed (core.task_recovery runs the task again). The new scan sees them
    # as registered, so they are not written twice; they are counted as imported, not reported as errors.
    resumed = job.imported_rows
    try:
        scan = scan_job(job, actor=actor)
        errors = scan.errors
        if resumed:
            before = _imported_before(job, scan, resumed)
            errors = [error for error in errors if error["row"] not in before]
        ImportJob.objects.filter(pk=job_id).update(
            errors=errors,
            total_rows=scan.total_rows,
            valid_rows=resumed + len(scan.rows),
            processed_rows=resumed,
        )
        importer = RowWriter(job, actor, scan.rows, scan.areas, scan.paths)
        done = resumed
        for start in range(0, len(scan.rows), BATCH_ROWS):
            batch = scan.rows[start : start + BATCH_ROWS]
            with transaction.atomic():
                importer.write(batch)
                done += len(batch)
                ImportJob.objects.filter(pk=job_id).update(processed_rows=done, imported_rows=done)
    except SheetError as exc:
        _fail(job_id, exc.message, actor=actor)
        return _reload(job_id)
    except Exception as exc:
        logger.exception("import job %s: import failed", job_id)
        # The exception text may quote personal data (PostgreSQL repeats the conflicting key), so only its type.
        _fail(
            job_id,
            _("导入中断（%(error)s）：已导入的批次保留，其余行未导入，请核对后重新导入未导入的行")
            % {"error": type(exc).__name__},
            actor=actor,
        )
        return _reload(job_id)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.status, job.finished_at = ImportStatus.DONE, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        discard_upload(job)
        audit.record(
            actor=actor,
            verb="import_job.done",
            obj=job,
            community_id=job.community_id,
            after={"imported_rows": job.imported_rows, "valid_rows": job.valid_rows, "total_rows": job.total_rows},
        )
    return job
