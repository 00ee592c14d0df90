"""The synthetic demo: shape of the four communities, valid identities, consistent paths, logins, idempotence."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from gongzhi.core.audit import verify_chains
from gongzhi.core.models import AuditEvent, RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.demo.people.build import build_community, build_street
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.logins import demo_logins
from gongzhi.demo.people.specs import DEMO_PASSWORD, CommunitySpec, CompoundSpec, lixiong_spec
from gongzhi.people.models import Ownership, Person, PersonTag, Relation
from gongzhi.places.models import Grid, GridKind, Household, Place, PlaceKind
from gongzhi.rules import idcard
from tests.queries import queries

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]
SMALL_LIXIONG = 600
MOBILE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, pinned_instant):
    """One small demo for the whole module, rolled back at the end (each test runs in a savepoint inside). Dated
    from the pinned instant, so built again for each instant of --at-every-instant."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield load_demo(residents_lixiong=SMALL_LIXIONG)
        transaction.set_rollback(True)


def _under(model, path: str, field: str = "place_path"):
    return model.objects.filter(**{f"{field}__under": path})


def _place(community: Place, name: str) -> Place:
    return Place.objects.get(community=community, name=name)


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def test_four_communities_of_the_right_kinds(built):
    assert built.created
    street = built.street
    assert (street.kind, street.name, street.parent_id, street.community_id) == (
        PlaceKind.STREET,
        "共治示范街道",
        None,
        None,
    )
    kinds = dict(Place.objects.filter(parent=street).values_list("name", "kind"))
    assert kinds == {
        "东环路社区": PlaceKind.COMMUNITY,
        "草堂路社区": PlaceKind.COMMUNITY,
        "瀝雄社区": PlaceKind.COMMUNITY,
        "杨西园村": PlaceKind.VILLAGE,
    }
    for community in built.communities.values():
        assert re.fullmatch(r"028-8\d{7}", community.contact_phone)
        assert community.address and community.office_hours


def test_compounds_named_in_the_articles(built):
    donghuanlu, caotanglu = built.communities["东环路社区"], built.communities["草堂路社区"]
    assert _place(donghuanlu, "花园颐院").kind == PlaceKind.COURTYARD
    # One 院落 per 院落集体卡 of the time bank (article 001: 15 courtyard cards), next to its compounds.
    assert Place.objects.filter(parent=donghuanlu, kind=PlaceKind.COURTYARD).count() == 15
    assert Place.objects.filter(parent=donghuanlu, kind=PlaceKind.COMPOUND).count() >= 1
    assert _place(caotanglu, "草堂东路133号院").kind == PlaceKind.COURTYARD
    assert Place.objects.filter(parent=caotanglu, kind=PlaceKind.COURTYARD).count() >= 3
    caotang_people = Person.objects.filter(community=caotanglu, household__isnull=False).count()
    assert 150 <= caotang_people <= 600
    lixiong = built.communities["瀝雄社区"]
    kinds = {c.floors > 6 for c in lixiong_spec(residents=SMALL_LIXIONG).compounds}
    assert kinds == {True, False}  # both 老旧小区 and new high-rise compounds
    assert Person.objects.filter(community=lixiong, household__isnull=False).count() == SMALL_LIXIONG


def test_huayuan_has_50_households_150_people_35_party_members(built):
    huayuan = _place(built.communities["东环路社区"], "花园颐院")
    assert _under(Household, huayuan.path).count() == 50
    assert _under(Person, huayuan.path).count() == 150
    party = PersonTag.objects.filter(tag__key="party", tag__community=None, person__place_path__under=huayuan.path)
    assert party.count() == 35
    assert all(_age(b, timezone.localdate()) >= 18 for b in party.values_list("person__birth_date", flat=True))


def test_village_has_22_natural_villages_and_28_groups(built):
    village = built.communities["杨西园村"]
    naturals = Place.objects.filter(community=village, kind=PlaceKind.NATURAL_VILLAGE)
    groups = Place.objects.filter(community=village, kind=PlaceKind.VILLAGER_GROUP)
    assert naturals.count() == 22
    assert groups.count() == 28
    per_village = Counter(groups.values_list("parent_id", flat=True))
    assert set(per_village) == set(naturals.values_list("pk", flat=True))
    assert sorted(Counter(per_village.values()).items()) == [(1, 16), (2, 6)]
    assert Person.objects.filter(community=village, household__isnull=False).count() == 3100
    assert not Household.objects.filter(community=village).exclude(place__kind=PlaceKind.VILLAGER_GROUP).exists()


