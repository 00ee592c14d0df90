"""The demo's 花园颐院 meetings: twenty past 坝坝会 and 院落夜话 with 150 suggestions, and one still to come."""

import time

import pytest
from django.utils import timezone

from gongzhi.deliberation.demo import load_deliberation_demo, meetings
from gongzhi.deliberation.models import Attendance, Meeting, MeetingStatus, Suggestion
from gongzhi.people.demo import DEMO_PASSWORD, load_demo


@pytest.mark.django_db
def test_demo_meetings_echo_the_article(monkeypatch):
    street = load_demo(residents_lixiong=600).street
    spent: dict[str, float] = {}
    original = meetings.load

    def timed(**kwargs):
        start = time.monotonic()
        original(**kwargs)
        spent["meetings"] = time.monotonic() - start

    monkeypatch.setattr(meetings, "load", timed)
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    past = Meeting.objects.filter(status=MeetingStatus.HELD, place__name="花园颐院")
    assert past.count() == 20 and all(m.minutes for m in past)
    assert Suggestion.objects.filter(meeting__in=past).count() == 150
    assert Attendance.objects.filter(meeting__in=past).count() >= 200
    upcoming = Meeting.objects.get(status=MeetingStatus.SCHEDULED)
    assert upcoming.starts_at > timezone.now() and upcoming.topic.title == "花园颐院院落管理制度"
    assert spent["meetings"] < 5, spent  # keeps the demo load quick even on a loaded machine
