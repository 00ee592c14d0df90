"""Each demo community's 社情民意 desk: categories with deadlines, responsible parties (with the demo logins as
members where the community has them) and a routing table. Through the routing services where the community has a
书记 login to act; the two communities without one get the same rows written directly."""

from __future__ import annotations

from dataclasses import dataclass, field

from gongzhi.core.models import User
from gongzhi.demo import bulk
from gongzhi.places.models import Place, PlaceKind
from gongzhi.voices.models import Category, Party, PartyKind, PartyMember, Route

__all__ = ["CATEGORIES", "Desk", "desk_build"]

# (code, name, group, working days to answer, remind days before)
CATEGORIES = [
    ("parking", "停车", "环境秩序", 5, 1),
    ("lighting", "照明", "公共设施", 3, 1),
    ("fencing", "围栏/围墙", "公共设施", 10, 2),
    ("refuse", "垃圾清运", "环境卫生", 2, 1),
    ("security", "治安", "平安建设", 3, 1),
    ("greening", "绿化", "环境卫生", 7, 2),
    ("noise", "噪音", "环境秩序", 5, 1),
    ("facilities", "公共设施", "公共设施", 7, 2),
    ("elderly", "为老服务", "民生服务", 5, 1),
    ("other", "其他", "其他", 5, 1),
]
# The demo logins (gongzhi.demo.people.logins.demo_logins): who acts for which party.
SECRETARY_OF = {"东环路社区": "13800000001", "瀝雄社区": "13800000008"}
GRID_WORKER_OF = {"东环路社区": "13800000003"}
PROPERTY_LOGIN = "13800000006"  # 瀝雄物业, on 瀝雄花园
STREET_STAFF = "13800000007"
# 瀝雄's high-rise compounds (gongzhi.demo.people.build builds them; its "二期" repeats keep the prefix).
LIXIONG_NEW = ("瀝雄花园", "翠湖雅苑", "江畔名庭", "锦绣华府", "天悦湾", "雅居乐苑", "云山府", "星河湾畔")


@dataclass
class Desk:
    community: Place
    manager: User  # who "entered" the desk's rows and acts as staff in the demo history
    categories: dict[str, Category]
    parties: dict[str, Party]  # by role: committee, grid, owners, street, utility, property (and property2)
    routes: list[Route] = field(default_factory=list)


def _login(phone: str) -> User | None:
    user: User | None = User.objects.filter(phone=phone).first()
    return user


class _Writer:
    """Writes the desk through the routing services when a manager login exists, else directly (the same rows)."""

    def __init__(self, community: Place, manager: User, use_services: bool) -> None:
        self.community, self.manager, self.use_services = community, manager, use_services

    def category(self, code: str, name: str, group: str, days: int, remind: int, order: int) -> Category:
        if self.use_services:
            from gongzhi.voices.services.routing import category_create

            return category_create(
                actor=self.manager,
                community=self.community,
                code=code,
                name=name,
                deadline_days=days,
                remind_days_before=remind,
                group=group,
            )
        return bulk.create(
            Category,
            community=self.community,
            code=code,
            name=name,
            group=group,
            deadline_days=days,
            remind_days_before=remind,
            sort_order=order,
        )

    def party(self, name: str, kind: str, supervisor: Party | None = None, contact: str = "") -> Party:
        if self.use_services:
            from gongzhi.voices.services.routing import party_create

            return party_create(
                actor=self.manager,
                community=self.community,
                name=name,
                kind=kind,
                supervisor=supervisor,
                contact=contact,
            )
        return bulk.create(
            Party, community=self.community, name=name, kind=kind, supervisor=supervisor, contact=contact
        )

    def member(self, party: Party, user: User | None) -> None:
        if user is None:
            return
        if self.use_services:
            from gongzhi.voices.services.routing import party_member_add

            party_member_add(actor=self.manager, party=party, user=user, is_lead=True)
        else:
            bulk.create(PartyMember, community=self.community, party=party, user=user, is_lead=True)

    def route(self, place: Place, category: Category | None, party: Party) -> Route:
        if self.use_services:
            from gongzhi.voices.services.routing import route_set

            return route_set(actor=self.manager, community=self.community, place=place, category=category, party=party)
        return bulk.create(
            Route,
            community=self.community,
            place=place,
            place_path=place.path,
            category=category,
            party=party,
            updated_by=self.manager,
        )


def desk_build(community: Place) -> Desk:
    """Categories, parties and routes of one demo community (called once, inside the demo's transaction)."""
    secretary = _login(SECRETARY_OF.get(community.name, ""))
    manager = secretary or _login(STREET_STAFF)
    if manager is None:
        raise RuntimeError("the demo logins are missing; run load_demo first")
    w = _Writer(community, manager, use_services=secretary is not None)
    categories = {
        code: w.category(code, name, group, days, remind, i)
        for i, (code, name, group, days, remind) in enumerate(CATEGORIES)
    }
    village = community.kind == PlaceKind.VILLAGE
    committee = w.party("村委会" if village else "居委会", PartyKind.COMMITTEE, contact=community.contact_phone)
    w.member(committee, secretary)
    grid = w.party("网格员", PartyKind.GRID_WORKER, supervisor=committee)
    w.member(grid, _login(GRID_WORKER_OF.get(community.name, "")))
    street = w.party("街道城管科", PartyKind.STREET_DEPARTMENT, contact="028-83962100")
    utility = w.party("供电所", PartyKind.UTILITY, supervisor=street, contact="95598")
    parties = {"committee": committee, "grid": grid, "street": street, "utility": utility}

    c = categories
    w.route(community, None, committee)  # everything else: the 居委会 triages
    w.route(community, c["lighting"], utility)  # street lights belong to the power supply office
    w.route(community, c["noise"], street)
    w.route(community, c["parking"], street)  # parking on the roads outside the compounds
    w.route(community, c["security"], grid)
    compounds = [
        p
        for p in Place.objects.filter(parent=community, kind=PlaceKind.COMPOUND).order_by("sort_key", "id")
        if community.name != "瀝雄社区" or p.name.startswith(LIXIONG_NEW)
    ]
    if compounds and not village:
        # Compounds with a property company (瀝雄's new ones; the 物业 demo login works for 瀝雄花园's) route
        # their shared spaces to it; the first also has an owners' committee. 老旧小区 and courtyards: the 居委会.
        first = next((p for p in compounds if p.name == "瀝雄花园"), compounds[0])
        prop = w.party(f"{first.name}物业", PartyKind.PROPERTY, supervisor=committee, contact="028-83962300")
        w.member(prop, _login(PROPERTY_LOGIN) if community.name == "瀝雄社区" else None)
        owners = w.party(f"{first.name}业委会", PartyKind.OWNERS_COMMITTEE, supervisor=committee)
        parties.update(property=prop, owners=owners)
        others = compounds[1:]
        other_prop = w.party("锦华物业", PartyKind.PROPERTY, supervisor=committee) if others else None
        if other_prop is not None:
            parties["property2"] = other_prop
        for compound in compounds:
            company = prop if compound.pk == first.pk else other_prop
            assert company is not None
            for code in ("parking", "lighting", "refuse", "greening", "facilities"):
                w.route(compound, c[code], company)
        w.route(first, c["fencing"], owners)  # repairs from the maintenance fund are the owners' decision
    return Desk(community=community, manager=manager, categories=categories, parties=parties)
