"""Time bank reads: activities, sessions, sign-ups and service records.

Activities are public inside their community: every member (any role reaching it) may list them, so these start
from the community, after checking membership, rather than from `visible_to` (which shows a resident nothing).
A volunteer sees their own records; the approval queue holds what the actor may decide (services.can_decide).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing, user_can
from gongzhi.people.models import Person
from gongzhi.places.models import Household, Place
from gongzhi.timebank.models.activities import (
    Activity,
    ActivityStatus,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    Session,
    SignUp,
    SignUpStatus,
)
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, Account, AccountKind
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import Team, Volunteer, VolunteerStatus
from gongzhi.timebank.predicates import can_decide_record, can_run_session, in_community, require_member

__all__ = [
    "activity_get",
    "activity_sessions",
    "approval_queue",
    "card_get",
    "member_cards",
    "my_balance",
    "my_records",
    "my_signups",
    "my_volunteer",
    "organise_choices",
    "person_search",
    "record_get",
    "session_by_id",
    "session_get",
    "session_records",
    "session_signups",
    "signup_get",
    "upcoming_sessions",
]

UPCOMING_LIMIT = 100
SEARCH_LIMIT = 20
PLACES_LIMIT = 300


def _with_counts(qs: QuerySet[Session]) -> QuerySet[Session]:
    return qs.select_related("activity", "activity__place", "activity__service_type").annotate(
        waitlisted=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED))
    )


def upcoming_sessions(
    *, actor: User, community: Place, now: datetime.datetime | None = None, limit: int = UPCOMING_LIMIT
) -> list[Session]:
    """Sessions not yet over of the community's open activities, soonest first, each with `waitlisted` (the
    waitlist's length); free places are `capacity - confirmed_count`."""
    require_member(actor, community)
    now = now or timezone.now()
    qs = Session.objects.filter(
        community=community, ends_at__gt=now, is_cancelled=False, activity__status=ActivityStatus.OPEN
    ).order_by("starts_at", "id")
    return list(_with_counts(qs)[:limit])


def activity_get(*, actor: User, community: Place, activity_id: int) -> Activity:
    require_member(actor, community)
    activity: Activity | None = (
        Activity.objects.filter(pk=activity_id, community=community)
        .select_related("place", "service_type", "team", "organiser", "community")
        .first()
    )
    if activity is None:
        raise NotFound()
    return activity


def activity_sessions(*, activity: Activity, now: datetime.datetime | None = None) -> list[Session]:
    """The activity's sessions not yet over (cancelled ones included, marked), with their waitlist counts."""
    now = now or timezone.now()
    return list(_with_counts(activity.sessions.filter(ends_at__gt=now)).order_by("starts_at", "id"))


def session_get(*, actor: User, community: Place, session_id: int) -> Session:
    require_member(actor, community)
    session: Session | None = (
        _with_counts(Session.objects.filter(pk=session_id, community=community))
        .select_related("activity__organiser", "activity__team", "community")
        .first()
    )
    if session is None:
        raise NotFound()
    return session


def session_by_id(*, actor: User, session_id: int) -> Session:
    """A session by its id alone (the API), for a member of its community; 404 otherwise."""
    session: Session | None = Session.objects.filter(pk=session_id).select_related("activity", "community").first()
    if session is None or not in_community(actor, session.community):
        raise NotFound()
    return session


def my_volunteer(*, actor: User, community: Place) -> Volunteer | None:
    """The actor's own active volunteer registration in the community, if any."""
    row: Volunteer | None = (
        Volunteer.objects.filter(community=community, person__account_id=actor.pk, status=VolunteerStatus.ACTIVE)
        .select_related("person")
        .order_by("id")
        .first()
    )
    return row


def my_signups(*, actor: User, sessions: list[Session]) -> dict[int, SignUp]:
    """The actor's live sign-ups for these sessions, by session id (one query)."""
    rows = (
        SignUp.objects.filter(session__in=[s.pk for s in sessions], person__account_id=actor.pk)
        .exclude(status=SignUpStatus.CANCELLED)
        .order_by("id")
    )
    return {row.session_id: row for row in rows}


def signup_get(*, actor: User, community: Place, signup_id: int) -> SignUp:
    require_member(actor, community)
    signup: SignUp | None = (
        SignUp.objects.filter(pk=signup_id, community=community).select_related("session__activity").first()
    )
    if signup is None:
        raise NotFound()
    return signup


def card_get(*, community: Place, card_id: int) -> Account:
    """A collective card of the community by id (a volunteer picks the one they serve under); 404 otherwise."""
    card: Account | None = Account.objects.filter(pk=card_id, community=community, kind__in=COLLECTIVE_KINDS).first()
    if card is None:
        raise NotFound()
    return card


def member_cards(*, person: Person) -> list[Account]:
    """The active collective cards the person serves under (AccountMember)."""
    return list(
        Account.objects.filter(
            members__person=person, kind__in=COLLECTIVE_KINDS, is_active=True, community_id=person.community_id
        ).order_by("name", "id")
    )


