"""Ballot ingest on PostgreSQL: 64 clients cast through `ballot_cast`, next to raw INSERTs of the same rows.

- Data: one 瀝雄-style community (`BENCH_BALLOT_RESIDENTS`, default 85,000 residents, which gives about 30,000
  households), built once into the database `gongzhi_bench`; the first `BENCH_BALLOT_OWNERS` (30,000) designated
  owners get an account, as owners who vote online do.
- Service: each client is a thread with its own connection (`BENCH_BALLOT_PROCESSES` processes × threads, 64 in
  all, so that Python uses both cores). Every owner votes once through `ballot_cast`, the service behind the vote
  button; every 10th owner is also submitted by the next client at the same position, at the same moment, and must
  be refused with `AlreadyVoted`.
- Raw: the same rows, the same duplicate attempts and the same clients, as one psycopg `INSERT` each (autocommit)
  into the ballot table of another topic: no audit row, no check but the table's own constraints.
- Rounds alternate the order (service first, then raw first) and the medians are reported. Afterwards, owners with
  more than one live ballot are counted on every topic (must be 0), and the audit chain is verified.
- Query counts of the topic page (a resident owner, the 书记) and the results page: at 30,000 owners with 30,000
  ballots and 25 comments, next to a 100-resident community with one ballot and one comment.

Run alone: `python bench/ballots.py` (also `python bench/run.py --only ballots`). Prints a JSON object last.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

BASE_URL = os.environ.get("BENCH_PG_URL", "postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi_bench")
RESIDENTS = int(os.environ.get("BENCH_BALLOT_RESIDENTS", "85000"))
OWNERS = int(os.environ.get("BENCH_BALLOT_OWNERS", "30000"))
CLIENTS = int(os.environ.get("BENCH_BALLOT_CLIENTS", "64"))
PROCESSES = int(os.environ.get("BENCH_BALLOT_PROCESSES", str(CLIENTS)))  # one client a process, as web workers
ROUNDS = int(os.environ.get("BENCH_BALLOT_ROUNDS", "3"))
VOTERS = int(os.environ.get("BENCH_BALLOT_VOTERS", "10000"))  # per round; 0: every owner with an account
MODES = os.environ.get("BENCH_BALLOT_MODES", "service,raw,raw_audit,service_noaudit").split(",")
DUPLICATE_EVERY = 10
COMMUNITY = "选票基准社区"
SMALL_COMMUNITY = "选票基准小社区"
SECRETARY_PHONE = "13700000011"
PASSWORD = "bench-pass-2026"
CHOICES = ("agree", "agree", "agree", "disagree", "abstain")

os.environ.update(
    DATABASE_URL=BASE_URL,
    DJANGO_SETTINGS_MODULE="gongzhi.settings",
    GONGZHI_DEBUG="0",
    GONGZHI_SECRET_KEY=os.environ.get("GONGZHI_SECRET_KEY", "bench-" + "x" * 40),
    GONGZHI_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
)


def ensure_database() -> None:
    """PostgreSQL up (scripts/ensure_postgres.sh), and the bench database there, created if missing."""
    import psycopg

    parts = urlsplit(BASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    subprocess.run([str(ROOT / "scripts" / "ensure_postgres.sh")], env={**os.environ, "PG_URL": admin}, check=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()


def build() -> dict[str, Any]:
    """Builds the community, its owners' accounts and the 书记 once; the 书记's account marks a finished build."""
    from django.core.management import call_command
    from django.db import transaction

    from gongzhi.core.models import User

    call_command("migrate", verbosity=0)
    if User.objects.filter(phone=SECRETARY_PHONE).exists():
        return {"built": False}
    t0 = time.perf_counter()
    with transaction.atomic():  # all or nothing, so a failed build leaves no half-built community behind
        built_s = _build_rows()
    return {"built": True, "build_s": round(time.perf_counter() - t0, 1), "communities_s": round(built_s, 1)}


def _build_rows() -> float:
    from django.contrib.auth.hashers import make_password

    from gongzhi.core.models import User
    from gongzhi.core.roles import Role
    from gongzhi.core.services import role_assign, user_create
    from gongzhi.demo.people.build import build_community, build_street
    from gongzhi.demo.people.specs import lixiong_spec
    from gongzhi.people.models import Ownership, Person

    t0 = time.perf_counter()
    street = build_street(name="选票基准街道")
    big = build_community(street=street, name=COMMUNITY, spec=lixiong_spec(residents=RESIDENTS), seed=1)
    small = build_community(street=street, name=SMALL_COMMUNITY, spec=lixiong_spec(residents=100), seed=2)
    built_s = time.perf_counter() - t0
    hashed = make_password(PASSWORD)  # one hash for all: hashing 30,000 passwords would be the whole build
    for community, wanted in ((big, OWNERS), (small, 10**9)):
        owners = designated_owners(community.pk)[:wanted]
        base = 16600000000 + community.pk * 100000
        users = User.objects.bulk_create(
            [User(phone=str(base + i), password=hashed) for i in range(len(owners))],
            batch_size=2000,
        )
        persons = list(Person.objects.filter(pk__in=owners).only("id"))
        by_id = {p.pk: p for p in persons}
        for user, person_id in zip(users, owners, strict=True):
            by_id[person_id].account_id = user.pk
        Person.objects.bulk_update(persons, ["account"], batch_size=2000)
    for community in (big, small):
        # A resident owner who signs in to read the topic page.
        person = (
            Person.objects.filter(community=community, household__isnull=False, account__isnull=False)
            .filter(pk__in=Ownership.objects.filter(community=community).values("person_id"))
            .order_by("id")
            .first()
        )
        assert person is not None and person.account is not None
        role_assign(actor=None, user=person.account, role=Role.RESIDENT, household=person.household)
    secretary = user_create(actor=None, phone=SECRETARY_PHONE, password=PASSWORD, display_name="基准书记")
    for community in (big, small):
        role_assign(actor=None, user=secretary, role=Role.SECRETARY, place=community)
    return built_s


def analyze() -> None:
    """Fresh planner statistics: right after a bulk build they say the community has 56 people, not 87,000."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def designated_owners(community_id: int) -> list[int]:
    """Owners in household order, each once: the first registered owner of a household votes for it."""
    from gongzhi.people.models import Ownership

    seen: dict[int, int] = {}
    rows = Ownership.objects.filter(community_id=community_id).values_list("household_id", "person_id")
    for household_id, person_id in rows.order_by("household_id", "person_id"):
        seen.setdefault(household_id, person_id)
    return list(dict.fromkeys(seen.values()))


