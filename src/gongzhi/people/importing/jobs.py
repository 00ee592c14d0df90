"""The import's services: a user uploads a file (which queues its validation), then confirms or cancels the job."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.people import tasks
from gongzhi.people.errors import Code
from gongzhi.people.importing.background import discard_upload
from gongzhi.people.importing.sheet import SheetError, open_sheet
from gongzhi.people.models import ImportJob, ImportStatus
from gongzhi.people.predicates import can_import_into
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules.text import find_markup

MODE_VALID_ONLY = "valid_only"
MODE_NOTHING = "nothing"
_ZIP_MAGIC = b"PK\x03\x04"


def _check_upload(upload: Any, name: str) -> None:
    max_bytes = settings.UPLOAD_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationFailed(_("文件不能超过%(mb)dMB") % {"mb": max_bytes // (1024 * 1024)}, code=Code.TOO_LARGE)
    bad_type = ValidationFailed(_("请上传 .xlsx 格式的Excel文件"), code=Code.BAD_TYPE)
    if not name.lower().endswith(".xlsx"):
        raise bad_type
    upload.seek(0)
    magic = upload.read(len(_ZIP_MAGIC))
    upload.seek(0)
    if magic != _ZIP_MAGIC:
        raise bad_type
    try:
        with open_sheet(upload):
            pass
    except SheetError as exc:
        raise ValidationFailed(exc.message, code=exc.code) from exc
    finally:
        upload.seek(0)


@transaction.atomic
def import_job_create(*, actor: User, community: Place, target: Place, upload: Any) -> ImportJob:
    """Checks the upload (size, type, header) and queues its validation; a refused file saves nothing."""
    if not can_import_into(actor, target.pk):
        raise PermissionDenied()
    if not community.is_community or target.community_id != community.pk:
        raise NotFound()
    if target.kind in (PlaceKind.STREET, PlaceKind.UNIT):
        raise ValidationFailed(_("请选择社区、小区、院落、楼栋或村民小组作为导入位置"), code=Code.BAD_TARGET)
    name = re.split(r"[/\\]", str(upload.name or ""))[-1]
    if find_markup(name) is not None:
        raise ValidationFailed(_("文件名不能包含HTML或脚本代码"), code=Code.BAD_NAME)
    _check_upload(upload, name)
    job = ImportJob(
        community=community,
        target=target,
        created_by=actor,
        original_name=name[:200],
        status=ImportStatus.VALIDATING,
    )
    # A random stored name: the original (often a street address or a person's name) stays in the database only.
    job.file.save(f"{uuid.uuid4().hex}.xlsx", File(upload), save=False)
    job.save()
    audit.record(
        actor=actor,
        verb="import_job.create",
        obj=job,
        community_id=community.pk,
        after={"target": target.pk, "original_name": job.original_name, "size": upload.size},
    )
    job_id = job.pk
    transaction.on_commit(lambda: tasks.import_job_validate.enqueue(job_id))
    return job


@transaction.atomic
def import_job_confirm(*, actor: User, job: ImportJob, mode: str) -> ImportJob:
    """After validation: "valid_only" imports the valid rows (in a task), "nothing" cancels the job."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not can_import_into(actor, job.target_id):
        raise PermissionDenied()
    if mode not in (MODE_VALID_ONLY, MODE_NOTHING):
        raise ValidationFailed(_("请选择导入方式"), code=Code.BAD_MODE)
    if job.status != ImportStatus.VALIDATED:
        raise ValidationFailed(
            _("该导入任务当前不能确认（%(status)s）") % {"status": job.get_status_display()}, code=Code.BAD_STATUS
        )
    if mode == MODE_NOTHING:
        job.status, job.finished_at = ImportStatus.CANCELLED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        discard_upload(job)
        audit.record(actor=actor, verb="import_job.cancel", obj=job, community_id=job.community_id)
        return job
    if not job.valid_rows:
        raise ValidationFailed(_("没有可以导入的行"), code=Code.NOTHING_VALID)
    job.status, job.processed_rows, job.imported_rows = ImportStatus.IMPORTING, 0, 0
    job.save(update_fields=["status", "processed_rows", "imported_rows"])
    audit.record(
        actor=actor,
        verb="import_job.confirm",
        obj=job,
        community_id=job.community_id,
        after={"mode": mode, "valid_rows": job.valid_rows},
    )
    job_id, actor_id = job.pk, actor.pk
    transaction.on_commit(lambda: tasks.import_job_run.enqueue(job_id, actor_id))
    return job
