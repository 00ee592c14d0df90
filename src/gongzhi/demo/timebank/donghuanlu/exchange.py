"""东环路's resident exchange (offers and requests, confirmed by the helped) and 琼花观's chain: disabled
residents trained and certified, then serving residents aged 70 and over."""

from __future__ import annotations

import datetime

from gongzhi.demo import bulk
from gongzhi.demo.timebank.common import cycle
from gongzhi.demo.timebank.donghuanlu.street import CHAIN, Donghuanlu, months_before
from gongzhi.demo.timebank.history import at, record
from gongzhi.people.models import Person
from gongzhi.timebank.models.activities import RecordSource, RecordStatus
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus, Post, PostKind, PostStatus
from gongzhi.timebank.models.skills import Certificate, ServiceType, Training, TrainingAttendance


def exchange(d: Donghuanlu) -> None:
    c = d.c
    rng = d.rng
    rows = d.rows
    dh = d.dh
    u2 = d.u2
    u3 = d.u3
    residents = d.residents
    disabled = d.disabled
    place_of = d.place_of
    records = d.records
    T = c.types
    center = dh
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
        day = months_before(c.today, months) + datetime.timedelta(days=7)
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
    bulk.update_where(ServiceType.objects.filter(pk__in=[T[s].pk for s, *_ in CHAIN]), assisted_employment=True)
    old_pool = cycle([p for p in residents if c.age(p) >= 70], rng)
    for p, st in certified:
        content = next(x[3] for x in CHAIN if x[0] == st.name)
        first = months_before(c.today, 16)
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
    d.certified = certified
