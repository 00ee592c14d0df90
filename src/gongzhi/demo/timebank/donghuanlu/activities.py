"""东环路's recruitment drives and its activities (助老 visits, 门前三包 duty, environment work, errands,
one-off days) with their sessions, sign-ups and attendance records."""

from __future__ import annotations

import datetime
from typing import Any

from gongzhi.demo.timebank.common import cycle
from gongzhi.demo.timebank.donghuanlu.street import Donghuanlu
from gongzhi.demo.timebank.history import at, attend, make_activity, sessions_of, sign_up
from gongzhi.people.models import Person
from gongzhi.timebank.models.activities import (
    ActivityKind,
    ActivityStatus,
    RecordStatus,
    Recurrence,
    ServiceRecord,
    Session,
)
from gongzhi.timebank.models.ledger import AccountKind
from gongzhi.timebank.models.volunteers import Recruitment, RecruitmentApplication, RecruitmentStatus, Team


def activities(d: Donghuanlu) -> None:
    c = d.c
    rng = d.rng
    rows = d.rows
    dh = d.dh
    u1 = d.u1
    u2 = d.u2
    start = d.start
    places = d.places
    courtyards = d.courtyards
    compounds = d.compounds
    residents = d.residents
    by_top = d.by_top
    elderly = d.elderly
    in_service = d.in_service
    me = d.me
    vols = d.vols
    adult_vols = d.adult_vols
    elder_team = d.elder_team
    party_team = d.party_team
    helpers = d.helpers
    card_of = d.card_of
    yard_card = d.yard_card
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
    d.place_of = place_of
    d.records = records
    d.stats = stats
