"""Reads on places and households, already scoped to what the actor may see."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, QuerySet

from gongzhi.core.audit import data_version
from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing, grants_for
from gongzhi.places.models import COMMUNITY_KINDS, Grid, Household, Place, PlaceKind
from gongzhi.places.predicates import can_view_aggregates, can_view_aggregates_at, can_view_street

FIGURES_TTL = 300


def communities_for(*, actor: User | AnonymousUser) -> list[Place]:
    """Communities where the actor holds any role (street roles reach every community of the street).

    Memoized on the user object for the request, like the grants.
    """
    cached: list[Place] | None = getattr(actor, "_gongzhi_communities", None)
    if cached is None:
        cached = _communities_for(actor)
        if getattr(actor, "is_authenticated", False):
            setattr(actor, "_gongzhi_communities", cached)  # noqa: B010 (memo on the user, as grants_for does)
    return cached


def _communities_for(actor: User | AnonymousUser) -> list[Place]:
    ids = {g.community_id for g in grants_for(actor) if g.community_id}
    street_paths = [g.place_path for g in grants_for(actor) if g.community_id is None and g.place_path]
    qs = Place.objects.filter(kind__in=COMMUNITY_KINDS)
    found = list(qs.filter(pk__in=ids)) if ids else []
    for path in street_paths:
        found += list(qs.filter(path__under=path).exclude(pk__in=[p.pk for p in found]))
    return sorted(found, key=lambda p: p.path)


def community_get(*, actor: User | AnonymousUser, community_id: int) -> Place:
    for community in communities_for(actor=actor):
        if community.pk == community_id:
            return community
    raise NotFound()


def public_community_get(*, community_id: int) -> Place:
    community: Place | None = (
        Place.objects.filter(pk=community_id, kind__in=COMMUNITY_KINDS).select_related("parent").first()
    )
    if community is None:
        raise NotFound()
    return community


def place_get(*, actor: User, community: Place, place_id: int) -> Place:
    place: Place | None = Place.objects.visible_to(actor).filter(pk=place_id, community=community).first()
    if place is None:
        raise NotFound()
    return place


def place_roots(*, actor: User, community: Place) -> list[Place]:
    """The highest nodes of the community the actor may browse: the community itself, or e.g. their building."""
    for g in grants_allowing(actor, Action.PLACE_VIEW):
        from_street = g.community_id is None and bool(g.place_path) and community.path.startswith(g.place_path or "")
        if from_street or (g.whole_community and g.community_id == community.pk):
            return [community]
    visible = Place.objects.visible_to(actor).filter(community=community)
    grant_paths = sorted(
        {
            g.place_path
            for g in grants_allowing(actor, Action.PLACE_VIEW)
            if g.place_path and g.community_id == community.pk
        }
    )
    return list(visible.filter(path__in=grant_paths))


def place_children(*, actor: User, place: Place) -> list[Place]:
    return list(Place.objects.visible_to(actor).filter(parent=place).order_by("sort_key", "name"))


def place_breadcrumbs(*, actor: User, place: Place) -> list[Place]:
    ids = place.ancestor_ids
    by_id = {p.pk: p for p in Place.objects.visible_to(actor).filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def place_names(*, community: Place) -> dict[int, str]:
    """Names of every place in the community, cached: labels households without a join per row."""
    key = f"gongzhi:names:{community.pk}:{data_version(community.pk)}"
    names: dict[int, str] | None = cache.get(key)
    if names is None:
        names = dict(Place.objects.filter(community=community).values_list("pk", "name"))
        cache.set(key, names, FIGURES_TTL)
    return names


def path_label(path: str, names: dict[int, str], community: Place, room: str = "") -> str:
    parts = [names.get(int(i), "?") for i in path.strip("/").split("/") if i]
    ids = [int(i) for i in path.strip("/").split("/") if i]
    if community.pk in ids:
        parts = parts[ids.index(community.pk) + 1 :]
    return " ".join([*parts, room]).strip()


def household_list(*, actor: User, place: Place) -> QuerySet[Household]:
    return (
        Household.objects.visible_to(actor)
        .filter(place_path__under=place.path)
        .select_related("grid")
        .order_by("place_path", "room")
    )


def household_get(*, actor: User, community: Place, household_id: int) -> Household:
    household: Household | None = (
        Household.objects.visible_to(actor)
        .filter(pk=household_id, community=community)
        .select_related("place", "grid")
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def grid_list(*, actor: User, community: Place) -> QuerySet[Grid]:
    return Grid.objects.visible_to(actor).filter(community=community).order_by("path")


def _scope_key(actor: User) -> str:
    return hashlib.sha1(repr(grants_for(actor)).encode(), usedforsecurity=False).hexdigest()[:16]


def subtree_counts(*, actor: User, place: Place, children: list[Place]) -> dict[int, dict[str, int]]:
    """Households and residents under each child, in two grouped queries whatever the tree size."""
    from gongzhi.people.models import Person

    key = f"gongzhi:counts:{place.pk}:{_scope_key(actor)}:{data_version(place.community_id)}"
    cached: dict[int, dict[str, int]] | None = cache.get(key)
    if cached is not None:
        return cached
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"households": 0, "residents": 0})
    households, people = Household.objects.visible_to(actor), Person.objects.visible_to(actor)
    if can_view_aggregates_at(actor, place):
        # Counts, never rows: street staff see the shape of a community without its residents.
        households, people = Household.objects.all(), Person.objects.all()
    prefixes = [(child.path, child.pk) for child in children]

    def add(rows: Any, field: str) -> None:
        for path, n in rows:
            for prefix, pk in prefixes:
                if path.startswith(prefix):
                    counts[pk][field] += n
                    break

    add(
        households.filter(place_path__under=place.path).values_list("place_path").annotate(n=Count("id")).order_by(),
        "households",
    )
    add(
        people.filter(place_path__under=place.path).values_list("place_path").annotate(n=Count("id")).order_by(),
        "residents",
    )
    result = {child.pk: dict(counts[child.pk]) for child in children}
    cache.set(key, result, FIGURES_TTL)
    return result


def community_figures(*, actor: User, community: Place) -> dict[str, int | None]:
    """Key figures for the community home, cached until the next write in the community."""
    from gongzhi.people.models import Person, PersonTag
    from gongzhi.people.predicates import visible_tag_categories

    key = f"gongzhi:figures:{community.pk}:{_scope_key(actor)}:{data_version(community.pk)}"
    figures: dict[str, int | None] | None = cache.get(key)
    if figures is not None:
        return figures
    people = Person.objects.visible_to(actor).filter(community=community)
    households = Household.objects.visible_to(actor).filter(community=community)
    if can_view_aggregates(actor, community):
        # Whole-community figures; street staff get these without ever seeing a row (PIPL necessity).
        people = Person.objects.filter(community=community)
        households = Household.objects.filter(community=community)
    categories = visible_tag_categories(actor, community)
    tag_counts = dict(
        PersonTag.objects.filter(community=community, person__in=people)
        .values_list("tag__key")
        .annotate(n=Count("id"))
        .order_by()
    )
    figures = {
        "households": households.count(),
        "residents": people.exclude(household=None).count(),
        "buildings": Place.objects.filter(community=community, kind=PlaceKind.BUILDING).count(),
        "grids": Grid.objects.filter(community=community).count(),
        "living_alone": tag_counts.get("living_alone", 0),
        "veterans": tag_counts.get("veteran", 0),
        "party_members": tag_counts.get("party", 0) if "party" in categories else None,
        "low_income": tag_counts.get("low_income", 0) if "low_income" in categories else None,
    }
    cache.set(key, figures, FIGURES_TTL)
    return figures


def street_get(*, actor: User, street_id: int) -> Place:
    """A street the actor holds a street-level role on."""
    if not can_view_street(actor, street_id):
        raise NotFound()
    street: Place | None = Place.objects.filter(pk=street_id, kind=PlaceKind.STREET).first()
    if street is None:
        raise NotFound()
    return street


def street_figures(*, actor: User, street: Place) -> list[dict[str, Any]]:
    """One row per community of the street, from grouped counts: the same few queries for 4 or 400 communities."""
    from gongzhi.people.models import Person, PersonTag

    communities = list(Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS).order_by("sort_key", "name"))
    versions = ":".join(str(data_version(c.pk)) for c in communities)
    key = f"gongzhi:street:{street.pk}:{hashlib.sha1(versions.encode(), usedforsecurity=False).hexdigest()[:16]}"
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is not None:
        return rows
    ids = [c.pk for c in communities]

    def grouped(qs: Any) -> dict[int, int]:
        return dict(qs.filter(community_id__in=ids).values_list("community_id").annotate(n=Count("id")).order_by())

    residents = grouped(Person.objects.exclude(household=None))
    households = grouped(Household.objects)
    grids = grouped(Grid.objects)
    tagged: dict[tuple[int, str], int] = {
        (c, k): n
        for c, k, n in PersonTag.objects.filter(community_id__in=ids, tag__key__in=("living_alone", "veteran"))
        .values_list("community_id", "tag__key")
        .annotate(n=Count("id"))
        .order_by()
    }
    rows = [
        {
            "community": c,
            "residents": residents.get(c.pk, 0),
            "households": households.get(c.pk, 0),
            "grids": grids.get(c.pk, 0),
            "living_alone": tagged.get((c.pk, "living_alone"), 0),
            "veterans": tagged.get((c.pk, "veteran"), 0),
        }
        for c in communities
    ]
    cache.set(key, rows, FIGURES_TTL)
    return rows


def household_members(*, actor: User, household: Household) -> tuple[list[Any], list[Any]]:
    """Residents and owners of record of a household, as far as the actor may see them."""
    from gongzhi.people.models import Ownership, Person

    residents = list(Person.objects.visible_to(actor).filter(household=household).order_by("relation", "id"))
    owners = list(Ownership.objects.visible_to(actor).filter(household=household).select_related("person"))
    return residents, owners


def public_communities() -> QuerySet[Place]:
    """The public directory: names only."""
    return Place.objects.filter(kind__in=COMMUNITY_KINDS).select_related("parent").order_by("path")


def public_places(*, community: Place) -> QuerySet[Place]:
    return Place.objects.filter(parent=community).order_by("sort_key", "name")


def import_targets(*, actor: User, community: Place) -> list[Place]:
    """Where the actor may import a register: the community and the compounds or villages directly below it."""
    below = Place.objects.restrict(actor, Action.PERSON_IMPORT).filter(parent=community).order_by("sort_key", "name")
    return [community, *below]


def places_by_paths(*, community: Place, paths: list[str]) -> list[Place]:
    """Places of the community at the given paths, top down."""
    return list(Place.objects.filter(community=community, path__in=paths).order_by("depth"))
