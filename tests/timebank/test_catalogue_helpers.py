"""Shared set-up of the catalogue's tests: a bank with a 慈善超市 item, a partner's service, and a neighbouring
community of the same street with its own resident and item (通存通兑)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.timebank.models.catalogue import Item, ItemKind
from gongzhi.timebank.models.ledger import Account, AccountKind
from gongzhi.timebank.services.accounts import account_open
from gongzhi.timebank.services.catalogue import item_save
from tests import factories
from tests.timebank.conftest import Bank, make_bank, user_of


@dataclass
class Shop:
    bank: Bank
    goods: Item  # 30 积分, stock 5
    service: Item  # 20 积分, completed by `partner`
    partner: Any  # a partner business's login, no role in the community
    neighbour: factories.Community  # same street
    neighbour_secretary: Any
    neighbour_item: Item  # 10 积分, stock 3
    dave: Person  # a resident of the neighbour community
    dave_user: Any
    dave_acct: Account


def make_shop(bank: Bank) -> Shop:
    site = bank.site
    partner = factories.make_user(name="阳光理发店")
    goods = item_save(
        actor=bank.secretary,
        community=site.community,
        kind=ItemKind.GOODS,
        name="大米 5 斤",
        price=30,
        stock=5,
        provider_name="慈善超市",
    )
    service = item_save(
        actor=bank.secretary,
        community=site.community,
        kind=ItemKind.SERVICE,
        name="理发一次",
        price=20,
        provider_name="阳光理发店",
        provider_user=partner,
    )
    neighbour = factories.make_community(street=site.street, name="邻里社区")
    neighbour_secretary = factories.make_user(Role.SECRETARY, place=neighbour.community)
    neighbour_item = item_save(
        actor=neighbour_secretary,
        community=neighbour.community,
        kind=ItemKind.GOODS,
        name="洗衣液",
        price=10,
        stock=3,
    )
    dave = neighbour.people[0]
    dave_user = user_of(dave)
    dave_acct = account_open(
        actor=neighbour_secretary, community=neighbour.community, kind=AccountKind.INDIVIDUAL, person=dave
    )
    return Shop(
        bank, goods, service, partner, neighbour, neighbour_secretary, neighbour_item, dave, dave_user, dave_acct
    )


def fresh_shop() -> Shop:
    site = factories.make_community(residents_per_household=2)
    return make_shop(make_bank(site, factories.staff_of(site)))


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def stock(item: Item) -> int | None:
    item.refresh_from_db()
    return item.stock
