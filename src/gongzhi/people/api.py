from enum import StrEnum

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from gongzhi.core.api_schema import Id, Paging, errors
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.http import actor_of
from gongzhi.core.permissions import REVEAL_ACTIONS
from gongzhi.people import selectors, services
from gongzhi.people.models import Person
from gongzhi.people.predicates import can_view_people
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place

router = Router(tags=["people"])

# The fields a logged reveal can show in full, each with its own permission (core.permissions.REVEAL_ACTIONS).
RevealField = StrEnum("RevealField", {name.upper(): name for name in REVEAL_ACTIONS})  # type: ignore[misc]


class PersonOut(Schema):
    """Always masked: full values only through the logged reveal endpoint."""

    id: int
    name: str
    sex: str
    birth_year: int
    id_number: str
    phone: str
    household_id: int | None
    relation: str


class PersonPage(Schema):
    count: int
    results: list[PersonOut]


class PersonIn(Schema):
    name: str
    id_number: str
    phone: str = ""
    household_id: Id | None = None
    relation: str = "member"


class RevealOut(Schema):
    field: str
    value: str


def _community(request: HttpRequest, community_id: int) -> Place:
    """The community, for a role that may see its residents at all (403 otherwise, like the pages)."""
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    if not can_view_people(request.user, community):
        raise PermissionDenied()
    return community


def _out(p: Person) -> PersonOut:
    return PersonOut(
        id=p.pk,
        name=p.masked_name,
        sex=p.sex,
        birth_year=p.birth_date.year,
        id_number=p.masked_id_number,
        phone=p.masked_phone,
        household_id=p.household_id,
        relation=p.relation,
    )


@router.get("/{community_id}/people", response={200: PersonPage, **errors(403, 404)}, summary="Residents, masked")
def people(
    request: HttpRequest,
    community_id: Id,
    paging: Query[Paging],
    q: str = "",
    place: Id | None = None,
    tag: Id | None = None,
    owners: bool = False,
) -> PersonPage:
    community = _community(request, community_id)
    place_obj = (
        place_selectors.place_get(actor=actor_of(request), community=community, place_id=place) if place else None
    )
    tag_obj = None
    if tag is not None:
        tag_obj = next(
            (t for t in selectors.tag_list(actor=actor_of(request), community=community) if t.pk == tag), None
        )
        if tag_obj is None:
            raise NotFound()
    qs = selectors.person_list(
        actor=actor_of(request), community=community, q=q, place=place_obj, tag=tag_obj, include_non_residents=owners
    )
    return PersonPage(count=qs.count(), results=[_out(p) for p in qs[paging.offset : paging.offset + paging.limit]])


@router.get("/{community_id}/people/{person_id}", response={200: PersonOut, **errors(404)})
def person(request: HttpRequest, community_id: Id, person_id: Id) -> PersonOut:
    # A resident the actor may not see is a 404, as on the page: invisible means nonexistent.
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    return _out(selectors.person_get(actor=actor_of(request), community=community, person_id=person_id))


@router.post(
    "/{community_id}/people/{person_id}/reveal/{field}",
    response={200: RevealOut, **errors(403, 404)},
    summary="One sensitive field in full; the view is logged",
)
def reveal(request: HttpRequest, community_id: Id, person_id: Id, field: RevealField) -> RevealOut:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    found = selectors.person_get(actor=actor_of(request), community=community, person_id=person_id)
    value = services.person_reveal(actor=actor_of(request), person=found, field=field.value)
    return RevealOut(field=field.value, value=value)


@router.post("/{community_id}/people", response={201: PersonOut, **errors(403, 404, 409)})
def create(request: HttpRequest, community_id: Id, payload: PersonIn) -> Status[PersonOut]:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    household = None
    if payload.household_id is not None:
        household = place_selectors.household_get(
            actor=actor_of(request), community=community, household_id=payload.household_id
        )
    created = services.person_create(
        actor=actor_of(request),
        community=community,
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        household=household,
        relation=payload.relation,
    )
    return Status(201, _out(created))
