"""Reads for the routing pages: the table, the parties, the categories (VOICE_MANAGE: 书记, 社工) and the holiday
calendar. Each starts from `restrict(actor, VOICE_MANAGE)`, so a manager only ever sees their own community's rows."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.places.models import Place
from gongzhi.rules import phone
from gongzhi.voices.models import CalendarDay, Category, Party, PartyMember, Route

__all__ = [
    "calendar_day_list",
    "category_list",
    "member_user_by_phone",
    "party_list",
    "party_list_with_members",
    "route_get",
    "route_list",
    "routing_places",
]


def routing_places(*, actor: User, community: Place) -> list[Place]:
    """The community first, then the places under it the actor manages, by path (what a route may cover)."""
    rows: QuerySet[Place] = Place.objects.restrict(actor, Action.VOICE_MANAGE).filter(community=community)
    return [community, *rows.exclude(pk=community.pk).order_by("path")]


def party_list(*, actor: User, community: Place) -> QuerySet[Party]:
    """The community's responsible parties the actor manages (unordered; callers narrow and order)."""
    rows: QuerySet[Party] = Party.objects.restrict(actor, Action.VOICE_MANAGE).filter(community=community)
    return rows


def party_list_with_members(*, actor: User, community: Place) -> QuerySet[Party]:
    """`party_list` with each party's supervisor and its members (leads first), for the parties pages."""
    members = Prefetch("members", queryset=PartyMember.objects.select_related("user").order_by("-is_lead", "id"))
    return party_list(actor=actor, community=community).select_related("supervisor").prefetch_related(members)


def category_list(*, actor: User, community: Place) -> QuerySet[Category]:
    """The community's categories the actor manages (unordered)."""
    rows: QuerySet[Category] = Category.objects.restrict(actor, Action.VOICE_MANAGE).filter(community=community)
    return rows


def route_list(*, actor: User, community: Place) -> list[Route]:
    """The routing table, by place path then category ("any" first)."""
    return list(
        Route.objects.restrict(actor, Action.VOICE_MANAGE)
        .filter(community=community)
        .select_related("place", "category", "party")
        .order_by("place_path", "category_id")
    )


def route_get(*, actor: User, community: Place, route_id: int) -> Route:
    """One row of the table; outside the actor's scope it does not exist (404)."""
    route: Route | None = (
        Route.objects.restrict(actor, Action.VOICE_MANAGE).filter(community=community, pk=route_id).first()
    )
    if route is None:
        raise NotFound()
    return route


def member_user_by_phone(*, raw: str) -> User | None:
    """The account with this mobile number, if any; the service then requires a role in the community (so a
    manager cannot tell an unknown number from an outsider's)."""
    try:
        number = phone.validate(raw)
    except ValueError:
        return None
    found: User | None = User.objects.filter(phone=number).first()
    return found


def calendar_day_list(*, year: int) -> list[CalendarDay]:
    """The deployment's holidays and make-up days of one year, by date."""
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))
