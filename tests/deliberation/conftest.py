from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Topic
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_open_voting,
    topic_propose,
    topic_publish,
    topic_start_discussion,
)
from gongzhi.people.services import ownership_add, person_account_create
from tests import factories


@dataclass
class Owners:
    site: factories.Community
    accounts: list[User]  # one login per household head, who is also its owner of record


@pytest.fixture
def owners(site) -> Owners:
    accounts = []
    for person in site.people:
        ownership_add(actor=None, household=person.household, person=person)
        accounts.append(
            factories.password_changed(person_account_create(actor=None, person=person, password=factories.PASSWORD))
        )
    return Owners(site, accounts)


def voting_topic(site, secretary, *, place=None, matter="ordinary", hours=24) -> Topic:
    """A topic taken through the lifecycle by the services, up to an open owners' vote."""
    topic = topic_propose(
        actor=secretary, place=place or site.community, title="小区停车位重新划线", summary="车位不够，拟重新划线。"
    )
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="owners", matter=matter, body="方案第一版")
    topic_start_discussion(actor=secretary, topic=topic)
    topic_open_voting(actor=secretary, topic=topic, closes_at=timezone.now() + datetime.timedelta(hours=hours))
    topic.refresh_from_db()
    return topic


@pytest.fixture
def secretary(staff) -> User:
    return staff[Role.SECRETARY]