def communities() -> tuple[Any, Any, Any]:
    from gongzhi.core.models import User
    from gongzhi.places.models import Place

    return (
        Place.objects.get(name=COMMUNITY),
        Place.objects.get(name=SMALL_COMMUNITY),
        User.objects.get(phone=SECRETARY_PHONE),
    )


def open_topic(community: Any, secretary: Any, title: str) -> Any:
    import datetime

    from django.utils import timezone

    from gongzhi.deliberation.services.topics import (
        topic_accept,
        topic_open_voting,
        topic_propose,
        topic_publish,
        topic_start_discussion,
    )

    topic = topic_propose(actor=secretary, place=community, title=title, summary="基准测试用议题。")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="owners", matter="ordinary", body="方案")
    topic_start_discussion(actor=secretary, topic=topic)
    closes = timezone.now() + datetime.timedelta(days=1)
    topic_open_voting(actor=secretary, topic=topic, closes_at=closes)
    topic.refresh_from_db()
    return topic


def work_lists(voters: list[tuple[int, int]]) -> list[list[tuple[int, int, str]]]:
    """Client k gets owners k, k+64, …; every 10th owner also goes to client k+1 at the same position."""
    lists: list[list[tuple[int, int, str]]] = [[] for _ in range(CLIENTS)]
    for i, (user_id, person_id) in enumerate(voters):
        row = (user_id, person_id, CHOICES[i % len(CHOICES)])
        lists[i % CLIENTS].append(row)
        if i % DUPLICATE_EVERY == 0:
            lists[(i + 1) % CLIENTS].append(row)
    for items in lists:  # the copy sits at its twin's position, so the two are sent at about the same moment
        items.sort(key=lambda r: voters_index[r[1]])
    return lists


