"""Rows of the demo planned in memory and inserted per model in dependency order; activities with their sessions
(dates from rules.service_hours), attendance as sign-ups and 志愿服务记录, and each approved record's points."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from gongzhi.demo import bulk
from gongzhi.demo.timebank.book import Book
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import service_hours
from gongzhi.timebank.models.activities import (
    Activity,
    RecordSource,
    RecordStatus,
    ServiceRecipient,
    ServiceRecord,
    Session,
    SignUp,
    SignUpStatus,
)
from gongzhi.timebank.models.catalogue import Donation, Item, Redemption
from gongzhi.timebank.models.exchange import Exchange, Post
from gongzhi.timebank.models.ledger import Account, AccountKind, AccountManager, AccountMember, TransactionKind
from gongzhi.timebank.models.skills import Certificate, ServiceType, Training, TrainingAttendance
from gongzhi.timebank.models.stamps import Stamp, StampCard, StampPoint, StampTrail
from gongzhi.timebank.models.volunteers import Award, Recruitment, RecruitmentApplication, Team, TeamMember, Volunteer

__all__ = ["ORDER", "Rows", "at", "attend", "make_activity", "record_approve", "sessions_of"]

# Insert order: each model after those it points to (the accounts are inserted before all of these).
ORDER: list[type[models.Model]] = [
    Volunteer,
    Team,
    TeamMember,
    Recruitment,
    RecruitmentApplication,
    Award,
    AccountManager,
    AccountMember,
    Activity,
    Session,
    SignUp,
    ServiceRecord,
    ServiceRecipient,
    Post,
    Exchange,
    Training,
    TrainingAttendance,
    Certificate,
    Item,
    Donation,
    Redemption,
    StampTrail,
    StampPoint,
    StampCard,
    Stamp,
]


_M = TypeVar("_M", bound=models.Model)


class Rows:
    def __init__(self) -> None:
        self.by_model: dict[type[models.Model], list[Any]] = defaultdict(list)

    def add(self, row: _M) -> _M:
        self.by_model[type(row)].append(row)
        return row

    def of(self, model: type[models.Model]) -> list[Any]:
        return self.by_model[model]

    def flush(self) -> None:
        for model in ORDER:
            rows = self.by_model.get(model)
            if rows:
                bulk.insert(model, rows, batch_size=1000)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_activity(rows: Rows, *, community: Place, place: Place, organiser: Any, **fields: Any) -> Activity:
    created = at(fields["start_date"], 9) - datetime.timedelta(days=10)
    return rows.add(
        Activity(
            community=community,
            place=place,
            place_path=place.path,
            organiser=organiser,
            created_by=organiser,
            created_at=created,
            **fields,
        )
    )


def sessions_of(rows: Rows, activity: Activity, *, until: datetime.date) -> list[Session]:
    days = service_hours.occurrences(
        activity.recurrence,
        service_hours.parse_weekdays(activity.weekdays),
        activity.month_week,
        activity.start_date,
        activity.end_date,
        until,
    )
    return [
        rows.add(
            Session(
                community_id=activity.community_id,
                activity=activity,
                starts_at=at(day, activity.start_time.hour, activity.start_time.minute),
                ends_at=at(day, activity.end_time.hour, activity.end_time.minute),
                capacity=activity.capacity,
                confirmed_count=0,
            )
        )
        for day in days
    ]


def sign_up(rows: Rows, session: Session, person: Person, *, card: Account | None = None) -> SignUp:
    """Confirmed while there is room, else next on the waitlist."""
    waiting = session.confirmed_count >= session.capacity
    signed = session.starts_at - datetime.timedelta(days=3, hours=person.pk % 24)
    if waiting:
        position = 1 + sum(1 for s in rows.of(SignUp) if s.session is session and s.waitlist_position)
    else:
        session.confirmed_count += 1
    return rows.add(
        SignUp(
            community_id=session.community_id,
            session=session,
            person=person,
            card=card,
            status=SignUpStatus.WAITLISTED if waiting else SignUpStatus.CONFIRMED,
            waitlist_position=position if waiting else None,
            created_at=signed,
            updated_at=signed,
        )
    )


def attend(
    rows: Rows,
    rng: random.Random,
    session: Session,
    person: Person,
    *,
    service_type: ServiceType,
    content: str,
    place: Place,
    recipients: list[Person] = (),  # type: ignore[assignment]
    card: Account | None = None,
    team: Team | None = None,
    status: str = RecordStatus.APPROVED,
    source: str = RecordSource.QR,
    reviewer: Any = None,
) -> ServiceRecord:
    """A sign-up and the record of the service actually done: arriving a little late or leaving a little early
    shortens the hours; travel never counts."""
    sign_up(rows, session, person, card=card)
    late = rng.choice((0, 0, 0, 5, 10, 15))
    early = rng.choice((0, 0, 0, 0, 10, 20))
    started = session.starts_at + datetime.timedelta(minutes=late)
    ended = session.ends_at - datetime.timedelta(minutes=early)
    return record(
        rows,
        rng,
        person=person,
        service_type=service_type,
        content=content,
        place=place,
        started=started,
        ended=ended,
        session=session,
        recipients=recipients,
        card=card,
        team=team,
        status=status,
        source=source,
        reviewer=reviewer,
    )


def record(
    rows: Rows,
    rng: random.Random,
    *,
    person: Person,
    service_type: ServiceType,
    content: str,
    place: Place,
    started: datetime.datetime,
    ended: datetime.datetime,
    session: Session | None = None,
    recipients: list[Person] = (),  # type: ignore[assignment]
    card: Account | None = None,
    team: Team | None = None,
    status: str = RecordStatus.APPROVED,
    source: str = RecordSource.PAPER,
    reviewer: Any = None,
) -> ServiceRecord:
    minutes = int((ended - started).total_seconds() // 60)
    reviewed = status != RecordStatus.PENDING
    reviewed_at = ended + datetime.timedelta(hours=rng.randint(2, 60))
    rec = rows.add(
        ServiceRecord(
            community_id=service_type.community_id,
            person=person,
            card=card,
            service_type=service_type,
            session=session,
            team=team,
            source=source,
            content=content,
            place=place,
            place_path=place.path,
            grid_path=person.grid_path,
            service_date=timezone.localtime(started).date(),
            started_at=started,
            ended_at=ended,
            minutes=minutes,
            status=status,
            points=service_hours.points_for(minutes, service_type.points_per_hour),
            reviewed_by=reviewer if reviewed else None,
            reviewed_at=min(reviewed_at, timezone.now()) if reviewed else None,
            recorded_by=reviewer if source == RecordSource.PAPER else None,
            created_at=ended,
        )
    )
    if status in (RecordStatus.REJECTED, RecordStatus.DISPUTED):
        rec.reject_reason = rng.choice(("签到时间与纸质签到表不符", "当天未在活动地点签到", "服务内容与活动不符"))
    if status == RecordStatus.DISPUTED:
        rec.dispute_reason = "当天我全程在场，签到表漏记了，组织者和同组志愿者可以作证"
        rec.disputed_at = min(reviewed_at + datetime.timedelta(days=1), timezone.now())
    for recipient in dict.fromkeys(recipients):
        rows.add(ServiceRecipient(community_id=rec.community_id, record=rec, person=recipient))
    return rec


def record_approve(book: Book, community: Place, rec: ServiceRecord, earner: Account, n: int) -> None:
    """Posts an approved record's points: issuance → the person's account or the card, the person named on the
    entries. The transactions go in before the records (which then point to them), so the key is the demo's own."""
    assert rec.reviewed_at is not None
    rec.transaction = book.post(
        community=community,
        kind=TransactionKind.EARN,
        postings=[(book.system(community, AccountKind.ISSUANCE), -rec.points), (earner, rec.points)],
        memo=rec.content,
        key=f"demo:record:{n}:approve",
        at=rec.reviewed_at,
        actor=rec.reviewed_by,
        attributed=rec.person,
    )
