"""Racing staff on PostgreSQL: the voice row lock (taken first by every workflow service) lets one change win and
gives the other a clear error, never a half-merged or twice-closed voice."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.core.errors import PhaseClosed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.voices.models import Voice, VoiceEvent, VoiceFollower
from gongzhi.voices.services.merging import voice_from_suggestion, voice_merge
from gongzhi.voices.services.workflow import voice_close
from tests.core.test_concurrency import race
from tests.voices.test_workflow import submit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def _neighbour(desk):
    from tests import factories

    return factories.make_user(Role.RESIDENT, household=desk.site.households[3])


def test_two_staff_closing_the_same_voice_one_wins(desk):
    voice = submit(desk)
    staff = [desk.staff[Role.SECRETARY], desk.staff[Role.SOCIAL_WORKER]]
    results = race(2, lambda i: voice_close(actor=staff[i], voice=voice, body=f"第{i}位办结"))
    assert sum(isinstance(r, Voice) for r in results) == 1
    [error] = [r for r in results if not isinstance(r, Voice)]
    assert isinstance(error, PhaseClosed) and error.code == "voice_closed" and "已办结" in str(error.message)
    assert VoiceEvent.objects.filter(voice=voice, kind="closed").count() == 1
    assert AuditEvent.objects.filter(verb="voice.close").count() == 1


def test_two_staff_merging_the_same_duplicate_into_different_voices_one_wins(desk):
    a, b = submit(desk, text="消防通道被占"), submit(desk, text="通道停满车")
    duplicate = submit(desk, text="消防通道又停满了", actor=_neighbour(desk))
    staff = [desk.staff[Role.SECRETARY], desk.staff[Role.SOCIAL_WORKER]]
    targets = [a, b]
    results = race(2, lambda i: voice_merge(actor=staff[i], duplicate=duplicate, into=targets[i]))
    winners = [r for r in results if isinstance(r, Voice)]
    assert len(winners) == 1
    [error] = [r for r in results if not isinstance(r, Voice)]
    assert isinstance(error, PhaseClosed) and error.code == "already_merged"
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == winners[0].pk and duplicate.status == "merged"
    supports = sorted(Voice.objects.filter(pk__in=[a.pk, b.pk]).values_list("support_count", flat=True))
    assert supports == [1, 2]
    assert VoiceEvent.objects.filter(voice=duplicate, kind="merged").count() == 1


def test_opposite_merges_of_a_pair_do_not_deadlock(desk):
    a, b = submit(desk, text="路灯不亮"), submit(desk, text="楼下路灯坏了")
    pairs = [(a, b), (b, a)]
    results = race(
        2,
        lambda i: voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=pairs[i][0], into=pairs[i][1]),
    )
    assert sum(isinstance(r, Voice) for r in results) == 1
    [error] = [r for r in results if not isinstance(r, Voice)]
    assert isinstance(error, PhaseClosed) and error.code in ("already_merged", "merge_into_merged")
    assert Voice.objects.filter(status="merged").count() == 1


def test_a_close_racing_a_merge_of_the_same_voice(desk):
    into = submit(desk, text="垃圾房满了", category="refuse")
    duplicate = submit(desk, text="垃圾房又满了", category="refuse", actor=_neighbour(desk))

    def work(i: int):
        if i:
            return voice_merge(actor=desk.staff[Role.SECRETARY], duplicate=duplicate, into=into)
        return voice_close(actor=desk.staff[Role.SOCIAL_WORKER], voice=duplicate, body="已清运")

    results = race(2, work)
    assert sum(isinstance(r, Voice) for r in results) == 1
    [error] = [r for r in results if not isinstance(r, Voice)]
    assert isinstance(error, PhaseClosed) and error.code in ("voice_closed", "voice_merged")
    duplicate.refresh_from_db()
    assert not duplicate.is_open and duplicate.status in ("resolved", "merged")
    into.refresh_from_db()
    assert into.support_count == (2 if duplicate.status == "merged" else 1)
    merged = duplicate.status == "merged"
    assert VoiceFollower.objects.filter(voice=into, kind="merged").count() == (1 if merged else 0)


def test_two_recorders_filing_the_same_suggestion_leave_one_voice(desk):
    from django.utils import timezone

    from gongzhi.core.errors import Duplicate
    from gongzhi.deliberation.models import Meeting, Suggestion

    s = desk.site
    secretary = desk.staff[Role.SECRETARY]
    meeting = Meeting.objects.create(
        community=s.community,
        place=s.compound,
        place_path=s.compound.path,
        kind="bazaba",
        title="坝坝会",
        starts_at=timezone.now(),
        location="中庭",
        convened_by=secretary,
    )
    suggestion = Suggestion.objects.create(
        community=s.community, meeting=meeting, body="增设非机动车充电桩", entered_by=secretary
    )
    staff = [secretary, desk.staff[Role.SOCIAL_WORKER]]
    results = race(
        2,
        lambda i: voice_from_suggestion(actor=staff[i], suggestion=suggestion, category=desk.categories["parking"]),
    )
    assert sum(isinstance(r, Voice) for r in results) == 1
    [error] = [r for r in results if not isinstance(r, Voice)]
    assert isinstance(error, Duplicate) and error.code == "suggestion_done"
    assert Voice.objects.filter(suggestion=suggestion).count() == 1
