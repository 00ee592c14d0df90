"""东环路社区 (article 001) at the article's scale: 600+ registered volunteers (230+ Party members, among them the
在职党员 of twelve unit Party organizations), eight mature self-organizations, 12 / 3 / 15 collective cards, and
two and a half years of 助老 visits, 门前三包 duty, environment work and resident exchange that served 3,000+
people for 6,300+ hours; the 慈善超市 with donated stock and redemptions, family gifts, one reversal, 通存通兑
with 草堂路, a 琼花观-style chain (disabled residents trained → certified → serving the elderly) and a stamp trail.
"""

from __future__ import annotations

import datetime
from typing import Any

from gongzhi.people.demo import synthetic_persons
from gongzhi.people.models import Person, PersonTag, Tag
from gongzhi.places.models import Place, PlaceKind
from gongzhi.timebank.demo.common import Community, cycle, volunteer
from gongzhi.timebank.demo.history import at, attend, make_activity, record, record_approve, sessions_of, sign_up
from gongzhi.timebank.models.activities import (
    ActivityKind,
    ActivityStatus,
    RecordSource,
    RecordStatus,
    Recurrence,
    ServiceRecord,
    Session,
)
from gongzhi.timebank.models.catalogue import Donation, Item, ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus, Post, PostKind, PostStatus
from gongzhi.timebank.models.ledger import Account, AccountKind, AccountManager, AccountMember, TransactionKind
from gongzhi.timebank.models.skills import Certificate, ServiceType, Training, TrainingAttendance
from gongzhi.timebank.models.stamps import Stamp, StampCard, StampPoint, StampTrail
from gongzhi.timebank.models.volunteers import (
    Award,
    Recruitment,
    RecruitmentApplication,
    RecruitmentStatus,
    Team,
    TeamKind,
    TeamMember,
)

__all__ = ["VOLUNTEERS", "build"]

