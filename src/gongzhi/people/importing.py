"""The 台账 import: upload an .xlsx, validate every row in a task, confirm, then import in batches in a task.

Columns (header in row 1, any order, extra columns ignored): 姓名 身份证号 手机号 楼栋 单元 房号 面积 身份 标签.
The file is read twice (validation, then import) so the import acts on the database as it is at import time.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import openpyxl
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import ImportJob, ImportStatus, Ownership, Person, PersonTag, Relation, Tag
from gongzhi.people.services import (
    PERSON_AUDIT_FIELDS,
    PersonFields,
    tag_visible_categories,
    validate_person_fields,
)
from gongzhi.places.models import Household, Place, PlaceKind
from gongzhi.places.services import parse_area
from gongzhi.rules import idcard
from gongzhi.rules.text import find_markup

logger = logging.getLogger(__name__)

# Column headers are part of the file format, so they are not translated.
NAME, ID_NUMBER, PHONE, BUILDING, UNIT, ROOM, AREA, RELATION, TAGS = (
    "姓名",
    "身份证号",
    "手机号",
    "楼栋",
    "单元",
    "房号",
    "面积",
    "身份",
    "标签",
)
COLUMNS = (NAME, ID_NUMBER, PHONE, BUILDING, UNIT, ROOM, AREA, RELATION, TAGS)
REQUIRED_COLUMNS = (NAME, ID_NUMBER, BUILDING, ROOM, RELATION)
HEAD, MEMBER, TENANT, OWNER = "户主", "家庭成员", "租户", "产权人"
RELATION_WORDS = {HEAD: Relation.HEAD, MEMBER: Relation.MEMBER, TENANT: Relation.TENANT, OWNER: Relation.NONE}

MODE_VALID_ONLY = "valid_only"
MODE_NOTHING = "nothing"

BATCH_ROWS = 1000
PROGRESS_EVERY = 500
# A 10 MB sheet can hold a few hundred thousand rows; the import keeps its valid rows in memory.
MAX_ROWS = 100_000
# Beyond this the list only hurts the page; total_rows - valid_rows still counts every bad row.
MAX_STORED_ERRORS = 10_000

_ZIP_MAGIC = b"PK\x03\x04"
_HEADER_NOISE = re.compile(r"[\s*＊]|[(（][^)）]*[)）]")
# "3", "3栋", "3号楼", "03幢", "第3组" all name building 3; "2" and "2单元" name unit 2.
_NUMBERED = re.compile(r"^第?0*(\d+)\s*(?:号楼|栋|幢|座|号|单元|村民小组|组)?$")
_TAG_SEPARATORS = re.compile(r"[、,，\s]+")
_FIELD_COLUMNS = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}
# Stand-ins that let validate_person_fields go on to the next field, so one pass reports every bad column.
_PLACEHOLDERS = {"name": "某", "id_number": idcard.generate("110101", datetime.date(1980, 1, 1), 1), "phone": ""}


class SheetError(Exception):
    """The workbook cannot be read as a 台账 at all (as opposed to bad rows)."""

    def __init__(self, message: str, code: str = "bad_type"):
        super().__init__(message)
        self.message = message
        self.code = code


# ---------------------------------------------------------------------------------------------------------------
# Reading the sheet


def _header_key(value: Any) -> str:
    return _HEADER_NOISE.sub("", str(value)) if value is not None else ""


def _text(value: Any) -> str:
    """A cell as text; Excel stores typed-in numbers (rooms, phones) as floats."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _alias(name: str) -> str:
    match = _NUMBERED.match(name.strip())
    return match.group(1) if match else name.strip()


def _unreadable() -> SheetError:
    return SheetError(_("无法读取该Excel文件，请确认文件未损坏且为 .xlsx 格式"))


