"""`load_demo`: the demo street built once (places, people, logins), and its counts."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction

from gongzhi.core.models import User
from gongzhi.demo.people.build import build_community, build_street
from gongzhi.demo.people.logins import create_logins
from gongzhi.demo.people.specs import DEMO_PHONE_PREFIX, STREET_NAME, demo_specs
from gongzhi.people.models import Ownership, Person, PersonTag
from gongzhi.places.models import COMMUNITY_KINDS, Grid, Household, Place, PlaceKind


@dataclass
class DemoResult:
    street: Place
    communities: dict[str, Place]
    created: bool  # False when the demo street was already there
    seconds: float
    counts: dict[str, int]


def demo_counts(street: Place) -> dict[str, int]:
    ids = list(Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS).values_list("pk", flat=True))
    return {
        "communities": len(ids),
        "places": Place.objects.filter(path__under=street.path).count(),
        "grids": Grid.objects.filter(community_id__in=ids).count(),
        "households": Household.objects.filter(community_id__in=ids).count(),
        "persons": Person.objects.filter(community_id__in=ids).count(),
        "ownerships": Ownership.objects.filter(community_id__in=ids).count(),
        "person_tags": PersonTag.objects.filter(community_id__in=ids).count(),
        "logins": User.objects.filter(phone__startswith=DEMO_PHONE_PREFIX).count(),
    }


def load_demo(*, residents_lixiong: int = 30000, seed: int = 2026) -> DemoResult:
    """Builds the demo street once; if it exists already, returns it untouched."""
    started = time.perf_counter()
    street = Place.objects.filter(kind=PlaceKind.STREET, parent=None, name=STREET_NAME).first()
    created = street is None
    if street is None:
        # One outer transaction: a failure halfway leaves no half-built street that would look "loaded".
        with transaction.atomic():
            street = build_street(name=STREET_NAME, seed=seed)
            for name, kind, spec in demo_specs(residents_lixiong=residents_lixiong):
                build_community(street=street, name=name, kind=kind, spec=spec, seed=seed)
            create_logins(street)
    communities = {p.name: p for p in Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS)}
    return DemoResult(
        street=street,
        communities=communities,
        created=created,
        seconds=time.perf_counter() - started,
        counts=demo_counts(street),
    )
