"""瀝雄社区: a year of voices (1,500) over parking, lighting, fencing, refuse, security and the rest, so that the
statistics page has something to show. All synthetic.

The dates follow a weekly rhythm (Mondays busiest, Sundays quietest) and the seasons (dark evenings bring lighting
complaints, summer brings refuse smells, noise and the rainy season's broken fences; the Spring Festival week is
quiet). Each voice is accepted within hours during office hours, answered, and closed within its deadline, except
about 8% closed late after 督办, 4% rejected with a public reason and a few reopened once; most closed voices are
rated, mostly 4–5. About 40% are public, some have "me too" supporters, and one refuse room's repeated complaints
are grouped: one voice with its duplicates merged into it and more supporters.

The history is written in bulk (Voice and VoiceEvent rows with consistent fields, see demo/history.py) inside the
demo's transaction, with one `demo.voices_history` audit event; a service call per step would stamp each step with
today's date and cost minutes."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.demo.voices.desk import Desk
from gongzhi.demo.voices.history import Plan, write_lifecycle
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import Household, Place, PlaceKind
from gongzhi.voices.models import Category, Channel, EventKind, Party, Route, Status, Voice, VoiceEvent
from gongzhi.voices.services.deadlines import voice_due_at

__all__ = ["CLUSTER_DUPLICATES", "CLUSTER_ME_TOO", "VOICES", "Cluster", "Year", "build", "year_ago_month_start"]

VOICES = 1500
CLUSTER_DUPLICATES = 14
CLUSTER_ME_TOO = 9
DAY = datetime.timedelta(days=1)

# (relative volume, month weights Jan..Dec)
SEASONS = {
    "parking": (16, (13, 14, 10, 10, 10, 10, 10, 10, 10, 11, 10, 12)),
    "lighting": (10, (14, 13, 10, 8, 7, 6, 6, 7, 9, 11, 13, 15)),
    "fencing": (6, (6, 6, 8, 9, 10, 14, 16, 15, 11, 8, 6, 6)),
    "refuse": (18, (10, 14, 9, 9, 11, 14, 16, 16, 12, 9, 8, 9)),
    "security": (9, (14, 13, 9, 9, 9, 9, 10, 10, 9, 10, 11, 14)),
    "greening": (7, (5, 5, 9, 13, 14, 14, 13, 12, 9, 7, 5, 5)),
    "noise": (10, (7, 6, 11, 12, 12, 14, 15, 14, 10, 9, 7, 7)),
    "facilities": (12, (10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)),
    "elderly": (5, (13, 12, 10, 9, 8, 8, 8, 8, 9, 10, 12, 13)),
    "other": (7, (10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)),
}
WEEKDAY = (1.35, 1.1, 1.0, 1.0, 0.95, 0.7, 0.6)
SPRING_FESTIVAL = datetime.date(2026, 2, 17)  # a quiet week around it
TEXTS = {
    "parking": (
        "{c}{b}楼下消防通道被私家车长期占用",
        "{c}地下车库入口外来车辆乱停，出入困难",
        "{c}电瓶车停在楼道里充电，存在隐患",
    ),
    "lighting": ("{c}{b}楼道灯坏了，晚上漆黑一片", "{c}小区主路的路灯不亮已经一周", "{c}地下车库照明灯一直闪烁"),
    "fencing": ("{c}东侧围墙出现裂缝，有倒塌风险", "{c}围栏被撞坏一段，外人可随意进出", "{c}后门铁栅栏锈蚀断裂"),
    "refuse": ("{c}{b}旁垃圾桶满溢，清运不及时", "{c}垃圾分类点异味大，招苍蝇", "{c}装修垃圾堆在{b}楼下一直没人清"),
    "security": ("{c}{b}单元门禁损坏，陌生人随意进出", "{c}夜里有人撬电动车锁", "{c}监控摄像头坏了很久没修"),
    "greening": ("{c}绿化带杂草丛生，蚊虫多", "{c}{b}前的大树树枝伸进阳台", "{c}草坪被人开垦种菜"),
    "noise": ("{c}{b}楼上装修周末一早就开电钻", "{c}广场舞音响声音太大，影响休息", "{c}附近工地夜间施工噪音扰民"),
    "facilities": ("{c}健身器材损坏，孩子玩有危险", "{c}{b}电梯经常故障困人", "{c}井盖松动，走上去晃动"),
    "elderly": ("{c}{b}独居老人希望有人定期探望", "{c}希望增设老年助餐点", "{c}老人想申请居家适老化改造"),
    "other": ("{c}快递柜不够用，包裹堆在门口", "{c}希望公示栏及时更新", "{c}遛狗不拴绳，吓到小孩"),
}
# Shared spaces are reported against the compound; flats' own troubles against the household.
COMPOUND_SHARE = {"parking": 0.6, "lighting": 0.5, "fencing": 0.9, "greening": 0.7, "facilities": 0.5, "refuse": 0.4}
CLUSTER_TEXT = "瀝雄花园{b}旁的垃圾房长期满溢、异味大，夏天招苍蝇老鼠"
CLUSTER_FIX = "垃圾房已改造：加装除臭设备和纱门，清运增加为每日两次，并安排专人值守分类投放"


@dataclass
class _Home:
    household_id: int | None
    place_id: int
    place_path: str
    grid_id: int | None
    grid_path: str
    person_id: int | None
    contact: tuple[str, str]


def _moments(rng: random.Random, now: datetime.datetime, n: int) -> list[tuple[datetime.datetime, str]]:
    """n (time, category) pairs from the 1st of the month a year ago until yesterday, weighted by weekday, season
    and category: the statistics' twelve full months are full on any day the demo is loaded."""
    today = timezone.localdate(now)
    first = year_ago_month_start(today)
    days = [first + datetime.timedelta(days=d) for d in range((today - first).days)]
    keys, weights = [], []
    for day in days:
        quiet = 0.35 if abs((day - SPRING_FESTIVAL).days) <= 4 else 1.0
        for code, (volume, months) in SEASONS.items():
            keys.append((day, code))
            weights.append(volume * months[day.month - 1] * WEEKDAY[day.weekday()] * quiet)
    picked = rng.choices(keys, weights=weights, k=n)
    hours = list(range(7, 23))
    hour_weights = [2, 6, 9, 9, 8, 6, 5, 7, 7, 6, 5, 6, 7, 6, 4, 2]
    out = []
    for day, code in picked:
        t = datetime.datetime.combine(
            day, datetime.time(rng.choices(hours, weights=hour_weights)[0], rng.randrange(60))
        )
        out.append((min(timezone.make_aware(t), now - datetime.timedelta(hours=1)), code))
    return sorted(out)


