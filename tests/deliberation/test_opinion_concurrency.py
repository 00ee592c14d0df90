"""Racing answers on PostgreSQL: one participant, one statement, one row, whatever the interleaving."""

import pytest
from django.db import connection

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import OpinionVote
from gongzhi.deliberation.services.opinion import statement_add, statement_vote
from tests import factories
from tests.core.test_concurrency import race
from tests.deliberation.test_opinion import opinion_topic, statements

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")


def test_racing_answers_from_one_participant_leave_one_row():
    site = factories.make_community(residents_per_household=0)
    secretary = factories.make_user(Role.SECRETARY, place=site.community)
    resident = factories.make_user(Role.RESIDENT, household=site.households[0])
    topic = opinion_topic(site, secretary, seeds=["电动车不能进楼道"])
    statement = statements(topic)[0]
    stances = ["agree", "disagree", "pass", "agree", "disagree", "pass", "agree", "disagree"]
    results = race(8, lambda i: statement_vote(actor=resident, statement=statement, stance=stances[i]))
    assert all(isinstance(r, OpinionVote) for r in results), results
    assert OpinionVote.objects.filter(statement=statement, voter=resident).count() == 1
    events = list(AuditEvent.objects.filter(verb="opinion.vote").order_by("seq"))
    assert len(events) == 8 and [e.before is None for e in events].count(True) == 1
    # The row holds the answer of the last write to commit.
    assert OpinionVote.objects.get().stance == events[-1].after["stance"]


def test_racing_statements_with_one_text_leave_one():
    site = factories.make_community(residents_per_household=0)
    secretary = factories.make_user(Role.SECRETARY, place=site.community)
    topic = opinion_topic(site, secretary, seeds=[])
    people = [factories.make_user(Role.RESIDENT, household=site.households[i]) for i in range(6)]
    results = race(6, lambda i: statement_add(actor=people[i], topic=topic, text="充电棚要装监控" + "！" * i))
    made = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 1 and all(getattr(r, "code", "") == "duplicate_statement" for r in refused), results