@contextmanager
def _open_sheet(fileobj: IO[bytes]) -> Iterator[tuple[dict[str, int], int, Iterator[tuple[int, tuple[Any, ...]]]]]:
    """Yields (column → index, estimated row count, numbered rows after the header) of the first sheet."""
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError... for damaged files
        raise _unreadable() from exc
    try:
        if not workbook.worksheets:
            raise _unreadable()
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = next(rows, ())
        except Exception as exc:
            raise _unreadable() from exc
        columns: dict[str, int] = {}
        for index, value in enumerate(header):
            columns.setdefault(_header_key(value), index)
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise SheetError(
                _("缺少必填列：%(columns)s（第1行应为列名）") % {"columns": "、".join(missing)}, code="missing_columns"
            )
        try:
            estimate = max(0, int(sheet.max_row or 0) - 1)
        except Exception:  # an unsized sheet has no <dimension>; the progress bar then waits for the end
            estimate = 0
        yield {c: columns[c] for c in COLUMNS if c in columns}, estimate, enumerate(rows, start=2)
    finally:
        workbook.close()


# ---------------------------------------------------------------------------------------------------------------
# Checking rows


@dataclass(slots=True)
class _Row:
    row: int
    name: str
    id_number: str
    phone: str
    birth_date: datetime.date
    sex: str
    household_id: int
    relation: str
    is_owner: bool
    area: Decimal | None
    tag_ids: tuple[int, ...]
    existing_person_id: int | None


@dataclass(slots=True)
class _Seen:
    name: str
    first_row: int
    resident_row: int | None = None