def year_ago_month_start(today: datetime.date) -> datetime.date:
    """The 1st of the month twelve months before today's (2026-12-07 → 2025-12-01)."""
    return today.replace(year=today.year - 1, day=1)


def _route(routes: list[Route], category_id: int, path: str) -> Party | None:
    """The most specific route, as services.routing.route_for decides it, from the table held in memory."""
    best, key = None, None
    for r in routes:
        if path.startswith(r.place_path) and r.category_id in (None, category_id):
            k = (len(r.place_path), r.category_id is not None)
            if key is None or k > key:
                best, key = r.party, k
    return best


def _homes(community: Place) -> tuple[dict[int, list[_Home]], dict[int, _Home], dict[str, str], dict[int, Place]]:
    compounds = {p.pk: p for p in Place.objects.filter(parent=community, kind=PlaceKind.COMPOUND)}
    buildings = dict(Place.objects.filter(community=community, kind=PlaceKind.BUILDING).values_list("path", "name"))
    heads = {
        hid: (pk, name, phone)
        for hid, pk, name, phone in Person.objects.filter(community=community, relation=Relation.HEAD)
        .order_by("-id")
        .values_list("household_id", "id", "name", "phone")
    }
    by_compound: dict[int, list[_Home]] = defaultdict(list)
    for hid, place_id, path, grid_id, grid_path in (
        Household.objects.filter(community=community)
        .order_by("id")
        .values_list("id", "place_id", "place_path", "grid_id", "grid_path")
    ):
        compound_id = int(path.strip("/").split("/")[2]) if path.count("/") >= 3 else None
        if compound_id is None or compound_id not in compounds:
            continue
        pk, name, phone = heads.get(hid, (None, "", ""))
        by_compound[compound_id].append(_Home(hid, place_id, path, grid_id, grid_path, pk, (name, phone)))
    # A compound-level voice belongs to the grid of the compound's first household, as intake decides it.
    whole = {
        cid: _Home(None, cid, compounds[cid].path, homes[0].grid_id, homes[0].grid_path, None, ("", ""))
        for cid, homes in by_compound.items()
    }
    return by_compound, whole, buildings, compounds


def _building_of(path: str, buildings: dict[str, str]) -> str:
    parts = path.strip("/").split("/")
    return buildings.get("/".join(parts[:4]) + "/", "")


@dataclass
class Cluster:
    """The refuse room's voice, the duplicates merged into it, and their timeline rows."""

    main: Voice
    duplicates: list[Voice]
    main_events: list[VoiceEvent]
    duplicate_events: list[VoiceEvent]


@dataclass
class Year:
    voices: list[Voice]
    events: list[VoiceEvent]
    cluster: Cluster | None
    stats: dict[str, int]


