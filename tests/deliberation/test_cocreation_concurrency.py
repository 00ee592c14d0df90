"""Dot spends racing on PostgreSQL: one participant's concurrent spends never exceed the budget."""

import pytest
from django.db import connection

from gongzhi.core.errors import ValidationFailed
from gongzhi.deliberation.models import Dot
from gongzhi.deliberation.services.cocreation import cocreation_configure, dot_spend
from tests.core.test_concurrency import race
from tests.deliberation.test_cocreation import cocreation_topic, open_dots, with_clusters

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_racing_dot_spends_by_one_participant_never_exceed_the_budget(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=3, max_per_cluster=None, top=2)
    clusters = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    account = owners.accounts[0]
    results = race(10, lambda i: dot_spend(actor=account, topic=topic, cluster=clusters[i % len(clusters)]))
    assert sum(isinstance(r, Dot) for r in results) == 3
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(refused) == 7 and {r.code for r in refused} == {"no_dots_left"}
    assert Dot.objects.filter(topic=topic, participant=account, withdrawn_at=None).count() == 3


def test_racing_spends_on_a_capped_cluster_stop_at_the_cap(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=5, max_per_cluster=2, top=2)
    (seats,) = with_clusters(topic, secretary, ["座椅"])
    open_dots(topic, secretary)
    account = owners.accounts[0]
    results = race(6, lambda i: dot_spend(actor=account, topic=topic, cluster=seats))
    assert sum(isinstance(r, Dot) for r in results) == 2
    assert {r.code for r in results if isinstance(r, ValidationFailed)} == {"cluster_full"}


def test_racing_first_spends_create_one_session_and_keep_the_budget(owners, secretary):
    """No settings saved yet: the first spends race to create the session row with the defaults (5 dots)."""
    topic = cocreation_topic(owners.site, secretary)
    clusters = with_clusters(topic, secretary)
    from gongzhi.deliberation.models import CocreationSession

    CocreationSession.objects.filter(topic=topic).delete()
    open_dots(topic, secretary)
    account = owners.accounts[0]
    results = race(8, lambda i: dot_spend(actor=account, topic=topic, cluster=clusters[i % 4]))
    assert sum(isinstance(r, Dot) for r in results) == 5
    assert CocreationSession.objects.filter(topic=topic).count() == 1


def test_different_participants_spend_concurrently_each_within_their_budget(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=2, max_per_cluster=None, top=2)
    (seats,) = with_clusters(topic, secretary, ["座椅"])
    open_dots(topic, secretary)
    people = owners.accounts[:4]
    results = race(12, lambda i: dot_spend(actor=people[i % 4], topic=topic, cluster=seats))
    assert sum(isinstance(r, Dot) for r in results) == 8
    for account in people:
        assert Dot.objects.filter(topic=topic, participant=account).count() == 2
