import pytest
from django.db import connection

from gongzhi.core.errors import AlreadyVoted
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Ballot
from tests.core.test_concurrency import race
from tests.deliberation.conftest import voting_topic

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_racing_ballots_from_one_owner_leave_exactly_one(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    account = owners.accounts[0]
    results = race(
        8, lambda i: services.ballot_cast(actor=account, topic=topic, choice="agree" if i % 2 else "abstain")
    )
    assert sum(isinstance(r, Ballot) for r in results) == 1
    assert sum(isinstance(r, AlreadyVoted) for r in results) == 7
    assert Ballot.objects.filter(topic=topic).count() == 1


def test_racing_paper_ballots_with_one_serial_leave_exactly_one(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    people = owners.site.people
    results = race(
        6,
        lambda i: services.ballot_enter_paper(
            actor=secretary, topic=topic, voter=people[i], choice="agree", serial_no="SAME-1"
        ),
    )
    assert sum(isinstance(r, Ballot) for r in results) == 1
    assert Ballot.objects.filter(topic=topic, serial_no="SAME-1").count() == 1
