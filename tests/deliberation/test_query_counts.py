"""The topic page and the results page cost the same queries with 1 owner, ballot and comment as with 25.

Each size gets a community of its own, reached through the services; bench/ballots.py counts the same pages at
30,000 owners.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot, Comment, Topic
from gongzhi.deliberation.services.ballots import ballot_cast, ballot_enter_paper
from gongzhi.deliberation.services.topics import comment_post
from gongzhi.people.services import ownership_add, person_account_create
from gongzhi.places.services import household_create
from tests import factories
from tests.conftest import login
from tests.deliberation.conftest import voting_topic
from tests.queries import queries

pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 25


@dataclass
class Scene:
    site: factories.Community
    topic: Topic
    secretary: User
    owners: list[User]


def scene(name: str, size: int) -> Scene:
    """A community with `size` owners, each with a ballot and a comment answered by the 书记."""
    site = factories.make_community(name=name, residents_per_household=0)
    households = list(site.households)
    for i in range(len(households), size):
        unit = site.units[i % len(site.units)]
        households.append(household_create(actor=None, place=unit, room=f"{i + 1}01", floor=3 + i, area="90.00"))
    secretary = factories.staff_of(site)[Role.SECRETARY]
    accounts = []
    for household in households[:size]:
        person = factories.make_person(site.community, household)
        ownership_add(actor=None, household=household, person=person)
        accounts.append(
            factories.password_changed(person_account_create(actor=None, person=person, password=factories.PASSWORD))
        )
    topic = voting_topic(site, secretary)
    for i, account in enumerate(accounts):
        ballot_cast(actor=account, topic=topic, choice=("agree", "disagree", "abstain")[i % 3])
        comment = comment_post(actor=account, topic=topic, body=f"第{i + 1}位业主的意见")
        comment_post(actor=secretary, topic=topic, body="已收到", parent=comment)
    assert Ballot.objects.filter(topic=topic).count() == size
    assert Comment.objects.filter(topic=topic).count() == 2 * size
    return Scene(site, topic, secretary, accounts)


def pages(s: Scene) -> dict[str, tuple[User, str]]:
    base = f"/c/{s.site.community.pk}/topics/{s.topic.pk}/"
    return {
        "topic as resident owner": (s.owners[0], base),
        "topic as 书记": (s.secretary, base),
        "results as 书记": (s.secretary, base + "result/"),
        "results as resident owner": (s.owners[0], base + "result/"),
    }


def counts(s: Scene) -> dict[str, int]:
    """Queries of each page on its first request of a fresh client."""
    out = {}
    for name, (user, url) in pages(s).items():
        client = login(user)
        cache.clear()  # the uncached cost (a fresh tally, fresh figures) is the one that must not grow
        with queries() as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = len(ctx.captured_queries)
    return out


@pytest.fixture
def scenes() -> tuple[Scene, Scene]:
    return scene("一户社区", SMALL), scene("多户社区", LARGE)


def test_topic_and_results_pages_cost_the_same_queries_at_1_and_at_25(scenes):
    small, large = scenes
    counts(small)  # warm the process-wide caches (content types, templates), so both sizes start alike
    measured = counts(small)
    assert counts(large) == measured
    for name, (user, url) in pages(large).items():
        client = login(user)
        cache.clear()
        with queries(measured[name]):
            assert client.get(url).status_code == 200, name


def test_the_large_pages_show_every_comment_and_the_count_of_ballots(scenes):
    _small, large = scenes
    html = login(large.owners[0]).get(pages(large)["topic as resident owner"][1]).content.decode()
    assert "第25位业主的意见" in html and html.count("已收到") == LARGE
    result = login(large.secretary).get(pages(large)["results as 书记"][1]).content.decode()
    assert str(LARGE) in result


def test_open_results_are_tallied_once_per_change_and_show_each_new_ballot(scenes, django_capture_on_commit_callbacks):
    _small, large = scenes
    client = login(large.secretary)
    url = pages(large)["results as 书记"][1]
    cache.clear()
    with queries() as first:
        client.get(url)
    with queries(len(first) - 4):  # the cached tally: no ownership, area or ballot reads (4 fewer, measured)
        client.get(url)
    household = household_create(actor=None, place=large.site.units[0], room="9901", floor=99, area="90.00")
    late = factories.make_person(large.site.community, household)
    ownership_add(actor=None, household=household, person=late)
    with django_capture_on_commit_callbacks(execute=True):
        ballot_enter_paper(actor=large.secretary, topic=large.topic, voter=late, choice="agree", serial_no="Z1")
    assert f"{LARGE + 1} / {LARGE + 1}" in client.get(url).content.decode()
