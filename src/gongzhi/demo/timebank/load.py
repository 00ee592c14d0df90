"""The time bank's demo: 东环路's history at the article's scale, 杨西园村's cleaning roster and a 琼花观-style
training → haircut/bathing chain. Synthetic people only.

Everything is planned in memory (demo/history.py, demo/book.py) and inserted per model in bulk inside one
transaction, with one `demo.timebank` audit event per community: the ledger's accounts with their final balances,
then the transactions and entries, then the activities, records, redemptions and the rest (which point to them)."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from gongzhi.core import audit
from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.core.services import user_create
from gongzhi.demo.people.logins import demo_login, link_person
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.demo.timebank import yangxiyuan
from gongzhi.demo.timebank.book import Book
from gongzhi.demo.timebank.common import Community
from gongzhi.demo.timebank.donghuanlu.build import build_donghuanlu
from gongzhi.demo.timebank.history import Rows
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import COMMUNITY_KINDS, Household, Place
from gongzhi.timebank.models.volunteers import Volunteer

__all__ = ["load_timebank_demo"]

SEED = 2026
DONGHUANLU, CAOTANGLU, YANGXIYUAN = "东环路社区", "草堂路社区", "杨西园村"
COURTYARD_OF_CARD_MANAGER = "东环路26号院"


def load_timebank_demo(*, street: Place, password: str) -> None:
    """Idempotent: does nothing when the time bank demo is already there (or the street has no 东环路)."""
    del password  # the demo logins share the people demo's password
    communities = {p.name: p for p in Place.objects.filter(parent=street, kind__in=COMMUNITY_KINDS)}
    dh = communities.get(DONGHUANLU)
    if dh is None or Volunteer.objects.filter(community__in=list(communities.values())).exists():
        return
    with transaction.atomic():
        users = _logins(communities)
        rows, book = Rows(), Book()
        built: list[tuple[Community, dict[str, int]]] = []
        rng = random.Random(f"{SEED}/{DONGHUANLU}")
        c = Community(place=dh, rng=rng, rows=rows, book=book, users=users)
        c.load()
        built.append((c, build_donghuanlu(c, communities.get(CAOTANGLU))))
        village = communities.get(YANGXIYUAN)
        if village is not None:
            rng = random.Random(f"{SEED}/{YANGXIYUAN}")
            v = Community(place=village, rng=rng, rows=rows, book=book, users=users)
            v.load()
            built.append((v, yangxiyuan.build(v)))
        book.flush_accounts()
        book.flush_ledger()
        rows.flush()
        for c, stats in built:
            audit.record(
                actor=None, verb="demo.timebank", obj=c.place, community_id=c.place.pk, after={"seed": SEED, **stats}
            )


def _logins(communities: dict[str, Place]) -> dict[int, Any]:
    """The people demo's logins the time bank uses, and its own after 13800000012: the 慈善超市 that completes
    核销 codes, a 院落集体卡 manager and 杨西园村's secretary who runs the cleaning roster."""
    dh, village = communities[DONGHUANLU], communities.get(YANGXIYUAN)
    phones = [f"1380000{n:04d}" for n in (1, 2, 3, 5, 9, 10)]
    users: dict[int, Any] = {int(u.phone[-4:]): u for u in User.objects.filter(phone__in=phones)}
    # A partner business, not a member of the community: no role, so it sees no one's accounts or records; being
    # its items' provider is what lets it complete their 核销 codes.
    market = "13800000013"
    users[13] = User.objects.filter(phone=market).first() or user_create(
        actor=None, phone=market, password=DEMO_PASSWORD, display_name="东环路慈善超市（演示）", community_id=dh.pk
    )
    yard = Place.objects.get(parent=dh, name=COURTYARD_OF_CARD_MANAGER)
    flats = Household.objects.filter(place_path__startswith=yard.path).order_by("pk")
    manager = Person.objects.filter(household__in=flats, relation=Relation.HEAD, account=None).order_by("pk").first()
    assert manager is not None
    users[14] = demo_login(14, role=Role.RESIDENT, display_name=manager.name, community=dh, household=manager.household)
    link_person(manager, users[14])
    if village is not None:
        users[15] = demo_login(
            15, role=Role.SECRETARY, display_name="杨西园村书记（演示）", community=village, place=village
        )
    for n in (9, 10, 14):
        users[n].person = Person.objects.get(account=users[n], community=dh)
    return users
