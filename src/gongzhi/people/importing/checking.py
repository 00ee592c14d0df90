"""Checking rows: one pass over the sheet against the community as it is now, giving the valid rows and the errors.

The community (places, tags, people) is preloaded in a handful of queries; the checker remembers earlier rows so
that duplicates inside the file are reported with the row they repeat."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models import User
from gongzhi.people.errors import Code
from gongzhi.people.importing.sheet import (
    AREA,
    BUILDING,
    HEAD,
    ID_NUMBER,
    NAME,
    OWNER,
    PHONE,
    RELATION,
    RELATION_WORDS,
    ROOM,
    TAGS,
    UNIT,
    SheetError,
    cell_text,
    open_sheet,
    place_alias,
    unreadable,
)
from gongzhi.people.models import ImportJob, Ownership, Person, Relation, Tag
from gongzhi.people.predicates import visible_tag_categories
from gongzhi.people.services import PersonFields, validate_person_fields
from gongzhi.places.models import Household, Place, PlaceKind
from gongzhi.places.services import parse_area
from gongzhi.rules import idcard

PROGRESS_EVERY = 500
# A 10 MB sheet can hold a few hundred thousand rows; the import keeps its valid rows in memory.
MAX_ROWS = 100_000
# Beyond this the list only hurts the page; total_rows - valid_rows still counts every bad row.
MAX_STORED_ERRORS = 10_000
_TAG_SEPARATORS = re.compile(r"[、,，\s]+")
_FIELD_COLUMNS = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}
# Stand-ins that let validate_person_fields go on to the next field, so one pass reports every bad column.
_PLACEHOLDERS = {"name": "某", "id_number": idcard.generate("110101", datetime.date(1980, 1, 1), 1), "phone": ""}


@dataclass(slots=True)
class Row:
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
class Scan:
    total_rows: int = 0
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    areas: dict[int, Decimal | None] = field(default_factory=dict)
    paths: dict[int, tuple[str, str]] = field(default_factory=dict)


class _Checker:
    """Validates rows against the community as preloaded in a handful of queries; remembers earlier rows."""

    def __init__(self, *, community: Place, target: Place, actor: User | None, today: datetime.date):
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
                self.building_aliases.setdefault(place_alias(name), []).append(pk)
        self.units: dict[tuple[int, str], int] = {}
        self.unit_aliases: dict[tuple[int, str], int] = {}
        self.with_units: set[int] = set()
        for pk, name, parent_id in units:
            self.with_units.add(parent_id)
            self.units[(parent_id, name)] = pk
            self.unit_aliases.setdefault((parent_id, place_alias(name)), pk)
        self.households: dict[tuple[int, str], int] = {}
        self.household_paths: dict[int, tuple[str, str]] = {}
        self.areas: dict[int, Decimal | None] = {}
        for pk, place_id, room, place_path, grid_path, area in Household.objects.filter(
            community=community, place_path__under=target.path
        ).values_list("id", "place_id", "room", "place_path", "grid_path", "area"):
            self.households[(place_id, room)] = pk
            self.household_paths[pk] = (place_path, grid_path)
            self.areas[pk] = area

    def _load_tags(self, community: Place, actor: User | None) -> None:
        self.tags: dict[str, tuple[int, str]] = {}
        # Built-in first so a community's own tag of the same name wins.
        for pk, name, sensitive_as in (
            Tag.objects.filter(Q(community=None) | Q(community=community))
            .order_by("community_id", "id")
            .values_list("id", "name", "sensitive_as")
        ):
            self.tags[name] = (pk, sensitive_as)
        self.visible_categories = visible_tag_categories(actor, community) if actor is not None else set()

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

    def check(self, row_no: int, values: dict[str, str], raw_id: Any) -> tuple[Row | None, list[dict[str, Any]]]:
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
        return Row(
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
        ids = self.buildings.get(building_name) or self.building_aliases.get(place_alias(building_name), [])
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
            place_id = self.units.get((ids[0], unit_name)) or self.unit_aliases.get((ids[0], place_alias(unit_name)))
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


def scan_job(job: ImportJob, *, actor: User | None, progress: Callable[[int, int], None] | None = None) -> Scan:
    """Reads and checks the whole file; progress(processed, estimated_total) every PROGRESS_EVERY rows."""
    checker = _Checker(community=job.community, target=job.target, actor=actor, today=timezone.localdate())
    scan = Scan(areas=checker.areas, paths=checker.household_paths)
    with job.file.open("rb") as fileobj, open_sheet(fileobj) as (columns, estimate, rows):
        if progress is not None:
            progress(0, estimate)
        processed = 0
        try:
            for row_no, row in rows:
                processed += 1
                if progress is not None and processed % PROGRESS_EVERY == 0:
                    progress(processed, max(estimate, processed))
                values = {c: cell_text(row[i]) if i < len(row) else "" for c, i in columns.items()}
                if not any(values.values()):
                    continue
                scan.total_rows += 1
                if scan.total_rows > MAX_ROWS:
                    raise SheetError(
                        _("表格超过%(max)d行，请拆分后分批导入") % {"max": MAX_ROWS}, code=Code.TOO_MANY_ROWS
                    )
                raw_id = row[columns[ID_NUMBER]] if columns[ID_NUMBER] < len(row) else None
                parsed, errors = checker.check(row_no, values, raw_id)
                if parsed is not None:
                    scan.rows.append(parsed)
                elif len(scan.errors) < MAX_STORED_ERRORS:
                    scan.errors.extend(errors[: MAX_STORED_ERRORS - len(scan.errors)])
        except SheetError:
            raise
        except Exception as exc:  # a damaged part of the XML shows only while iterating
            raise unreadable() from exc
    return scan


def error_text(error: dict[str, Any]) -> str:
    """One stored error as a sentence for lists and logs: 第7行 房号：房号“9999”不存在."""
    return _("第%(row)d行 %(column)s：%(message)s") % error
