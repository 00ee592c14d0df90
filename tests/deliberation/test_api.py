"""议事厅 API: the same scoping, phases and one-ballot rule as the pages, with {code, message} errors."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from gongzhi.deliberation.models import Ballot
from gongzhi.deliberation.services.topics import topic_propose
from tests import factories
from tests.conftest import login
from tests.deliberation.conftest import voting_topic

pytestmark = pytest.mark.django_db


def url(site, suffix: str = "") -> str:
    return f"/api/communities/{site.community.pk}/topics{suffix}"


def test_schema_lists_the_topic_endpoints():
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "/api/communities/{community_id}/topics" in paths
    assert "/api/communities/{community_id}/topics/{topic_id}/ballot" in paths


def test_owner_lists_reads_and_votes_once(owners, secretary, django_capture_on_commit_callbacks):
    topic = voting_topic(owners.site, secretary)
    client = login(owners.accounts[0])
    listed = client.get(url(owners.site)).json()
    assert listed["count"] == 1 and listed["results"][0]["status"] == "voting"
    detail = client.get(url(owners.site, f"/{topic.pk}")).json()
    assert detail["current_version"] == 1 and [e["status"] for e in detail["timeline"]][-1] == "voting"
    assert detail["result"]["participating_owners"] == 0

    with django_capture_on_commit_callbacks(execute=True):  # the commit that makes the cached tally stale
        first = client.post(
            url(owners.site, f"/{topic.pk}/ballot"), {"choice": "agree"}, content_type="application/json"
        )
    assert first.status_code == 201 and first.json()["channel"] == "online"
    again = client.post(
        url(owners.site, f"/{topic.pk}/ballot"), {"choice": "disagree"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    assert Ballot.objects.filter(topic=topic, voided_at__isnull=True).count() == 1
    assert client.get(url(owners.site, f"/{topic.pk}")).json()["result"]["participating_owners"] == 1


def test_bad_choice_and_closed_window_are_refused_with_chinese_messages(owners, secretary, time_machine):
    topic = voting_topic(owners.site, secretary, hours=1)
    client = login(owners.accounts[1])
    bad = client.post(url(owners.site, f"/{topic.pk}/ballot"), {"choice": "yes"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_choice" and "同意" in bad.json()["message"]
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=2))
    late = client.post(url(owners.site, f"/{topic.pk}/ballot"), {"choice": "agree"}, content_type="application/json")
    assert late.status_code == 409 and late.json()["code"] == "phase_closed"
    assert not Ballot.objects.filter(topic=topic).exists()


def test_other_community_sees_nothing_and_cannot_vote(owners, secretary, other_staff):
    topic = voting_topic(owners.site, secretary)
    _token, plain = api_token_create(actor=None, user=other_staff[Role.SECRETARY], name="别的社区")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert client.get(url(owners.site)).status_code == 404
    assert client.get(url(owners.site, f"/{topic.pk}")).status_code == 404
    vote = client.post(url(owners.site, f"/{topic.pk}/ballot"), {"choice": "agree"}, content_type="application/json")
    assert vote.status_code == 404
    assert not Ballot.objects.filter(topic=topic).exists()


def test_lower_role_without_ownership_cannot_vote_and_does_not_see_proposals(owners, secretary, staff):
    topic = voting_topic(owners.site, secretary)
    proposal = topic_propose(
        actor=secretary, place=owners.site.community, title="未列入议程的提议", summary="仅社区可见"
    )
    volunteer = factories.make_user(Role.VOLUNTEER, place=owners.site.community)
    client = login(volunteer)
    assert [t["id"] for t in client.get(url(owners.site)).json()["results"]] == [topic.pk]
    assert client.get(url(owners.site, f"/{proposal.pk}")).status_code == 404
    vote = client.post(url(owners.site, f"/{topic.pk}/ballot"), {"choice": "agree"}, content_type="application/json")
    assert vote.status_code == 403 and vote.json()["code"] == "not_an_owner"


def test_anonymous_is_refused(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    assert Client().get(url(owners.site)).status_code == 401
    assert Client().post(url(owners.site, f"/{topic.pk}/ballot"), {"choice": "agree"}).status_code == 401
