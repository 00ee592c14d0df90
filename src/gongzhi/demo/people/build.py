"""Synthetic demo data: one street of four communities modelled on the seed articles, built in bulk.

Every name, ID number and phone comes from a seeded random.Random, so no row describes a real person.
`manage.py load_demo`, the tests and the benchmarks all build through `build_community`.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.core import audit
from gongzhi.demo import bulk
from gongzhi.demo.people.specs import (
    OFFICE_HOURS,
    CommunitySpec,
    CompoundSpec,
    NaturalVillageSpec,
    cn_numeral,
    split_evenly,
)
from gongzhi.people.models import Ownership, Person, PersonTag, Relation, Sex, Tag
from gongzhi.places.models import COMMUNITY_KINDS, Grid, GridKind, Household, Place, PlaceKind
from gongzhi.places.services import place_create
from gongzhi.rules import idcard
from gongzhi.rules.volunteer_age import latest_birth_date

# ------------------------------------------------------------------------------------ synthetic names

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔"
)
# Zipf-like weights: 王/李/张 are far commoner than 孔.
_SURNAME_WEIGHTS = [1 / (i + 8) for i in range(len(_SURNAMES))]
_GIVEN_MALE = "伟刚勇毅俊峰强军平东文辉力明永健世广志义兴良海山仁波宁贵福生龙元国胜学祥才发武新利清飞彬富顺信杰涛昌成康星光天达安岩中茂进林有坚和博诚先敬振壮思群豪心邦承乐功松善厚庆磊民友裕河哲江超浩亮政谦奇宏言鸣朋斌栋维启克伦翔旭鹏泽晨辰建家致树德行泰盛雄钧冠腾航弘"  # noqa: E501
_GIVEN_FEMALE = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱霞香月媛艳瑞佳嘉琼勤珍莉桂叶璐琦晶妍茜秋珊锦青倩婷婉娴瑾颖露瑶怡雁仪荷丹蓉君琴蕊薇菁梦岚馨韵悦冰琬茗欣滢筠晓欢芸菲宜舒丽妮蕾"  # noqa: E501
_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
# Where migrants' ID numbers come from (prefecture codes of GB/T 2260).
_MIGRANT_REGIONS = ("511381", "500101", "430124", "411302", "360121", "452122", "522401", "341221", "421281")


def _given(rng: random.Random, sex: str) -> str:
    chars = _GIVEN_MALE if sex == Sex.MALE else _GIVEN_FEMALE
    return rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")


class _Identities:
    """Unique-per-community ID numbers and mobile numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.phones: set[str] = set()

    def id_number(self, region: str, birth: datetime.date, sex: str) -> str:
        while True:
            # GB 11643: an odd sequence code is male, an even one female.
            number = idcard.generate(region, birth, self.rng.randrange(500) * 2 + (sex == Sex.MALE))
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            # 1380000xxxx is kept for the demo logins.
            if number not in self.phones and not number.startswith("1380000"):
                self.phones.add(number)
                return number


def synthetic_persons(community: Place, *, ages: list[int], rng: random.Random, region: str = "510114") -> list[Person]:
    """Unsaved registered persons of `community` without a household (e.g. 在职党员 of a unit Party organization
    who serve here), one per age, with ID numbers and phones unique in the community."""
    ident = _Identities(rng)
    ident.ids.update(Person.objects.filter(community=community).values_list("id_number", flat=True))
    ident.phones.update(Person.objects.filter(community=community).exclude(phone="").values_list("phone", flat=True))
    today = timezone.localdate()
    persons = []
    for age in ages:
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        birth = latest_birth_date(today, age) - datetime.timedelta(days=rng.randrange(1, 360))
        persons.append(
            Person(
                community=community,
                name=rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0] + _given(rng, sex),
                sex=sex,
                birth_date=birth,
                id_number=ident.id_number(region, birth, sex),
                phone=ident.phone(),
                household=None,
                relation=Relation.NONE,
                place_path=community.path,
                grid_path="",
            )
        )
    return persons


# ----------------------------------------------------------------------------------------- the trees


