"""`load_deliberation_demo`: the 议事厅 demo, part by part, in one transaction. Each part module makes its own
content through the services; this module is the only one that knows them all (the parts import no sibling but
`topics`, which runs first)."""

from __future__ import annotations

from django.db import transaction

from gongzhi.deliberation.models import Topic
from gongzhi.demo.deliberation import assemblies, cocreation, meetings, opinion, topics
from gongzhi.places.models import Place


@transaction.atomic
def load_deliberation_demo(*, street: Place, password: str) -> int:
    """Idempotent: does nothing when the street already has topics. Returns the number of topics made."""
    communities = {p.name: p for p in Place.objects.filter(parent=street)}
    if Topic.objects.filter(community__in=communities.values()).exists():
        return 0
    for load_part in (topics.load, cocreation.load, opinion.load, meetings.load, assemblies.load):
        load_part(street=street, communities=communities, password=password)
    return Topic.objects.filter(community__parent=street).count()