voters_index: dict[int, int] = {}


def service_client(topic: Any, items: list[tuple[int, int, str]], barrier: Any, out: Any) -> None:
    from django.db import connection, connections

    from gongzhi.core.errors import AlreadyVoted
    from gongzhi.core.models import User
    from gongzhi.deliberation.services.ballots import ballot_cast

    accepted = refused = 0
    errors: list[str] = []
    actors = {u: User(pk=u, phone=str(u)) for u, _p, _c in items}  # the request's user, loaded by the middleware
    try:
        connection.ensure_connection()
        barrier.wait()
        start = time.perf_counter()
        for user_id, _person_id, choice in items:
            try:
                ballot_cast(actor=actors[user_id], topic=topic, choice=choice)
                accepted += 1
            except AlreadyVoted:
                refused += 1
            except Exception:
                errors.append(traceback.format_exc(limit=3))
        end = time.perf_counter()
    finally:
        connections.close_all()
    out.put((accepted, refused, errors[:3], len(errors), start, end))


RAW_AUDIT_TABLE = "bench_raw_audit"
RAW_AUDIT_INSERT = (
    "INSERT INTO {table} (chain, seq, at, actor_id, on_behalf_of, community_id, verb, object_type, object_id,"
    " before, after, prev_hash, hash) VALUES (%s, %s, now(), %s, '', %s, 'ballot.online', 'deliberation.ballot',"
    " %s, NULL, %s::jsonb, %s, %s)"
)
RAW_INSERT = (
    "INSERT INTO {table} (community_id, topic_id, voter_id, choice, channel, serial_no, proxy_name, evidence,"
    " entered_by_id, created_at, voided_at, voided_by_id, void_reason, place_path)"
    " VALUES (%s, %s, %s, %s, 'online', '', '', '', %s, now(), NULL, NULL, '', %s)"
)


def raw_client(
    topic: Any,
    entered_by_id: int,
    items: list[tuple[int, int, str]],
    barrier: Any,
    out: Any,
    audit_rows: bool,
    client: int,
) -> None:
    """Plain INSERTs, autocommit; with `audit_rows`, each ballot and an audit row of the same shape go in one
    transaction (into a copy of the audit table with its indexes, hashed but not chained)."""
    import hashlib
    import itertools

    import psycopg
    from psycopg import errors as pg_errors

    from gongzhi.deliberation.models import Ballot

    sql = RAW_INSERT.format(table=Ballot._meta.db_table)
    audit_sql = RAW_AUDIT_INSERT.format(table=RAW_AUDIT_TABLE)
    accepted = refused = 0
    errors: list[str] = []
    seqs = itertools.count(1)
    chain = -1 - client  # a chain of its own per client (the table is emptied before each run)
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        barrier.wait()
        start = time.perf_counter()
        for user_id, person_id, choice in items:
            row = [topic.community_id, topic.pk, person_id, choice, user_id, topic.place_path]  # as online
            try:
                if not audit_rows:
                    conn.execute(sql, row)
                else:
                    with conn.transaction():
                        ballot_id = conn.execute(sql + " RETURNING id", row).fetchone()[0]  # type: ignore[index]
                        after = json.dumps({"topic": topic.pk, "voter": person_id, "choice": choice, "serial_no": ""})
                        digest = hashlib.sha256(after.encode()).hexdigest()
                        conn.execute(
                            audit_sql,
                            [chain, next(seqs), user_id, topic.community_id, str(ballot_id), after, digest, digest],
                        )
                accepted += 1
            except pg_errors.UniqueViolation:
                refused += 1
            except Exception:
                errors.append(traceback.format_exc(limit=3))
        end = time.perf_counter()
    out.put((accepted, refused, errors[:3], len(errors), start, end))