def _insert_places(places: list[Place]) -> list[Place]:
    """One level of the tree: pks come back from bulk_create (SQLite ≥ 3.35, PostgreSQL), then the paths."""
    bulk.insert(Place, places, batch_size=500)
    for place in places:
        assert place.parent is not None
        place.path = place.parent.path + f"{place.pk}/"
    bulk.update(Place, places, ["path"], batch_size=500)
    return places


@dataclass
class _Slot:
    """A household before it exists: where it is, and which block (compound or natural village) it is in."""

    place: Place
    room: str
    floor: int | None
    area: Decimal
    block: int


def _area(rng: random.Random, bounds: tuple[str, str]) -> Decimal:
    low, high = (int(Decimal(b) * 100) for b in bounds)
    return Decimal(rng.randint(low, high)) / 100


def _child(parent: Place, kind: str, name: str, index: int) -> Place:
    return Place(
        kind=kind, name=name, parent=parent, community=parent.community, depth=parent.depth + 1, sort_key=f"{index:04d}"
    )


def _build_places(community: Place, spec: CommunitySpec, rng: random.Random) -> list[_Slot]:
    top = [_child(community, c.kind, c.name, i) for i, c in enumerate(spec.compounds, 1)]
    for c, place in zip(spec.compounds, top, strict=True):
        place.address = c.address
    top += [
        _child(community, PlaceKind.NATURAL_VILLAGE, v.name, len(top) + i)
        for i, v in enumerate(spec.natural_villages, 1)
    ]
    _insert_places(top)
    compounds, villages = top[: len(spec.compounds)], top[len(spec.compounds) :]

    buildings = [
        (_child(place, PlaceKind.BUILDING, f"{b}栋", b), block)
        for block, place in enumerate(compounds)
        for b in range(1, spec.compounds[block].buildings + 1)
    ]
    _insert_places([b for b, _block in buildings])
    units = [
        (_child(building, PlaceKind.UNIT, f"{u}单元", u), building, block)
        for building, block in buildings
        for u in range(1, spec.compounds[block].units + 1)
    ]
    _insert_places([u for u, _b, _block in units])
    group_no = 0
    groups = []
    for i, (village, v) in enumerate(zip(villages, spec.natural_villages, strict=True)):
        for households in v.groups:
            group_no += 1
            place = _child(village, PlaceKind.VILLAGER_GROUP, f"第{cn_numeral(group_no)}村民小组", group_no)
            groups.append((place, households, len(compounds) + i))
    _insert_places([g for g, _n, _block in groups])

    # Flats are listed building by building, so consecutive micro-grids follow the stairwells.
    units_of: dict[int, list[Place]] = {}
    for unit, building, _block in units:
        units_of.setdefault(id(building), []).append(unit)
    slots: list[_Slot] = []
    for building, block in buildings:
        c = spec.compounds[block]
        # Flats stacked above each other share a floor plan, hence an area.
        plan = [_area(rng, c.area) for _ in range(c.flats_per_floor)]
        for holder in units_of.get(id(building), [building]):
            for floor in range(1, c.floors + 1):
                for flat in range(1, c.flats_per_floor + 1):
                    slots.append(_Slot(holder, f"{floor}{flat:02d}", floor, plan[flat - 1], block))
    for group, households, block in groups:
        v = spec.natural_villages[block - len(compounds)]
        slots += [_Slot(group, f"{n}号", None, _area(rng, v.area), block) for n in range(1, households + 1)]
    return slots


