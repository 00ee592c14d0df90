"""The hourly sweep keeps recurring activities scheduled: 杨西园村's twice-weekly cleaning never runs out of
sessions to sign up for, and a one-off or cancelled activity gets none."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command

from gongzhi.timebank import tasks
from gongzhi.timebank.models.activities import Session
from tests.timebank.test_activities_world import DAY, make_activity, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


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


def test_the_sweep_gives_a_resident_who_turned_elderly_the_streets_allowance_once():
    from gongzhi.core.models import AuditEvent
    from gongzhi.timebank.models.settings import LedgerSettings
    from gongzhi.timebank.services.accounts import individual_account
    from gongzhi.timebank.services.settings import elderly_floors_follow
    from tests import factories

    site = factories.make_community()
    LedgerSettings.objects.create(street=site.street, elderly_floor=-20, elderly_age=60)
    today = datetime.date(2030, 6, 1)
    turning, young = site.people[0], site.people[1]
    Person = type(turning)
    Person.objects.filter(pk=turning.pk).update(birth_date=datetime.date(1970, 6, 15))  # 60 on 2030-06-15
    Person.objects.filter(pk=young.pk).update(birth_date=datetime.date(1990, 1, 1))
    accounts = [individual_account(Person.objects.get(pk=p.pk)) for p in (turning, young)]
    assert elderly_floors_follow(today) == 0  # still 59
    assert [a.floor for a in type(accounts[0]).objects.filter(pk__in=[a.pk for a in accounts]).order_by("id")] == [0, 0]

    later = datetime.date(2030, 6, 15)
    assert elderly_floors_follow(later) == 1
    assert elderly_floors_follow(later) == 0  # nothing twice
    floors = dict(type(accounts[0]).objects.filter(pk__in=[a.pk for a in accounts]).values_list("pk", "floor"))
    assert floors == {accounts[0].pk: -20, accounts[1].pk: 0}
    event = AuditEvent.objects.filter(verb="timebank.elderly_floors").get()
    assert event.after["accounts"] == [accounts[0].pk] and event.after["floor"] == -20
