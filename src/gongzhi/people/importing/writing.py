"""Writing valid rows, batch by batch, with one audit entry per person, ownership and household area."""

from __future__ import annotations

from decimal import Decimal

from gongzhi.core import audit
from gongzhi.core.models import User
from gongzhi.people.importing.checking import Row
from gongzhi.people.models import ImportJob, Ownership, Person, PersonTag
from gongzhi.people.services import PERSON_AUDIT_FIELDS
from gongzhi.places.models import Household

_PERSON_SNAPSHOT_FIELDS = [f for f in PERSON_AUDIT_FIELDS if f != "household"]


class RowWriter:
    """Writes valid rows batch by batch; a person is created at the first row naming their ID number."""

    def __init__(
        self,
        job: ImportJob,
        actor: User | None,
        rows: list[Row],
        areas: dict[int, Decimal | None],
        paths: dict[int, tuple[str, str]],
    ):
        self.job, self.actor, self.areas, self.paths = job, actor, areas, paths
        self.community = job.community
        # Where a person lives comes from their resident row, wherever it is in the sheet.
        self.source: dict[str, Row] = {}
        self.tags: dict[str, list[int]] = {}
        for row in rows:
            if row.is_owner:
                self.source.setdefault(row.id_number, row)
            else:  # validation lets through at most one resident row per ID number
                self.source[row.id_number] = row
            tags = self.tags.setdefault(row.id_number, [])
            tags.extend(t for t in row.tag_ids if t not in tags)
        self.person_ids: dict[str, int] = {}

    def _new_person(self, row: Row) -> Person:
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

    def write(self, batch: list[Row]) -> None:
        community_id = self.community.pk
        new: list[tuple[Person, Row]] = []
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
        ownerships: list[tuple[Ownership, Row]] = []
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

    def _update_areas(self, batch: list[Row]) -> list[audit.Entry]:
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
