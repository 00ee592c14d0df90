"""Street staff follow the 议事厅 as the public does, with no one's name in full (docs/ARCHITECTURE.md, "Privacy"):
the names of commenters, of whoever recorded the minutes and of whoever raised a suggestion are masked for them,
and shown to those who belong to the community."""

from __future__ import annotations

import pytest

from gongzhi.core.roles import Role
from gongzhi.deliberation.services.meetings import meeting_schedule, minutes_record, suggestion_add
from gongzhi.deliberation.services.topics import comment_post
from tests import factories
from tests.conftest import login
from tests.deliberation.conftest import voting_topic

pytestmark = pytest.mark.django_db


def test_street_staff_read_the_discussion_without_who_said_it(site, staff):
    secretary = staff[Role.SECRETARY]
    topic = voting_topic(site, secretary)
    resident = factories.make_user(Role.RESIDENT, household=site.households[0], name="欧阳丽娜")
    comment_post(actor=resident, topic=topic, body="我同意重新划线，电话13912345678")
    url = f"/c/{site.community.pk}/topics/{topic.pk}/"
    street = login(staff[Role.STREET_STAFF]).get(url).content.decode()
    assert "我同意重新划线" in street and "139****5678" in street and "13912345678" not in street
    assert "欧阳丽娜" not in street and "欧**娜" in street
    neighbour = login(staff[Role.RESIDENT]).get(url).content.decode()
    assert "欧阳丽娜" in neighbour and "13912345678" not in neighbour
    own = login(resident).get(url).content.decode()
    assert "欧阳丽娜" in own


def test_street_staff_see_the_minutes_and_suggestions_but_not_their_authors(site, staff):
    import datetime

    from django.utils import timezone

    secretary = staff[Role.SECRETARY]
    secretary.display_name = "韩书记"
    secretary.save(update_fields=["display_name"])
    meeting = meeting_schedule(
        actor=secretary,
        place=site.compound,
        kind="bazaba",
        title="院落坝坝会",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        location="中庭",
    )
    minutes_record(actor=secretary, meeting=meeting, minutes="讨论停车。联系人13912345678")
    suggestion_add(actor=secretary, meeting=meeting, body="增加车位", raised_by="王大妈")
    url = f"/c/{site.community.pk}/meetings/{meeting.pk}/"
    street = login(staff[Role.STREET_STAFF]).get(url)
    assert street.status_code == 200
    page = street.content.decode()
    assert "讨论停车" in page and "13912345678" not in page
    assert "韩书记" not in page and "王大妈" not in page
    mine = login(secretary).get(url).content.decode()
    assert "韩书记" in mine and "王大妈" in mine