def _build_grids(community: Place, households: int, spec: CommunitySpec) -> list[Grid]:
    """Returns the micro-grid of each household in order: ~micro_grid_households each, grouped into grids."""
    if households == 0:
        return []
    n_micro = max(1, round(households / spec.micro_grid_households))
    n_grids = max(1, round(households / spec.grid_households))
    while n_grids < n_micro and households / n_grids > spec.grid_households * 1.25:
        n_grids += 1
    n_grids = min(n_grids, n_micro)
    roots = [
        Grid(community=community, kind=GridKind.GRID, name=f"第{cn_numeral(g)}网格", depth=0)
        for g in range(1, n_grids + 1)
    ]
    bulk.insert(Grid, roots)
    for root in roots:
        root.path = f"{community.pk}/{root.pk}/"
    bulk.update(Grid, roots, ["path"])
    micros: list[Grid] = []
    for g, (root, count) in enumerate(zip(roots, split_evenly(n_micro, n_grids), strict=True), 1):
        micros += [
            Grid(
                community=community,
                kind=GridKind.MICRO_GRID,
                name=f"第{cn_numeral(g)}网格{m}号微网格",
                parent=root,
                depth=1,
            )
            for m in range(1, count + 1)
        ]
    bulk.insert(Grid, micros, batch_size=500)
    for micro in micros:
        assert micro.parent is not None
        micro.path = micro.parent.path + f"{micro.pk}/"
    bulk.update(Grid, micros, ["path"], batch_size=500)
    return [micro for micro, size in zip(micros, split_evenly(households, n_micro), strict=True) for _ in range(size)]


# ---------------------------------------------------------------------------------------------- people


def _household_sizes(spec: CommunitySpec, slots: list[_Slot], rng: random.Random) -> list[int]:
    blocks: list[CompoundSpec | NaturalVillageSpec] = [*spec.compounds, *spec.natural_villages]
    sizes = [0] * len(slots)
    by_block: dict[int, list[int]] = {}
    for i, slot in enumerate(slots):
        by_block.setdefault(slot.block, []).append(i)
    # 1 + Binomial(5, p) has the right mean and leaves room for single elderly and three generations.
    p = min(max((spec.residents_per_household - 1) / 5, 0.0), 1.0)
    for block, members in by_block.items():
        exact = blocks[block].people
        if exact is None:
            for i in members:
                sizes[i] = 1 + sum(rng.random() < p for _ in range(5))
            continue
        if not len(members) <= exact <= 6 * len(members):
            raise ValueError(f"{blocks[block].name}: {exact} residents do not fit {len(members)} households")
        for i in members:
            sizes[i] = 1
        for _ in range(exact - len(members)):
            while True:
                i = rng.choice(members)
                if sizes[i] < 6:
                    sizes[i] += 1
                    break
    return sizes


def _family(rng: random.Random, size: int, style: str) -> list[tuple[int, str]]:
    """(age, sex) of each member, head first: a couple, their children, sometimes a grandparent or grandchild."""
    mode = {"new": 38, "village": 52}.get(style, 50)
    head_age = int(rng.triangular(25, 90, mode))
    head_sex = Sex.MALE if rng.random() < (0.45 if size == 1 else 0.65) else Sex.FEMALE
    other = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
    members: list[tuple[int, str]] = [(head_age, head_sex)]
    if size >= 2:
        members.append((min(95, max(20, head_age + rng.randint(-5, 5))), other))
    if size >= 5 and head_age <= 62:
        members.append((head_age + rng.randint(24, 32), rng.choice((Sex.MALE, Sex.FEMALE))))
    children = 0
    while len(members) < size:
        # In a three-generation household the later "children" are grandchildren.
        age = head_age - (rng.randint(48, 60) if head_age >= 58 and children >= 1 else rng.randint(22, 38))
        members.append((age if age >= 0 else rng.randint(0, 3), rng.choice((Sex.MALE, Sex.FEMALE))))
        children += 1
    return members


@dataclass
class _People:
    persons: list[Person] = field(default_factory=list)
    ages: list[int] = field(default_factory=list)
    household: list[int] = field(default_factory=list)  # index into households, -1 for non-resident owners


