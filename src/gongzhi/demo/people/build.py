"""Synthetic demo data: one street of four communities modelled on the seed articles, built in bulk.

Every name, ID number and phone comes from a seeded random.Random, so no row describes a real person.
`manage.py load_demo`, the tests and the benchmarks all build through `build_community`.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation

from gongzhi.core import audit
from gongzhi.core.models import RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign, user_create
from gongzhi.people.models import Ownership, Person, PersonTag, Relation, Sex, Tag
from gongzhi.places.models import COMMUNITY_KINDS, Grid, GridKind, Household, Place, PlaceKind
from gongzhi.places.services import place_create
from gongzhi.rules import idcard
from gongzhi.rules.volunteer_age import age_on, latest_birth_date

__all__ = [
    "DEMO_PASSWORD",
    "CommunitySpec",
    "CompoundSpec",
    "DemoResult",
    "NaturalVillageSpec",
    "build_community",
    "build_street",
    "demo_counts",
    "demo_login",
    "demo_logins",
    "demo_specs",
    "link_person",
    "lixiong_spec",
    "load_demo",
    "synthetic_persons",
    "yangxiyuan_spec",
]

DEMO_PASSWORD = "gongzhi-demo-2026"  # noqa: S105 - public on purpose: the login page lists it
DEMO_PHONE_PREFIX = "138000000"
STREET_NAME = "共治示范街道"
DONGHUANLU, HUAYUAN = "东环路社区", "花园颐院"
CAOTANGLU, CAOTANG_133 = "草堂路社区", "草堂东路133号院"
LIXIONG = "瀝雄社区"  # the article writes 瀝 (traditional); keep it
YANGXIYUAN = "杨西园村"
OFFICE_HOURS = "周一至周五 9:00–12:00，13:30–17:30；周六上午值班"

# ---------------------------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class CompoundSpec:
    """A 小区 or 院落: buildings × units × floors × flats. units=0 hangs flats directly off the building."""

    name: str
    kind: str = PlaceKind.COMPOUND
    buildings: int = 1
    units: int = 1
    floors: int = 6
    flats_per_floor: int = 2
    people: int | None = None  # exact residents; None draws household sizes around the community mean
    party_members: int | None = None  # exact party-tagged residents; None uses the community rate
    area: tuple[str, str] = ("55.00", "110.00")
    is_new: bool = False  # new compounds have a property company and younger households
    address: str = ""

    @property
    def households(self) -> int:
        return self.buildings * max(self.units, 1) * self.floors * self.flats_per_floor


@dataclass(frozen=True)
class NaturalVillageSpec:
    """A 自然村 and its 村民小组; groups holds the household count of each group."""

    name: str
    groups: tuple[int, ...] = (40,)
    people: int | None = None
    party_members: int | None = None
    area: tuple[str, str] = ("110.00", "260.00")

    @property
    def households(self) -> int:
        return sum(self.groups)


@dataclass(frozen=True)
class CommunitySpec:
    compounds: tuple[CompoundSpec, ...] = ()
    natural_villages: tuple[NaturalVillageSpec, ...] = ()
    residents_per_household: float = 2.8
    party_rate: float = 0.07  # of adults, outside blocks with an exact count
    rented_rate: float = 0.10
    region_code: str = "510114"  # GB/T 2260 code of the locals' ID numbers
    migrant_share: float = 0.2  # households whose ID numbers come from elsewhere
    micro_grid_households: int = 60
    grid_households: int = 400
    address: str = ""
    contact_phone: str = ""
    office_hours: str = OFFICE_HOURS

    @property
    def households(self) -> int:
        return sum(c.households for c in self.compounds) + sum(v.households for v in self.natural_villages)


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
_CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """Chinese numeral for 1–99, as in 第二十八村民小组."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return _CN_DIGITS[n]
    if n >= 100:
        return str(n)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _given(rng: random.Random, sex: str) -> str:
    chars = _GIVEN_MALE if sex == Sex.MALE else _GIVEN_FEMALE
    return rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Splits total into integer shares proportional to weights (largest remainder), summing to total."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _split(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


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
    Place.objects.bulk_create(places, batch_size=500)
    for place in places:
        assert place.parent is not None
        place.path = place.parent.path + f"{place.pk}/"
    Place.objects.bulk_update(places, ["path"], batch_size=500)
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
            place = _child(village, PlaceKind.VILLAGER_GROUP, f"第{_cn(group_no)}村民小组", group_no)
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
        Grid(community=community, kind=GridKind.GRID, name=f"第{_cn(g)}网格", depth=0) for g in range(1, n_grids + 1)
    ]
    Grid.objects.bulk_create(roots)
    for root in roots:
        root.path = f"{community.pk}/{root.pk}/"
    Grid.objects.bulk_update(roots, ["path"])
    micros: list[Grid] = []
    for g, (root, count) in enumerate(zip(roots, _split(n_micro, n_grids), strict=True), 1):
        micros += [
            Grid(community=community, kind=GridKind.MICRO_GRID, name=f"第{_cn(g)}网格{m}号微网格", parent=root, depth=1)
            for m in range(1, count + 1)
        ]
    Grid.objects.bulk_create(micros, batch_size=500)
    for micro in micros:
        assert micro.parent is not None
        micro.path = micro.parent.path + f"{micro.pk}/"
    Grid.objects.bulk_update(micros, ["path"], batch_size=500)
    return [micro for micro, size in zip(micros, _split(households, n_micro), strict=True) for _ in range(size)]


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

    Person.objects.bulk_create(people.persons, batch_size=1000)
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
    Ownership.objects.bulk_create(ownerships, batch_size=1000)

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
    PersonTag.objects.bulk_create(
        [PersonTag(community=community, person=persons[i], tag=tag[key]) for i, key in tagged], batch_size=1000
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
        community = Place.objects.create(
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
        community.save(update_fields=["path", "community"])
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
        Household.objects.bulk_create(households, batch_size=1000)
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


_LIXIONG_OLD = (
    "瀝雄东村",
    "桂苑新村",
    "瀝西小区",
    "沿江小区",
    "和平新村",
    "工人新村",
    "南苑小区",
    "北苑小区",
    "瀝雄中村",
    "石龙小区",
    "河滨新村",
    "文华小区",
    "新风小区",
    "永安新村",
    "丰宁小区",
    "瀝南小区",
)
_LIXIONG_NEW = ("瀝雄花园", "翠湖雅苑", "江畔名庭", "锦绣华府", "天悦湾", "雅居乐苑", "云山府", "星河湾畔")


def lixiong_spec(*, residents: int = 30000) -> CommunitySpec:
    """瀝雄: ~40% of residents in six-storey 老旧小区, ~60% in high-rise new compounds; exactly `residents`."""
    if residents < 100:
        raise ValueError("瀝雄社区 needs at least 100 residents")

    def plan(households: float, per_floor: int, max_floors: int, per_compound: int) -> tuple[int, list[int]]:
        """(floors, buildings of each compound); lower buildings for a small demo so that the households
        never outnumber the residents."""
        buildings = max(1, round(households / (2 * per_floor * max_floors)))
        floors = max(2, min(max_floors, round(households / (buildings * 2 * per_floor))))
        return floors, _split(buildings, -(-buildings // per_compound))

    old_floors, old_split = plan(residents * 0.4 / 2.6, 2, 6, 12)
    new_floors, new_split = plan(residents * 0.6 / 3.0, 4, 18, 8)
    compounds = [
        CompoundSpec(
            name=_nth(_LIXIONG_OLD, i),
            buildings=b,
            units=2,
            floors=old_floors,
            flats_per_floor=2,
            area=("52.00", "96.00"),
        )
        for i, b in enumerate(old_split)
    ]
    compounds += [
        CompoundSpec(
            name=_nth(_LIXIONG_NEW, i),
            buildings=b,
            units=2,
            floors=new_floors,
            flats_per_floor=4,
            area=("78.00", "140.00"),
            is_new=True,
        )
        for i, b in enumerate(new_split)
    ]
    shares = _apportion(residents, [c.households * (3.0 if c.is_new else 2.6) for c in compounds])
    compounds = [
        replace(c, people=min(max(n, c.households), 6 * c.households)) for c, n in zip(compounds, shares, strict=True)
    ]
    return CommunitySpec(
        compounds=tuple(compounds),
        residents_per_household=2.8,
        party_rate=0.05,
        rented_rate=0.12,
        region_code="440605",
        migrant_share=0.45,
        address="共治示范街道瀝雄路1号党群服务中心",
        contact_phone="028-83962004",
    )


def _nth(names: tuple[str, ...], i: int) -> str:
    return names[i % len(names)] + ("" if i < len(names) else f"{_cn(i // len(names) + 1)}期")


def yangxiyuan_spec(*, residents: int = 3100) -> CommunitySpec:
    """杨西园村: 22 自然村 and 28 村民小组 (six 自然村 have two groups), `residents` registered villagers."""
    names = (
        "杨家庄",
        "西园",
        "前庄",
        "后庄",
        "东舍",
        "河西",
        "王家垛",
        "李家湾",
        "陈家桥",
        "朱家圩",
        "大刘庄",
        "小刘庄",
        "孙家庄",
        "周家舍",
        "吴家港",
        "徐家墩",
        "高家营",
        "沈家湾",
        "夏家庄",
        "潘家圩",
        "唐家桥",
        "花家庄",
    )
    two_groups = {0, 1, 4, 8, 12, 17}
    counter = iter(range(28))
    villages = [
        NaturalVillageSpec(
            name=name, groups=tuple(32 + (next(counter) * 7) % 13 for _ in range(2 if i in two_groups else 1))
        )
        for i, name in enumerate(names)
    ]
    shares = _apportion(residents, [v.households for v in villages])
    return CommunitySpec(
        natural_villages=tuple(replace(v, people=n) for v, n in zip(villages, shares, strict=True)),
        residents_per_household=2.9,
        party_rate=0.06,
        rented_rate=0.03,
        region_code="321012",
        migrant_share=0.05,
        address="共治示范街道杨西园村村民委员会",
        contact_phone="028-83962005",
    )


# (name, address, buildings, floors, flats per floor): walk-ups without stairwell units.
_DONGHUANLU_YARDS = (
    ("粮站宿舍院", "东环路一段32号", 2, 5, 3),
    ("供销社宿舍院", "东环路一段40号", 3, 5, 2),
    ("农机厂宿舍院", "东环路二段5号", 2, 6, 3),
    ("东环路二段12号院", "东环路二段12号", 3, 6, 2),
    ("东环路二段27号院", "东环路二段27号", 2, 5, 2),
    ("邮电宿舍院", "金桂巷3号", 2, 6, 2),
    ("税务局宿舍院", "马超东路9号", 3, 5, 2),
    ("卫生院宿舍院", "马超东路15号", 2, 5, 3),
    ("金桂巷11号院", "金桂巷11号", 3, 6, 2),
    ("东环路三段6号院", "东环路三段6号", 2, 6, 3),
    ("桂湖路17号院", "桂湖路17号", 2, 5, 2),
    ("电力宿舍院", "桂湖路23号", 3, 6, 2),
    ("水电局宿舍院", "东环路三段20号", 2, 6, 2),
)
_DONGHUANLU_COURTYARDS = tuple(
    CompoundSpec(
        name=name,
        kind=PlaceKind.COURTYARD,
        buildings=buildings,
        units=0,
        floors=floors,
        flats_per_floor=flats,
        area=("42.00", "88.00"),
        address=address,
    )
    for name, address, buildings, floors, flats in _DONGHUANLU_YARDS
)


def demo_specs(*, residents_lixiong: int = 30000) -> list[tuple[str, str, CommunitySpec]]:
    """(name, kind, spec) of the four demo communities, in the order they are built."""
    donghuanlu = CommunitySpec(
        compounds=(
            CompoundSpec(
                name=HUAYUAN,
                kind=PlaceKind.COURTYARD,
                buildings=5,
                units=1,
                floors=5,
                flats_per_floor=2,
                people=150,
                party_members=35,
                area=("62.00", "118.00"),
                address="东环路一段18号",
            ),
            CompoundSpec(name="东环苑", buildings=4, units=2, floors=6, flats_per_floor=2, area=("70.00", "125.00")),
            CompoundSpec(
                name="东环路26号院",
                kind=PlaceKind.COURTYARD,
                buildings=2,
                units=0,
                floors=5,
                flats_per_floor=3,
                area=("45.00", "78.00"),
                address="东环路一段26号",
            ),
            # The rest of the article's scale (thousands of residents): old unit dormitories and walk-up
            # courtyards, each with its own 院落集体卡 in the time bank, and three 小区.
            *_DONGHUANLU_COURTYARDS,
            CompoundSpec(name="东环新苑", buildings=12, units=2, floors=6, flats_per_floor=2, area=("60.00", "105.00")),
            CompoundSpec(
                name="新都锦苑",
                buildings=6,
                units=2,
                floors=18,
                flats_per_floor=2,
                area=("82.00", "138.00"),
                is_new=True,
                address="东环路三段66号",
            ),
            CompoundSpec(
                name="桂湖华庭",
                buildings=4,
                units=2,
                floors=11,
                flats_per_floor=2,
                area=("78.00", "128.00"),
                is_new=True,
                address="桂湖东路88号",
            ),
        ),
        residents_per_household=2.7,
        region_code="510114",
        address="共治示范街道东环路一段8号",
        contact_phone="028-83962001",
    )
    caotanglu = CommunitySpec(
        compounds=(
            # The old 蜀绣厂 dormitory: walk-ups without stairwell units.
            CompoundSpec(
                name=CAOTANG_133,
                kind=PlaceKind.COURTYARD,
                buildings=3,
                units=0,
                floors=6,
                flats_per_floor=2,
                area=("48.00", "82.00"),
                address="草堂东路133号",
            ),
            CompoundSpec(
                name="草堂北路21号院",
                kind=PlaceKind.COURTYARD,
                buildings=2,
                units=0,
                floors=5,
                flats_per_floor=2,
                area=("50.00", "86.00"),
                address="草堂北路21号",
            ),
            CompoundSpec(
                name="浣花巷7号院",
                kind=PlaceKind.COURTYARD,
                buildings=1,
                units=2,
                floors=6,
                flats_per_floor=2,
                area=("55.00", "92.00"),
                address="浣花巷7号",
            ),
            CompoundSpec(
                name="青华坊9号院",
                kind=PlaceKind.COURTYARD,
                buildings=2,
                units=0,
                floors=4,
                flats_per_floor=2,
                area=("45.00", "75.00"),
                address="青华坊9号",
            ),
        ),
        residents_per_household=2.5,
        region_code="510105",
        address="共治示范街道草堂东路101号",
        contact_phone="028-83962002",
    )
    return [
        (DONGHUANLU, PlaceKind.COMMUNITY, donghuanlu),
        (CAOTANGLU, PlaceKind.COMMUNITY, caotanglu),
        (LIXIONG, PlaceKind.COMMUNITY, lixiong_spec(residents=residents_lixiong)),
        (YANGXIYUAN, PlaceKind.VILLAGE, yangxiyuan_spec()),
    ]


@dataclass
class DemoResult:
    street: Place
    communities: dict[str, Place]
    created: bool  # False when the demo street was already there
    seconds: float
    counts: dict[str, int]


def demo_counts(street: Place) -> dict[str, int]:
    ids = list(Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS).values_list("pk", flat=True))
    return {
        "communities": len(ids),
        "places": Place.objects.filter(path__under=street.path).count(),
        "grids": Grid.objects.filter(community_id__in=ids).count(),
        "households": Household.objects.filter(community_id__in=ids).count(),
        "persons": Person.objects.filter(community_id__in=ids).count(),
        "ownerships": Ownership.objects.filter(community_id__in=ids).count(),
        "person_tags": PersonTag.objects.filter(community_id__in=ids).count(),
        "logins": User.objects.filter(phone__startswith=DEMO_PHONE_PREFIX).count(),
    }


def load_demo(*, residents_lixiong: int = 30000, seed: int = 2026) -> DemoResult:
    """Builds the demo street once; if it exists already, returns it untouched."""
    started = time.perf_counter()
    street = Place.objects.filter(kind=PlaceKind.STREET, parent=None, name=STREET_NAME).first()
    created = street is None
    if street is None:
        # One outer transaction: a failure halfway leaves no half-built street that would look "loaded".
        with transaction.atomic():
            street = build_street(name=STREET_NAME, seed=seed)
            for name, kind, spec in demo_specs(residents_lixiong=residents_lixiong):
                build_community(street=street, name=name, kind=kind, spec=spec, seed=seed)
            _create_logins(street)
    communities = {p.name: p for p in Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS)}
    return DemoResult(
        street=street,
        communities=communities,
        created=created,
        seconds=time.perf_counter() - started,
        counts=demo_counts(street),
    )


# --------------------------------------------------------------------------------------------- logins


def _login(n: int, *, role: str, display_name: str, community: Place | None, **node: Any) -> User:
    phone = f"1380000{n:04d}"
    user = User.objects.filter(phone=phone).first() or user_create(
        actor=None,
        phone=phone,
        password=DEMO_PASSWORD,
        display_name=display_name,
        community_id=community.pk if community else None,
    )
    role_assign(actor=None, user=user, role=role, **node)
    return user


def demo_login(n: int, *, role: str, display_name: str, community: Place | None, **node: Any) -> User:
    """A demo login 1380000nnnn with the demo password and one role (for the parts' demos: 13800000011 up)."""
    return _login(n, role=role, display_name=display_name, community=community, **node)


def link_person(person: Person, user: User) -> None:
    """Makes `user` the login of `person` (their record then shows the number they sign in with)."""
    _link_person(person, user)


def _link_person(person: Person, user: User) -> None:
    # The record carries the login number so "my data" shows the phone the resident signs in with.
    person.account, person.phone = user, user.phone
    person.save(update_fields=["account", "phone", "updated_at"])


def _create_logins(street: Place) -> None:
    """One login per role (13800000001 upwards), on the nodes the articles give those roles."""
    c = {p.name: p for p in Place.objects.filter(parent=street)}
    donghuanlu, lixiong, village = c[DONGHUANLU], c[LIXIONG], c[YANGXIYUAN]
    huayuan = Place.objects.get(parent=donghuanlu, name=HUAYUAN)
    flats = list(Household.objects.filter(place_path__under=huayuan.path).select_related("grid").order_by("pk"))
    heads = list(Person.objects.filter(household__in=flats, relation=Relation.HEAD).order_by("pk"))
    resident = next(p for p in heads if 30 <= age_on(p.birth_date, timezone.localdate()) <= 70)
    volunteer = next(p for p in heads if p.household_id != resident.household_id)
    grid = flats[0].grid
    assert grid is not None

    _login(1, role=Role.SECRETARY, display_name="东环路社区书记（演示）", community=donghuanlu, place=donghuanlu)
    _login(2, role=Role.SOCIAL_WORKER, display_name="东环路社区社工（演示）", community=donghuanlu, place=donghuanlu)
    _login(
        3,
        role=Role.GRID_WORKER,
        display_name="网格员（演示）",
        community=donghuanlu,
        grid=grid.parent if grid.parent_id else grid,
    )
    _login(
        4,
        role=Role.BUILDING_HEAD,
        display_name="花园颐院楼栋长（演示）",
        community=donghuanlu,
        place=Place.objects.filter(parent=huayuan, kind=PlaceKind.BUILDING).order_by("sort_key").first(),
    )
    _login(
        5,
        role=Role.GROUP_HEAD,
        display_name="杨西园村居民小组长（演示）",
        community=village,
        place=Place.objects.filter(community=village, kind=PlaceKind.VILLAGER_GROUP).order_by("sort_key").first(),
    )
    _login(
        6,
        role=Role.PROPERTY,
        display_name="瀝雄物业（演示）",
        community=lixiong,
        place=Place.objects.get(parent=lixiong, name=_LIXIONG_NEW[0]),
    )
    _login(7, role=Role.STREET_STAFF, display_name="街道工作人员（演示）", community=None, place=street)
    _login(8, role=Role.SECRETARY, display_name="瀝雄社区书记（演示）", community=lixiong, place=lixiong)
    user = _login(
        9, role=Role.VOLUNTEER, display_name=volunteer.name, community=donghuanlu, household=volunteer.household
    )
    _link_person(volunteer, user)
    user = _login(
        10, role=Role.RESIDENT, display_name=resident.name, community=donghuanlu, household=resident.household
    )
    _link_person(resident, user)


def _node_note(assignment: RoleAssignment, names: dict[int, str]) -> str:
    if assignment.grid is not None:
        return f"网格：{assignment.grid.name}"
    if assignment.household is not None:
        inside = [names[i] for i in assignment.household.place.ancestor_ids if i in names]
        return f"户：{' '.join(inside)} {assignment.household.room}"
    place = assignment.place
    assert place is not None
    if place.kind == PlaceKind.STREET:
        return "全街道"
    if place.is_community:
        return "全社区"
    inside = [names[i] for i in place.ancestor_ids if i in names]
    return f"{place.get_kind_display()}：{' '.join(inside)}"


def demo_logins() -> list[dict[str, str]]:
    """The demo accounts as the login page lists them, read from the database (three queries)."""
    assignments = RoleAssignment.objects.select_related("community", "place", "grid", "household__place")
    users = list(
        User.objects.filter(phone__startswith=DEMO_PHONE_PREFIX)
        .order_by("phone")
        .prefetch_related(Prefetch("role_assignments", queryset=assignments.order_by("pk")))
    )
    first = {u.pk: next(iter(u.role_assignments.all()), None) for u in users}
    # Names of the places between the community and the node, for the note column.
    ancestors: set[int] = set()
    for a in first.values():
        place = None if a is None else (a.household.place if a.household else a.place)
        if place is not None:
            ancestors.update(place.ancestor_ids)
    names = dict(
        Place.objects.filter(pk__in=ancestors)
        .exclude(kind__in=[PlaceKind.STREET, *COMMUNITY_KINDS])
        .values_list("pk", "name")
    )
    rows = []
    with translation.override("zh-hans"):
        for user in users:
            a = first[user.pk]
            if a is None:
                continue
            community = a.community.name if a.community else (a.place.name if a.place else "")
            rows.append(
                {
                    "role_label": str(Role(a.role).label),
                    "phone": user.phone,
                    "password": DEMO_PASSWORD,
                    "community": community,
                    "note": _node_note(a, names),
                }
            )
    return rows
