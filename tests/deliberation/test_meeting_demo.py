"""The demo's 花园颐院 meetings: twenty past 坝坝会 and 院落夜话 with 150 suggestions, and one still to come."""

import pytest
from django.utils import timezone

from gongzhi.deliberation.models import Attendance, Meeting, MeetingStatus, Suggestion
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_demo_meetings_echo_the_article():
    # How long the meetings take to load is measured by bench/demo.py, not asserted here.
    street = load_demo(residents_lixiong=600).street
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    past = Meeting.objects.filter(status=MeetingStatus.HELD, place__name="花园颐院")
    assert past.count() == 20 and all(m.minutes for m in past)
    assert Suggestion.objects.filter(meeting__in=past).count() == 150
    assert Attendance.objects.filter(meeting__in=past).count() >= 200
    upcoming = Meeting.objects.get(status=MeetingStatus.SCHEDULED)
    assert upcoming.starts_at > timezone.now() and upcoming.topic.title == "花园颐院院落管理制度"