def build(*, desk: Desk, rng: random.Random) -> Year:
    """The year's voices and their timelines, unsaved; the caller writes them in bulk (demo/__init__.py)."""
    community = desk.community
    now = timezone.now()
    by_compound, whole, buildings, compounds = _homes(community)
    if not by_compound:
        return Year([], [], None, {})
    routes = list(Route.objects.filter(community=community).select_related("party__supervisor"))
    staff = desk.manager
    compound_ids = sorted(by_compound)
    # Bigger compounds complain more: weight by households.
    compound_weights = [len(by_compound[c]) for c in compound_ids]
    voices: list[Voice] = []
    plans: list[Plan] = []
    for created, code in _moments(rng, now, VOICES - 1 - CLUSTER_DUPLICATES):
        cid = rng.choices(compound_ids, weights=compound_weights)[0]
        home = rng.choice(by_compound[cid])
        reporter = home
        if rng.random() < COMPOUND_SHARE.get(code, 0.1):
            home = whole[cid]
        category = desk.categories[code]
        text = rng.choice(TEXTS[code]).format(
            c=compounds[cid].name, b=_building_of(reporter.place_path, buildings) or "1栋"
        )
        channel = rng.choices((Channel.HOTLINE, Channel.COUNTER, Channel.SURVEY), weights=(45, 25, 30))[0]
        voices.append(_voice(desk, home, reporter, category, text, channel, created, staff, rng, routes))
        r = rng.random()
        plan = (
            Plan("rejected")
            if r < 0.04
            else Plan("late", rate=rng.random() < 0.6)
            if r < 0.12
            else Plan("resolved", reopen=True)
            if r < 0.145
            else Plan("resolved", rate=rng.random() < 0.8)
        )
        plans.append(plan)
    events: list[VoiceEvent] = []
    for v, plan in zip(voices, plans, strict=True):
        supervisor = v.party.supervisor if v.party else None
        events += _intake_events(v)
        events += write_lifecycle(v, plan, rng=rng, now=now, supervisor=supervisor)
    me_too = 0
    for v in voices:
        if v.is_public and rng.random() < 0.12:
            k = rng.randint(1, 5)
            end = v.closed_at or now
            for _i in range(k):
                at = v.created_at + (end - v.created_at) * rng.random()
                events.append(
                    VoiceEvent(
                        community_id=v.community_id, voice=v, kind=EventKind.ME_TOO, actor_label="居民", created_at=at
                    )
                )
            v.support_count += k
            me_too += k
    cluster = _refuse_room(desk, by_compound, compounds, buildings, now, staff, rng, routes)
    everything = voices + ([cluster.main, *cluster.duplicates] if cluster else [])
    stats = {
        "voices": len(everything),
        "me_too": me_too + (CLUSTER_ME_TOO if cluster else 0),
        "merged": len(cluster.duplicates) if cluster else 0,
        "closed_late": sum(1 for v in everything if v.closed_at and v.due_at and v.closed_at > v.due_at),
        "escalated": sum(1 for v in everything if v.escalated_at),
        "rejected": sum(1 for v in everything if v.status == Status.REJECTED),
        "reopened": sum(1 for v in everything if v.reopen_count),
        "rated": sum(1 for v in everything if v.rating),
        "open": sum(1 for v in everything if v.is_open),
    }
    return Year(voices=voices, events=events, cluster=cluster, stats=stats)


def _voice(
    desk: Desk,
    home: _Home,
    reporter: _Home,
    category: Category,
    text: str,
    channel: str,
    created: datetime.datetime,
    staff: User,
    rng: random.Random,
    routes: list[Route],
) -> Voice:
    party = _route(routes, category.pk, home.place_path)
    return Voice(
        community_id=desk.community.pk,
        category=category,
        place_id=home.place_id,
        place_path=home.place_path,
        household_id=home.household_id,
        grid_id=home.grid_id,
        grid_path=home.grid_path,
        text=text,
        is_public=rng.random() < 0.4,
        channel=channel,
        reporter_person_id=reporter.person_id,
        contact_name=reporter.contact[0],
        contact_phone=reporter.contact[1],
        entered_by=staff,
        party=party,
        assigned_at=created if party else None,
        due_at=voice_due_at(category=category, start=created),
        created_at=created,
    )


def _intake_events(v: Voice) -> list[VoiceEvent]:
    rows = [
        VoiceEvent(
            community_id=v.community_id,
            voice=v,
            kind=EventKind.SUBMITTED,
            actor=v.entered_by,
            to_status=Status.PENDING,
            created_at=v.created_at,
        )
    ]
    if v.party is not None:
        rows.append(
            VoiceEvent(
                community_id=v.community_id,
                voice=v,
                kind=EventKind.ASSIGNED,
                party=v.party,
                actor_label=v.party.name,
                created_at=v.created_at,
            )
        )
    return rows