VOLUNTEERS = 620
HISTORY_MONTHS = 31  # 2024-05 … 2026-11 when loaded in December 2026
PARTY_ORGS = (
    "新都区税务局",
    "东环路小学",
    "区人民医院东区",
    "东环供电所",
    "区市场监管局",
    "区图书馆",
    "中国银行新都支行",
    "区水务局",
    "区住建局",
    "区文化馆",
    "区邮政分公司",
    "东环派出所",
)
ENTERPRISES = ("东环家政服务部", "新都锦苑物业服务中心", "惠民连锁超市东环店")
SELF_ORGS = (
    ("桂香文艺队", "排练演出，节庆慰问老人"),
    ("东环巧手编织社", "编织义卖，所得捐给慈善超市"),
    ("银发互助会", "低龄老人结对帮扶高龄独居老人"),
    ("和事佬调解队", "调解邻里纠纷"),
    ("绿色家园环保社", "垃圾分类督导和院落绿化"),
    ("邻里守望巡逻队", "夜间院落巡逻"),
    ("墨香书画社", "书画班和春联义写"),
    ("爱心助餐小组", "为高龄老人送餐"),
)
TEAMS = (("东环路党员先锋队", "在职党员和居民党员"), ("助老服务队", "上门探望和代购代办"), ("青年志愿服务队", ""))
GOODS = (
    ("大米（5公斤）", 80, "新都区爱心企业协会", 120),
    ("菜籽油（5升）", 90, "惠民连锁超市东环店", 80),
    ("洗衣液", 40, "东环家政服务部", 100),
    ("抽纸（一提）", 20, "居民捐赠", 150),
    ("鲜鸡蛋（30枚）", 30, "新都区爱心企业协会", 90),
    ("毛巾", 15, "居民捐赠", 120),
    ("雨伞", 35, "桂湖华庭业主委员会", 40),
)
CHAIN = (  # skill, training title, month offset before today, service content
    ("理发", "助残理发技能培训（琼花助残工坊）", 20, "上门理发（助残就业）"),
    ("助浴", "居家助浴技能培训（琼花助残工坊）", 19, "居家助浴（助残就业）"),
    ("康复理疗", "康复理疗基础培训（琼花助残工坊）", 18, "康复理疗（助残就业）"),
)
STAMP_POINTS = ("党群服务中心", "花园颐院", "东环苑", "慈善超市", "书吧", "新都锦苑", "桂湖华庭", "东环新苑")


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def build(c: Community, caotanglu: Place | None) -> dict[str, int]:
    rng, rows, book, dh = c.rng, c.rows, c.book, c.place
    u1, u2, u3 = c.users[1], c.users[2], c.users[3]
    start = _months_before(c.today, HISTORY_MONTHS)
    t0 = at(start, 9)
    places = {p.pk: p for p in Place.objects.filter(parent=dh)}
    courtyards = [p for p in places.values() if p.kind == PlaceKind.COURTYARD]
    compounds = [p for p in places.values() if p.kind == PlaceKind.COMPOUND]
    residents = c.residents()
    by_top: dict[int, list[Person]] = {}
    for p in residents:
        by_top.setdefault(c.top_place_id(p), []).append(p)
    elderly = [p for p in residents if c.age(p) >= 70 or "living_alone" in c.tags.get(p.pk, ())]

    # --- volunteers: 在职党员 of the unit Party organizations (registered here, no household), residents
    in_service = synthetic_persons(dh, ages=[rng.randint(26, 56) for _ in range(10 * len(PARTY_ORGS))], rng=rng)
    Person.objects.bulk_create(in_service)
    party = Tag.objects.get(community=None, key="party")
    PersonTag.objects.bulk_create([PersonTag(community=dh, person=p, tag=party) for p in in_service])
    for p in in_service:
        c.tags.setdefault(p.pk, set()).add("party")
    me = c.users[9].person
    chosen: dict[int, Person] = {me.pk: me}
    adults = [p for p in residents if 18 <= c.age(p) <= 78]
    rng.shuffle(adults)
    disabled = [p for p in adults if "disability" in c.tags.get(p.pk, ()) and c.age(p) <= 65][:8]
    for p in disabled + [p for p in adults if "party" in c.tags.get(p.pk, ())][:150]:
        chosen.setdefault(p.pk, p)
    minors = [p for p in residents if 14 <= c.age(p) <= 17][:6]
    need = VOLUNTEERS - len(in_service) - len(minors)
    for p in sorted(adults, key=lambda p: -min(c.age(p), 68) + rng.random() * 40):
        if len(chosen) >= need:
            break
        chosen.setdefault(p.pk, p)
    parents = {p.household_id: p for p in residents if 30 <= c.age(p) <= 60 and p.phone}
    registrations = []
    for p in [*chosen.values(), *in_service, *minors]:
        if p in minors:  # registered lately, as the minors they still are
            registered = c.today - datetime.timedelta(days=rng.randint(30, 300))
        elif p.pk == me.pk:
            registered = start - datetime.timedelta(days=200)
        else:
            registered = min(
                start + datetime.timedelta(days=rng.randint(-900, 600)), c.today - datetime.timedelta(days=30)
            )
        registrations.append((registered, p))
    # Numbered in order of registration, as `services.volunteer_number` goes on from them.
    registrations.sort(key=lambda r: (r[0], r[1].pk))
    for n, (registered, p) in enumerate(registrations, 1):
        extra: dict[str, Any] = {}
        if p in minors:
            guardian = parents.get(p.household_id)
            extra = {
                "guardian_name": guardian.name if guardian else "王秀英",
                "guardian_phone": (guardian.phone if guardian else "") or "13900000000",
                "guardian_relation": "母亲" if guardian and guardian.sex == "F" else "父亲",
                "guardian_consent_at": at(registered, 10),
                "service_areas": "青少年志愿服务、图书整理",
            }
        volunteer(c, p, f"{dh.pk:04d}-{n:05d}", registered, **extra)
    vols = [c.volunteers[pk].person for pk in c.volunteers]
    adult_vols = [p for p in vols if c.age(p) >= 18]

    # --- teams and self-organizations
    teams: dict[str, Team] = {}
    for i, (name, desc) in enumerate(SELF_ORGS):
        teams[name] = rows.add(
            Team(
                community=dh,
                kind=TeamKind.SELF_ORG,
                name=name,
                description=desc,
                founded_on=datetime.date(2016 + i % 4, 3 + i, 1),
                is_mature=True,
                leader=adult_vols[i],
            )
        )
    for name, desc in TEAMS:
        teams[name] = rows.add(Team(community=dh, name=name, description=desc, founded_on=start))
    for team in teams.values():
        size = 40 if team.kind == TeamKind.TEAM else rng.randint(12, 30)
        for p in dict.fromkeys(
            [team.leader, *rng.sample(adult_vols, size)] if team.leader else rng.sample(adult_vols, size)
        ):
            assert p is not None
            v = c.volunteers[p.pk]
            rows.add(TeamMember(community=dh, team=team, volunteer=v, joined_on=max(v.registered_on, start)))
    elder_team, party_team = teams["助老服务队"], teams["东环路党员先锋队"]
    helpers = [tm.volunteer.person for tm in rows.of(TeamMember) if tm.team is elder_team]

    # --- collective cards, each with managers and members
    card_of: dict[int, Account] = {}  # the card a person serves under
    for i, org in enumerate(PARTY_ORGS):
        card = book.card(dh, AccountKind.PARTY_ORG, f"{org}党支部储蓄卡", at=t0)
        members = in_service[10 * i : 10 * i + 10]
        rows.add(AccountManager(community=dh, account=card, person=members[0], created_at=t0))
        for p in members:
            rows.add(AccountMember(community=dh, account=card, person=p, created_at=t0))
            card_of[p.pk] = card
    taken = set(card_of)
    for org in ENTERPRISES:
        card = book.card(dh, AccountKind.ENTERPRISE, f"{org}企业卡", at=t0)
        staff = [p for p in adult_vols if p.pk not in taken and c.age(p) < 60][:5]
        rows.add(AccountManager(community=dh, account=card, person=staff[0], created_at=t0))
        for p in staff:
            taken.add(p.pk)
            rows.add(AccountMember(community=dh, account=card, person=p, created_at=t0))
            card_of[p.pk] = card
    yard_card: dict[int, Account] = {}
    yard_manager: dict[int, Person] = {}
    for yard in sorted(courtyards, key=lambda p: p.sort_key):
        card = yard_card[yard.pk] = book.card(dh, AccountKind.COURTYARD, f"{yard.name}院落集体卡", at=t0)
        people = by_top.get(yard.pk, [])
        manager = c.users[14].person if c.users[14].person.place_path.startswith(yard.path) else None
        manager = manager or next(p for p in people if 35 <= c.age(p) <= 75)
        yard_manager[yard.pk] = manager
        rows.add(AccountManager(community=dh, account=card, person=manager, created_at=t0))
        members = [p for p in people if p.pk in c.volunteers and p.pk not in taken and p.pk != me.pk]
        for p in dict.fromkeys([manager, *members[:8]]):
            rows.add(AccountMember(community=dh, account=card, person=p, created_at=t0))
            if p.pk in c.volunteers:
                card_of[p.pk] = card

    def earner(p: Person, when: datetime.datetime, card: Account | None) -> Account:
        return card or book.individual(p, at=when)

    # --- recruitment and awards (the lifecycle around the records)
    recruitments: tuple[tuple[str, Team | None, int, datetime.date, str], ...] = (
        ("招募助老服务志愿者", elder_team, 30, start, RecruitmentStatus.CLOSED),
        ("招募院落门前三包轮值志愿者", None, 60, start + datetime.timedelta(days=200), RecruitmentStatus.CLOSED),
        ("招募冬季助老志愿者", elder_team, 20, c.today - datetime.timedelta(days=20), RecruitmentStatus.OPEN),
    )
    for title, recruiting, needed, opens, status in recruitments:
        ad = rows.add(
            Recruitment(
                community=dh,
                title=title,
                description=f"{title}，每周服务约两小时，服务时长计入志愿服务记录并兑换积分。",
                team=recruiting,
                needed=needed,
                opens_on=opens,
                closes_on=opens + datetime.timedelta(days=30),
                status=status,
                created_by=u2,
                created_at=at(opens, 9),
            )
        )
        for p in rng.sample(residents, 6):
            rows.add(
                RecruitmentApplication(
                    community=dh,
                    recruitment=ad,
                    person=p,
                    note="周末有空",
                    volunteer=c.volunteers.get(p.pk),
                    created_at=at(opens, 15),
                )
            )

    # --- activities with sessions and attendance
    until = c.today + datetime.timedelta(days=21)
    past_end = c.now - datetime.timedelta(hours=12)
    queue_from = c.now - datetime.timedelta(days=10)  # recent records still wait for approval
    T = c.types
    center = dh
    visits = make_activity(
        rows,
        community=dh,
        place=center,
        organiser=u2,
        title="银龄关爱·上门探望独居老人",
        description="每周三下午两人一组上门探望高龄独居老人，聊天、测血压、检查水电气安全。",
        kind=ActivityKind.EVENT,
        service_type=T["助老陪伴"],
        team=elder_team,
        recurrence=Recurrence.WEEKLY,
        weekdays="3",
        start_date=start,
        start_time=datetime.time(14, 30),
        end_time=datetime.time(16, 30),
        capacity=20,
    )
    duty = make_activity(
        rows,
        community=dh,
        place=center,
        organiser=u1,
        title="院落门前三包·周六轮值",
        description="包卫生、包秩序、包绿化：各院落志愿者周六上午清扫院坝、劝导乱停乱放。",
        kind=ActivityKind.DUTY,
        service_type=T["门前三包"],
        recurrence=Recurrence.WEEKLY,
        weekdays="6",
        start_date=start,
        start_time=datetime.time(8, 30),
        end_time=datetime.time(10, 30),
        capacity=40,
    )
    clean = make_activity(
        rows,
        community=dh,
        place=center,
        organiser=u1,
        title="清洁家园·每月第一个周六大扫除",
        description="每月第一个周六全社区大扫除，清理小区卫生死角、楼道杂物和绿化带垃圾。",
        kind=ActivityKind.EVENT,
        service_type=T["保洁/环境整治"],
        team=party_team,
        recurrence=Recurrence.MONTHLY,
        weekdays="6",
        month_week=1,
        start_date=start,
        start_time=datetime.time(9, 0),
        end_time=datetime.time(11, 30),
        capacity=80,
    )
    errands = make_activity(
        rows,
        community=dh,
        place=center,
        organiser=u2,
        title="代购代办·为行动不便老人跑腿",
        description="每周一上午为行动不便的老人代买药品、代缴水电气费。",
        kind=ActivityKind.EVENT,
        service_type=T["代购代办"],
        team=elder_team,
        recurrence=Recurrence.WEEKLY,
        weekdays="1",
        start_date=start,
        start_time=datetime.time(9, 0),
        end_time=datetime.time(11, 0),
        capacity=10,
    )
    one_offs = []
    for day, title, kind, hours in (
        (datetime.date(start.year, 10, 11), "重阳节敬老慰问", "助老陪伴", 3),
        (datetime.date(start.year + 1, 1, 18), "春节前为老人代购年货", "代购代办", 3),
        (datetime.date(start.year + 1, 3, 15), "创文明城市·清洁家园行动", "保洁/环境整治", 3),
        (datetime.date(start.year + 1, 6, 21), "汛前院落排水沟清掏", "保洁/环境整治", 3),
        (datetime.date(start.year + 1, 10, 29), "重阳节敬老慰问", "助老陪伴", 3),
        (datetime.date(start.year + 2, 3, 8), "学雷锋·院落环境整治", "保洁/环境整治", 3),
    ):
        if day >= c.today:
            continue
        one_offs.append(
            make_activity(
                rows,
                community=dh,
                place=center,
                organiser=u1,
                title=title,
                description=f"{title}：社区志愿者和在职党员共同参与。",
                service_type=T[kind],
                team=party_team,
                start_date=day,
                end_date=day,
                start_time=datetime.time(9, 0),
                end_time=datetime.time(9 + hours, 0),
                capacity=80,
                status=ActivityStatus.CLOSED,
            )
        )
    dumplings = make_activity(
        rows,
        community=dh,
        place=center,
        organiser=u2,
        title="冬至包饺子·给独居老人送上门",
        description="冬至当天在党群服务中心包饺子，再分组送到独居老人家里。",
        service_type=T["助老陪伴"],
        team=elder_team,
        start_date=c.today + datetime.timedelta(days=20),
        end_date=c.today + datetime.timedelta(days=20),
        start_time=datetime.time(9, 0),
        end_time=datetime.time(12, 0),
        capacity=20,
    )

    yard_pools = {y.pk: cycle([p for p in by_top.get(y.pk, []) if rng.random() < 0.9], rng) for y in courtyards}
    compound_pools = {p.pk: cycle([q for q in by_top.get(p.pk, []) if rng.random() < 0.85], rng) for p in compounds}
    elderly_pool = cycle(elderly, rng)
    place_of = {p.pk: (p.household.place if p.household else dh) for p in residents}
    yard_vols = [p for p in vols if p.household_id and c.top_place_id(p) in yard_pools]
    records: list[ServiceRecord] = []
    stats = {"pending": 0}

    def status_for(session: Session) -> str:
        if session.starts_at >= queue_from:
            stats["pending"] += 1
            return RecordStatus.PENDING
        r = rng.random()
        return RecordStatus.REJECTED if r < 0.004 else RecordStatus.DISPUTED if r < 0.0055 else RecordStatus.APPROVED

    def serve(session: Session, p: Person, **kw: Any) -> None:
        if session.starts_at > past_end:
            sign_up(rows, session, p)
            return
        reviewer = session.activity.organiser
        rec = attend(rows, rng, session, p, status=status_for(session), reviewer=reviewer, **kw)
        records.append(rec)

    def crew(session: Session, pool: list[Person], n: int, *, include_me: bool = False) -> list[Person]:
        """Volunteers registered by the session's day."""
        day = session.starts_at.date()
        eligible = [p for p in pool if c.volunteers[p.pk].registered_on <= day]
        people = rng.sample(eligible, min(n, len(eligible)))
        if include_me and me not in people:
            people[0] = me
        return people

    for k, s in enumerate(sessions_of(rows, visits, until=until)):
        for p in crew(s, helpers, rng.randint(4, 8), include_me=k % 5 == 0 or s.starts_at > past_end):
            old = elderly_pool.take(1)
            serve(
                s,
                p,
                service_type=T["助老陪伴"],
                content="上门探望独居老人",
                place=place_of[old[0].pk],
                recipients=old,
                team=elder_team,
            )
    yard_list = sorted(yard_pools)
    for k, s in enumerate(sessions_of(rows, duty, until=until)):
        for p in crew(
            s, yard_vols + in_service[:40], rng.randint(6, 9), include_me=k % 4 == 0 or s.starts_at > past_end
        ):
            top = c.top_place_id(p) if p.household_id else yard_list[k % len(yard_list)]
            yard = places[top] if top in yard_pools else places[yard_list[k % len(yard_list)]]
            under = card_of.get(p.pk)
            if under is not None and under.kind == AccountKind.COURTYARD and under is not yard_card[yard.pk]:
                under = None
            serve(
                s,
                p,
                service_type=T["门前三包"],
                content=f"{yard.name}门前三包",
                place=yard,
                recipients=yard_pools[yard.pk].take(rng.randint(2, 4)),
                card=under,
            )
    compound_list = sorted(compound_pools)
    for k, s in enumerate(sessions_of(rows, clean, until=until)):
        for p in crew(s, adult_vols, rng.randint(26, 34)):
            area = places[compound_list[(k + p.pk) % len(compound_list)]]
            under = card_of.get(p.pk)
            serve(
                s,
                p,
                service_type=T["保洁/环境整治"],
                content=f"{area.name}环境卫生整治",
                place=area,
                recipients=compound_pools[area.pk].take(rng.randint(5, 7)),
                card=under if under is not None and under.kind != AccountKind.COURTYARD else None,
                team=party_team,
            )
    for s in sessions_of(rows, errands, until=until):
        for p in crew(s, helpers, rng.randint(2, 4)):
            old = elderly_pool.take(1)
            serve(
                s,
                p,
                service_type=T["代购代办"],
                content="为老人代购药品、代缴费用",
                place=place_of[old[0].pk],
                recipients=old,
                team=elder_team,
            )
    for a in one_offs:
        (s,) = sessions_of(rows, a, until=until)
        for p in crew(s, adult_vols, rng.randint(35, 50)):
            under = card_of.get(p.pk)
            if a.service_type.name == "保洁/环境整治":
                area = places[compound_list[p.pk % len(compound_list)]]
                who = compound_pools[area.pk].take(rng.randint(4, 7))
            else:
                who = elderly_pool.take(1)
                area = place_of[who[0].pk]
            serve(
                s,
                p,
                service_type=a.service_type,
                content=a.title,
                place=area,
                recipients=who,
                card=under if under is not None and under.kind != AccountKind.COURTYARD else None,
            )
    (s,) = sessions_of(rows, dumplings, until=until)
    for p in [me, *rng.sample([h for h in helpers if h.pk != me.pk], 22)]:
        sign_up(rows, s, p)

    # --- resident exchange: offers and requests, confirmed by the helped, approved by the grid worker
    # Helpers are drawn among adults rather than skipped when under 18: who is 18 moves with the load date, and a
    # skip could drop every one of the few pending records the grid worker's login is meant to find.
    adults = [p for p in residents if c.age(p) >= 18]
    for i in range(36):
        helper = rng.choice(adults)
        helped = rng.choice([p for p in residents if p.pk != helper.pk])
        st = T["代购代办"] if i % 2 else T["助老陪伴"]
        kind = PostKind.REQUEST if i % 3 else PostKind.OFFER
        poster = helped if kind == PostKind.REQUEST else helper
        when = c.now - datetime.timedelta(days=rng.randint(5, 600))
        title = (
            ("帮忙买菜取药" if st.name == "代购代办" else "陪老人聊天散步")
            if kind == PostKind.REQUEST
            else ("我能帮邻居跑腿代购" if st.name == "代购代办" else "我可以陪老人聊天")
        )
        post = rows.add(
            Post(
                community=dh,
                kind=kind,
                person=poster,
                service_type=st,
                title=title,
                place_path=poster.place_path,
                status=PostStatus.CLOSED if i < 30 else PostStatus.OPEN,
                created_at=when,
            )
        )
        if i >= 33:
            continue  # still open, nobody has answered yet
        agreed = i >= 30
        rec = None
        if not agreed:
            started = when + datetime.timedelta(days=1, hours=rng.randint(0, 4))
            rec = record(
                rows,
                rng,
                person=helper,
                service_type=st,
                content=title,
                place=place_of[helped.pk],
                started=started,
                ended=started + datetime.timedelta(minutes=rng.choice((60, 90, 120))),
                recipients=[helped],
                status=RecordStatus.PENDING if i >= 27 else RecordStatus.APPROVED,
                source=RecordSource.EXCHANGE,
                reviewer=u3,
            )
            records.append(rec)
        rows.add(
            Exchange(
                community=dh,
                post=post,
                helper=helper,
                helped=helped,
                status=ExchangeStatus.AGREED if agreed else ExchangeStatus.CONFIRMED,
                record=rec,
                created_at=when,
                confirmed_at=None if rec is None else rec.ended_at,
            )
        )

    # --- 琼花观's chain: disabled residents trained and certified, then serving residents aged 70 and over
    certified: list[tuple[Person, ServiceType]] = []
    for n, (skill_name, title, months, _content) in enumerate(CHAIN):
        st = T[skill_name]
        assert st.required_skill is not None
        day = _months_before(c.today, months) + datetime.timedelta(days=7)
        training = rows.add(
            Training(
                community=dh,
                title=title,
                skill=st.required_skill,
                trainer="新都区残联·琼花助残工坊",
                place=center,
                starts_at=at(day, 9),
                ends_at=at(day, 16),
                created_by=u2,
                created_at=at(day, 9) - datetime.timedelta(days=14),
            )
        )
        trainees = disabled[n::2] + disabled[n + 1 :: 3]
        for k, p in enumerate(dict.fromkeys(trainees)):
            passed = k != 3
            rows.add(
                TrainingAttendance(
                    community=dh, training=training, person=p, passed=passed, recorded_by=u2, recorded_at=at(day, 16)
                )
            )
            if passed:
                rows.add(
                    Certificate(
                        community=dh,
                        person=p,
                        skill=st.required_skill,
                        training=training,
                        number=f"DHL-{n + 1}{k + 1:02d}-{day:%Y}",
                        issued_on=day + datetime.timedelta(days=7),
                        valid_until=day + datetime.timedelta(days=7 + 730),
                        issued_by=u2,
                    )
                )
                certified.append((p, st))
    ServiceType.objects.filter(pk__in=[T[s].pk for s, *_ in CHAIN]).update(assisted_employment=True)
    old_pool = cycle([p for p in residents if c.age(p) >= 70], rng)
    for p, st in certified:
        content = next(x[3] for x in CHAIN if x[0] == st.name)
        first = _months_before(c.today, 16)
        for _ in range(14):
            day = first + datetime.timedelta(days=rng.randint(0, (c.today - first).days - 12))
            started = at(day, rng.choice((9, 10, 14, 15)))
            who = old_pool.take(1)
            records.append(
                record(
                    rows,
                    rng,
                    person=p,
                    service_type=st,
                    content=content,
                    place=place_of[who[0].pk],
                    started=started,
                    ended=started + datetime.timedelta(minutes=rng.choice((45, 60, 90))),
                    recipients=who,
                    source=RecordSource.PAPER,
                    reviewer=u2,
                )
            )

    # --- the approved records' points, in the order they were approved
    records.sort(key=lambda r: r.reviewed_at or c.now)
    duplicate: ServiceRecord | None = None
    for n, rec in enumerate(records, 1):
        if rec.status != RecordStatus.APPROVED:
            continue
        assert rec.reviewed_at is not None
        account = earner(rec.person, rec.reviewed_at, rec.card)
        record_approve(book, dh, rec, account, n)
        if duplicate is None and rec.card is None and rec.reviewed_at > c.now - datetime.timedelta(days=200):
            duplicate = rec
            # Entered a second time by hand from the paper sheet, then reversed with its reason.
            dup = book.post(
                community=dh,
                kind=TransactionKind.EARN,
                postings=[(book.system(dh, AccountKind.ISSUANCE), -rec.points), (account, rec.points)],
                memo=f"补录：{rec.content}",
                key=f"demo:record:{n}:manual",
                at=rec.reviewed_at + datetime.timedelta(hours=2),
                actor=u2,
                attributed=rec.person,
            )
            book.reverse(
                dup,
                reason="与已审核通过的志愿服务记录重复发放，予以冲正",
                key=f"demo:reverse:manual:{rec.person.pk}:{rec.service_date}",
                at=rec.reviewed_at + datetime.timedelta(days=1),
                actor=u1,
            )

    # --- the stamp trail
    trail = rows.add(
        StampTrail(
            community=dh,
            name="东环路公益集章打卡",
            description="在社区公益服务点扫码集章，每个点每天一次，集满 8 枚奖励 20 积分。",
            stamps_required=8,
            points=20,
            starts_on=_months_before(c.today, 8),
        )
    )
    point_places = [dh, *(p for p in places.values() if p.name in STAMP_POINTS)]
    stamp_points = [
        rows.add(
            StampPoint(
                community=dh,
                trail=trail,
                name=name,
                place=point_places[i % len(point_places)],
                token=f"{rng.getrandbits(160):040x}",
            )
        )
        for i, name in enumerate(STAMP_POINTS)
    ]
    collectors = [c.users[10].person, *rng.sample(residents, 60)]
    for i, p in enumerate(dict.fromkeys(collectors)):
        full = i % 2 == 0
        count = 8 if full else rng.randint(1, 7)
        days = sorted(rng.sample(range((c.today - trail.starts_on).days - 1), count))
        stamp_card = rows.add(
            StampCard(
                community=dh,
                trail=trail,
                person=p,
                number=1,
                stamp_count=count,
                completed_at=at(trail.starts_on + datetime.timedelta(days=days[-1]), 17) if full else None,
                created_at=at(trail.starts_on + datetime.timedelta(days=days[0]), 10),
            )
        )
        for k, d in enumerate(days):
            rows.add(
                Stamp(
                    community=dh,
                    card=stamp_card,
                    point=stamp_points[k % 8],
                    person=p,
                    day=trail.starts_on + datetime.timedelta(days=d),
                    created_at=at(trail.starts_on + datetime.timedelta(days=d), 10),
                )
            )
        if full:
            assert stamp_card.completed_at is not None
            stamp_card.transaction = book.post(
                community=dh,
                kind=TransactionKind.EARN,
                postings=[
                    (book.system(dh, AccountKind.ISSUANCE), -20),
                    (book.individual(p, at=stamp_card.completed_at), 20),
                ],
                memo="公益集章集满奖励",
                key=f"demo:stamps:{i}:complete",
                at=stamp_card.completed_at,
                attributed=p,
            )

    # --- spending: the 慈善超市 (donated goods, services of certified volunteers and a partner business)
    market = c.users[13]
    items: list[tuple[Item, int]] = []  # (item, units on the shelf)
    for name, price, donor, quantity in GOODS:
        item = rows.add(
            Item(
                community=dh,
                kind=ItemKind.GOODS,
                name=name,
                price=price,
                stock=0,
                provider_name="东环路慈善超市",
                provider_user=market,
                created_at=t0,
            )
        )
        for k, (donor_name, part) in enumerate(((donor, quantity // 2), ("新都区慈善总会", quantity - quantity // 2))):
            rows.add(
                Donation(
                    community=dh,
                    item=item,
                    donor=donor_name,
                    quantity=part,
                    note="爱心捐赠入库",
                    received_by=market,
                    received_at=t0 + datetime.timedelta(days=90 + 200 * k),
                )
            )
        items.append((item, quantity))
    barber = next((p for p, st in certified if st.name == "理发"), None)
    services = [
        rows.add(
            Item(
                community=dh,
                kind=ItemKind.SERVICE,
                name="上门理发一次（助残理发师）",
                price=20,
                service_type=T["理发"],
                provider_name=barber.name if barber else "琼花助残工坊",
                provider_person=barber,
                created_at=t0,
            )
        ),
        rows.add(
            Item(
                community=dh,
                kind=ItemKind.SERVICE,
                name="家电清洗一次",
                price=50,
                provider_name="东环家政服务部",
                created_at=t0,
            )
        ),
    ]
    redemptions: list[Redemption] = []
    codes: set[str] = set()

    def redeem(account: Account, item: Item, when: datetime.datetime, status: str) -> Redemption:
        tx = book.post(
            community=dh,
            kind=TransactionKind.SPEND,
            postings=[(account, -item.price), (book.system(dh, AccountKind.REDEMPTION), item.price)],
            memo=f"兑换：{item.name}",
            key=f"demo:redemption:{len(redemptions) + 1}:reserve",
            at=when,
            actor=account.person.account if account.person else None,
            attributed=account.person,
        )
        while True:
            code = f"{rng.randrange(10**6):06d}"
            if code not in codes:
                codes.add(code)
                break
        red = rows.add(
            Redemption(
                community=dh,
                item=item,
                account=account,
                person=account.person,
                points=item.price,
                code=code,
                token=f"{rng.getrandbits(160):040x}",
                status=status,
                expires_at=when + datetime.timedelta(days=item.code_valid_days),
                created_by=account.person.account if account.person else None,
                created_at=when,
                transaction=tx,
            )
        )
        if status == RedemptionStatus.COMPLETED:
            red.completed_by = item.provider_user or u2
            red.completed_at = when + datetime.timedelta(hours=rng.randint(1, 72))
        if status in (RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED):
            red.refund = book.reverse(
                tx,
                reason="居民取消兑换，积分退回"
                if status == RedemptionStatus.CANCELLED
                else "核销码过期未使用，积分退回",
                key=f"demo:redemption:{len(redemptions) + 1}:refund",
                at=red.expires_at if status == RedemptionStatus.EXPIRED else when + datetime.timedelta(days=2),
                actor=red.created_by if status == RedemptionStatus.CANCELLED else None,
            )
        redemptions.append(red)
        return red

    individuals = [a for a in book.accounts if a.kind == AccountKind.INDIVIDUAL and a.community_id == dh.pk]
    mine = book.individual(me, at=t0)
    shelf = {id(item): units for item, units in items}  # goods only; services have no stock
    year_ago = c.now - datetime.timedelta(days=365)
    for k in range(260):
        account = mine if k % 40 == 0 else rng.choice(individuals)
        item = services[k % 2] if k % 9 == 0 else items[k % len(items)][0]
        if account.balance < item.price + 20 or shelf.get(id(item), 1) <= 0:
            continue
        if id(item) in shelf:
            shelf[id(item)] -= 1
        when = year_ago + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 350))
        redeem(account, item, when, RedemptionStatus.COMPLETED)
    for k, state in enumerate([RedemptionStatus.RESERVED] * 8 + [RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED]):
        account = mine if k == 0 else next(a for a in rng.sample(individuals, 40) if a.balance >= 100)
        item = items[k % len(items)][0]
        reserved = state == RedemptionStatus.RESERVED
        when = c.now - datetime.timedelta(days=rng.randint(1, 5) if reserved else rng.randint(30, 90))
        if reserved:
            shelf[id(item)] -= 1
        redeem(account, item, when, state)
    for item, _units in items:
        item.stock = shelf[id(item)]

    # Card managers spend their card's points on collective rewards.
    for card, memo in (
        (yard_card[min(yard_card)], "院落集体奖励：购置扫帚、垃圾夹等清扫工具"),
        (card_of[in_service[0].pk], "党支部集体奖励：为结对老人购置取暖器"),
        (card_of[in_service[10].pk], "党支部集体奖励：慰问困难家庭"),
    ):
        amount = min(card.balance // 2, 300)
        if amount < 10:
            continue
        managers = [m.person for m in rows.of(AccountManager) if m.account is card]
        book.post(
            community=dh,
            kind=TransactionKind.SPEND,
            postings=[(card, -amount), (book.system(dh, AccountKind.REDEMPTION), amount)],
            memo=memo,
            key=f"demo:card:{card.name}:reward",
            at=c.now - datetime.timedelta(days=rng.randint(20, 200)),
            actor=managers[0].account,
        )

    # Family gifts: to parents in the same household, within the monthly limit.
    gifts = 0
    by_household: dict[int, list[Person]] = {}
    for p in residents:
        by_household.setdefault(p.household_id or 0, []).append(p)
    for account in sorted(individuals, key=lambda a: -a.balance):
        if gifts == 5:
            break
        giver = account.person
        assert giver is not None
        elders = [q for q in by_household.get(giver.household_id or 0, []) if q.pk != giver.pk and c.age(q) >= 60]
        if not giver.household_id or not elders or account.balance < 150:
            continue
        gifts += 1
        when = c.now - datetime.timedelta(days=30 * gifts + rng.randint(0, 20))
        book.post(
            community=dh,
            kind=TransactionKind.GIFT,
            postings=[(account, -50 - 10 * gifts), (book.individual(elders[0], at=when), 50 + 10 * gifts)],
            memo="赠送给家人",
            key=f"demo:gift:{giver.pk}:{when:%Y%m}",
            at=when,
            actor=giver.account,
        )

    # 通存通兑: a few of 东环路's volunteers spend their points at 草堂路's exchange point.
    if caotanglu is not None:
        for k, account in enumerate([a for a in individuals if a.balance >= 120][:4]):
            amount = 30 + 10 * k
            book.post(
                community=dh,
                kind=TransactionKind.CLEAR,
                postings=[
                    (account, -amount),
                    (book.system(dh, AccountKind.CLEARING, caotanglu), amount),
                    (book.system(caotanglu, AccountKind.CLEARING, dh), -amount),
                    (book.system(caotanglu, AccountKind.REDEMPTION), amount),
                ],
                memo="通存通兑：在草堂路社区兑换生活用品",
                key=f"demo:clear:{account.person_id}:{k}",
                at=c.now - datetime.timedelta(days=40 - 7 * k),
                counterpart=caotanglu,
            )

    # Awards for the most active volunteers (part of their 志愿服务记录).
    minutes: dict[int, int] = {}
    for rec in records:
        if rec.status == RecordStatus.APPROVED:
            minutes[rec.person.pk] = minutes.get(rec.person.pk, 0) + rec.minutes
    top = sorted(minutes, key=lambda pk: -minutes[pk])[:12]
    for year in (start.year + 1, start.year + 2):
        for pk in dict.fromkeys([me.pk, *top]):
            if pk in c.volunteers:
                rows.add(
                    Award(
                        community=dh,
                        volunteer=c.volunteers[pk],
                        title=f"{year - 1}年度东环路社区优秀志愿者",
                        awarded_on=datetime.date(year, 1, 15),
                        issuer="东环路社区党委",
                        created_by=u1,
                    )
                )

    approved = [r for r in records if r.status == RecordStatus.APPROVED]
    return {
        "volunteers": len(c.volunteers),
        "records": len(records),
        "approved_minutes": sum(r.minutes for r in approved),
        "pending": stats["pending"],
        "redemptions": len(redemptions),
        "certificates": len(rows.of(Certificate)),
    }