@dataclass
class _Scan:
    total_rows: int = 0
    rows: list[_Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    areas: dict[int, Decimal | None] = field(default_factory=dict)
    paths: dict[int, tuple[str, str]] = field(default_factory=dict)


class _Checker:
    """Validates rows against the community as preloaded in a handful of queries; remembers earlier rows."""

    def __init__(self, *, community: Place, target: Place, actor: Any, today: datetime.date):
        self.today = today
        self._load_places(community, target)
        self._load_tags(community, actor)
        self._load_people(community)
        self.seen: dict[str, _Seen] = {}
        self.head_rows: dict[int, int] = {}
        self.owner_rows: dict[tuple[int, str], int] = {}
        self.area_rows: dict[int, tuple[Decimal, int]] = {}

    def _load_places(self, community: Place, target: Place) -> None:
        self.buildings: dict[str, list[int]] = {}
        self.building_aliases: dict[str, list[int]] = {}
        units: list[tuple[int, str, int]] = []
        for pk, kind, name, parent_id in Place.objects.filter(
            path__under=target.path, kind__in=[PlaceKind.BUILDING, PlaceKind.UNIT, PlaceKind.VILLAGER_GROUP]
        ).values_list("id", "kind", "name", "parent_id"):
            if kind == PlaceKind.UNIT:
                units.append((pk, name, parent_id))
            else:
                self.buildings.setdefault(name, []).append(pk)
                self.building_aliases.setdefault(_alias(name), []).append(pk)
        self.units: dict[tuple[int, str], int] = {}
        self.unit_aliases: dict[tuple[int, str], int] = {}
        self.with_units: set[int] = set()
        for pk, name, parent_id in units:
            self.with_units.add(parent_id)
            self.units[(parent_id, name)] = pk
            self.unit_aliases.setdefault((parent_id, _alias(name)), pk)
        self.households: dict[tuple[int, str], int] = {}
        self.household_paths: dict[int, tuple[str, str]] = {}
        self.areas: dict[int, Decimal | None] = {}
        for pk, place_id, room, place_path, grid_path, area in Household.objects.filter(
            community=community, place_path__under=target.path
        ).values_list("id", "place_id", "room", "place_path", "grid_path", "area"):
            self.households[(place_id, room)] = pk
            self.household_paths[pk] = (place_path, grid_path)
            self.areas[pk] = area

    def _load_tags(self, community: Place, actor: Any) -> None:
        self.tags: dict[str, tuple[int, str]] = {}
        # Built-in first so a community's own tag of the same name wins.
        for pk, name, sensitive_as in (
            Tag.objects.filter(Q(community=None) | Q(community=community))
            .order_by("community_id", "id")
            .values_list("id", "name", "sensitive_as")
        ):
            self.tags[name] = (pk, sensitive_as)
        self.visible_categories = tag_visible_categories(actor, community) if actor is not None else set()

    def _load_people(self, community: Place) -> None:
        self.existing: dict[str, tuple[int, str]] = {
            id_number: (pk, name)
            for id_number, pk, name in Person.objects.filter(community=community).values_list("id_number", "id", "name")
        }
        self.households_with_head: set[int] = set(
            Person.objects.filter(community=community, relation=Relation.HEAD, household__isnull=False).values_list(
                "household_id", flat=True
            )
        )
        self.ownerships: set[tuple[int, int]] = set(
            Ownership.objects.filter(community=community).values_list("household_id", "person_id")
        )

    def check(self, row_no: int, values: dict[str, str], raw_id: Any) -> tuple[_Row | None, list[dict[str, Any]]]:
        errors: list[dict[str, Any]] = []

        def error(column: str, message: str) -> None:
            errors.append({"row": row_no, "column": column, "message": message})

        fields = self._person_fields(values, raw_id, error)
        household_id = self._household(values, error)
        area = None
        try:
            area = parse_area(values.get(AREA, ""))
        except ValidationFailed as exc:
            error(AREA, str(exc.message))
        word = values.get(RELATION, "")
        if not word:
            error(RELATION, _("身份不能为空"))
        elif word not in RELATION_WORDS:
            error(RELATION, _("身份“%(value)s”无效，应为户主、家庭成员、租户或产权人") % {"value": word})
        tag_ids = self._tags(values.get(TAGS, ""), error)
        existing_pk = None
        if fields is not None and word in RELATION_WORDS:
            existing_pk = self._duplicates(fields.id_number, fields.name, word, household_id, error)
        if household_id is not None and word == HEAD:
            if household_id in self.households_with_head:
                error(RELATION, _("该户已登记户主"))
            elif household_id in self.head_rows:
                error(RELATION, _("该户已有户主（第%(row)d行）") % {"row": self.head_rows[household_id]})
        if area is not None and household_id in self.area_rows and self.area_rows[household_id][0] != area:
            error(AREA, _("面积与第%(row)d行同一户的面积不一致") % {"row": self.area_rows[household_id][1]})
        if errors or fields is None or household_id is None:
            return None, errors

        is_owner = word == OWNER
        seen = self.seen.setdefault(fields.id_number, _Seen(fields.name, row_no))
        if not is_owner:
            seen.resident_row = row_no
        else:
            self.owner_rows[(household_id, fields.id_number)] = row_no
        if word == HEAD:
            self.head_rows[household_id] = row_no
        if area is not None:
            self.area_rows.setdefault(household_id, (area, row_no))
        return _Row(
            row=row_no,
            name=fields.name,
            id_number=fields.id_number,
            phone=fields.phone,
            birth_date=fields.birth_date,
            sex=fields.sex,
            household_id=household_id,
            relation=RELATION_WORDS[word],
            is_owner=is_owner,
            area=area,
            tag_ids=tag_ids,
            existing_person_id=existing_pk,
        ), []

    def _person_fields(
        self, values: dict[str, str], raw_id: Any, error: Callable[[str, str], None]
    ) -> PersonFields | None:
        attempt = {"name": values.get(NAME, ""), "id_number": values.get(ID_NUMBER, ""), "phone": values.get(PHONE, "")}
        failed = False
        for _attempt in range(len(attempt) + 1):
            try:
                fields = validate_person_fields(**attempt, today=self.today)
            except ValidationFailed as exc:
                name = exc.extra.get("field", "name")
                message = str(exc.message)
                if name == "id_number" and isinstance(raw_id, int | float):
                    # Excel keeps 15 significant digits of a number: the last digits of the ID are already lost.
                    message += _("（请将身份证号列设为文本格式后重新填写）")
                error(_FIELD_COLUMNS.get(name, NAME), message)
                attempt[name] = _PLACEHOLDERS.get(name, "")
                failed = True
            else:
                return None if failed else fields
        return None

    def _household(self, values: dict[str, str], error: Callable[[str, str], None]) -> int | None:
        building_name, unit_name, room = values.get(BUILDING, ""), values.get(UNIT, ""), values.get(ROOM, "")
        if not room:
            error(ROOM, _("房号不能为空"))
        if not building_name:
            error(BUILDING, _("楼栋不能为空"))
            return None
        ids = self.buildings.get(building_name) or self.building_aliases.get(_alias(building_name), [])
        if not ids:
            error(BUILDING, _("楼栋“%(name)s”不存在") % {"name": building_name})
            return None
        if len(ids) > 1:
            error(BUILDING, _("楼栋“%(name)s”有重名，请选择具体的小区或院落后再导入") % {"name": building_name})
            return None
        place_id: int | None = ids[0]
        if ids[0] in self.with_units:
            if not unit_name:
                error(UNIT, _("该楼栋分单元，请填写单元"))
                return None
            place_id = self.units.get((ids[0], unit_name)) or self.unit_aliases.get((ids[0], _alias(unit_name)))
        elif unit_name:
            place_id = None
        if place_id is None:
            error(UNIT, _("单元“%(name)s”不存在") % {"name": unit_name})
            return None
        if not room:
            return None
        household_id = self.households.get((place_id, room))
        if household_id is None:
            error(ROOM, _("房号“%(room)s”不存在") % {"room": room})
        return household_id

    def _tags(self, raw: str, error: Callable[[str, str], None]) -> tuple[int, ...]:
        ids: list[int] = []
        unknown: list[str] = []
        forbidden: list[str] = []
        for name in _TAG_SEPARATORS.split(raw):
            if not name:
                continue
            found = self.tags.get(name)
            if found is None:
                unknown.append(name)
            elif found[1] and found[1] not in self.visible_categories:
                # Same rule as person_set_tags: a sensitive tag is set only by a role that may see it.
                forbidden.append(name)
            elif found[0] not in ids:
                ids.append(found[0])
        if unknown:
            error(TAGS, _("标签“%(tags)s”不存在") % {"tags": "、".join(unknown)})
        if forbidden:
            error(TAGS, _("您无权设置敏感标签“%(tags)s”") % {"tags": "、".join(forbidden)})
        return tuple(ids)

    def _duplicates(
        self, id_number: str, name: str, word: str, household_id: int | None, error: Callable[[str, str], None]
    ) -> int | None:
        """Returns the registered person an owner row refers to; reports IDs already used."""
        is_owner = word == OWNER
        existing_pk = None
        existing = self.existing.get(id_number)
        if existing is not None:
            if not is_owner:
                error(ID_NUMBER, _("该身份证号已在本社区登记"))
            elif existing[1] != name:
                error(NAME, _("姓名与已登记的身份证号不符"))
            elif household_id is not None and (household_id, existing[0]) in self.ownerships:
                error(ID_NUMBER, _("该居民已登记为此户的产权人"))
            existing_pk = existing[0]
        seen = self.seen.get(id_number)
        if seen is not None:
            if seen.name != name:
                error(NAME, _("姓名与第%(row)d行同一身份证号的姓名不符") % {"row": seen.first_row})
            elif not is_owner and seen.resident_row is not None:
                error(ID_NUMBER, _("身份证号与第%(row)d行重复") % {"row": seen.resident_row})
            elif is_owner and household_id is not None and (household_id, id_number) in self.owner_rows:
                error(ID_NUMBER, _("与第%(row)d行重复") % {"row": self.owner_rows[(household_id, id_number)]})
        return existing_pk


def _scan(job: ImportJob, *, actor: Any, progress: Callable[[int, int], None] | None = None) -> _Scan:
    """Reads and checks the whole file; progress(processed, estimated_total) every PROGRESS_EVERY rows."""
    checker = _Checker(community=job.community, target=job.target, actor=actor, today=timezone.localdate())
    scan = _Scan(areas=checker.areas, paths=checker.household_paths)
    with job.file.open("rb") as fileobj, _open_sheet(fileobj) as (columns, estimate, rows):
        if progress is not None:
            progress(0, estimate)
        processed = 0
        try:
            for row_no, row in rows:
                processed += 1
                if progress is not None and processed % PROGRESS_EVERY == 0:
                    progress(processed, max(estimate, processed))
                values = {c: _text(row[i]) if i < len(row) else "" for c, i in columns.items()}
                if not any(values.values()):
                    continue
                scan.total_rows += 1
                if scan.total_rows > MAX_ROWS:
                    raise SheetError(_("表格超过%(max)d行，请拆分后分批导入") % {"max": MAX_ROWS}, code="too_many_rows")
                raw_id = row[columns[ID_NUMBER]] if columns[ID_NUMBER] < len(row) else None
                parsed, errors = checker.check(row_no, values, raw_id)
                if parsed is not None:
                    scan.rows.append(parsed)
                elif len(scan.errors) < MAX_STORED_ERRORS:
                    scan.errors.extend(errors[: MAX_STORED_ERRORS - len(scan.errors)])
        except SheetError:
            raise
        except Exception as exc:  # a damaged part of the XML shows only while iterating
            raise _unreadable() from exc
    return scan


# ---------------------------------------------------------------------------------------------------------------
# Services


def _check_upload(upload: Any, name: str) -> None:
    max_bytes = settings.UPLOAD_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationFailed(_("文件不能超过%(mb)dMB") % {"mb": max_bytes // (1024 * 1024)}, code="too_large")
    bad_type = ValidationFailed(_("请上传 .xlsx 格式的Excel文件"), code="bad_type")
    if not name.lower().endswith(".xlsx"):
        raise bad_type
    upload.seek(0)
    magic = upload.read(len(_ZIP_MAGIC))
    upload.seek(0)
    if magic != _ZIP_MAGIC:
        raise bad_type
    try:
        with _open_sheet(upload):
            pass
    except SheetError as exc:
        raise ValidationFailed(exc.message, code=exc.code) from exc
    finally:
        upload.seek(0)


def _require_import(actor: Any, target_id: int) -> None:
    if actor is None or not Place.objects.restrict(actor, Action.PERSON_IMPORT).filter(pk=target_id).exists():
        raise PermissionDenied()


@transaction.atomic
def import_job_create(*, actor: User, community: Place, target: Place, upload: Any) -> ImportJob:
    """Checks the upload (size, type, header) and queues its validation; a refused file saves nothing."""
    _require_import(actor, target.pk)
    if not community.is_community or target.community_id != community.pk:
        raise NotFound()
    if target.kind in (PlaceKind.STREET, PlaceKind.UNIT):
        raise ValidationFailed(_("请选择社区、小区、院落、楼栋或村民小组作为导入位置"), code="bad_target")
    name = re.split(r"[/\\]", str(upload.name or ""))[-1]
    if find_markup(name) is not None:
        raise ValidationFailed(_("文件名不能包含HTML或脚本代码"), code="bad_name")
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
    transaction.on_commit(lambda: _enqueue("import_job_validate", job_id))
    return job


def _enqueue(name: str, *args: int) -> None:
    from gongzhi.people import tasks  # tasks imports this module

    getattr(tasks, name).enqueue(*args)


def _reload(job_id: int) -> ImportJob:
    job: ImportJob = ImportJob.objects.get(pk=job_id)
    return job


def _discard_upload(job: ImportJob) -> None:
    """PIPL data minimisation: the uploaded register is not kept once its job has ended, done, cancelled or failed
    (a failed job asks for a new upload; the old file would only sit on the disk with everyone's ID numbers)."""
    name, storage = job.file.name, job.file.storage
    job.file = ""
    job.save(update_fields=["file"])
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _fail(job_id: int, failure: str, *, actor: Any = None) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.status, job.failure, job.finished_at = ImportStatus.FAILED, failure[:500], timezone.now()
        job.save(update_fields=["status", "failure", "finished_at"])
        _discard_upload(job)
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
        scan = _scan(job, actor=job.created_by, progress=progress)
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


@transaction.atomic
def import_job_confirm(*, actor: User, job: ImportJob, mode: str) -> ImportJob:
    """After validation: "valid_only" imports the valid rows (in a task), "nothing" cancels the job."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _require_import(actor, job.target_id)
    if mode not in (MODE_VALID_ONLY, MODE_NOTHING):
        raise ValidationFailed(_("请选择导入方式"), code="bad_mode")
    if job.status != ImportStatus.VALIDATED:
        raise ValidationFailed(
            _("该导入任务当前不能确认（%(status)s）") % {"status": job.get_status_display()}, code="bad_status"
        )
    if mode == MODE_NOTHING:
        job.status, job.finished_at = ImportStatus.CANCELLED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        _discard_upload(job)
        audit.record(actor=actor, verb="import_job.cancel", obj=job, community_id=job.community_id)
        return job
    if not job.valid_rows:
        raise ValidationFailed(_("没有可以导入的行"), code="nothing_valid")
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
    transaction.on_commit(lambda: _enqueue("import_job_run", job_id, actor_id))
    return job


# ---------------------------------------------------------------------------------------------------------------
# Importing


_PERSON_SNAPSHOT_FIELDS = [f for f in PERSON_AUDIT_FIELDS if f != "household"]


class _Importer:
    """Writes valid rows batch by batch; a person is created at the first row naming their ID number."""

    def __init__(
        self,
        job: ImportJob,
        actor: Any,
        rows: list[_Row],
        areas: dict[int, Decimal | None],
        paths: dict[int, tuple[str, str]],
    ):
        self.job, self.actor, self.areas, self.paths = job, actor, areas, paths
        self.community = job.community
        # Where a person lives comes from their resident row, wherever it is in the sheet.
        self.source: dict[str, _Row] = {}
        self.tags: dict[str, list[int]] = {}
        for row in rows:
            if row.is_owner:
                self.source.setdefault(row.id_number, row)
            else:  # validation lets through at most one resident row per ID number
                self.source[row.id_number] = row
            tags = self.tags.setdefault(row.id_number, [])
            tags.extend(t for t in row.tag_ids if t not in tags)
        self.person_ids: dict[str, int] = {}

    def _new_person(self, row: _Row) -> Person:
        source = self.source[row.id_number]
        if source.is_owner:
            household_id, (place_path, grid_path) = None, (self.community.path, "")
        else:
            household_id, (place_path, grid_path) = source.household_id, self.paths[source.household_id]
        return Person(
            community=self.community,
            name=source.name,
            sex=source.sex,
            birth_date=source.birth_date,
            id_number=source.id_number,
            phone=source.phone,
            household_id=household_id,
            relation=source.relation,
            place_path=place_path,
            grid_path=grid_path,
        )

    def write(self, batch: list[_Row]) -> None:
        community_id = self.community.pk
        new: list[tuple[Person, _Row]] = []
        for row in batch:
            if row.existing_person_id is None and row.id_number not in self.person_ids:
                person = self._new_person(row)
                new.append((person, self.source[row.id_number]))
                self.person_ids[row.id_number] = 0  # reserved; the pk is filled in after the insert
        Person.objects.bulk_create([p for p, _source in new], batch_size=500)
        entries: list[audit.Entry] = []
        person_tags: list[PersonTag] = []
        for person, source in new:
            self.person_ids[person.id_number] = person.pk
            tag_ids = self.tags[person.id_number]
            person_tags.extend(PersonTag(community_id=community_id, person_id=person.pk, tag_id=t) for t in tag_ids)
            entries.append(
                audit.Entry(
                    "person.import",
                    "people.person",
                    str(person.pk),
                    after={
                        **audit.snapshot(person, _PERSON_SNAPSHOT_FIELDS),
                        "household": person.household_id,
                        "tags": tag_ids,
                        "import_job": self.job.pk,
                        "row": source.row,
                    },
                )
            )
        ownerships: list[tuple[Ownership, _Row]] = []
        for row in batch:
            if not row.is_owner:
                continue
            person_id = row.existing_person_id or self.person_ids[row.id_number]
            ownerships.append(
                (
                    Ownership(
                        community_id=community_id,
                        household_id=row.household_id,
                        person_id=person_id,
                        place_path=self.paths[row.household_id][0],
                    ),
                    row,
                )
            )
            if row.existing_person_id is not None:
                person_tags.extend(
                    PersonTag(community_id=community_id, person_id=person_id, tag_id=t) for t in row.tag_ids
                )
        Ownership.objects.bulk_create([o for o, _row in ownerships], batch_size=500)
        # ignore_conflicts: an owner already registered may already carry some of the row's tags.
        PersonTag.objects.bulk_create(person_tags, batch_size=500, ignore_conflicts=True)
        for ownership, row in ownerships:
            entries.append(
                audit.Entry(
                    "ownership.import",
                    "people.ownership",
                    str(ownership.pk),
                    after={
                        "household": row.household_id,
                        "person": ownership.person_id,
                        "tags": list(row.tag_ids) if row.existing_person_id else [],
                        "import_job": self.job.pk,
                        "row": row.row,
                    },
                )
            )
        entries.extend(self._update_areas(batch))
        audit.record_many(actor=self.actor, community_id=community_id, entries=entries)

    def _update_areas(self, batch: list[_Row]) -> list[audit.Entry]:
        changed: dict[int, tuple[Decimal | None, Decimal]] = {}
        for row in batch:
            if row.area is not None and self.areas.get(row.household_id) != row.area:
                changed[row.household_id] = (self.areas.get(row.household_id), row.area)
                self.areas[row.household_id] = row.area
        if not changed:
            return []
        # One UPDATE per distinct area: flats of a building share a few sizes, and bulk_update's CASE is slow.
        by_area: dict[Decimal, list[int]] = {}
        for pk, (_old, new) in changed.items():
            by_area.setdefault(new, []).append(pk)
        for area, pks in by_area.items():
            Household.objects.filter(pk__in=pks).update(area=area)
        return [
            audit.Entry(
                "household.import_area",
                "places.household",
                str(pk),
                before={"area": old},
                after={"area": new, "import_job": self.job.pk},
            )
            for pk, (old, new) in changed.items()
        ]


def import_job_run(*, job_id: int, actor_id: int | None = None) -> ImportJob:
    """Task body: re-checks the file and imports its valid rows, BATCH_ROWS per transaction.

    Each batch is complete on its own, so a failure leaves the batches before it imported and the job FAILED.
    """
    job: ImportJob = ImportJob.objects.select_related("community", "target", "created_by").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    actor = actor or job.created_by
    try:
        scan = _scan(job, actor=actor)
        ImportJob.objects.filter(pk=job_id).update(
            errors=scan.errors,
            total_rows=scan.total_rows,
            valid_rows=len(scan.rows),
            processed_rows=0,
        )
        importer = _Importer(job, actor, scan.rows, scan.areas, scan.paths)
        done = 0
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
        _discard_upload(job)
        audit.record(
            actor=actor,
            verb="import_job.done",
            obj=job,
            community_id=job.community_id,
            after={"imported_rows": job.imported_rows, "valid_rows": job.valid_rows, "total_rows": job.total_rows},
        )
    return job


def error_text(error: dict[str, Any]) -> str:
    """One stored error as a sentence for lists and logs: 第7行 房号：房号“9999”不存在."""
    return _("第%(row)d行 %(column)s：%(message)s") % error
