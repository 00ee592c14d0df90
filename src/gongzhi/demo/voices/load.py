"""Demo 社情民意: every demo community's desk (categories, parties, routes), 花园颐院's 双找 survey and courtyard
meetings (demo/huayuan.py), and a year of 瀝雄 voices (demo/lixiong.py). All synthetic.

Intake goes through the services (survey_create, survey_visit_record, voice_submit with the visit's or meeting's
time). What happened to the voices afterwards (accepted, answered, closed, 督办, rated, reopened, merged) is written
as history in bulk, per community with one `demo.voices_history` audit event (see demo/history.py for why)."""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from gongzhi.core import audit
from gongzhi.demo import bulk
from gongzhi.demo.voices import huayuan, lixiong
from gongzhi.demo.voices.desk import Desk, desk_build
from gongzhi.demo.voices.history import HISTORY_FIELDS, Plan, write_lifecycle
from gongzhi.places.models import COMMUNITY_KINDS, Place
from gongzhi.voices.models import Voice, VoiceEvent

__all__ = ["load_voices_demo"]

SEED = 2026


def load_voices_demo(*, street: Place, password: str) -> int:
    """Idempotent: does nothing when the street's communities already have voices. Returns the voices made."""
    communities = {p.name: p for p in Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS)}
    if not communities or Voice.objects.filter(community_id__in=[c.pk for c in communities.values()]).exists():
        return 0
    rng = random.Random(SEED)
    with transaction.atomic():
        _holidays()
        desks = {name: desk_build(c) for name, c in sorted(communities.items(), key=lambda kv: kv[1].pk)}
        made = 0
        donghuan = desks.get("东环路社区")
        courtyard = Place.objects.filter(community=donghuan.community, name="花园颐院").first() if donghuan else None
        if donghuan is not None and courtyard is not None:
            _survey, voices = huayuan.load(desk=donghuan, courtyard=courtyard, rng=rng)
            made += len(voices)
            _history_of_huayuan(donghuan, voices, rng)
        lx = desks.get("瀝雄社区")
        if lx is not None:
            made += _year_of_lixiong(lx, rng)
    return made


def _holidays() -> None:
    """The routing part's bundled holiday calendar, so the demo's deadlines skip the public holidays."""
    from gongzhi.voices.services import deadlines as routing

    if hasattr(routing, "holidays_load"):
        routing.holidays_load()


def _history_of_huayuan(desk: Desk, voices: list[Voice], rng: random.Random) -> None:
    """The courtyard's voices as the 居委会 and the grid worker have handled them since they came in."""
    now = timezone.now()
    rows = list(Voice.objects.filter(pk__in=[v.pk for v in voices]).select_related("category", "party__supervisor"))
    events: list[VoiceEvent] = []
    for v in rows:
        r = rng.random()
        plan = Plan("rejected") if r < 0.03 else Plan("late") if r < 0.1 else Plan("resolved", rate=rng.random() < 0.7)
        events += write_lifecycle(v, plan, rng=rng, now=now, supervisor=v.party.supervisor if v.party else None)
    for v in rows:  # bulk_update skips auto_now; the similarity index and caches go by updated_at
        v.updated_at = now
    bulk.update(Voice, rows, [*HISTORY_FIELDS, "updated_at"], batch_size=500)
    bulk.insert(VoiceEvent, events, batch_size=1000)
    audit.record(
        actor=None,
        verb="demo.voices_history",
        community_id=desk.community.pk,
        object_type="voices.voice",
        after={
            "voices": len(rows),
            "events": len(events),
            "closed": sum(1 for v in rows if not v.is_open),
            "rated": sum(1 for v in rows if v.rating),
        },
    )


def _year_of_lixiong(desk: Desk, rng: random.Random) -> int:
    year = lixiong.build(desk=desk, rng=rng)
    if not year.voices:
        return 0
    made = list(year.voices)
    events = list(year.events)
    if year.cluster is not None:
        bulk.insert(Voice, [year.cluster.main])
        for d in year.cluster.duplicates:
            d.merged_into = year.cluster.main
        made += [year.cluster.main, *year.cluster.duplicates]
        events += year.cluster.main_events + year.cluster.duplicate_events
        bulk.insert(Voice, year.voices + year.cluster.duplicates, batch_size=500)
    else:
        bulk.insert(Voice, year.voices, batch_size=500)
    bulk.insert(VoiceEvent, events, batch_size=1000)
    audit.record(
        actor=None,
        verb="demo.voices_history",
        community_id=desk.community.pk,
        object_type="voices.voice",
        after={**year.stats, "events": len(events)},
    )
    return len(made)