def _populate(
    community: Place,
    spec: CommunitySpec,
    slots: list[_Slot],
    households: list[Household],
    rng: random.Random,
    today: datetime.date,
) -> dict[str, int]:
    ident = _Identities(rng)
    blocks: list[CompoundSpec | NaturalVillageSpec] = [*spec.compounds, *spec.natural_villages]
    styles = ["new" if c.is_new else "old" for c in spec.compounds] + ["village"] * len(spec.natural_villages)
    people = _People()

    def add(*, age: int, sex: str, surname: str, region: str, relation: str, household: int) -> int:
        start = latest_birth_date(today, age + 1) + datetime.timedelta(days=1)
        birth = start + datetime.timedelta(days=rng.randrange((latest_birth_date(today, age) - start).days + 1))
        # Under-16s get no phone; some of the very old have none either.
        has_phone = age >= 16 and (age < 80 or rng.random() < 0.6)
        hh = households[household] if household >= 0 else None
        people.persons.append(
            Person(
                community=community,
                name=surname + _given(rng, sex),
                sex=sex,
                birth_date=birth,
                id_number=ident.id_number(region, birth, sex),
                phone=ident.phone() if has_phone else "",
                household=hh,
                relation=relation,
                place_path=hh.place_path if hh else community.path,
                grid_path=hh.grid_path if hh else "",
            )
        )
        people.ages.append(age)
        people.household.append(household)
        return len(people.persons) - 1

    def surname() -> str:
        return rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0]

    def region() -> str:
        return rng.choice(_MIGRANT_REGIONS) if rng.random() < spec.migrant_share else spec.region_code

    sizes = _household_sizes(spec, slots, rng)
    members_of: list[list[int]] = []
    owned: list[int | None] = []  # owner person index of each household, None when rented
    co_owned: dict[int, int] = {}
    rented: list[int] = []
    for h, (slot, size) in enumerate(zip(slots, sizes, strict=True)):
        is_rented = rng.random() < spec.rented_rate
        family_region, family_name = region(), surname()
        members: list[int] = []
        for k, (age, sex) in enumerate(_family(rng, size, styles[slot.block])):
            relation = (Relation.TENANT if is_rented else Relation.HEAD) if k == 0 else Relation.MEMBER
            own_name = family_name if k != 1 else surname()  # the spouse keeps their own surname
            members.append(
                add(age=age, sex=sex, surname=own_name, region=family_region, relation=relation, household=h)
            )
        members_of.append(members)
        if is_rented:
            rented.append(h)
            owned.append(None)
        else:
            spouse_owns = len(members) > 1 and rng.random() < 0.2
            owned.append(members[1] if spouse_owns else members[0])
            if len(members) > 1 and rng.random() < 0.06:  # a couple registered as joint owners
                co_owned[h] = members[0] if spouse_owns else members[1]

    # A rented flat belongs to a resident who owns a second one, or to an owner living elsewhere.
    single_owners = [o for o in owned if o is not None]
    rng.shuffle(single_owners)
    non_residents = 0
    last_outside: int | None = None
    for h in rented:
        if single_owners and rng.random() < 0.3:
            owned[h] = single_owners.pop()
        elif last_outside is not None and rng.random() < 0.15:
            owned[h], last_outside = last_outside, None  # this outside owner now holds two flats
        else:
            age = rng.randint(35, 78)
            owned[h] = last_outside = add(
                age=age,
                sex=rng.choice((Sex.MALE, Sex.FEMALE)),
                surname=surname(),
                region=region(),
                relation=Relation.NONE,
                household=-1,
            )
            non_residents += 1

    bulk.insert(Person, people.persons, batch_size=1000)
    persons, ages = people.persons, people.ages
    ownerships = []
    for h, owner in enumerate(owned):
        assert owner is not None
        years = rng.randint(1, max(1, min(28, ages[owner] - 22)))
        since = datetime.date(today.year - years, rng.randint(1, 12), 1)
        ownerships += [
            Ownership(
                community=community,
                household=households[h],
                person=persons[i],
                place_path=households[h].place_path,
                since=since,
            )
            for i in (owner, co_owned.get(h))
            if i is not None
        ]
    bulk.insert(Ownership, ownerships, batch_size=1000)

    tag = {
        t.key: t
        for t in Tag.objects.filter(
            community=None, key__in=["party", "living_alone", "disability", "low_income", "veteran"]
        )
    }
    tagged: list[tuple[int, str]] = []
    residents = [i for i, h in enumerate(people.household) if h >= 0]
    adults_of: dict[int, list[int]] = {}
    for i in residents:
        if ages[i] >= 18:
            adults_of.setdefault(slots[people.household[i]].block, []).append(i)
    for block, b in enumerate(blocks):
        adults = adults_of.get(block, [])
        if b.party_members is not None:
            if b.party_members > len(adults):
                raise ValueError(f"{b.name}: {b.party_members} party members but {len(adults)} adults")
            tagged += [(i, "party") for i in rng.sample(adults, b.party_members)]
        else:
            tagged += [(i, "party") for i in adults if rng.random() < spec.party_rate]
    low_income = {h for h in range(len(households)) if rng.random() < 0.015}
    for i in residents:
        age, h = ages[i], people.household[i]
        if age >= 60 and len(members_of[h]) == 1:
            tagged.append((i, "living_alone"))
        if rng.random() < (0.04 if age >= 60 else 0.01):
            tagged.append((i, "disability"))
        if h in low_income:
            tagged.append((i, "low_income"))
        if persons[i].sex == Sex.MALE and age >= 40 and rng.random() < 0.04:
            tagged.append((i, "veteran"))
    bulk.insert(
        PersonTag,
        [PersonTag(community=community, person=persons[i], tag=tag[key]) for i, key in tagged],
        batch_size=1000,
    )
    return {
        "residents": len(residents),
        "non_resident_owners": non_residents,
        "ownerships": len(ownerships),
        "rented": len(rented),
        "person_tags": len(tagged),
        "party_members": sum(1 for _i, key in tagged if key == "party"),
    }


