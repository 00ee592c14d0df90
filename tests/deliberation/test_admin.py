"""The back office lists the manager's own topics and ballots, masked and read-only."""

import pytest

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot
from gongzhi.deliberation.services.ballots import ballot_enter_paper
from tests.conftest import login
from tests.deliberation.conftest import voting_topic

pytestmark = pytest.mark.django_db


def test_admin_lists_own_topics_and_masked_ballots_only(owners, secretary, other_staff):
    topic = voting_topic(owners.site, secretary)
    voter = owners.site.people[0]
    ballot_enter_paper(actor=secretary, topic=topic, voter=voter, choice="agree", serial_no="A-001")
    client = login(secretary)
    assert topic.title in client.get("/admin/deliberation/topic/").content.decode()
    ballots = client.get("/admin/deliberation/ballot/").content.decode()
    assert "A-001" in ballots and voter.masked_name in ballots
    assert voter.id_number not in ballots

    other = login(other_staff[Role.SECRETARY])
    assert topic.title not in other.get("/admin/deliberation/topic/").content.decode()
    assert "A-001" not in other.get("/admin/deliberation/ballot/").content.decode()
    ballot = Ballot.objects.get(topic=topic)
    assert other.get(f"/admin/deliberation/ballot/{ballot.pk}/change/")["Location"] == "/admin/"  # as if missing


def test_admin_cannot_change_or_delete_a_ballot(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    ballot = ballot_enter_paper(
        actor=secretary, topic=topic, voter=owners.site.people[0], choice="agree", serial_no="A-002"
    )
    client = login(secretary)
    assert client.post(f"/admin/deliberation/ballot/{ballot.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/deliberation/ballot/add/").status_code == 403
    assert Ballot.objects.filter(pk=ballot.pk, voided_at__isnull=True).exists()


@pytest.mark.parametrize("role", [Role.BUILDING_HEAD, Role.RESIDENT])
def test_lower_roles_have_no_deliberation_admin(site, staff, role):
    response = login(staff[role]).get("/admin/deliberation/topic/")
    assert response.status_code == 302 and "/login/" in response["Location"]
