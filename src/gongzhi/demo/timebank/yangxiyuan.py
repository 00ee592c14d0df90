"""杨西园村 (article 000): from 0 to 200+ volunteers, cleaning the village roads every Tuesday and Friday in each
自然村 and a big clean of the whole village on the first Saturday of each month: recurring duty rosters with past
sessions attended and upcoming ones signed up for. The group head (13800000005) organises his 自然村's roster."""

from __future__ import annotations

import datetime

from gongzhi.demo.timebank.common import Community, volunteer
from gongzhi.demo.timebank.history import attend, make_activity, record_approve, sessions_of, sign_up
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.timebank.models.activities import ActivityKind, RecordStatus, Recurrence, ServiceRecord, Session
from gongzhi.timebank.models.volunteers import Team, TeamMember

__all__ = ["VOLUNTEERS", "build"]

VOLUNTEERS = 220
ROSTER_WEEKS = 6  # the twice-weekly roster as it runs now; the monthly big clean goes back a year


def build(c: Community) -> dict[str, int]:
    rng, rows, book, village = c.rng, c.rows, c.book, c.place
    head, secretary = c.users[5], c.users[15]
    naturals = sorted(Place.objects.filter(community=village, kind=PlaceKind.NATURAL_VILLAGE), key=lambda p: p.sort_key)
    head_group = Place.objects.filter(pk=head.role_assignments.get().place_id).values_list("parent_id", flat=True)[0]
    villagers = [p for p in c.residents() if 18 <= c.age(p) <= 75]
    rng.shuffle(villagers)
    party = [p for p in villagers if "party" in c.tags.get(p.pk, ())]
    chosen = list(dict.fromkeys([*party[:60], *villagers]))[:VOLUNTEERS]
    dates = sorted(c.today - datetime.timedelta(days=rng.randint(60, 720)) for _ in chosen)
    for n, (p, registered) in enumerate(zip(chosen, dates, strict=True), 1):
        # Numbered as `services.volunteer_number` goes on from them.
        volunteer(c, p, f"{village.pk:04d}-{n:05d}", registered, service_areas="村道保洁、环境整治")
    team = rows.add(
        Team(
            community=village,
            name="杨西园村保洁志愿队",
            description="每周二、周五各自然村清扫村道，每月第一个周六全村大扫除",
            founded_on=c.today - datetime.timedelta(days=730),
            leader=chosen[0],
        )
    )
    for p in chosen:
        rows.add(TeamMember(community=village, team=team, volunteer=c.volunteers[p.pk]))
    by_natural: dict[int, list[Person]] = {}
    for p in chosen:
        by_natural.setdefault(c.top_place_id(p), []).append(p)

    until = c.today + datetime.timedelta(days=14)
    past_end = c.now - datetime.timedelta(hours=12)
    queue_from = c.now - datetime.timedelta(days=10)
    cleaning = c.types["保洁/环境整治"]
    records: list[ServiceRecord] = []
    monday = c.today - datetime.timedelta(days=c.today.weekday())
    roster_start = monday - datetime.timedelta(weeks=ROSTER_WEEKS)

    def serve(session: Session, p: Person, content: str, place: Place) -> None:
        if session.starts_at > past_end:
            sign_up(rows, session, p)
            return
        status = RecordStatus.PENDING if session.starts_at >= queue_from else RecordStatus.APPROVED
        records.append(
            attend(
                rows,
                rng,
                session,
                p,
                service_type=cleaning,
                content=content,
                place=place,
                team=team,
                status=status,
                reviewer=session.activity.organiser,
            )
        )

    def registered_by(pool: list[Person], session: Session) -> list[Person]:
        return [p for p in pool if c.volunteers[p.pk].registered_on <= session.starts_at.date()]

    for natural in naturals:
        crew = by_natural.get(natural.pk, [])
        title = f"{natural.name}村道保洁（每周二、周五）"
        roster = make_activity(
            rows,
            community=village,
            place=natural,
            organiser=head if natural.pk == head_group else secretary,
            title=title,
            description=f"{natural.name}的保洁志愿者每周二、周五早上清扫村道、清理沟渠垃圾。",
            kind=ActivityKind.DUTY,
            service_type=cleaning,
            team=team,
            recurrence=Recurrence.WEEKLY,
            weekdays="2,5",
            start_date=roster_start,
            start_time=datetime.time(7, 0),
            end_time=datetime.time(8, 30),
            capacity=15,
        )
        for s in sessions_of(rows, roster, until=until):
            ready = registered_by(crew, s)
            for p in rng.sample(ready, min(len(ready), rng.randint(3, 6))):
                serve(s, p, f"{natural.name}村道保洁", natural)
    big = make_activity(
        rows,
        community=village,
        place=village,
        organiser=secretary,
        title="全村大扫除（每月第一个周六）",
        description="每月第一个周六，各村民小组志愿者一起清理河塘、村道和房前屋后的卫生死角。",
        kind=ActivityKind.EVENT,
        service_type=cleaning,
        team=team,
        recurrence=Recurrence.MONTHLY,
        weekdays="6",
        month_week=1,
        start_date=(c.today.replace(day=1) - datetime.timedelta(days=330)).replace(day=1),
        start_time=datetime.time(8, 0),
        end_time=datetime.time(11, 0),
        capacity=150,
    )
    nat_of = {n.pk: n for n in naturals}
    for s in sessions_of(rows, big, until=c.today + datetime.timedelta(days=40)):
        ready = registered_by(chosen, s)
        for p in rng.sample(ready, min(len(ready), rng.randint(40, 60))):
            serve(s, p, "全村大扫除", nat_of[c.top_place_id(p)])

    records.sort(key=lambda r: r.reviewed_at or c.now)
    for n, rec in enumerate(records, 1):
        if rec.status == RecordStatus.APPROVED:
            assert rec.reviewed_at is not None
            record_approve(book, village, rec, book.individual(rec.person, at=rec.reviewed_at), n)
    return {"volunteers": len(c.volunteers), "records": len(records)}
