"""The demo street's shape: the four communities' specs, sized from the seed articles."""

from __future__ import annotations

from dataclasses import dataclass, replace

from gongzhi.places.models import PlaceKind

DEMO_PASSWORD = "gongzhi-demo-2026"  # noqa: S105 - public on purpose: the login page lists it
DEMO_PHONE_PREFIX = "138000000"
STREET_NAME = "共治示范街道"
DONGHUANLU, HUAYUAN = "东环路社区", "花园颐院"
CAOTANGLU, CAOTANG_133 = "草堂路社区", "草堂东路133号院"
LIXIONG = "瀝雄社区"  # the article writes 瀝 (traditional); keep it
YANGXIYUAN = "杨西园村"
OFFICE_HOURS = "周一至周五 9:00–12:00，13:30–17:30；周六上午值班"

# ------------------------------------------------------------------------------------- numbers

_CN_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """Chinese numeral for 1–99, as in 第二十八村民小组."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return _CN_DIGITS[n]
    if n >= 100:
        return str(n)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def apportion(total: int, weights: list[float]) -> list[int]:
    """Splits total into integer shares proportional to weights (largest remainder), summing to total."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)[: total - sum(shares)]:
        shares[i] += 1
    return shares


def split_evenly(n: int, parts: int) -> list[int]:
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


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


LIXIONG_OLD = (
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
LIXIONG_NEW = ("瀝雄花园", "翠湖雅苑", "江畔名庭", "锦绣华府", "天悦湾", "雅居乐苑", "云山府", "星河湾畔")


def lixiong_spec(*, residents: int = 30000) -> CommunitySpec:
    """瀝雄: ~40% of residents in six-storey 老旧小区, ~60% in high-rise new compounds; exactly `residents`."""
    if residents < 100:
        raise ValueError("瀝雄社区 needs at least 100 residents")

    def plan(households: float, per_floor: int, max_floors: int, per_compound: int) -> tuple[int, list[int]]:
        """(floors, buildings of each compound); lower buildings for a small demo so that the households
        never outnumber the residents."""
        buildings = max(1, round(households / (2 * per_floor * max_floors)))
        floors = max(2, min(max_floors, round(households / (buildings * 2 * per_floor))))
        return floors, split_evenly(buildings, -(-buildings // per_compound))

    old_floors, old_split = plan(residents * 0.4 / 2.6, 2, 6, 12)
    new_floors, new_split = plan(residents * 0.6 / 3.0, 4, 18, 8)
    compounds = [
        CompoundSpec(
            name=_nth(LIXIONG_OLD, i),
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
            name=_nth(LIXIONG_NEW, i),
            buildings=b,
            units=2,
            floors=new_floors,
            flats_per_floor=4,
            area=("78.00", "140.00"),
            is_new=True,
        )
        for i, b in enumerate(new_split)
    ]
    shares = apportion(residents, [c.households * (3.0 if c.is_new else 2.6) for c in compounds])
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
    return names[i % len(names)] + ("" if i < len(names) else f"{cn_numeral(i // len(names) + 1)}期")


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
    shares = apportion(residents, [v.households for v in villages])
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