def worker(
    mode: str, topic: Any, entered_by_id: int, first: int, slices: list[list[Any]], barrier: Any, out: Any
) -> None:
    """One process: a thread per client, each with its own connection."""
    threads = []
    if mode == "service_noaudit":
        # Diagnostic only: the same service with audit.record a no-op, to show what the per-community chain costs.
        from gongzhi.core import audit

        audit.record = lambda **_kw: None  # type: ignore[assignment,return-value]
    for n, items in enumerate(slices):
        if mode in ("service", "service_noaudit"):
            target, args = service_client, (topic, items, barrier, out)
        else:
            target, args = (
                raw_client,
                (topic, entered_by_id, items, barrier, out, mode == "raw_audit", first + n * PROCESSES),
            )
        threads.append(threading.Thread(target=target, args=args))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def ingest(mode: str, topic: Any, entered_by_id: int, lists: list[list[Any]]) -> dict[str, Any]:
    from django.db import connection, connections

    if mode == "raw_audit":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {RAW_AUDIT_TABLE}")
    connections.close_all()  # children are forked: none may inherit an open connection
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(CLIENTS), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(mode, topic, entered_by_id, p, lists[p::PROCESSES], barrier, out))
        for p in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=1800) for _ in range(CLIENTS)]
    for p in procs:
        p.join()
    accepted = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    n_errors = sum(r[3] for r in results)
    if n_errors:
        sample = next(e for r in results for e in r[2])
        raise RuntimeError(f"{mode}: {n_errors} unexpected errors, e.g.\n{sample}")
    wall = max(r[5] for r in results) - min(r[4] for r in results)
    return {"accepted": accepted, "refused": refused, "seconds": round(wall, 2), "per_s": round(accepted / wall, 1)}


def create_raw_audit_table() -> None:
    from django.db import connection

    from gongzhi.core.models import AuditEvent

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {RAW_AUDIT_TABLE} (LIKE {AuditEvent._meta.db_table} INCLUDING ALL)")


def duplicates(topic_id: int) -> int:
    """Owners with more than one live ballot on the topic."""
    from django.db.models import Count

    from gongzhi.deliberation.models import Ballot

    live = Ballot.objects.filter(topic_id=topic_id, voided_at__isnull=True)
    return live.values("voter_id").annotate(n=Count("id")).filter(n__gt=1).count()


def audited(topic_id: int) -> int:
    from gongzhi.core.models import AuditEvent

    return AuditEvent.objects.filter(verb="ballot.online", after__topic=topic_id).count()


