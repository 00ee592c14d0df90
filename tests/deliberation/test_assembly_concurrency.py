"""Racing recordings on PostgreSQL: the resolution row lock and the partial unique constraints leave one live row."""

import pytest
from django.db import connection

from gongzhi.core.errors import AlreadyVoted
from gongzhi.deliberation.models import MemberVote, VoteCount
from gongzhi.deliberation.selectors.assemblies import resolution_figures
from gongzhi.deliberation.services.assemblies import member_votes_record, resolution_create, vote_count_record
from tests.core.test_concurrency import race
from tests.deliberation.test_assemblies import council, held_meeting, meeting_topic

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_racing_recordings_of_one_members_vote_leave_one(site, secretary):
    members = site.people[:3]
    council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members)
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    member_id = sorted(resolution_figures(resolution).present_ids)[0]
    results = race(
        8,
        lambda i: member_votes_record(
            actor=secretary, resolution=resolution, votes={member_id: "agree" if i % 2 else "disagree"}
        ),
    )
    assert sum(isinstance(r, list) for r in results) == 1
    assert sum(isinstance(r, AlreadyVoted) for r in results) == 7
    assert MemberVote.objects.filter(resolution=resolution, voided_at__isnull=True).count() == 1


def test_racing_villagers_counts_leave_one(site, secretary):
    topic = meeting_topic(site, secretary, procedure="villagers")
    meeting = held_meeting(secretary, topic, attendees=site.people[:6])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    results = race(
        6, lambda i: vote_count_record(actor=secretary, resolution=resolution, agree=i, disagree=0, abstain=0)
    )
    assert sum(isinstance(r, VoteCount) for r in results) == 1
    assert VoteCount.objects.filter(resolution=resolution, voided_at__isnull=True).count() == 1
