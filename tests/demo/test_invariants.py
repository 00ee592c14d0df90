"""The demo's bulk path (gongzhi/demo/bulk.py) keeps by hand what the services keep: after `manage.py load_demo`,
the audit chains hold, the ledger balances, the materialised paths follow the trees, and no demo module writes
around bulk.py.

The demo is loaded once for the module (a small 瀝雄; loading takes seconds) and rolled back at the end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q
from django.test import override_settings

from gongzhi.core.audit import verify_chains
from gongzhi.core.models import AuditEvent
from gongzhi.demo.people.specs import STREET_NAME
from gongzhi.people.models import Ownership, Person
from gongzhi.places.models import Grid, Household, Place
from gongzhi.timebank.integrity import ledger_check
from gongzhi.timebank.models import Transaction

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

DEMO = Path(__file__).resolve().parents[2] / "src" / "gongzhi" / "demo"


@pytest.fixture(scope="module")
def street(django_db_setup, django_db_blocker, pinned_instant):
    """The whole demo street, loaded by the command `make demo` runs (at a small scale), once for the module."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        call_command("load_demo", "--residents", "100", "--quiet")
        yield Place.objects.get(parent=None, name=STREET_NAME)
        transaction.set_rollback(True)


def test_the_audit_chains_hold(street):
    assert AuditEvent.objects.filter(verb__startswith="demo.").exists()
    assert verify_chains() is None


def test_the_ledger_balances(street):
    report = ledger_check()
    assert report.transactions > 1000
    assert report.ok, report
    # Every demo key is the demo's own: none a service derives from a pk can find a demo transaction.
    assert Transaction.objects.filter(idempotency_key__startswith="demo:").count() > 1000


def test_places_and_grids_follow_their_trees(street):
    places = {p.pk: p for p in Place.objects.filter(path__under=street.path)}
    assert len(places) > 100
    for place in places.values():
        parent = places.get(place.parent_id) if place.parent_id else street
        if place.pk == street.pk:
            continue
        assert parent is not None, place
        assert place.path == parent.path + f"{place.pk}/", place
        assert place.depth == parent.depth + 1, place
        assert place.community_id == (place.pk if place.is_community else parent.community_id), place
    communities = [p for p in places.values() if p.parent_id == street.pk]
    grids = {g.pk: g for g in Grid.objects.filter(community__in=communities)}
    assert grids
    for grid in grids.values():
        above = grids[grid.parent_id].path if grid.parent_id else f"{grid.community_id}/"
        assert grid.path == above + f"{grid.pk}/", grid
        assert grid.depth == (grids[grid.parent_id].depth + 1 if grid.parent_id else 0), grid


def test_households_persons_and_ownerships_copy_their_paths(street):
    households = Household.objects.filter(place_path__under=street.path)
    assert households.count() > 100
    assert not households.exclude(place_path=F("place__path")).exists()
    assert not households.filter(grid__isnull=False).exclude(grid_path=F("grid__path")).exists()
    assert not households.filter(grid__isnull=True).exclude(grid_path="").exists()
    persons = Person.objects.filter(community__parent=street)
    assert persons.count() > 300
    housed = persons.filter(household__isnull=False)
    assert not housed.exclude(place_path=F("household__place_path"), grid_path=F("household__grid_path")).exists()
    assert not persons.filter(household__isnull=True).exclude(place_path=F("community__path"), grid_path="").exists()
    ownerships = Ownership.objects.filter(community__parent=street)
    assert not ownerships.exclude(place_path=F("household__place_path")).exists()
    assert not persons.filter(~Q(community_id=F("household__community_id")), household__isnull=False).exists()


# A write to the database: a model's manager, a queryset's update or delete, a row's save.
_WRITE = re.compile(
    r"\.objects\.(create|bulk_create|bulk_update|get_or_create|update_or_create)\(|_default_manager"
    r"|\)\.(update|delete)\(|(?<!bulk)\.save\(|\.delete\("
)


def test_the_demo_writes_without_a_service_only_through_bulk():
    found = [
        f"{path.relative_to(DEMO)}:{n}: {line.strip()}"
        for path in sorted(DEMO.rglob("*.py"))
        if path.name != "bulk.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _WRITE.search(line)
    ]
    assert not found, "\n".join(found)
