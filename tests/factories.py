"""Builds test data through the services, so tests reach states the way users do."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign, user_create
from gongzhi.people.models import Person, Relation, Tag
from gongzhi.people.services import person_create
from gongzhi.places.models import Grid, Household, Place, PlaceKind
from gongzhi.places.services import grid_create, household_create, place_create
from gongzhi.rules import idcard

PASSWORD = "test-pass-2026"
_phones = itertools.count(13900000000)
_sequences = itertools.count(1)


def next_phone() -> str:
    return str(next(_phones))


def next_id_number(birth: datetime.date = datetime.date(1970, 5, 17), region: str = "510114") -> str:
    return idcard.generate(region, birth, next(_sequences) % 1000)


@dataclass
class Community:
    """A small community: one compound, two buildings of two units with two floors of two flats."""

    street: Place
    community: Place
    compound: Place
    buildings: list[Place]
    units: list[Place]
    households: list[Household]
    grid: Grid
    micro_grid: Grid
    people: list[Person] = field(default_factory=list)


def make_street(name: str = "测试街道") -> Place:
    return place_create(actor=None, parent=None, kind=PlaceKind.STREET, name=name)


def make_community(street: Place | None = None, name: str = "测试社区", residents_per_household: int = 1) -> Community:
    street = street or make_street(name + "街道")
    community = place_create(
        actor=None,
        parent=street,
        kind=PlaceKind.COMMUNITY,
        name=name,
        contact_phone="028-83900000",
        address=name + "1号",
    )
    compound = place_create(actor=None, parent=community, kind=PlaceKind.COMPOUND, name="花园小区")
    grid = grid_create(actor=None, community=community, name=name + "第一网格")
    micro = grid_create(actor=None, community=community, name=name + "微网格1", parent=grid, kind="micro_grid")
    buildings, units, households = [], [], []
    for b in (1, 2):
        building = place_create(actor=None, parent=compound, kind=PlaceKind.BUILDING, name=f"{b}栋")
        buildings.append(building)
        for u in (1, 2):
            unit = place_create(actor=None, parent=building, kind=PlaceKind.UNIT, name=f"{u}单元")
            units.append(unit)
            for floor in (1, 2):
                for flat in (1, 2):
                    households.append(
                        household_create(
                            actor=None,
                            place=unit,
                            room=f"{floor}0{flat}",
                            floor=floor,
                            area=Decimal("80.50") + flat,
                            grid=micro if b == 1 else grid,
                        )
                    )
    result = Community(street, community, compound, buildings, units, households, grid, micro)
    for household in households:
        for i in range(residents_per_household):
            result.people.append(
                make_person(community, household, relation=Relation.HEAD if i == 0 else Relation.MEMBER)
            )
    return result


def make_person(
    community: Place,
    household: Household | None = None,
    *,
    name: str = "张三明",
    relation: str = Relation.HEAD,
    tags: list[Tag] | None = None,
    phone: str | None = None,
) -> Person:
    return person_create(
        actor=None,
        community=community,
        name=name,
        id_number=next_id_number(),
        phone=next_phone() if phone is None else phone,
        household=household,
        relation=relation,
        tags=tags,
    )


def make_user(
    role: str | None = None,
    *,
    place: Place | None = None,
    grid: Grid | None = None,
    household: Household | None = None,
    name: str = "",
) -> User:
    user = user_create(actor=None, phone=next_phone(), password=PASSWORD, display_name=name or (role or "用户"))
    if role is not None:
        role_assign(actor=None, user=user, role=role, place=place, grid=grid, household=household)
    return user


def password_changed(user: User) -> User:
    """An account staff opened (must_change_password) whose owner has since chosen a password: the state every
    later visit is in. PasswordChangeRequiredMiddleware would otherwise send each of its requests to /password/."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
    return user


def builtin_tag(key: str) -> Tag:
    return Tag.objects.get(community=None, key=key)


def staff_of(c: Community) -> dict[str, User]:
    """One user per role, each on the node that role is normally given."""
    return {
        Role.SECRETARY: make_user(Role.SECRETARY, place=c.community),
        Role.SOCIAL_WORKER: make_user(Role.SOCIAL_WORKER, place=c.community),
        Role.GRID_WORKER: make_user(Role.GRID_WORKER, grid=c.micro_grid),
        Role.BUILDING_HEAD: make_user(Role.BUILDING_HEAD, place=c.buildings[0]),
        Role.PROPERTY: make_user(Role.PROPERTY, place=c.compound),
        Role.STREET_STAFF: make_user(Role.STREET_STAFF, place=c.street),
        Role.RESIDENT: make_user(Role.RESIDENT, household=c.households[0]),
    }
