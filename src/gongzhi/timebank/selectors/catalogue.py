"""Time bank reads: the catalogue and redemptions. The catalogue is public to every member of the community and,
for 通存通兑, to the members of the other communities of its street; a redemption is its redeemer's, and its
provider's and staff's to complete."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.people.models import Person
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import COMMUNITY_KINDS, Place
from gongzhi.timebank.models.catalogue import Donation, Item, Redemption
from gongzhi.timebank.models.ledger import Account, AccountKind
from gongzhi.timebank.models.skills import Certificate, ServiceType
from gongzhi.timebank.predicates import in_community, provides_in
from gongzhi.timebank.services.redemptions import paying_person, redemption_find

__all__ = [
    "api_item_get",
    "catalogue_community_get",
    "catalogue_reach",
    "catalogue_street",
    "donation_list",
    "item_certified_people",
    "item_get",
    "item_list",
    "item_service_types",
    "paying_accounts",
    "provider_user_by_phone",
    "redemption_find",
    "redemption_get",
    "redemption_list",
]


def catalogue_street(*, community: Place) -> list[Place]:
    """The communities of the community's street, itself included, by name: the 通存通兑 switcher."""
    if community.parent_id is None:
        return [community]
    return list(Place.objects.filter(parent_id=community.parent_id, kind__in=COMMUNITY_KINDS).order_by("name", "id"))


def catalogue_community_get(*, actor: User, community: Place, shown_id: int | None) -> Place:
    """The community whose catalogue a member of `community` browses: its own, or another of the same street."""
    if not in_community(actor, community):
        raise NotFound()
    if shown_id is None or shown_id == community.pk:
        return community
    for other in catalogue_street(community=community):
        if other.pk == shown_id:
            return other
    raise NotFound()


def item_list(*, actor: User, community: Place, shown: Place, filters: dict[str, Any] | None = None) -> QuerySet[Item]:
    """The items on the shelf of `shown` (reached from `community`, see catalogue_community_get); staff of the
    community also see its retired ones with `filters={"all": True}`."""
    catalogue_community_get(actor=actor, community=community, shown_id=shown.pk)
    filters = filters or {}
    qs = Item.objects.filter(community=shown)
    if not (filters.get("all") and shown.pk == community.pk and user_can(actor, Action.TIMEBANK_CATALOGUE, shown)):
        qs = qs.filter(is_active=True)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    return qs.select_related("service_type").order_by("kind", "-is_active", "name", "id")


def item_get(*, actor: User, community: Place, id: int) -> Item:
    """One item of the community or of another community of its street; missing or out of reach is one 404."""
    if not in_community(actor, community):
        raise NotFound()
    item = cast(
        Item | None,
        Item.objects.select_related("community", "service_type", "service_type__required_skill", "provider_person")
        .filter(pk=id)
        .first(),
    )
    if item is None:
        raise NotFound()
    if item.community_id != community.pk and (
        not item.is_active or item.community_id not in {c.pk for c in catalogue_street(community=community)}
    ):
        raise NotFound()
    return item


def paying_accounts(*, actor: User, item: Item) -> list[Account]:
    """The accounts the actor may pay for the item with: their individual account (even if not opened yet: an
    unsaved one with balance 0), and in the item's own community the cards they manage."""
    community = item.community
    out: list[Account] = []
    person = paying_person(actor, community)
    if person is not None:
        own = Account.objects.filter(kind=AccountKind.INDIVIDUAL, person=person).first()
        out.append(own or Account(kind=AccountKind.INDIVIDUAL, person=person, name=person.name, balance=0))
    cards = Account.objects.filter(community=community, managers__person__account_id=actor.pk, is_active=True).order_by(
        "id"
    )
    out.extend(cards.distinct())
    return out


def redemption_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Redemption]:
    """The actor's own redemptions (only the payer — the holder or a card's manager — ever redeems), newest first,
    with item and community."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Redemption.objects.none()
    filters = filters or {}
    qs = Redemption.objects.filter(created_by_id=actor.pk)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.select_related("item", "community", "account").order_by("-created_at", "-id")


def redemption_get(*, actor: User, id: int) -> Redemption:
    """One of the actor's redemptions, or one of a community where they complete codes; else 404."""
    redemption = cast(
        Redemption | None, Redemption.objects.select_related("item", "community", "person").filter(pk=id).first()
    )
    if redemption is None:
        raise NotFound()
    mine = redemption.created_by_id == actor.pk or (
        redemption.person is not None and redemption.person.account_id == actor.pk
    )
    if not mine and not provides_in(actor, redemption.community):
        raise NotFound()
    return redemption


def donation_list(*, actor: User, item: Item) -> QuerySet[Donation]:
    """An item's donations, newest first, for staff of its community."""
    if not user_can(actor, Action.TIMEBANK_CATALOGUE, item.community):
        return Donation.objects.none()
    return Donation.objects.filter(item=item).order_by("-received_at", "-id")


def item_service_types(*, community: Place) -> list[ServiceType]:
    """The community's active service types, for the item form."""
    return list(ServiceType.objects.filter(community=community, is_active=True).select_related("required_skill"))


def item_certified_people(*, community: Place) -> list[Person]:
    """The community's residents holding a live certificate: the volunteers who may offer a certified service."""
    today = timezone.localdate()
    live = Certificate.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today), community=community, revoked_at=None
    ).values("person_id")
    return list(Person.objects.filter(pk__in=live).order_by("name", "id"))


def provider_user_by_phone(*, phone: str) -> Any:
    """The login a partner business completes codes with, named by its phone number."""
    return User.objects.filter(phone=phone.strip(), is_active=True).first()


def catalogue_reach(*, actor: User, community_id: int) -> tuple[Place, Place]:
    """(the actor's community, the community shown) for a catalogue by id: the same one for a member, else one of
    the actor's communities in the same street (通存通兑); 404 otherwise."""
    shown = place_selectors.public_community_get(community_id=community_id)
    mine = place_selectors.communities_for(actor=actor)
    for community in mine:
        if community.pk == shown.pk:
            return community, community
    for community in mine:
        if community.parent_id is not None and community.parent_id == shown.parent_id:
            return community, shown
    raise NotFound()


def api_item_get(*, actor: User, id: int) -> Item:
    """An item by id alone, for a member of its community or of another community of its street."""
    community_id = Item.objects.filter(pk=id).values_list("community_id", flat=True).first()
    if community_id is None:
        raise NotFound()
    home, _shown = catalogue_reach(actor=actor, community_id=community_id)
    return item_get(actor=actor, community=home, id=id)
