"""Spreadsheet exports (.xlsx bytes from openpyxl write-only workbooks): residents, households, Party members.

Callers pass querysets already scoped to what the actor may see; these functions decide what is shown in full
(per the actor's reveal permissions in the community) and log every full sensitive column (PIPL Art. 28).
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from gongzhi.core import audit
from gongzhi.core.columns import export_columns
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import SensitiveAccess, User
from gongzhi.people.models import Ownership, Person, PersonTag, Relation, SensitiveAs
from gongzhi.people.predicates import can_reveal_in, visible_tag_categories
from gongzhi.places.models import Grid, Household, Place, PlaceKind

CHUNK = 2000
# Column headers match the import's so an exported sheet reads as a 台账; they are a file format, not UI text.
PEOPLE_COLUMNS = ["姓名", "性别", "出生日期", "身份证号", "手机号", "楼栋", "单元", "房号", "身份", "标签"]
PEOPLE_WIDTHS = [12, 6, 12, 22, 14, 12, 10, 8, 10, 24]
HOUSEHOLD_COLUMNS = ["楼栋", "单元", "房号", "楼层", "面积(m²)", "网格", "户主", "人数", "产权人数"]
HOUSEHOLD_WIDTHS = [12, 10, 8, 6, 10, 16, 10, 6, 8]

T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Sheet:
    """A write-only sheet whose text cells can never turn into formulas."""

    def __init__(self, title: str, header: Sequence[str], widths: Sequence[int]):
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title=title)
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for text in header:
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.font = bold
            cells.append(cell)
        self.sheet.append(cells)
        self.rows = 0

    def append(self, values: Sequence[Any]) -> None:
        self.sheet.append([self._cell(v) for v in values])
        self.rows += 1

    def _cell(self, value: Any) -> Any:
        # openpyxl stores any string starting with "=" as a formula; a resident named "=HYPERLINK(...)" must
        # not become a live link or a DDE payload in the staff member's Excel.
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()


class _Places:
    """Building and unit names of a community's places, fetched once."""

    def __init__(self, community: Place):
        self.places: dict[int, tuple[str, str, int | None]] = {
            pk: (kind, name, parent_id)
            for pk, kind, name, parent_id in Place.objects.filter(community=community).values_list(
                "id", "kind", "name", "parent_id"
            )
        }

    def building_and_unit(self, place_id: int | None) -> tuple[str, str]:
        place = self.places.get(place_id) if place_id is not None else None
        if place is None:
            return "", ""
        kind, name, parent_id = place
        if kind == PlaceKind.UNIT:
            parent = self.places.get(parent_id) if parent_id is not None else None
            return (parent[1] if parent else ""), name
        return name, ""


def _log_export(
    *, actor: User, community: Place, kinds: list[str], rows: int, object_type: str, purpose: str, verb: str
) -> None:
    """One SensitiveAccess row per field kind shown in full, and one audit event for the export itself."""
    with transaction.atomic():
        SensitiveAccess.objects.bulk_create(
            [
                SensitiveAccess(
                    community=community,
                    actor=actor,
                    object_type=object_type,
                    object_id=str(rows),
                    field=f"export:{kind}",
                    purpose=purpose[:100],
                )
                for kind in kinds
            ]
        )
        audit.record(
            actor=actor,
            verb=verb,
            community_id=community.pk,
            object_type=object_type,
            object_id=str(rows),
            after={"rows": rows, "full_fields": kinds},
        )


def _write_people(sheet: _Sheet, *, actor: User, community: Place, people: QuerySet[Person]) -> list[str]:
    """Writes one row per person; returns the sensitive field kinds that went out in full."""
    columns = export_columns(actor, community)
    categories = visible_tag_categories(actor, community)
    places = _Places(community)
    shown: set[str] = set()
    queryset = people.filter(community=community).select_related("household")
    for chunk in _chunks(queryset.iterator(chunk_size=CHUNK), CHUNK):
        tags: dict[int, list[str]] = defaultdict(list)
        for person_id, name, sensitive_as in (
            PersonTag.objects.filter(person_id__in=[p.pk for p in chunk])
            .order_by("tag__community_id", "tag_id")
            .values_list("person_id", "tag__name", "tag__sensitive_as")
        ):
            if sensitive_as and sensitive_as not in categories:
                continue
            if sensitive_as:
                shown.add(sensitive_as)
            tags[person_id].append(name)
        for person in chunk:
            household = person.household
            building, unit = places.building_and_unit(household.place_id if household else None)
            sheet.append(
                [
                    columns.name(person.name),
                    str(person.get_sex_display()),
                    person.birth_date.isoformat(),
                    columns.id_number(person.id_number),
                    columns.phone(person.phone),
                    building,
                    unit,
                    household.room if household else "",
                    str(person.get_relation_display()),
                    "、".join(tags[person.pk]),
                ]
            )
    if not sheet.rows:
        return []
    kinds = [kind for kind in ("id_number", "phone") if columns.shows(kind)]
    return kinds + sorted(shown)