def _refuse_room(
    desk: Desk,
    by_compound: dict[int, list[_Home]],
    compounds: dict[int, Place],
    buildings: dict[str, str],
    now: datetime.datetime,
    staff: User,
    rng: random.Random,
    routes: list[Route],
) -> Cluster | None:
    """One refuse room, many complaints: the first voice, 14 duplicates merged into it and 9 "me too"s; the room
    is rebuilt and the voice closed with a high rating. The caller writes the main voice first: the duplicates point
    to it."""
    cid = next((c for c, p in compounds.items() if p.name == "瀝雄花园"), None)
    if cid is None:
        return None
    homes = by_compound[cid]
    building = _building_of(homes[0].place_path, buildings) or "3栋"
    category = desk.categories["refuse"]
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate() - 130 * DAY, datetime.time(8, 40)))
    whole = _Home(None, cid, compounds[cid].path, homes[0].grid_id, homes[0].grid_path, None, ("", ""))
    main = _voice(
        desk, whole, homes[0], category, CLUSTER_TEXT.format(b=building), Channel.HOTLINE, start, staff, rng, routes
    )
    main.is_public = True
    main_events = _intake_events(main)
    main_events += write_lifecycle(main, Plan("open"), rng=rng, now=now, supervisor=None)
    dups, dup_events = [], []
    for i in range(CLUSTER_DUPLICATES):
        home = homes[(i + 1) * 7 % len(homes)]
        at = start + (i + 1) * 1.4 * DAY + datetime.timedelta(minutes=rng.randrange(600))
        d = _voice(
            desk,
            whole,
            home,
            category,
            rng.choice(TEXTS["refuse"][:2]).format(c="瀝雄花园", b=building),
            rng.choice((Channel.HOTLINE, Channel.COUNTER)),
            at,
            staff,
            rng,
            routes,
        )
        merged_at = at + rng.uniform(2, 20) * datetime.timedelta(hours=1)
        d.status, d.is_open, d.closed_at, d.first_response_at = Status.MERGED, False, merged_at, merged_at
        dups.append(d)
        dup_events += _intake_events(d)
        dup_events.append(
            VoiceEvent(
                community_id=d.community_id,
                voice=d,
                kind=EventKind.MERGED,
                actor=staff,
                actor_label="居委会",
                body="与同一垃圾房的反映合并办理",
                from_status=Status.PENDING,
                to_status=Status.MERGED,
                created_at=merged_at,
            )
        )
        main_events.append(
            VoiceEvent(
                community_id=main.community_id,
                voice=main,
                kind=EventKind.MERGED,
                actor=staff,
                actor_label="居委会",
                body="合并了同一垃圾房的另一条反映",
                is_public=True,
                created_at=merged_at,
            )
        )
    for i in range(CLUSTER_ME_TOO):
        main_events.append(
            VoiceEvent(
                community_id=main.community_id,
                voice=main,
                kind=EventKind.ME_TOO,
                actor_label="居民",
                created_at=start + (i + 2) * 2.1 * DAY,
            )
        )
    main.support_count = 1 + CLUSTER_DUPLICATES + CLUSTER_ME_TOO
    closed = start + 34 * DAY
    main_events.append(
        VoiceEvent(
            community_id=main.community_id,
            voice=main,
            kind=EventKind.CLOSED,
            actor=staff,
            actor_label=main.party.name if main.party else "居委会",
            body=CLUSTER_FIX,
            from_status=main.status,
            to_status=Status.RESOLVED,
            party=main.party,
            created_at=closed,
        )
    )
    rated = closed + 2 * DAY
    main_events.append(
        VoiceEvent(
            community_id=main.community_id,
            voice=main,
            kind=EventKind.RATED,
            actor_label="居民",
            body="5分 改造后干净多了，谢谢",
            created_at=rated,
        )
    )
    # 督办 once: a month of complaints about one room went past the 2-day deadline.
    assert main.due_at is not None
    main.escalated_at, main.escalation_level = main.due_at + datetime.timedelta(hours=2), 1
    main_events.append(
        VoiceEvent(
            community_id=main.community_id,
            voice=main,
            kind=EventKind.ESCALATED,
            actor_label="居委会",
            body="同一垃圾房反复被反映，转居委会督办",
            created_at=main.escalated_at,
        )
    )
    main.status, main.is_open, main.closed_at = Status.RESOLVED, False, closed
    main.rating, main.rating_comment, main.rated_at = 5, "改造后干净多了，谢谢", rated
    return Cluster(main, dups, main_events, dup_events)
