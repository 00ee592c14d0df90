"""The scoped, read-only back office of 社情民意 and the superuser-edited holiday calendar."""

from __future__ import annotations

from datetime import date

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.voices.models import CalendarDay, Channel, Voice
from gongzhi.voices.services.deadlines import calendar_exceptions
from gongzhi.voices.services.intake import voice_submit
from tests import factories
from tests.conftest import login


def hotline_voice(desk):
    s = desk.site
    return voice_submit(
        actor=desk.staff[Role.SECRETARY],
        community=s.community,
        place=s.compound,
        category=desk.categories["refuse"],
        text="垃圾房三天没清运",
        channel=Channel.HOTLINE,
        contact_name="王小明",
        contact_phone="13812345678",
    )


def test_voices_are_scoped_and_phones_masked(desk, other_desk):
    voice = hotline_voice(desk)
    client = login(desk.staff[Role.SECRETARY])
    assert "垃圾房三天没清运" in client.get("/admin/voices/voice/").content.decode()
    page = client.get(f"/admin/voices/voice/{voice.pk}/change/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "王*明" in page and "王小明" not in page
    assert voice.token not in page
    other = login(other_desk.staff[Role.SECRETARY])
    assert "垃圾房三天没清运" not in other.get("/admin/voices/voice/").content.decode()
    # Django's admin answers an object outside the queryset by sending back to the index with a message.
    assert other.get(f"/admin/voices/voice/{voice.pk}/change/")["Location"] == "/admin/"


@pytest.mark.parametrize("model", ["voice", "party", "route", "category"])
def test_read_only(desk, model):
    client = login(desk.staff[Role.SECRETARY])
    assert client.get(f"/admin/voices/{model}/").status_code == 200
    assert client.get(f"/admin/voices/{model}/add/").status_code == 403


def test_a_party_cannot_be_changed_here(desk):
    client = login(desk.staff[Role.SECRETARY])
    response = client.post(f"/admin/voices/party/{desk.property.pk}/change/", {"name": "改名", "kind": "property"})
    assert response.status_code == 403
    desk.property.refresh_from_db()
    assert desk.property.name == "花园物业"


@pytest.mark.parametrize("role", [Role.BUILDING_HEAD, Role.RESIDENT])
def test_lower_roles_have_no_voices_admin(desk, role):
    response = login(desk.staff[role]).get("/admin/voices/voice/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_calendar_is_edited_by_superusers_through_the_service(desk):
    staff_admin = login(desk.staff[Role.SECRETARY])
    assert staff_admin.get("/admin/voices/calendarday/add/").status_code == 403
    root = factories.make_user()
    root.is_superuser = root.is_staff = True
    root.save()
    client = login(root)
    response = client.post(
        "/admin/voices/calendarday/add/", {"date": "2026-12-31", "is_workday": "", "name": "测试假日"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    day = CalendarDay.objects.get(date=date(2026, 12, 31))
    assert not day.is_workday and day.name == "测试假日"
    assert AuditEvent.objects.filter(verb="voice.calendar_set").count() == 1
    assert date(2026, 12, 31) in calendar_exceptions()
    client.post(f"/admin/voices/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(verb="voice.calendar_clear").count() == 1
    assert Voice.objects.count() == 0