def test_identities_are_valid_unique_and_consistent(built):
    today = timezone.localdate()
    persons = list(Person.objects.filter(community__in=built.communities.values()))
    assert len(persons) > 4000
    for person in persons:
        assert idcard.is_valid(person.id_number), person.id_number
        info = idcard.parse(person.id_number)
        assert (info.birth_date, info.sex) == (person.birth_date, person.sex)
        if person.phone:
            assert MOBILE.fullmatch(person.phone)
            assert _age(person.birth_date, today) >= 16
        assert 2 <= len(person.name) <= 4
    for community in built.communities.values():
        mine = [p for p in persons if p.community_id == community.pk]
        assert len({p.id_number for p in mine}) == len(mine)
        phones = [p.phone for p in mine if p.phone]
        assert len(set(phones)) == len(phones)
    minors = [p for p in persons if _age(p.birth_date, today) < 16]
    assert minors
    assert not any(p.phone for p in minors)


def test_place_paths_depths_and_communities(built):
    places = {p.pk: p for p in Place.objects.filter(path__under=built.street.path)}
    assert len(places) == built.counts["places"]
    for place in places.values():
        assert place.path.endswith(f"{place.pk}/")
        if place.parent_id is None:
            assert place.path == f"{place.pk}/"
            assert place.community_id is None
            continue
        parent = places[place.parent_id]
        assert place.path == parent.path + f"{place.pk}/"
        assert place.depth == parent.depth + 1
        if place.is_community:
            assert place.community_id == place.pk
        else:
            assert place.community_id == parent.community_id
            assert places[place.community_id].path in place.path


def test_grid_paths_and_sizes(built):
    grids = {g.pk: g for g in Grid.objects.filter(community__in=built.communities.values())}
    sizes = Counter(
        Household.objects.filter(community__in=built.communities.values()).values_list("grid_id", flat=True)
    )
    for grid in grids.values():
        if grid.parent_id is None:
            assert grid.kind == GridKind.GRID
            assert grid.path == f"{grid.community_id}/{grid.pk}/"
        else:
            assert grid.kind == GridKind.MICRO_GRID
            assert grid.path == grids[grid.parent_id].path + f"{grid.pk}/"
            assert 30 <= sizes[grid.pk] <= 100
    assert set(sizes) == {g.pk for g in grids.values() if g.kind == GridKind.MICRO_GRID}
    # Grids follow stairwells, not compound lines: at least one holds flats of two compounds.
    top = {}
    for h in Household.objects.filter(community=built.communities["东环路社区"]):
        top.setdefault(h.grid_id, set()).add(h.place_path.split("/")[2])
    assert any(len(compounds) > 1 for compounds in top.values())


def test_household_and_person_paths(built):
    households = {
        h.pk: h
        for h in Household.objects.filter(community__in=built.communities.values()).select_related("place", "grid")
    }
    assert len(households) == built.counts["households"]
    for h in households.values():
        assert h.place_path == h.place.path
        assert h.grid is not None
        assert h.grid_path == h.grid.path
        assert h.area is not None and h.area > 0 and h.area == h.area.quantize(Decimal("0.01"))
        if h.place.kind == PlaceKind.VILLAGER_GROUP:
            assert h.floor is None
        else:
            assert h.floor >= 1 and h.room[:-2] == str(h.floor)
    community_paths = {c.pk: c.path for c in built.communities.values()}
    for person in Person.objects.filter(community__in=built.communities.values()):
        if person.household_id is None:
            assert person.relation == Relation.NONE
            assert (person.place_path, person.grid_path) == (community_paths[person.community_id], "")
        else:
            h = households[person.household_id]
            assert (person.place_path, person.grid_path) == (h.place_path, h.grid_path)
            assert person.relation in (Relation.HEAD, Relation.MEMBER, Relation.TENANT)


