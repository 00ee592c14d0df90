"""The activities part's test world, shared by its test modules: a community with staff, two organisers (building
heads of different buildings), three registered volunteers with logins (one serving under a courtyard card), a
resident who is not a volunteer, and two service types."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.timebank.models.activities import Activity, Session
from gongzhi.timebank.models.ledger import Account, AccountKind
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import Volunteer
from gongzhi.timebank.services.accounts import account_open, card_member_add
from gongzhi.timebank.services.activities import activity_create
from gongzhi.timebank.services.checkin import check_in, check_out, volunteer_code
from gongzhi.timebank.services.signups import signup_create
from tests import factories
from tests.timebank.conftest import user_of

_numbers = itertools.count(1)
TZ = datetime.timezone(datetime.timedelta(hours=8))
# A Tuesday well in the future, so that sign-ups never meet a session already over whatever the real date.
DAY = datetime.date(2030, 3, 5)
assert DAY.isoweekday() == 2


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@dataclass
class World:
    site: factories.Community
    staff: dict[str, Any]
    secretary: Any
    social_worker: Any
    grid_worker: Any
    organiser: Any  # building head of buildings[0]
    other_organiser: Any  # building head of buildings[1]
    alice: Person
    alice_user: Any
    bob: Person
    bob_user: Any
    carol: Person
    carol_user: Any
    dave: Person  # a resident with a login, not a volunteer
    dave_user: Any
    card: Account  # alice serves under it
    cleaning: ServiceType  # 10 points per hour
    elderly: ServiceType  # 15 points per hour

    @property
    def community(self) -> Any:
        return self.site.community


def register(person: Person) -> Volunteer:
    volunteer: Volunteer = Volunteer.objects.create(
        community_id=person.community_id, person=person, number=f"V{next(_numbers):05d}"
    )
    return volunteer


def make_world(site: factories.Community | None = None) -> World:
    site = site or factories.make_community(residents_per_household=2)
    staff = factories.staff_of(site)
    secretary = staff[Role.SECRETARY]
    organiser = staff[Role.BUILDING_HEAD]
    other = factories.make_user(Role.BUILDING_HEAD, place=site.buildings[1], name="二栋楼栋长")
    # Two people per household: alice, bob and dave live in building 1 (the micro grid), carol in building 2.
    alice, bob, carol, dave = site.people[0], site.people[2], site.people[16], site.people[4]
    users = [user_of(p) for p in (alice, bob, carol, dave)]
    for person in (alice, bob, carol):
        register(person)
    card = account_open(actor=secretary, community=site.community, kind=AccountKind.COURTYARD, name="花园院落卡")
    card_member_add(actor=secretary, account=card, person=alice)
    cleaning = ServiceType.objects.create(community=site.community, name="保洁/环境整治", points_per_hour=10)
    elderly = ServiceType.objects.create(community=site.community, name="助老陪伴", points_per_hour=15)
    return World(
        site,
        staff,
        secretary,
        staff[Role.SOCIAL_WORKER],
        staff[Role.GRID_WORKER],
        organiser,
        other,
        alice,
        users[0],
        bob,
        users[1],
        carol,
        users[2],
        dave,
        users[3],
        card,
        cleaning,
        elderly,
    )


def make_activity(world: World, organiser: Any | None = None, **kw: Any) -> Activity:
    organiser = organiser or world.organiser
    place = world.site.buildings[0] if organiser is not world.other_organiser else world.site.buildings[1]
    values: dict[str, Any] = {
        "title": "1栋楼道保洁",
        "service_type": world.cleaning,
        "place": place,
        "start_date": DAY,
        "start_time": datetime.time(9, 0),
        "end_time": datetime.time(11, 0),
        "capacity": 2,
        "today": DAY - datetime.timedelta(days=1),
    }
    values.update(kw)
    return activity_create(actor=organiser, community=world.community, **values)


def first_session(activity: Activity) -> Session:
    session: Session = activity.sessions.order_by("starts_at").first()
    return session


def served(world: World, session: Session, person: Person, user: Any, start: int = 9, end: int = 11) -> Any:
    """The volunteer signs up, is scanned in at `start` o'clock and out at `end` o'clock: a PENDING record."""
    signup_create(actor=user, session=session, now=session.starts_at - datetime.timedelta(days=1))
    day = timezone.localtime(session.starts_at).date()
    runner = session.activity.organiser
    code = volunteer_code(person)
    check_in(actor=runner, session=session, code=code, now=local(day, start))
    return check_out(actor=runner, session=session, code=code, now=local(day, end))
