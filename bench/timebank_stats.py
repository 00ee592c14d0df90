"""The time bank statistics endpoint at 100× the demo history: constant query counts and latency.

- Data (built once per database): one street with two communities. "1×" has the demo's scale of history — 620
  volunteers (240 Party members), 4,000 approved service records over two years with a recipient each among
  3,200 residents, 8 self-organizations and 30 collective cards; "100×" the same people with 100× the history:
  400,000 records and 400,000 recipients (`BENCH_TBSTATS_SCALE`). People and the first 4,000 records go in by
  `bulk_create`, the other copies of the history by INSERT … SELECT.
- Measured: `GET /api/timebank/stats?community=<id>` through Django's test client as a logged-in 书记: the query
  count of a cold request at 1× and at 100× (asserted equal), and the latency p50/p95 cold (cache cleared before
  each request, `BENCH_TBSTATS_COLD` runs) and cached (`BENCH_TBSTATS_WARM` runs).
- On SQLite (a file under var/bench) and, when `DATABASE_URL` or `BENCH_PG_URL` names PostgreSQL, on the
  database `gongzhi_bench_tbstats` there. Each database runs in its own process (Django's settings are per process).

Run alone: `python bench/timebank_stats.py` (or `bench/run.py --only timebank_stats`). Prints a JSON object last.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

SCALE = int(os.environ.get("BENCH_TBSTATS_SCALE", "100"))
BASE_RECORDS = 4000
VOLUNTEERS, PARTY, RESIDENTS = 620, 240, 3200
COLD = int(os.environ.get("BENCH_TBSTATS_COLD", "7"))
WARM = int(os.environ.get("BENCH_TBSTATS_WARM", "50"))
SQLITE = ROOT / "var" / "bench" / "timebank-stats.sqlite3"
PG_DB = "gongzhi_bench_tbstats"
STAFF_PHONE = "13700000001"
STREET = f"统计基准街道×{SCALE}"


def pg_url() -> str | None:
    url = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    return urlsplit(url)._replace(path=f"/{PG_DB}").geturl()


def ensure_pg_database(url: str) -> None:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    subprocess.run([str(ROOT / "scripts" / "ensure_postgres.sh")], env={**os.environ, "PG_URL": admin}, check=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{PG_DB}"')


def _community(street: Any, name: str, records: int) -> Any:
    """A community with its residents, volunteers, teams, cards and `records` approved services, by bulk_create."""
    from django.db import connection

    from gongzhi.people.models import Person, PersonTag, Tag
    from gongzhi.places.models import PlaceKind
    from gongzhi.places.services import grid_create, place_create
    from gongzhi.timebank.models.activities import RecordSource, RecordStatus, ServiceRecipient, ServiceRecord
    from gongzhi.timebank.models.ledger import Account, AccountKind
    from gongzhi.timebank.models.skills import ServiceType
    from gongzhi.timebank.models.volunteers import Team, TeamKind, Volunteer

    community = place_create(actor=None, parent=street, kind=PlaceKind.COMMUNITY, name=name)
    compound = place_create(actor=None, parent=community, kind=PlaceKind.COMPOUND, name="小区")
    grids = [grid_create(actor=None, community=community, name=f"{name}第{i}网格") for i in range(1, 6)]
    birth = datetime.date(1960, 1, 1)
    people = Person.objects.bulk_create(
        [
            Person(
                community=community,
                name=f"居民{i}",
                sex="M" if i % 2 else "F",
                birth_date=birth,
                id_number=f"{community.pk:06d}{i:012d}"[-18:],
                place_path=compound.path,
                grid_path=grids[i % 5].path,
            )
            for i in range(RESIDENTS + VOLUNTEERS)
        ],
        batch_size=2000,
    )
    helpers, residents = people[:VOLUNTEERS], people[VOLUNTEERS:]
    Volunteer.objects.bulk_create(
        [Volunteer(community=community, person=p, number=f"{i:05d}") for i, p in enumerate(helpers)], batch_size=2000
    )
    party = Tag.objects.get(community=None, key="party")
    PersonTag.objects.bulk_create(
        [PersonTag(community=community, person=p, tag=party) for p in helpers[:PARTY]], batch_size=2000
    )
    teams = Team.objects.bulk_create(
        [Team(community=community, name=f"自组织{i}", kind=TeamKind.SELF_ORG, is_mature=True) for i in range(8)]
        + [Team(community=community, name=f"服务队{i}", kind=TeamKind.TEAM) for i in range(4)]
    )
    cards = [(AccountKind.PARTY_ORG, 12), (AccountKind.ENTERPRISE, 3), (AccountKind.COURTYARD, 15)]
    Account.objects.bulk_create(
        [Account(community=community, kind=kind, name=f"{kind}{i}", floor=0) for kind, n in cards for i in range(n)]
    )
    types = ServiceType.objects.bulk_create(
        [
            ServiceType(community=community, name=n)
            for n in ("保洁/环境整治", "门前三包", "助老陪伴", "代购代办", "理发")
        ]
    )
    start = datetime.datetime(2024, 12, 1, 9, 0, tzinfo=datetime.UTC)
    seed = []
    for k in range(BASE_RECORDS):
        person = helpers[k % VOLUNTEERS]
        at = start + datetime.timedelta(days=k % 730, minutes=(k * 7) % 600)
        minutes = 60 + (k * 13) % 120
        seed.append(
            ServiceRecord(
                community=community,
                person=person,
                service_type=types[k % len(types)],
                team=teams[k % len(teams)] if k % 3 else None,
                source=RecordSource.QR,
                content="志愿服务",
                place=compound,
                place_path=compound.path,
                grid_path=person.grid_path,
                service_date=at.date(),
                started_at=at,
                ended_at=at + datetime.timedelta(minutes=minutes),
                minutes=minutes,
                status=RecordStatus.APPROVED,
            )
        )
    ServiceRecord.objects.bulk_create(seed, batch_size=2000)
    # The other copies of the seed history are made by the database (INSERT … SELECT): seconds, not minutes.
    columns = ", ".join(f.column for f in ServiceRecord._meta.concrete_fields if not f.primary_key)
    seed_ids = (seed[0].pk, seed[-1].pk)
    first_resident = residents[0].pk
    # The recipients below are picked by arithmetic on ids, so the residents' ids must be one run.
    assert residents[-1].pk - first_resident == RESIDENTS - 1
    # Table and column names come from the models; every value is a parameter.
    with connection.cursor() as cursor:
        for _copy in range(records // BASE_RECORDS - 1):
            cursor.execute(
                f"INSERT INTO {ServiceRecord._meta.db_table} ({columns}) SELECT {columns} "  # noqa: S608
                f"FROM {ServiceRecord._meta.db_table} WHERE id BETWEEN %s AND %s",
                seed_ids,
            )
        cursor.execute(
            f"INSERT INTO {ServiceRecipient._meta.db_table} (community_id, record_id, person_id) "  # noqa: S608
            f"SELECT community_id, id, %s + (id %% %s) FROM {ServiceRecord._meta.db_table} WHERE community_id = %s",
            [first_resident, RESIDENTS, community.pk],
        )
    return community


def child() -> None:
    """Runs in a process whose DATABASE_URL is the database to measure; prints its figures as JSON."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.core.roles import Role
    from gongzhi.core.services import role_assign, user_create
    from gongzhi.places.models import Place, PlaceKind
    from gongzhi.places.services import place_create

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    built = None
    street = Place.objects.filter(kind=PlaceKind.STREET, name=STREET).first()
    if street is None:
        street = place_create(actor=None, parent=None, kind=PlaceKind.STREET, name=STREET)
        small = _community(street, "一倍社区", BASE_RECORDS)
        big = _community(street, "百倍社区", BASE_RECORDS * SCALE)
        built = round(time.perf_counter() - t0, 1)
    else:
        small = Place.objects.get(parent=street, name="一倍社区")
        big = Place.objects.get(parent=street, name="百倍社区")
    with connection.cursor() as cursor:  # planner statistics, as autovacuum would have gathered by now
        cursor.execute("ANALYZE")
    secretary = User.objects.filter(phone=STAFF_PHONE).first()
    if secretary is None:
        secretary = user_create(actor=None, phone=STAFF_PHONE, password="bench-pass-2026", display_name="书记")  # noqa: S106
    if not RoleAssignment.objects.filter(user=secretary, place=big).exists():
        for community in (small, big):
            role_assign(actor=None, user=secretary, role=Role.SECRETARY, place=community)
    client = Client()
    client.force_login(secretary)

    def get(community: Any) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get("/api/timebank/stats", {"community": community.pk})
            elapsed = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, response.content[:300]
        return elapsed, len(ctx)

    def cold(community: Any) -> tuple[list[float], int]:
        times, counts = [], set()
        for _i in range(COLD):
            cache.clear()
            ms, n = get(community)
            times.append(ms)
            counts.add(n)
        assert len(counts) == 1, counts
        return times, counts.pop()

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 1)

    get(small)  # the first request of the process imports and resolves more than any other
    small_times, small_queries = cold(small)
    big_times, big_queries = cold(big)
    assert small_queries == big_queries, (small_queries, big_queries)
    get(big)
    warm = [get(big) for _i in range(WARM)]
    from gongzhi.timebank.models.activities import ServiceRecord

    body = client.get("/api/timebank/stats", {"community": big.pk}).json()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "records_1x": ServiceRecord.objects.filter(community=small).count(),
                "records_100x": ServiceRecord.objects.filter(community=big).count(),
                "built_s": built,
                "queries_cold_1x": small_queries,
                "queries_cold_100x": big_queries,
                "queries_cached": warm[-1][1],
                "cold_1x_ms": {"p50": round(statistics.median(small_times), 1), "p95": pct(small_times, 0.95)},
                "cold_100x_ms": {"p50": round(statistics.median(big_times), 1), "p95": pct(big_times, 0.95)},
                "cached_100x_ms": {
                    "p50": round(statistics.median(w[0] for w in warm), 2),
                    "p95": pct([w[0] for w in warm], 0.95),
                },
                "figures_100x": {
                    k: body[k] for k in ("volunteers", "party_member_volunteers", "people_served", "hours")
                },
            },
            ensure_ascii=False,
        )
    )


def run(url: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
        "GONGZHI_DEBUG": "0",
        "GONGZHI_SECRET_KEY": os.environ.get("GONGZHI_SECRET_KEY", "bench-" + "x" * 40),
        "GONGZHI_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PYTHONPATH": f"{ROOT}/src:{ROOT}",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    )
    sys.stderr.write(out.stderr[-2000:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    SQLITE.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"scale": SCALE, "sqlite": run(f"sqlite:///{SQLITE}")}
    url = pg_url()
    if url:
        ensure_pg_database(url)
        results["postgresql"] = run(url)
    for name in ("sqlite", "postgresql"):
        if name in results:
            r = results[name]
            print(
                f"{name}: {r['records_100x']} records, queries {r['queries_cold_1x']} at 1× = {r['queries_cold_100x']}"
                f" at 100×; cold p50 {r['cold_100x_ms']['p50']} ms p95 {r['cold_100x_ms']['p95']} ms;"
                f" cached p50 {r['cached_100x_ms']['p50']} ms",
                flush=True,
            )
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
