from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from gongzhi.core.roles import Role
from gongzhi.people.models import Person, Relation
from gongzhi.people.services import person_account_create, person_create
from gongzhi.timebank.models.ledger import Account, AccountKind
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.services.accounts import account_open, card_manager_add, card_member_add
from gongzhi.timebank.services.ledger import points_issue
from tests import factories

_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def user_of(person: Person) -> Any:
    return factories.password_changed(person_account_create(actor=None, person=person, password=factories.PASSWORD))


@dataclass
class Bank:
    site: factories.Community
    staff: dict[str, Any]
    secretary: Any
    alice: Person  # households[0], with bob
    alice_user: Any
    alice_acct: Account
    bob: Person
    bob_user: Any
    bob_acct: Account
    carol: Person  # households[1]
    carol_user: Any
    carol_acct: Account
    card: Account  # a courtyard card: carol manages it, alice and bob serve under it

    def issue(self, account: Account, amount: int, **kw: Any) -> Any:
        return points_issue(
            actor=self.secretary, account=account, amount=amount, memo="服务", idempotency_key=key("issue"), **kw
        )


def make_bank(site: factories.Community, staff: dict[str, Any]) -> Bank:
    secretary = staff[Role.SECRETARY]
    alice, bob, carol = site.people[0], site.people[1], site.people[2]
    assert alice.household_id == bob.household_id != carol.household_id
    users = [user_of(p) for p in (alice, bob, carol)]
    accounts = [
        account_open(actor=secretary, community=site.community, kind=AccountKind.INDIVIDUAL, person=p)
        for p in (alice, bob, carol)
    ]
    card = account_open(actor=secretary, community=site.community, kind=AccountKind.COURTYARD, name="花园院落集体卡")
    card_manager_add(actor=secretary, account=card, person=carol)
    for person in (alice, bob):
        card_member_add(actor=secretary, account=card, person=person)
    return Bank(
        site,
        staff,
        secretary,
        alice,
        users[0],
        accounts[0],
        bob,
        users[1],
        accounts[1],
        carol,
        users[2],
        accounts[2],
        card,
    )


@pytest.fixture
def family_site(db) -> factories.Community:
    return factories.make_community(residents_per_household=2)


@pytest.fixture
def bank(family_site) -> Bank:
    return make_bank(family_site, factories.staff_of(family_site))


def make_elder(
    site: factories.Community, household_index: int = 5, birth: datetime.date = datetime.date(1950, 3, 8)
) -> Person:
    """A resident old enough for the street's elderly allowance (the factories' residents are born in 1970)."""
    return person_create(
        actor=None,
        community=site.community,
        name="王奶奶",
        id_number=factories.next_id_number(birth),
        phone=factories.next_phone(),
        household=site.households[household_index],
        relation=Relation.MEMBER,
    )


def set_street_rules(street: Any, **values: int) -> LedgerSettings:
    """The street's time-bank rules without going through the street staff's service (which is tested itself)."""
    row, _created = LedgerSettings.objects.update_or_create(street=street, defaults=values)
    return row