# ----------------------------------------------------------------------------------------- public API


def build_street(*, name: str, seed: int = 2026) -> Place:
    rng = random.Random(f"{seed}/{name}")
    return place_create(
        actor=None,
        parent=None,
        kind=PlaceKind.STREET,
        name=name,
        address=f"示范大道{rng.randint(1, 300)}号",
        contact_phone=f"028-8396{rng.randint(0, 9999):04d}",
        office_hours=OFFICE_HOURS,
    )


def build_community(
    *, street: Place, name: str, kind: str = PlaceKind.COMMUNITY, spec: CommunitySpec, seed: int = 2026
) -> Place:
    """Builds a whole community in bulk in one transaction, with one summary audit event (actor None)."""
    if kind not in COMMUNITY_KINDS:
        raise ValueError(f"a community is one of {sorted(COMMUNITY_KINDS)}, not {kind!r}")
    # CHILD_KINDS: a 村 has 自然村/村民小组, a 社区 has 小区/院落.
    if (kind == PlaceKind.VILLAGE and spec.compounds) or (kind == PlaceKind.COMMUNITY and spec.natural_villages):
        raise ValueError(f"a {kind} cannot hold that spec")
    rng = random.Random(f"{seed}/{street.name}/{name}")
    today = timezone.localdate()
    with transaction.atomic():
        community = bulk.create(
            Place,
            kind=kind,
            name=name,
            parent=street,
            depth=street.depth + 1,
            address=spec.address,
            contact_phone=spec.contact_phone,
            office_hours=spec.office_hours,
            sort_key=f"{Place.objects.filter(parent=street).count() + 1:04d}",
        )
        community.path, community.community = street.path + f"{community.pk}/", community
        bulk.save(community, ["path", "community"])
        slots = _build_places(community, spec, rng)
        micro_of = _build_grids(community, len(slots), spec)
        households = [
            Household(
                community=community,
                place=s.place,
                place_path=s.place.path,
                grid=micro,
                grid_path=micro.path,
                room=s.room,
                floor=s.floor,
                area=s.area,
            )
            for s, micro in zip(slots, micro_of, strict=True)
        ]
        bulk.insert(Household, households, batch_size=1000)
        counts = _populate(community, spec, slots, households, rng, today)
        counts.update(
            places=Place.objects.filter(community=community).count(),
            grids=len({m.pk for m in micro_of}) + len({m.parent_id for m in micro_of}),
            households=len(households),
        )
        audit.record(
            actor=None, verb="demo.load", obj=community, community_id=community.pk, after={"seed": seed, **counts}
        )
    return community
