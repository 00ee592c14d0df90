"""What the demo's communities share: the service types and skills, who lives where, the volunteer register."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from gongzhi.demo import bulk
from gongzhi.demo.timebank.book import Book
from gongzhi.demo.timebank.history import Rows
from gongzhi.people.models import Person, PersonTag
from gongzhi.places.models import Place
from gongzhi.timebank.models.skills import ServiceType, Skill
from gongzhi.timebank.models.volunteers import Volunteer

__all__ = ["DEFAULT_TYPES", "Community", "age_of", "cycle", "service_types", "volunteer"]

# (name, points per hour, required skill): the default set of `services.service_types_default`.
DEFAULT_TYPES = (
    ("保洁/环境整治", 10, None),
    ("门前三包", 10, None),
    ("助老陪伴", 15, None),
    ("代购代办", 10, None),
    ("理发", 20, "理发"),
    ("助浴", 30, "助浴"),
    ("康复理疗", 30, "康复理疗"),
)


def service_types(community: Place) -> dict[str, ServiceType]:
    """The community's default service types: through the skills part's service when it is there, and any the
    demo needs that it did not make."""
    from gongzhi.timebank.services.skills import service_types_default

    service_types_default(community)
    types = {t.name: t for t in ServiceType.objects.filter(community=community)}
    skills = {s.name: s for s in Skill.objects.filter(community=community)}
    for order, (name, rate, skill) in enumerate(DEFAULT_TYPES, 1):
        if skill and skill not in skills:
            skills[skill] = bulk.create(Skill, community=community, name=skill)
        if name not in types:
            types[name] = bulk.create(
                ServiceType,
                community=community,
                name=name,
                points_per_hour=rate,
                required_skill=skills[skill] if skill else None,
                sort_order=order,
            )
    return types


def age_of(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class cycle:
    """Endless draws from a shuffled pool, each member once before any twice (so a pool is covered)."""

    def __init__(self, pool: list[Any], rng: random.Random) -> None:
        self.pool, self.rng, self.i = list(pool), rng, 0
        rng.shuffle(self.pool)

    def take(self, n: int) -> list[Any]:
        out = []
        for _ in range(min(n, len(self.pool))):
            if self.i == len(self.pool):
                self.i = 0
                self.rng.shuffle(self.pool)
            out.append(self.pool[self.i])
            self.i += 1
        return out


@dataclass
class Community:
    place: Place
    rng: random.Random
    rows: Rows
    book: Book
    users: dict[int, Any]
    today: datetime.date = field(default_factory=timezone.localdate)
    now: datetime.datetime = field(default_factory=timezone.now)
    persons: list[Person] = field(default_factory=list)
    tags: dict[int, set[str]] = field(default_factory=dict)
    types: dict[str, ServiceType] = field(default_factory=dict)
    volunteers: dict[int, Volunteer] = field(default_factory=dict)  # by person pk

    def load(self) -> None:
        self.persons = list(
            Person.objects.filter(community=self.place).select_related("household__place").order_by("pk")
        )
        tags: dict[int, set[str]] = defaultdict(set)
        for person_id, key in PersonTag.objects.filter(community=self.place, tag__community=None).values_list(
            "person_id", "tag__key"
        ):
            tags[person_id].add(key)
        self.tags = tags
        self.types = service_types(self.place)

    def age(self, person: Person) -> int:
        return age_of(person.birth_date, self.today)

    def residents(self) -> list[Person]:
        return [p for p in self.persons if p.household_id is not None]

    def top_place_id(self, person: Person) -> int:
        """The 小区/院落/自然村 a person lives in (the path's step after the community)."""
        return int(person.place_path[len(self.place.path) :].split("/")[0])


def volunteer(c: Community, person: Person, number: str, registered: datetime.date, **fields: Any) -> Volunteer:
    row: Volunteer = c.rows.add(
        Volunteer(
            community=c.place,
            person=person,
            number=number,
            registered_on=registered,
            registered_by=c.users.get(2) or c.users.get(15),
            created_at=datetime.datetime.combine(registered, datetime.time(10), tzinfo=timezone.get_current_timezone()),
            **fields,
        )
    )
    c.volunteers[person.pk] = row
    return row