def session_signups(*, actor: User, session: Session) -> list[SignUp]:
    """The roster for whoever runs the session: confirmed first, then the waitlist in order. Names are shown
    masked; nobody else gets the list."""
    if not can_run_session(actor, session.activity):
        return []
    return list(
        session.signups.exclude(status=SignUpStatus.CANCELLED)
        .select_related("person", "card")
        .order_by("status", "waitlist_position", "id")
    )


def session_records(*, actor: User, session: Session) -> list[ServiceRecord]:
    if not can_run_session(actor, session.activity):
        return []
    return list(session.records.select_related("person").order_by("started_at", "id"))


def person_search(*, actor: User, community: Place, q: str) -> list[Person]:
    """Active volunteers of the community whose name contains `q`, for the paper sheet (shown masked); staff and
    organisers only (the caller checks can_run_session)."""
    q = q.strip()[:20]
    if not q or not user_can(actor, Action.TIMEBANK_ORGANISE, community):
        return []
    return list(
        Person.objects.filter(
            community=community,
            name__contains=q,
            pk__in=Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE).values("person_id"),
        ).order_by("name", "id")[:SEARCH_LIMIT]
    )


def my_balance(*, person: Person) -> int | None:
    """The balance of the person's individual account, or None before it is opened (first approved service)."""
    balance: int | None = (
        Account.objects.filter(kind=AccountKind.INDIVIDUAL, person=person).values_list("balance", flat=True).first()
    )
    return balance


def my_records(*, actor: User, community: Place) -> list[ServiceRecord]:
    """The actor's own service records in the community, newest first."""
    require_member(actor, community)
    return list(
        ServiceRecord.objects.filter(community=community, person__account_id=actor.pk)
        .select_related("place", "service_type", "card")
        .order_by("-service_date", "-id")
    )


def record_get(*, actor: User, community: Place, record_id: int) -> ServiceRecord:
    """A record its volunteer, a decider or the organiser of its activity may act on; 404 for anyone else."""
    require_member(actor, community)
    record: ServiceRecord | None = (
        ServiceRecord.objects.filter(pk=record_id, community=community)
        .select_related("person", "session__activity", "community")
        .first()
    )
    if record is None:
        raise NotFound()
    activity = record.session.activity if record.session is not None else None
    if record.person.account_id != actor.pk and not can_decide_record(actor, record, activity):
        raise NotFound()
    return record


def approval_queue(*, actor: User, community: Place) -> list[ServiceRecord]:
    """PENDING records the actor may decide (and, for staff, DISPUTED ones), oldest first: staff see the whole
    community; an organiser their own activities' records; a grid worker the resident-to-resident help their grid
    reaches (by the volunteer's grid, else the record's place)."""
    require_member(actor, community)
    base = ServiceRecord.objects.filter(community=community)
    if user_can(actor, Action.TIMEBANK_ISSUE, community):
        qs = base.filter(status__in=[RecordStatus.PENDING, RecordStatus.DISPUTED])
    else:
        scope = Q(session__activity__organiser_id=actor.pk) & ~Q(source=RecordSource.EXCHANGE)
        for grant in grants_allowing(actor, Action.TIMEBANK_APPROVE_HELP):
            if grant.community_id != community.pk:
                continue
            if grant.grid_path:
                scope |= Q(source=RecordSource.EXCHANGE, grid_path__under=grant.grid_path)
            if grant.place_path:
                scope |= Q(source=RecordSource.EXCHANGE, grid_path="", place_path__under=grant.place_path)
        qs = base.filter(scope, status=RecordStatus.PENDING)
    rows = list(
        qs.exclude(person__account_id=actor.pk)
        .select_related("person", "place", "service_type", "card", "session__activity", "community")
        .order_by("created_at", "id")
    )
    return [r for r in rows if can_decide_record(actor, r, r.session.activity if r.session is not None else None)]


@dataclass(frozen=True)
class OrganiseChoices:
    places: list[Place]
    service_types: list[ServiceType]
    teams: list[Team]


def organise_choices(*, actor: User, community: Place) -> OrganiseChoices:
    """What the new-activity form offers: the places of the community the actor's roles reach (a grid worker's:
    where their grid's households live, and the buildings above), active service types, active teams. The service
    still decides whether they may organise at the one chosen."""
    visible = Place.objects.visible_to(actor).filter(path__under=community.path)
    ids: set[int] = set()
    for grant in grants_allowing(actor, Action.TIMEBANK_ORGANISE):
        if grant.grid_path and grant.community_id == community.pk:
            for path in Household.objects.filter(community=community, grid_path__under=grant.grid_path).values_list(
                "place_path", flat=True
            ):
                ids.update(int(part) for part in path.strip("/").split("/") if part)
    ids.discard(community.pk)
    places = list(
        (visible | Place.objects.filter(pk__in=ids, path__under=community.path))
        .distinct()
        .order_by("path")[:PLACES_LIMIT]
    )
    service_types = list(ServiceType.objects.filter(community=community, is_active=True).order_by("sort_order", "id"))
    teams = list(Team.objects.filter(community=community, is_active=True).order_by("name", "id"))
    return OrganiseChoices(places, service_types, teams)
