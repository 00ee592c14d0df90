from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from gongzhi.core.api_schema import LIMIT_MAX, OFFSET_MAX, Id, Paging, errors
from gongzhi.core.http import actor_of
from gongzhi.places import selectors

router = Router(tags=["places"])


class HouseholdPaging(Paging):
    offset: int = Field(0, ge=0, le=OFFSET_MAX, description="Rows to skip")
    limit: int = Field(100, ge=1, le=LIMIT_MAX, description="Rows to return")


class CommunityOut(Schema):
    id: int
    name: str
    kind: str


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    households: int | None = None
    residents: int | None = None


class HouseholdOut(Schema):
    id: int
    room: str
    floor: int | None
    area: Decimal | None
    place_id: int
    grid_id: int | None


@router.get("", response={200: list[CommunityOut], **errors()}, summary="Communities the caller has a role in")
def communities(request: HttpRequest) -> list[CommunityOut]:
    return [CommunityOut(id=c.pk, name=c.name, kind=c.kind) for c in selectors.communities_for(actor=actor_of(request))]


@router.get(
    "/{community_id}/places",
    response={200: list[PlaceOut], **errors(404)},
    summary="Children of a place (or the roots)",
)
def places(request: HttpRequest, community_id: Id, parent: Id | None = None) -> list[PlaceOut]:
    community = selectors.community_get(actor=actor_of(request), community_id=community_id)
    if parent is None:
        nodes = selectors.place_roots(actor=actor_of(request), community=community)
        under = community
    else:
        under = selectors.place_get(actor=actor_of(request), community=community, place_id=parent)
        nodes = selectors.place_children(actor=actor_of(request), place=under)
    counts = selectors.subtree_counts(actor=actor_of(request), place=under, children=nodes)
    return [PlaceOut(id=n.pk, name=n.name, kind=n.kind, parent_id=n.parent_id, **counts.get(n.pk, {})) for n in nodes]


@router.get("/{community_id}/places/{place_id}/households", response={200: list[HouseholdOut], **errors(404)})
def households(
    request: HttpRequest, community_id: Id, place_id: Id, paging: Query[HouseholdPaging]
) -> list[HouseholdOut]:
    community = selectors.community_get(actor=actor_of(request), community_id=community_id)
    place = selectors.place_get(actor=actor_of(request), community=community, place_id=place_id)
    rows = selectors.household_list(actor=actor_of(request), place=place)[paging.offset : paging.offset + paging.limit]
    return [
        HouseholdOut(id=h.pk, room=h.room, floor=h.floor, area=h.area, place_id=h.place_id, grid_id=h.grid_id)
        for h in rows
    ]