def page_queries(
    big: Any, small: Any, secretary: Any, big_topic: Any, all_voters: list[tuple[int, int]]
) -> dict[str, Any]:
    """Queries of the topic page (resident owner, 书记) and the results page: small community next to the big one."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from gongzhi.core.models import RoleAssignment
    from gongzhi.deliberation.models import Ballot, Comment
    from gongzhi.deliberation.services.ballots import ballot_cast
    from gongzhi.deliberation.services.topics import comment_post
    from gongzhi.people.models import Person

    small_topic = open_topic(small, secretary, "小社区基准议题")
    # Every owner of the big community has voted on the topic measured: the rounds' missing ballots, in bulk.
    voted = set(Ballot.objects.filter(topic=big_topic).values_list("voter_id", flat=True))
    missing = [
        Ballot(
            community_id=big.pk,
            topic=big_topic,
            voter_id=person_id,
            choice=CHOICES[i % len(CHOICES)],
            channel="online",
            entered_by_id=user_id,
            place_path=big_topic.place_path,
        )
        for i, (user_id, person_id) in enumerate(all_voters)
        if person_id not in voted
    ]
    Ballot.objects.bulk_create(missing, batch_size=2000)
    out: dict[str, Any] = {}
    for name, community, topic, comments in (("small", small, small_topic, 1), ("big", big, big_topic, 25)):
        resident = RoleAssignment.objects.get(role="resident", community=community).user
        if name == "small":
            ballot_cast(actor=resident, topic=topic, choice="agree")
        for i in range(comments - Comment.objects.filter(topic=topic).count()):
            comment_post(actor=secretary, topic=topic, body=f"基准意见第{i + 1}条")
        counts: dict[str, Any] = {
            "owners": Person.objects.filter(community=community, account__isnull=False).count(),
            "ballots": Ballot.objects.filter(topic=topic).count(),
            "comments": Comment.objects.filter(topic=topic).count(),
        }
        for page, user, url in (
            ("topic (resident owner)", resident, "deliberation:topic"),
            ("topic (书记)", secretary, "deliberation:topic"),
            ("results (书记)", secretary, "deliberation:result"),
            ("results (resident owner)", resident, "deliberation:result"),
        ):
            client = Client()
            client.force_login(user)
            path = reverse(url, kwargs={"community_id": community.pk, "topic_id": topic.pk})
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            queries = len(ctx.captured_queries)  # read now: the next request clears the connection's log
            t0 = time.perf_counter()
            client.get(path)
            counts[page] = {"queries": queries, "warm_ms": round((time.perf_counter() - t0) * 1000)}
        out[name] = counts
    return out


def main() -> None:
    ensure_database()
    setup_django()
    built = build()
    if built["built"]:
        print(f"built: {built}", flush=True)
    from gongzhi.core import audit
    from gongzhi.core.models import User

    analyze()
    big, small, secretary = communities()
    owners = designated_owners(big.pk)[:OWNERS]
    accounts = dict(User.objects.filter(persons__pk__in=owners).values_list("persons__pk", "pk"))
    voters = [(accounts[p], p) for p in owners if p in accounts]
    voters_index.update({p: i for i, (_u, p) in enumerate(voters)})
    all_voters = voters
    if VOTERS:
        voters = voters[:VOTERS]
    lists = work_lists(voters)
    expected_refused = sum(1 for i in range(len(voters)) if i % DUPLICATE_EVERY == 0)
    create_raw_audit_table()
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    last_service_topic = None
    stamp = time.strftime("%H%M%S")
    for r in range(ROUNDS):
        order = MODES[r % len(MODES) :] + MODES[: r % len(MODES)]  # each mode leads a round in turn
        for mode in order:
            topic = open_topic(big, secretary, f"基准表决{stamp}-{r + 1}-{mode}")
            result = ingest(mode, topic, secretary.pk, lists)
            result["duplicates"] = duplicates(topic.pk)
            if mode == "service":
                result["audit_events"] = audited(topic.pk)
                last_service_topic = topic
            ok = result["accepted"] == len(voters) and result["refused"] == expected_refused
            if not ok or result["duplicates"]:
                raise RuntimeError(f"round {r + 1} {mode}: {result}, expected {len(voters)} / {expected_refused}")
            runs[mode].append(result)
            print(f"round {r + 1} {mode}: {result}", flush=True)
    median = {mode: statistics.median(x["per_s"] for x in runs[mode]) for mode in MODES}
    service, raw = median.get("service", 0.0), median.get("raw", 0.0)
    t0 = time.perf_counter()
    broken = audit.verify_chains()
    verify_s = round(time.perf_counter() - t0, 1)
    assert last_service_topic is not None
    pages = page_queries(big, small, secretary, last_service_topic, all_voters)
    result = {
        "owners": len(all_voters),
        "voters_per_round": len(voters),
        "clients": CLIENTS,
        "processes": PROCESSES,
        "duplicate_attempts_per_round": expected_refused,
        "per_s": median,
        "ratio": round(service / raw, 3) if raw else None,
        "ratio_with_audit_rows": round(service / median["raw_audit"], 3) if median.get("raw_audit") else None,
        "duplicates_found": sum(x["duplicates"] for xs in runs.values() for x in xs),
        "audit_chain": "intact" if broken is None else str(broken),
        "verify_s": verify_s,
        "runs": runs,
        "pages": pages,
        **({"build": built} if built["built"] else {}),
    }
    print(f"ballots/s (medians): {median}, ratio {result['ratio']} (target ≥ 0.5), duplicates 0", flush=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
