"""Time bank JSON API: activities (mounted at /api/timebank/). Upcoming sessions of a community for its members,
and signing up for one; the same services, scoping and errors ({code, message, extra}) as the pages."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from gongzhi.core.api_schema import Id, errors
from gongzhi.core.http import actor_of
from gongzhi.core.usertext import masked
from gongzhi.places import selectors as place_selectors
from gongzhi.timebank.models.activities import Session
from gongzhi.timebank.selectors import activities as selectors
from gongzhi.timebank.services.signups import signup_create

router = Router(tags=["timebank"])


class SessionOut(Schema):
    id: int
    activity_id: int
    title: str
    kind: str
    service_type: str
    points_per_hour: int
    place_id: int
    place_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    confirmed: int
    free: int
    waitlisted: int
    my_status: str | None
    my_waitlist_position: int | None


class SignUpIn(Schema):
    card: Id | None = None


class SignUpOut(Schema):
    id: int
    session_id: int
    status: str
    waitlist_position: int | None
    card: int | None


def _out(session: Session, status: str | None, position: int | None) -> SessionOut:
    activity = session.activity
    return SessionOut(
        id=session.pk,
        activity_id=activity.pk,
        title=masked(activity.title),
        kind=activity.kind,
        service_type=activity.service_type.name,
        points_per_hour=activity.service_type.points_per_hour,
        place_id=activity.place_id,
        place_name=activity.place.name,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        capacity=session.capacity,
        confirmed=session.confirmed_count,
        free=max(session.capacity - session.confirmed_count, 0),
        waitlisted=getattr(session, "waitlisted", 0),
        my_status=status,
        my_waitlist_position=position,
    )


@router.get(
    "/communities/{community_id}/activities",
    response={200: list[SessionOut], **errors(404)},
    summary="Upcoming sessions",
)
def session_list(request: HttpRequest, community_id: Id) -> list[SessionOut]:
    """Every member of the community: its open activities' sessions not yet over, soonest first, with free places,
    the waitlist's length and the caller's own sign-up."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    sessions = selectors.upcoming_sessions(actor=actor, community=community)
    mine = selectors.my_signups(actor=actor, sessions=sessions)
    return [
        _out(s, mine[s.pk].status if s.pk in mine else None, mine[s.pk].waitlist_position if s.pk in mine else None)
        for s in sessions
    ]


@router.post(
    "/sessions/{session_id}/signup",
    response={201: SignUpOut, **errors(403, 404, 409)},
    summary="Sign up for a session",
)
def session_signup(request: HttpRequest, session_id: Id, payload: SignUpIn) -> Status[SignUpOut]:
    """An active volunteer of the session's community signs up (a full session puts them on the waitlist);
    `card` is a collective card they serve under. 404 outside the community, 409 for a second sign-up."""
    actor = actor_of(request)
    session = selectors.session_by_id(actor=actor, session_id=session_id)
    card = selectors.card_get(community=session.community, card_id=payload.card) if payload.card else None
    signup = signup_create(actor=actor, session=session, card=card)
    return Status(
        201,
        SignUpOut(
            id=signup.pk,
            session_id=session.pk,
            status=signup.status,
            waitlist_position=signup.waitlist_position,
            card=signup.card_id,
        ),
    )