def test_owners_of_record(built):
    ownerships = list(
        Ownership.objects.filter(community__in=built.communities.values()).select_related("household", "person")
    )
    per_household = Counter(o.household_id for o in ownerships)
    assert len(per_household) == built.counts["households"]
    shared = Counter(per_household.values())
    assert set(shared) == {1, 2}
    assert shared[2] < shared[1] * 0.15  # most flats have one owner of record, a few a couple
    assert all(o.place_path == o.household.place_path for o in ownerships)
    assert all(o.person.community_id == o.community_id == o.household.community_id for o in ownerships)
    assert any(n == 2 for n in Counter(o.person_id for o in ownerships).values())
    heads = Counter(
        Person.objects.filter(community__in=built.communities.values())
        .exclude(household=None)
        .values_list("household_id", "relation")
    )
    rented = {h for (h, relation) in heads if relation == Relation.TENANT}
    urban = set(
        Household.objects.filter(community__kind=PlaceKind.COMMUNITY, community__parent=built.street).values_list(
            "pk", flat=True
        )
    )
    assert 0.05 < len(rented & urban) / len(urban) < 0.18  # villages rent out far fewer homes
    for o in ownerships:
        if o.household_id in rented:
            assert o.person.household_id != o.household_id
            assert o.person.relation in (Relation.NONE, Relation.HEAD, Relation.MEMBER)
    outside = [o for o in ownerships if o.person.household_id is None]
    assert outside
    assert all(o.household_id in rented for o in outside)


def test_builtin_tags_at_plausible_rates(built):
    tags = Counter(
        PersonTag.objects.filter(community__in=built.communities.values()).values_list("tag__key", flat=True)
    )
    assert set(tags) == {"party", "living_alone", "disability", "low_income", "veteran"}
    residents = Person.objects.filter(community__in=built.communities.values()).exclude(household=None).count()
    assert 0.03 < tags["party"] / residents < 0.12
    assert all(n < residents * 0.1 for key, n in tags.items() if key != "party")
    assert not PersonTag.objects.filter(tag__community=None).exclude(community_id=F("person__community_id")).exists()


EXPECTED_LOGINS = [
    (Role.SECRETARY, "东环路社区"),
    (Role.SOCIAL_WORKER, "东环路社区"),
    (Role.GRID_WORKER, "东环路社区"),
    (Role.BUILDING_HEAD, "东环路社区"),
    (Role.GROUP_HEAD, "杨西园村"),
    (Role.PROPERTY, "瀝雄社区"),
    (Role.STREET_STAFF, "共治示范街道"),
    (Role.SECRETARY, "瀝雄社区"),
    (Role.VOLUNTEER, "东环路社区"),
    (Role.RESIDENT, "东环路社区"),
]


def test_one_login_per_role(built):
    rows = demo_logins()
    assert [r["phone"] for r in rows] == [f"138000000{n:02d}" for n in range(1, 11)]
    assert [(r["role_label"], r["community"]) for r in rows] == [
        (str(role.label), community) for role, community in EXPECTED_LOGINS
    ]
    assert all(r["password"] == DEMO_PASSWORD and r["note"] for r in rows)
    huayuan = _place(built.communities["东环路社区"], "花园颐院")
    for row, (role, _community) in zip(rows, EXPECTED_LOGINS, strict=True):
        user = User.objects.get(phone=row["phone"])
        assert user.check_password(DEMO_PASSWORD)
        assignment = RoleAssignment.objects.get(user=user)
        assert assignment.role == role
        if role == Role.GRID_WORKER:
            assert assignment.grid.community == built.communities["东环路社区"]
        elif role == Role.BUILDING_HEAD:
            assert assignment.place.kind == PlaceKind.BUILDING and assignment.place.parent == huayuan
        elif role == Role.GROUP_HEAD:
            assert assignment.place.kind == PlaceKind.VILLAGER_GROUP
        elif role == Role.PROPERTY:
            new_compounds = {c.name for c in lixiong_spec(residents=SMALL_LIXIONG).compounds if c.is_new}
            assert assignment.place.parent == built.communities["瀝雄社区"]
            assert assignment.place.name in new_compounds
        elif role == Role.STREET_STAFF:
            assert assignment.place == built.street
        elif role in (Role.VOLUNTEER, Role.RESIDENT):
            assert assignment.household.place_path.startswith(huayuan.path)
            person = Person.objects.get(account=user)
            assert person.household_id == assignment.household_id
            assert person.phone == user.phone
    resident = Person.objects.get(account__phone="13800000010")
    assert resident.relation == Relation.HEAD


