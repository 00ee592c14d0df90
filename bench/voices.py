"""社情民意 pages at 100,000 voices: query counts at 100 and at 100,000 voices (must be equal), and requests per
second of the voice pages next to a bare Django view served by the same server in the same run (wrk, loopback).

`.venv/bin/python bench/voices.py` builds two SQLite databases under var/bench/ (the same 3,000-resident community,
one with 100 voices, one with 100,000, synthetic and bulk-inserted: a year of voices over five categories, three
responsible parties and every grid, with realistic handling times, deadlines and ratings), then:

1. queries of each page, uncached (cache cleared before the request) and cached, at both sizes, and the time of
   the uncached statistics page at 100,000 voices;
2. wrk -t1 -c4 on each page and on /bench/bare/, interleaved rounds, the median reported (bench/run.py's wrk,
   runserver and CPU pinning).

Pages: the staff inbox (`voices:inbox`) and the public list (`voices:public`) when those parts are present, the
statistics page grouped by party and by grid, and the street office's statistics page; the .xlsx 台账 of all
voices for its queries and time only (not under wrk). Prints one JSON line last.
Environment: BENCH_VOICES (default 100000), BENCH_DURATION, BENCH_ROUNDS as in bench/run.py.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import DURATION, OUT, PYTHON, ROOT, ROUNDS, env_for, free_port, pinned, wrk  # noqa: E402

VOICES = int(os.environ.get("BENCH_VOICES", "100000"))
SMALL = 100
RESIDENTS = 3000
SECRETARY_PHONE = "13700000011"
STREET_PHONE = "13700000012"
PASSWORD = "bench-pass-2026"


# ---- steps, run in a child process with DATABASE_URL set to one database ----


def _setup() -> None:
    import django

    django.setup()


def build(voices: int) -> dict[str, object]:
    """The community, its 社情民意 desk and `voices` voices, in bulk."""
    import datetime
    import random

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from gongzhi.core import audit
    from gongzhi.core.roles import Role
    from gongzhi.core.services import role_assign, user_create
    from gongzhi.demo.people.build import build_community, build_street
    from gongzhi.demo.people.specs import lixiong_spec
    from gongzhi.places.models import Household
    from gongzhi.voices.models import Category, Channel, EventKind, Party, PartyKind, Route, Status, Voice, VoiceEvent

    call_command("migrate", verbosity=0)
    street = build_street(name="社情民意基准街道")
    community = build_community(street=street, name="基准社区", spec=lixiong_spec(residents=RESIDENTS))
    secretary = user_create(actor=None, phone=SECRETARY_PHONE, password=PASSWORD, display_name="基准书记")
    role_assign(actor=None, user=secretary, role=Role.SECRETARY, place=community)
    street_staff = user_create(actor=None, phone=STREET_PHONE, password=PASSWORD, display_name="街道干部")
    role_assign(actor=None, user=street_staff, role=Role.STREET_STAFF, place=street)
    rng = random.Random(2026)
    with transaction.atomic():
        categories = [
            Category.objects.create(community=community, code=code, name=name, deadline_days=days, sort_order=i)
            for i, (code, name, days) in enumerate(
                [
                    ("parking", "停车", 5),
                    ("lighting", "照明", 3),
                    ("fencing", "围栏", 5),
                    ("refuse", "垃圾", 2),
                    ("security", "治安", 3),
                ]
            )
        ]
        committee = Party.objects.create(community=community, name="居委会", kind=PartyKind.COMMITTEE)
        parties = [
            committee,
            Party.objects.create(community=community, name="物业", kind=PartyKind.PROPERTY, supervisor=committee),
            Party.objects.create(community=community, name="网格员", kind=PartyKind.GRID_WORKER, supervisor=committee),
        ]
        Route.objects.create(
            community=community, place=community, place_path=community.path, party=committee, updated_by=secretary
        )
        homes = list(
            Household.objects.filter(community=community).values_list("place_id", "place_path", "grid_id", "grid_path")
        )
        now = timezone.now()
        hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
        batch: list[Voice] = []

        def flush() -> None:
            made = Voice.objects.bulk_create(batch, batch_size=2000)
            VoiceEvent.objects.bulk_create(
                [
                    VoiceEvent(
                        community_id=community.pk,
                        voice=v,
                        kind=EventKind.SUBMITTED,
                        to_status=Status.PENDING,
                        created_at=v.created_at,
                    )
                    for v in made
                ],
                batch_size=2000,
            )
            batch.clear()

        for i in range(voices):
            place_id, place_path, grid_id, grid_path = homes[rng.randrange(len(homes))]
            category = categories[rng.randrange(len(categories))]
            created = now - datetime.timedelta(seconds=rng.randrange(365 * 86400))
            due = created + category.deadline_days * day * 1.4
            responded = created + hour * rng.lognormvariate(1.2, 1.0) if rng.random() < 0.93 else None
            closed = None
            if responded is not None and rng.random() < 0.85:
                closed = responded + day * rng.lognormvariate(0.6, 0.9)
                if closed > now:
                    closed = None
            rating = rng.choice((5, 5, 5, 4, 4, 3, 2, 1)) if closed is not None and rng.random() < 0.6 else None
            batch.append(
                Voice(
                    community_id=community.pk,
                    category=category,
                    place_id=place_id,
                    place_path=place_path,
                    grid_id=grid_id,
                    grid_path=grid_path,
                    text=f"{category.name}问题第{i + 1}条：请尽快处理",
                    is_public=rng.random() < 0.4,
                    channel=rng.choice((Channel.WEB, Channel.WEB, Channel.SURVEY, Channel.HOTLINE, Channel.MEETING)),
                    status=Status.RESOLVED if closed else (Status.ACCEPTED if responded else Status.PENDING),
                    is_open=closed is None,
                    party=parties[rng.randrange(len(parties))],
                    assigned_at=created,
                    due_at=due,
                    accepted_at=responded,
                    first_response_at=responded,
                    closed_at=closed,
                    rating=rating,
                    rated_at=closed + day if rating else None,
                    reopen_count=1 if closed is not None and rating in (1, 2) and rng.random() < 0.3 else 0,
                    escalated_at=due + hour if (closed or now) > due else None,
                    escalation_level=1 if (closed or now) > due else 0,
                    created_at=created,
                )
            )
            if len(batch) == 10_000:
                flush()
        if batch:
            flush()
        audit.record(actor=None, verb="bench.voices", community_id=community.pk, after={"voices": voices})
    return {"voices": Voice.objects.count(), "households": len(homes)}


def _users() -> tuple[object, object, object]:
    from gongzhi.core.models import User
    from gongzhi.places.models import Place

    secretary = User.objects.get(phone=SECRETARY_PHONE)
    street_staff = User.objects.get(phone=STREET_PHONE)
    community = Place.objects.get(pk=secretary.role_assignments.get().place_id)
    return secretary, street_staff, community


def pages() -> dict[str, tuple[str, str]]:
    """name → (who, url); parts that are not there yet are left out."""
    from django.urls import NoReverseMatch, reverse

    _secretary, _street, community = _users()
    c = community.pk  # type: ignore[attr-defined]
    found: dict[str, tuple[str, str]] = {}
    for name, who, url_name, args, query in [
        ("inbox", "secretary", "voices:inbox", [c], ""),
        ("public", "secretary", "voices:public", [c], ""),
        ("stats", "secretary", "voices:stats", [c], "?period=all"),
        ("stats_by_grid", "secretary", "voices:stats", [c], "?period=all&by=grid"),
        ("street_stats", "street", "voices:street_stats", [community.parent_id], "?period=all"),  # type: ignore[attr-defined]
        ("export", "secretary", "voices:stats_export", [c], "?period=all"),
    ]:
        try:
            found[name] = (who, reverse(url_name, args=args) + query)
        except NoReverseMatch:
            continue
    return found


def queries() -> dict[str, object]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.voices.models import Voice

    # A database built before the latest migrations is measured with their indexes, as a deployment would be.
    call_command("migrate", verbosity=0)
    secretary, street_staff, _community = _users()
    clients = {"secretary": Client(), "street": Client()}
    clients["secretary"].force_login(secretary)
    clients["street"].force_login(street_staff)
    out: dict[str, object] = {"voices": Voice.objects.count()}
    for name, (who, url) in pages().items():
        client = clients[who]
        if name != "export":  # the export is timed once: 100,000 rows take a while
            client.get(url)  # imports, templates, content types
        cache.clear()
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        uncached_ms = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (url, response.status_code)
        out[name] = {"queries": len(ctx.captured_queries)}
        if name != "export":
            with CaptureQueriesContext(connection) as cached:
                client.get(url)
            out[name]["cached_queries"] = len(cached.captured_queries)  # type: ignore[index]
        out[name]["uncached_ms"] = round(uncached_ms, 1)  # type: ignore[index]
    return out


def session() -> dict[str, object]:
    from django.test import Client

    secretary, street_staff, _community = _users()
    cookies = {}
    for who, user in (("secretary", secretary), ("street", street_staff)):
        client = Client()
        client.force_login(user)
        cookies[who] = client.cookies["sessionid"].value
    return {"cookies": cookies, "pages": pages()}


# ---- the driver ----


def step(name: str, db: Path, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [PYTHON, __file__, name, *args], env=env_for(db), check=False, capture_output=True, text=True, cwd=ROOT
    )
    sys.stderr.write(result.stderr[-3000:])
    result.check_returncode()
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_test(db: Path, setup: dict[str, object]) -> dict[str, object]:
    port = free_port()
    server = subprocess.Popen(
        [*pinned(1), PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env_for(db),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        cookies: dict[str, str] = setup["cookies"]  # type: ignore[assignment]
        targets = {"bare": ("secretary", "/bench/bare/")}
        # The .xlsx export is measured for its queries and time only: a download, not a page under load.
        targets.update({k: (v[0], v[1]) for k, v in setup["pages"].items() if k != "export"})  # type: ignore[union-attr]
        for who, path in targets.values():  # warm the caches (the statistics at 100,000 voices) and the imports
            subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-b", f"sessionid={cookies[who]}", base + path], check=False
            )
        runs: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(ROUNDS):
            for name, (who, path) in targets.items():
                runs[name].append(wrk(base + path, cookies[who]))
        return {"median": {k: statistics.median(v) for k, v in runs.items()}, "runs": runs}
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    small, big = OUT / f"voices-{SMALL}.sqlite3", OUT / f"voices-{VOICES}.sqlite3"
    timings: dict[str, float] = {}
    for db, n in ((small, SMALL), (big, VOICES)):
        if not db.exists():
            t0 = time.perf_counter()
            built = step("build", db, str(n))
            timings[f"build {db.name}"] = round(time.perf_counter() - t0, 1)
            print(f"built {db.name}: {built}", flush=True)
    q_small, q_big = step("queries", small), step("queries", big)
    equal = {
        name: q_small[name]["queries"] == q_big[name]["queries"]  # type: ignore[index]
        for name in q_small
        if name != "voices" and name in q_big
    }
    load = load_test(big, step("session", big))
    rps: dict[str, float] = load["median"]  # type: ignore[assignment]
    for name in rps:
        print(f"{name:>14}: {rps[name]:8.1f} req/s ({rps[name] / rps['bare']:.3f} of bare)", flush=True)
    for name, same in equal.items():
        print(
            f"{name:>14}: {q_small[name]['queries']} queries at {SMALL} voices, "  # type: ignore[index]
            f"{q_big[name]['queries']} at {VOICES} ({'equal' if same else 'NOT EQUAL'}); "  # type: ignore[index]
            f"uncached {q_big[name]['uncached_ms']} ms at {VOICES}",  # type: ignore[index]
            flush=True,
        )
    result = {
        "voices": {"small": q_small.pop("voices"), "big": q_big.pop("voices")},
        "queries_small": q_small,
        "queries_big": q_big,
        "queries_equal": equal,
        "rps": rps,
        "rps_ratio": {k: round(v / rps["bare"], 3) for k, v in rps.items()},
        "rps_runs": load["runs"],
        "load": f"wrk -t1 -c4 -d{DURATION} pinned to CPU 0, runserver pinned to CPU 1, {ROUNDS} interleaved rounds",
        "database": "SQLite (WAL), file",
        "timings": timings,
    }
    (OUT / "results-voices.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False))
    if not all(equal.values()):
        raise SystemExit("query counts differ between 100 and 100,000 voices")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("build", "queries", "session"):
        _setup()
        name, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
        print(json.dumps({"build": build, "queries": queries, "session": session}[name](*args), ensure_ascii=False))
    else:
        main()
