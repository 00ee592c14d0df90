"""Racing "me too" and reopen taps on PostgreSQL: the voice lock counts each neighbour once and reopens once."""

import pytest
from django.db import connection

from gongzhi.core.errors import ValidationFailed
from gongzhi.core.roles import Role
from gongzhi.voices.models import EventKind, FollowKind, Voice, VoiceEvent, VoiceFollower
from gongzhi.voices.services import workflow
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.residents import voice_me_too, voice_reopen
from tests import factories
from tests.core.test_concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def lamp(desk, **kw) -> Voice:  # type: ignore[no-untyped-def]
    return voice_submit(
        actor=desk.resident,
        community=desk.site.community,
        place=desk.site.buildings[0],
        category=desk.categories["lighting"],
        text="1栋门口路灯不亮",
        **kw,
    )


def test_eight_neighbours_tapping_at_once_each_count_once(desk):
    voice = lamp(desk, is_public=True)
    neighbours = [factories.make_user(Role.RESIDENT, household=desk.site.households[i]) for i in range(1, 9)]
    results = race(8, lambda i: voice_me_too(actor=neighbours[i], voice=voice))
    assert all(isinstance(r, Voice) for r in results), results
    voice.refresh_from_db()
    assert voice.support_count == 9
    assert VoiceFollower.objects.filter(voice=voice, kind=FollowKind.ME_TOO).count() == 8
    assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.ME_TOO).count() == 8


def test_one_neighbour_tapping_six_times_counts_once(desk):
    voice = lamp(desk, is_public=True)
    neighbour = factories.make_user(Role.RESIDENT, household=desk.site.households[1])
    results = race(6, lambda i: voice_me_too(actor=neighbour, voice=voice))
    assert sum(isinstance(r, Voice) for r in results) == 1
    assert sum(isinstance(r, ValidationFailed) and r.code == "already_me_too" for r in results) == 5
    voice.refresh_from_db()
    assert voice.support_count == 2


def test_racing_reopens_reopen_once(desk):
    voice = workflow.voice_close(actor=desk.staff[Role.SECRETARY], voice=lamp(desk), body="已修好")
    results = race(4, lambda i: voice_reopen(actor=desk.resident, voice=voice, reason=f"又坏了{i}"))
    assert sum(isinstance(r, Voice) for r in results) == 1
    assert sum(isinstance(r, ValidationFailed) and r.code == "already_reopened" for r in results) == 3
    voice.refresh_from_db()
    assert (voice.reopen_count, voice.is_open) == (1, True)
    assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.REOPENED).count() == 1
