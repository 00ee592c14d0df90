"""The hourly sweep keeps recurring activities scheduled: 杨西园村's twice-weekly cleaning never runs out of
sessions to sign up for, and a one-off or cancelled activity gets none."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command

from gongzhi.timebank import tasks
from gongzhi.timebank.models import Session
from tests.timebank.test_activities_world import DAY, make_activity, make_world

pytestmark = pytest.mark.django_db


def test_the_sweep_adds_the_coming_sessions_of_open_recurring_activities_only(capsys):
    world = make_world()
    weekly = make_activity(world, recurrence="weekly", weekdays=[2, 5], today=DAY)
    once = make_activity(world, title="一次性活动", today=DAY)
    cancelled = make_activity(world, title="已取消", recurrence="weekly", weekdays=[2], today=DAY)
    cancelled.status = "cancelled"
    cancelled.save(update_fields=["status"])
    before = {a.pk: a.sessions.count() for a in (weekly, once, cancelled)}
    # Three weeks later the horizon has moved three weeks: six more Tuesdays and Fridays.
    with time_machine.travel(datetime.datetime(2030, 3, 26, 10, tzinfo=datetime.UTC), tick=False):
        assert tasks.recurring_sessions_extend() == 6
        assert tasks.recurring_sessions_extend() == 0  # nothing twice
        call_command("timebank_sweep")
    assert "0 sessions added" in capsys.readouterr().out
    assert weekly.sessions.count() == before[weekly.pk] + 6
    assert once.sessions.count() == before[once.pk] == 1
    assert cancelled.sessions.count() == before[cancelled.pk]
    days = sorted(s.starts_at.date() for s in Session.objects.filter(activity=weekly))
    assert all(d.isoweekday() in (2, 5) for d in days)
