"""Reminders before the deadline and 督办 after it, with controlled time (time_machine) and the 2026 calendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.notifications.models import Notification, OutboxMessage
from gongzhi.voices.models import EventKind, Party, PartyKind, PartyMember, Voice, VoiceEvent
from gongzhi.voices.services.deadlines import calendar_day_set, holidays_load
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.residents import voice_reopen
from gongzhi.voices.services.sweep import voices_sweep
from gongzhi.voices.tasks import ensure_sweep_scheduled, voices_sweep_task

pytestmark = pytest.mark.date_sensitive

SH = ZoneInfo("Asia/Shanghai")


def at(m: int, d: int, hh: int = 10, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SH)


def submit(desk, code="parking", place=None, when=None):
    s = desk.site
    return voice_submit(
        actor=desk.resident,
        community=s.community,
        place=place or s.buildings[0],
        category=desk.categories[code],
        text="楼下消防通道晚上总是停满车",
        is_public=True,
        now=when,
    )


def sweep(capture, when):
    with time_machine.travel(when, tick=False), capture(execute=True):
        return voices_sweep()


def inbox(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_a_voice_goes_overdue_and_is_escalated_to_the_supervisor(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(12, 1))  # Tuesday; parking is 5 working days
    assert voice.due_at == datetime(2026, 12, 8, 23, 59, 59, 999999, tzinfo=SH)
    assert sweep(django_capture_on_commit_callbacks, at(12, 3))["escalated"] == 0

    counts = sweep(django_capture_on_commit_callbacks, at(12, 9, 9))
    assert counts["escalated"] == 1
    voice.refresh_from_db()
    assert voice.escalation_level == 1 and voice.escalated_at == at(12, 9, 9)
    secretary = desk.staff[Role.SECRETARY]  # member of 居委会, the 物业's supervisor
    assert "voice.escalate" in inbox(secretary)
    assert "voice.escalate" in inbox(desk.staff[Role.PROPERTY])
    assert "voice.escalate" not in inbox(desk.staff[Role.GRID_WORKER])
    note = Notification.objects.get(user=secretary, kind="voice.escalate")
    assert note.url == f"/c/{voice.community_id}/voices/{voice.pk}/" and f"#{voice.pk}" in note.title
    event = VoiceEvent.objects.get(voice=voice, kind=EventKind.ESCALATED)
    assert event.is_public and event.body == "已督办" and event.party == desk.committee
    assert event.actor_label == "居委会"
    assert AuditEvent.objects.filter(verb="voice.escalate", object_id=str(voice.pk)).count() == 1


def test_a_reminder_goes_to_the_party_the_working_day_before(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(12, 1))
    assert sweep(django_capture_on_commit_callbacks, at(12, 4))["reminded"] == 0  # 2 working days left
    assert sweep(django_capture_on_commit_callbacks, at(12, 7))["reminded"] == 1  # Monday, due Tuesday
    voice.refresh_from_db()
    assert voice.reminded_at == at(12, 7) and voice.escalation_level == 0
    assert inbox(desk.staff[Role.PROPERTY]) == ["voice.remind"]
    assert inbox(desk.staff[Role.SECRETARY]) == []
    event = VoiceEvent.objects.get(voice=voice, kind=EventKind.REMINDED)
    assert not event.is_public


def test_a_second_sweep_does_nothing_twice(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(12, 1))
    sweep(django_capture_on_commit_callbacks, at(12, 7))
    assert sweep(django_capture_on_commit_callbacks, at(12, 8))["reminded"] == 0
    sweep(django_capture_on_commit_callbacks, at(12, 9))
    again = sweep(django_capture_on_commit_callbacks, at(12, 10))
    assert again["reminded"] == 0 and again["escalated"] == 0
    voice.refresh_from_db()
    assert voice.escalation_level == 1
    assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.ESCALATED).count() == 1
    assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.REMINDED).count() == 1
    assert Notification.objects.filter(user=desk.staff[Role.SECRETARY], kind="voice.escalate").count() == 1
    assert OutboxMessage.objects.filter(kind="voice.remind").count() == 1


def test_a_holiday_in_between_moves_the_deadline(desk, django_capture_on_commit_callbacks):
    holidays_load()
    voice = submit(desk, when=at(9, 30))  # the day before 国庆; 5 working days: 8, 9, 10 (Sat), 12, 13 Oct
    assert voice.due_at.astimezone(SH).date().isoformat() == "2026-10-13"
    assert sweep(django_capture_on_commit_callbacks, at(10, 9))["escalated"] == 0
    assert sweep(django_capture_on_commit_callbacks, at(10, 14))["escalated"] == 1


def test_a_calendar_change_is_seen_by_the_next_deadline(desk):
    admin = desk.staff[Role.SECRETARY]
    admin.is_superuser = True
    before = submit(desk, code="refuse", when=at(12, 1)).due_at  # 2 working days → Thursday 3 Dec
    calendar_day_set(actor=admin, date=at(12, 2).date(), is_workday=False, name="测试假日")
    after = submit(desk, code="refuse", when=at(12, 1)).due_at
    assert before.date().isoformat() == "2026-12-03" and after.date().isoformat() == "2026-12-04"


def test_closed_and_merged_voices_are_left_alone(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(12, 1))
    Voice.objects.filter(pk=voice.pk).update(is_open=False, status="resolved")
    assert sweep(django_capture_on_commit_callbacks, at(12, 20))["escalated"] == 0


def test_a_reopened_voice_gets_a_new_deadline_and_is_escalated_again(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(11, 2))
    sweep(django_capture_on_commit_callbacks, at(11, 10))
    voice.refresh_from_db()
    assert voice.escalation_level == 1
    # Closed on 12 Nov, reopened by the resident on 13 Nov (the residents part's service).
    Voice.objects.filter(pk=voice.pk).update(is_open=False, status="resolved", closed_at=at(11, 12))
    with time_machine.travel(at(11, 13), tick=False):
        voice_reopen(actor=desk.resident, voice=voice, reason="车还是停在通道上")
    voice.refresh_from_db()
    assert voice.due_at.astimezone(SH).date().isoformat() == "2026-11-20"
    assert sweep(django_capture_on_commit_callbacks, at(11, 16))["escalated"] == 0
    assert sweep(django_capture_on_commit_callbacks, at(11, 23))["escalated"] == 1
    voice.refresh_from_db()
    assert voice.escalation_level == 2
    assert VoiceEvent.objects.filter(voice=voice, kind=EventKind.ESCALATED, is_public=True).count() == 2
    assert Notification.objects.filter(user=desk.staff[Role.SECRETARY], kind="voice.escalate").count() == 2


def test_a_reopen_simulated_by_fields_can_escalate_again(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(11, 2))
    sweep(django_capture_on_commit_callbacks, at(11, 10))
    Voice.objects.filter(pk=voice.pk).update(due_at=datetime(2026, 11, 20, 23, 59, tzinfo=SH))
    assert sweep(django_capture_on_commit_callbacks, at(11, 23))["escalated"] == 1
    voice.refresh_from_db()
    assert voice.escalation_level == 2


def test_an_unassigned_voice_escalates_to_the_committee(desk, django_capture_on_commit_callbacks):
    voice = submit(desk, when=at(12, 1))
    Voice.objects.filter(pk=voice.pk).update(party=None)
    sweep(django_capture_on_commit_callbacks, at(12, 9))
    assert "voice.escalate" in inbox(desk.staff[Role.SECRETARY])
    event = VoiceEvent.objects.get(voice=voice, kind=EventKind.ESCALATED)
    assert event.party == desk.committee


def test_a_party_without_supervisor_escalates_to_the_committee(desk, django_capture_on_commit_callbacks):
    c = desk.site.community
    utility = Party.objects.create(community=c, name="供电所", kind=PartyKind.UTILITY)
    worker = desk.staff[Role.GRID_WORKER]
    PartyMember.objects.create(community=c, party=utility, user=worker)
    voice = submit(desk, when=at(12, 1))
    Voice.objects.filter(pk=voice.pk).update(party=utility)
    sweep(django_capture_on_commit_callbacks, at(12, 9))
    assert "voice.escalate" in inbox(desk.staff[Role.SECRETARY])
    assert "voice.escalate" in inbox(worker)


def test_other_communities_are_swept_on_their_own(desk, other_desk, django_capture_on_commit_callbacks):
    submit(desk, when=at(12, 1))
    sweep(django_capture_on_commit_callbacks, at(12, 9))
    assert inbox(other_desk.staff[Role.SECRETARY]) == []


def test_the_task_runs_the_sweep_and_does_not_recurse_on_the_immediate_backend(
    desk, django_capture_on_commit_callbacks
):
    voice = submit(desk, when=at(12, 1))
    with time_machine.travel(at(12, 9), tick=False), django_capture_on_commit_callbacks(execute=True):
        result = voices_sweep_task.enqueue()
    assert result.return_value["escalated"] == 1
    voice.refresh_from_db()
    assert voice.escalation_level == 1
    assert ensure_sweep_scheduled() is False  # the immediate backend cannot defer: no chain


def test_only_one_sweep_chain_is_scheduled(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert ensure_sweep_scheduled() is True
    assert ensure_sweep_scheduled() is False
    pending = DBTaskResult.objects.filter(task_path=voices_sweep_task.module_path)
    assert pending.count() == 1
    # A run of the chain (its own row RUNNING, another READY) does not add a third.
    voices_sweep_task.call()
    assert pending.count() == 1
    DBTaskResult.objects.all().delete()
    voices_sweep_task.call()  # the last run of a chain enqueues the next one
    assert pending.get().run_after > timezone.now()


def test_voices_far_from_their_deadline_are_not_even_looked_at(desk, django_capture_on_commit_callbacks):
    submit(desk, when=at(12, 1))  # due 8 Dec; reminders at most 1 working day before
    assert sweep(django_capture_on_commit_callbacks, at(12, 2))["checked"] == 0
    assert sweep(django_capture_on_commit_callbacks, at(12, 7))["checked"] == 1


def test_the_voices_schedule_command_starts_one_chain(db, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("voices_schedule")
    call_command("voices_schedule")
    assert DBTaskResult.objects.filter(task_path=voices_sweep_task.module_path).count() == 1