def people_workbook(*, actor: User, community: Place, people: QuerySet[Person], purpose: str = "") -> bytes:
    """Residents as .xlsx; ID number, phone and sensitive tags in full only where the actor may reveal them."""
    sheet = _Sheet(_("居民"), PEOPLE_COLUMNS, PEOPLE_WIDTHS)
    kinds = _write_people(sheet, actor=actor, community=community, people=people)
    data = sheet.to_bytes()
    # Logged after the workbook is built: a short write transaction instead of one held for the whole export.
    _log_export(
        actor=actor,
        community=community,
        kinds=kinds,
        rows=sheet.rows,
        object_type="people.person_export",
        purpose=purpose,
        verb="person.export",
    )
    return data


def party_members_workbook(*, actor: User, community: Place, purpose: str = "") -> bytes:
    """Party members the actor can see, as .xlsx; only roles that may reveal Party membership get it."""
    if not can_reveal_in(actor, community, "party"):
        raise PermissionDenied(_("您的角色无权导出党员名单"))
    members = Person.objects.visible_to(actor).filter(
        community=community,
        pk__in=PersonTag.objects.filter(community=community, tag__sensitive_as=SensitiveAs.PARTY).values("person_id"),
    )
    sheet = _Sheet(_("党员"), PEOPLE_COLUMNS, PEOPLE_WIDTHS)
    kinds = _write_people(sheet, actor=actor, community=community, people=members)
    if sheet.rows and SensitiveAs.PARTY not in kinds:
        kinds.append(SensitiveAs.PARTY)  # the list itself says who is a member
    data = sheet.to_bytes()
    _log_export(
        actor=actor,
        community=community,
        kinds=[str(k) for k in kinds],
        rows=sheet.rows,
        object_type="people.party_export",
        purpose=purpose,
        verb="person.export",
    )
    return data


def households_workbook(*, actor: User, community: Place, households: QuerySet[Household], purpose: str = "") -> bytes:
    """Households as .xlsx with their head's name (as core.columns gives it to the actor) and resident and owner
    counts."""
    columns = export_columns(actor, community)
    places = _Places(community)
    grids = dict(Grid.objects.filter(community=community).values_list("id", "name"))
    sheet = _Sheet(_("户"), HOUSEHOLD_COLUMNS, HOUSEHOLD_WIDTHS)
    for chunk in _chunks(households.filter(community=community).iterator(chunk_size=CHUNK), CHUNK):
        ids = [h.pk for h in chunk]
        residents: Counter[int] = Counter()
        heads: dict[int, str] = {}
        for household_id, relation, name in (
            Person.objects.filter(household_id__in=ids).order_by("id").values_list("household_id", "relation", "name")
        ):
            residents[household_id] += 1
            if relation == Relation.HEAD:
                heads.setdefault(household_id, name)
        owners = dict(
            Ownership.objects.filter(household_id__in=ids)
            .order_by()
            .values("household_id")
            .annotate(n=Count("id"))
            .values_list("household_id", "n")
        )
        for household in chunk:
            building, unit = places.building_and_unit(household.place_id)
            sheet.append(
                [
                    building,
                    unit,
                    household.room,
                    household.floor,
                    household.area,
                    grids.get(household.grid_id, "") if household.grid_id else "",
                    columns.name(heads[household.pk]) if household.pk in heads else "",
                    residents[household.pk],
                    owners.get(household.pk, 0),
                ]
            )
    data = sheet.to_bytes()
    _log_export(
        actor=actor,
        community=community,
        kinds=[],
        rows=sheet.rows,
        object_type="places.household_export",
        purpose=purpose,
        verb="household.export",
    )
    return data
