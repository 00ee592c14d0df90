import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from gongzhi.core import audit
from gongzhi.core.errors import AlreadyVoted, PermissionDenied
from gongzhi.core.models import AuditEvent
from gongzhi.deliberation.models import Ballot, Topic
from gongzhi.deliberation.services.ballots import ballot_cast, ballot_enter_paper, owned_units_voter
from gongzhi.people.services import ownership_add, person_account_create
from tests import factories
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
    results = race(8, lambda i: ballot_cast(actor=account, topic=topic, choice="agree" if i % 2 else "abstain"))
    assert sum(isinstance(r, Ballot) for r in results) == 1
    assert sum(isinstance(r, AlreadyVoted) for r in results) == 7
    assert Ballot.objects.filter(topic=topic).count() == 1


def test_racing_paper_ballots_with_one_serial_leave_exactly_one(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    people = owners.site.people
    results = race(
        6,
        lambda i: ballot_enter_paper(actor=secretary, topic=topic, voter=people[i], choice="agree", serial_no="SAME-1"),
    )
    assert sum(isinstance(r, Ballot) for r in results) == 1
    assert Ballot.objects.filter(topic=topic, serial_no="SAME-1").count() == 1


def test_racing_ballots_of_many_owners_all_count_and_the_chain_holds(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    accounts = owners.accounts[:8]
    results = race(len(accounts), lambda i: ballot_cast(actor=accounts[i], topic=topic, choice="agree"))
    assert all(isinstance(r, Ballot) for r in results), results
    assert Ballot.objects.filter(topic=topic, voided_at__isnull=True).count() == len(accounts)
    assert AuditEvent.objects.filter(verb="ballot.online", after__topic=topic.pk).count() == len(accounts)
    assert audit.verify_chains() is None


def test_a_ballot_in_flight_shares_the_topic_and_a_lifecycle_step_must_wait_for_it(owners, secretary):
    """A ballot holds the topic FOR SHARE until it commits: another ballot's FOR SHARE is granted at once, while
    the FOR UPDATE of a step such as topic_decide is not (it waits, so the tally it keeps includes the ballot)."""
    topic = voting_topic(owners.site, secretary)
    cast, release = threading.Event(), threading.Event()

    def ballot() -> None:
        try:
            with transaction.atomic():
                ballot_cast(actor=owners.accounts[0], topic=topic, choice="agree")
                cast.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=ballot)
    holder.start()
    try:
        assert cast.wait(10)
        with transaction.atomic():
            shared = list(
                Topic.objects.raw("SELECT * FROM deliberation_topic WHERE id = %s FOR SHARE NOWAIT", [topic.pk])
            )
            assert shared[0].pk == topic.pk
        with pytest.raises(OperationalError), transaction.atomic():
            Topic.objects.select_for_update(nowait=True).get(pk=topic.pk)
    finally:
        release.set()
        holder.join(10)
    with transaction.atomic():
        assert Topic.objects.select_for_update(nowait=True).get(pk=topic.pk).pk == topic.pk
    assert Ballot.objects.filter(topic=topic).count() == 1


def test_a_repeated_ballot_is_refused_without_breaking_the_callers_transaction(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    account = owners.accounts[0]
    with transaction.atomic():
        ballot_cast(actor=account, topic=topic, choice="agree")
        with pytest.raises(AlreadyVoted):
            ballot_cast(actor=account, topic=topic, choice="disagree")
        assert Ballot.objects.get(topic=topic).choice == "agree"  # the transaction is still usable


def test_co_owners_racing_leave_the_first_registered_owners_ballot_only(owners, secretary):
    """Co-owners vote once for their household, by the first registered of them (最高法解释第九条 counts one
    person per owner): the later co-owner is refused, whoever is faster."""
    site = owners.site
    household = site.people[0].household
    later = factories.make_person(site.community, household, relation="member")
    ownership_add(actor=None, household=household, person=later)
    later_account = person_account_create(actor=None, person=later, password=factories.PASSWORD)
    topic = voting_topic(site, secretary)
    accounts = [owners.accounts[0], later_account]
    results = race(2, lambda i: ballot_cast(actor=accounts[i], topic=topic, choice="agree"))
    assert isinstance(results[0], Ballot), results
    assert isinstance(results[1], PermissionDenied) and results[1].code == "not_an_owner", results
    assert list(Ballot.objects.filter(topic=topic).values_list("voter_id", flat=True)) == [site.people[0].pk]
    assert owned_units_voter(topic, site.people[0]) and not owned_units_voter(topic, later)