def test_one_summary_audit_event_per_community_and_chains_hold(built):
    events = AuditEvent.objects.filter(verb="demo.load")
    assert sorted(e.community_id for e in events) == sorted(c.pk for c in built.communities.values())
    for event in events:
        community = Place.objects.get(pk=event.community_id)
        assert event.object_id == str(community.pk)
        assert event.after["households"] == Household.objects.filter(community=community).count()
        assert event.after["residents"] == Person.objects.filter(community=community).exclude(household=None).count()
    assert not AuditEvent.objects.filter(verb__in=["person.create", "household.create"]).exists()
    assert verify_chains() is None


def _row_counts() -> dict[str, int]:
    models = [Place, Grid, Household, Person, PersonTag, Ownership, User, RoleAssignment, AuditEvent]
    return {m.__name__: m.objects.count() for m in models}


def test_load_demo_is_idempotent(built):
    before = _row_counts()
    with queries() as q:
        again = load_demo(residents_lixiong=SMALL_LIXIONG * 2)
    # A ceiling rather than a count: a second load finds the street and builds nothing (10 queries today); the
    # reads it makes to find out are the loader's own business.
    assert q.count <= 20, q.report()
    assert not again.created
    assert again.street == built.street
    assert again.counts == built.counts
    assert _row_counts() == before


def test_command_lists_logins_when_already_loaded(built):
    call_command("load_demo", "--quiet")  # adds the 议事厅 demo, which the fixture's build leaves out
    before = _row_counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "13800000001" in text and "13800000010" in text and DEMO_PASSWORD in text
    quiet = StringIO()
    call_command("load_demo", "--quiet", stdout=quiet)
    assert quiet.getvalue() == ""
    assert _row_counts() == before


def _small_spec(scale: int) -> CommunitySpec:
    return CommunitySpec(
        compounds=(
            CompoundSpec(name="试验小区", buildings=2 * scale, units=2, floors=5, flats_per_floor=2),
            CompoundSpec(
                name="试验院落",
                kind=PlaceKind.COURTYARD,
                buildings=scale,
                units=0,
                floors=4,
                flats_per_floor=2,
                people=40 * scale,
                party_members=5 * scale,
            ),
        )
    )


def test_generator_scales_proportionally():
    street = build_street(name="比例测试街道", seed=7)
    one = build_community(street=street, name="一倍社区", spec=_small_spec(1), seed=7)
    two = build_community(street=street, name="两倍社区", spec=_small_spec(2), seed=7)
    h1, h2 = (Household.objects.filter(community=c).count() for c in (one, two))
    assert (h1, h2) == (48, 96)
    p1, p2 = (Person.objects.filter(community=c).exclude(household=None).count() for c in (one, two))
    assert 1.6 < p2 / p1 < 2.4
    for community, scale in ((one, 1), (two, 2)):
        yard = Place.objects.get(community=community, name="试验院落")
        assert _under(Person, yard.path).count() == 40 * scale
        assert PersonTag.objects.filter(tag__key="party", person__place_path__under=yard.path).count() == 5 * scale
    small, large = lixiong_spec(residents=3000), lixiong_spec(residents=6000)
    assert sum(c.people or 0 for c in small.compounds) == 3000
    assert sum(c.people or 0 for c in large.compounds) == 6000
    assert 1.7 < large.households / small.households < 2.3


def test_spec_that_cannot_fit_is_refused():
    street = build_street(name="无效街道", seed=1)
    spec = CommunitySpec(
        compounds=(CompoundSpec(name="小院", buildings=1, units=0, floors=2, flats_per_floor=2, people=3),)
    )
    with pytest.raises(ValueError, match="do not fit"):
        build_community(street=street, name="无效社区", spec=spec, seed=1)
    assert not Place.objects.filter(name="无效社区").exists()
