"""Two sweeps racing over the same overdue voice escalate it once (the voice lock, re-checked after it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from gongzhi.core.roles import Role
from gongzhi.notifications.models import Notification
from gongzhi.voices.models import EventKind, Voice, VoiceEvent
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.sweep import voices_sweep
from tests.core.test_concurrency import race
from tests.voices.conftest import make_desk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_racing_sweeps_escalate_once(site, staff):
    desk = make_desk(site, staff)
    voices = [
        voice_submit(
            actor=desk.resident,
            community=site.community,
            place=site.buildings[0],
            category=desk.categories["parking"],
            text=f"消防通道被占 {i}",
            now=datetime(2026, 12, 1, 10, tzinfo=SH),
        )
        for i in range(3)
    ]
    later = datetime(2026, 12, 9, 10, tzinfo=SH)

    def work(i: int) -> dict[str, int]:
        try:
            return voices_sweep(now=later)
        finally:
            connections.close_all()

    results = race(4, work)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["escalated"] for r in results) == 3
    for voice in voices:
        fresh = Voice.objects.get(pk=voice.pk)
        assert fresh.escalation_level == 1
        assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.ESCALATED).count() == 1
    secretary = staff[Role.SECRETARY]
    assert Notification.objects.filter(user=secretary, kind="voice.escalate").count() == 3
