"""Racing sign-ins on PostgreSQL: the meeting row lock queues them and the unique constraint backs it up."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.core.errors import Duplicate
from gongzhi.deliberation.models import Attendance
from gongzhi.deliberation.services.meetings import attendance_record, meeting_schedule, meeting_sign_in
from tests.core.test_concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def _meeting(site, secretary):
    return meeting_schedule(
        actor=secretary,
        place=site.compound,
        kind="bazaba",
        title="坝坝会",
        starts_at=timezone.now() - datetime.timedelta(minutes=10),
        location="中庭",
    )


def test_racing_sign_ins_of_one_person_leave_one_attendance(owners, secretary):
    meeting = _meeting(owners.site, secretary)
    account = owners.accounts[0]
    results = race(8, lambda i: meeting_sign_in(actor=account, meeting=meeting, token=meeting.signin_token))
    assert sum(isinstance(r, Attendance) for r in results) == 1
    assert sum(isinstance(r, Duplicate) and r.code == "already_signed_in" for r in results) == 7
    assert Attendance.objects.filter(meeting=meeting).count() == 1


def test_a_qr_sign_in_racing_staff_entry_of_the_same_person_leaves_one(owners, secretary):
    meeting = _meeting(owners.site, secretary)
    person = owners.site.people[0]

    def work(i: int):
        if i % 2:
            return meeting_sign_in(actor=owners.accounts[0], meeting=meeting, token=meeting.signin_token)
        return attendance_record(actor=secretary, meeting=meeting, person=person)

    results = race(6, work)
    assert sum(isinstance(r, Attendance) for r in results) == 1
    assert Attendance.objects.filter(meeting=meeting, person=person).count() == 1
