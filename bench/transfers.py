"""Time bank transfers on PostgreSQL: 32 clients posting through `transfer_post`, next to pgbench on the same server.

- Data: one street of `BENCH_TRANSFER_COMMUNITIES` (10) communities, as pgbench's scale 10 has 10 branches, each
  with `BENCH_TRANSFER_ACCOUNTS` (1,000) courtyard cards funded from its issuance account by one transaction (so the
  ledger is right from the start); built once into the database `gongzhi_bench`.
- Service: `BENCH_TRANSFER_CLIENTS` (32) clients, each a thread with its own connection in one of
  `BENCH_TRANSFER_PROCESSES` (default: one process per client) processes, for
  `BENCH_TRANSFER_SECONDS` (10) s: each picks a community, two of its cards (loaded once, as a caller holds them)
  and 1–5 points and calls `transfer_post` (locks both rows in id order, checks the floors, inserts the
  transaction and its two entries, moves the cached balances and appends the audit event to the community's hash
  chain, in one transaction). On PostgreSQL that is one statement, `gongzhi_transfer_post` (migration 0009), its
  own transaction; `BENCH_TRANSFER_ATOMIC=1` wraps each call in `transaction.atomic()` as the ledger services do
  (BEGIN, the statement, COMMIT), and `BENCH_TRANSFER_ORM=1` takes the ORM path instead, for comparison.
- pgbench: `pgbench -i -s 10` into the database `gongzhi_pgbench` once, then `pgbench -c 32 -j 2 -T 10 -b tpcb-like`.
- Rounds alternate which goes first; medians are reported. Afterwards `integrity.ledger_check()` must find the
  deployment's total zero, every balance equal to its entries and nothing below its floor.

Run alone: `python bench/transfers.py`. Prints a JSON object last.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

BASE_URL = os.environ.get("BENCH_PG_URL", "postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi_bench")
PGBENCH_DB = os.environ.get("BENCH_PGBENCH_DB", "gongzhi_pgbench")
COMMUNITIES = int(os.environ.get("BENCH_TRANSFER_COMMUNITIES", "10"))
ACCOUNTS = int(os.environ.get("BENCH_TRANSFER_ACCOUNTS", "1000"))
CLIENTS = int(os.environ.get("BENCH_TRANSFER_CLIENTS", "32"))
# Clients are threads in this many processes (each thread its own connection); one a process by default, as web
# workers, but on a 2-core machine fewer processes switch less.
PROCESSES = int(os.environ.get("BENCH_TRANSFER_PROCESSES", str(CLIENTS)))
SECONDS = float(os.environ.get("BENCH_TRANSFER_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_TRANSFER_ROUNDS", "2"))
ATOMIC = os.environ.get("BENCH_TRANSFER_ATOMIC", "0") == "1"
ORM = os.environ.get("BENCH_TRANSFER_ORM", "0") == "1"
FUNDING = 10_000_000
STREET = "转账基准街道"

os.environ.update(
    DATABASE_URL=BASE_URL,
    DJANGO_SETTINGS_MODULE="gongzhi.settings",
    GONGZHI_DEBUG="0",
    GONGZHI_SECRET_KEY=os.environ.get("GONGZHI_SECRET_KEY", "bench-" + "x" * 40),
    GONGZHI_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
)


def admin_url() -> str:
    return urlsplit(BASE_URL)._replace(path="/postgres").geturl()


def ensure_database(name: str) -> None:
    """PostgreSQL up (scripts/ensure_postgres.sh), and the database there, created if missing."""
    import psycopg

    subprocess.run(
        [str(ROOT / "scripts" / "ensure_postgres.sh")], env={**os.environ, "PG_URL": admin_url()}, check=True
    )
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build() -> dict[str, Any]:
    """The street, its communities and their funded cards, once; the street marks a finished build."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from gongzhi.places.models import Place

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'gongzhi_transfer_post'")
        if cursor.fetchone() is None:  # a database that applied 0009 while it was still empty
            raise SystemExit("gongzhi_transfer_post is missing: run `manage.py migrate timebank 0008`, then migrate")
    if Place.objects.filter(name=STREET, parent=None).exists():
        return {"built": False}
    t0 = time.perf_counter()
    with transaction.atomic():
        _build_rows()
    return {"built": True, "build_s": round(time.perf_counter() - t0, 1)}


def _build_rows() -> None:
    from gongzhi.places.models import PlaceKind
    from gongzhi.places.services import place_create
    from gongzhi.timebank.models.ledger import Account, AccountKind, TransactionKind
    from gongzhi.timebank.services.accounts import system_account
    from gongzhi.timebank.services.posting import transfer_post

    street = place_create(actor=None, parent=None, kind=PlaceKind.STREET, name=STREET)
    for c in range(COMMUNITIES):
        community = place_create(actor=None, parent=street, kind=PlaceKind.COMMUNITY, name=f"转账基准社区{c + 1}")
        cards = Account.objects.bulk_create(
            [
                Account(community=community, kind=AccountKind.COURTYARD, name=f"基准院落卡{i + 1}", floor=0)
                for i in range(ACCOUNTS)
            ],
            batch_size=2000,
        )
        issuance = system_account(community, AccountKind.ISSUANCE)
        transfer_post(
            actor=None,
            community=community,
            kind=TransactionKind.EARN,
            postings=[(issuance, -FUNDING * len(cards)), *[(card, FUNDING) for card in cards]],
            memo="基准初始积分",
            idempotency_key=f"bench-funding-{community.pk}",
        )


def workload() -> list[tuple[Any, list[Any]]]:
    """Each community with its cards, loaded once before the clients fork: a caller holds its accounts already, so
    the clients spend their time in `transfer_post`, not in building its arguments."""
    from gongzhi.places.models import Place
    from gongzhi.timebank.models.ledger import Account, AccountKind

    out = []
    for community in Place.objects.filter(parent__name=STREET, parent__parent=None).order_by("id"):
        cards = list(Account.objects.filter(community=community, kind=AccountKind.COURTYARD).order_by("id"))
        out.append((community, cards))
    return out


def client(n: int, stamp: str, communities: list[tuple[Any, list[Any]]], barrier: Any, out: Any) -> None:
    """One client: transfers for SECONDS after the common start, each through `transfer_post` (inside
    `transaction.atomic()` with BENCH_TRANSFER_ATOMIC=1, as the ledger services call it)."""
    from contextlib import nullcontext

    from django.db import connection, connections, transaction

    from gongzhi.core.errors import Overdraft
    from gongzhi.timebank.models.ledger import TransactionKind
    from gongzhi.timebank.services import posting
    from gongzhi.timebank.services.posting import transfer_post

    posting.ONE_STATEMENT = not ORM
    rng = random.Random(n)
    done = overdrafts = 0
    errors: list[str] = []
    n_errors = 0
    try:
        connection.ensure_connection()
        barrier.wait()
        start = time.perf_counter()
        stop = start + SECONDS
        while time.perf_counter() < stop:
            community, cards = communities[rng.randrange(len(communities))]
            a, b = rng.sample(cards, 2)
            amount = rng.randint(1, 5)
            try:
                with transaction.atomic() if ATOMIC else nullcontext():
                    transfer_post(
                        actor=None,
                        community=community,
                        kind=TransactionKind.ADJUST,
                        postings=[(a, -amount), (b, amount)],
                        memo="基准转账",
                        idempotency_key=f"bench-{stamp}-{n}-{done + overdrafts + n_errors}",
                    )
                done += 1
            except Overdraft:
                overdrafts += 1
            except Exception:
                n_errors += 1
                if len(errors) < 3:
                    errors.append(traceback.format_exc(limit=4))
        end = time.perf_counter()
    finally:
        connections.close_all()
    out.put((done, overdrafts, n_errors, errors, start, end))


def worker(clients: list[int], stamp: str, communities: list[tuple[Any, list[Any]]], barrier: Any, out: Any) -> None:
    """One process: a thread per client."""
    import threading

    threads = [threading.Thread(target=client, args=(n, stamp, communities, barrier, out)) for n in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_service(stamp: str, communities: list[tuple[Any, list[Any]]]) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()  # children are forked: none may inherit an open connection
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(CLIENTS), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(list(range(p, CLIENTS, PROCESSES)), stamp, communities, barrier, out))
        for p in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=SECONDS * 10 + 120) for _ in range(CLIENTS)]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    n_errors = sum(r[2] for r in results)
    if n_errors:
        sample = next(e for r in results for e in r[3])
        raise RuntimeError(f"{n_errors} unexpected errors, e.g.\n{sample}")
    wall = max(r[5] for r in results) - min(r[4] for r in results)
    return {
        "transfers": done,
        "overdrafts": sum(r[1] for r in results),
        "seconds": round(wall, 2),
        "per_s": round(done / wall, 1),
    }


def _pg_env() -> tuple[list[str], dict[str, str]]:
    parts = urlsplit(BASE_URL)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return args, {**os.environ, "PGPASSWORD": parts.password or ""}


def pgbench_init() -> float:
    ensure_database(PGBENCH_DB)
    args, env = _pg_env()
    t0 = time.perf_counter()
    subprocess.run(["pgbench", *args, "-i", "-s", "10", "-q", PGBENCH_DB], env=env, check=True, capture_output=True)
    return round(time.perf_counter() - t0, 1)


def run_pgbench() -> dict[str, Any]:
    args, env = _pg_env()
    command = ["pgbench", *args, "-c", str(CLIENTS), "-j", "2", "-T", str(int(SECONDS)), "-b", "tpcb-like", "-n"]
    result = subprocess.run([*command, PGBENCH_DB], env=env, check=True, capture_output=True, text=True)
    match = re.search(
        r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", result.stdout
    )
    if not match:
        raise RuntimeError(f"pgbench said:\n{result.stdout}\n{result.stderr}")
    return {"tps": round(float(match.group(1)), 1)}


def main() -> None:
    if not shutil.which("pgbench"):
        raise SystemExit("pgbench is not installed (Debian: postgresql-client)")
    ensure_database(urlsplit(BASE_URL).path.lstrip("/"))
    built = build()
    if built["built"]:
        print(f"built: {built}", flush=True)
    from django.db import connection

    from gongzhi.timebank.integrity import ledger_check

    with connection.cursor() as cursor:  # fresh planner statistics after a bulk build
        for table in ("timebank_account", "timebank_transaction", "timebank_entry", "core_auditchainhead"):
            cursor.execute(f"ANALYZE {table}")
    communities = workload()
    init_s = pgbench_init()
    stamp = time.strftime("%Y%m%d%H%M%S")
    service_runs: list[dict[str, Any]] = []
    pgbench_runs: list[dict[str, Any]] = []
    for r in range(ROUNDS):
        order = ("service", "pgbench") if r % 2 == 0 else ("pgbench", "service")
        for mode in order:
            if mode == "service":
                result = run_service(f"{stamp}-{r}", communities)
                service_runs.append(result)
            else:
                result = run_pgbench()
                pgbench_runs.append(result)
            print(f"round {r + 1} {mode}: {result}", flush=True)
    per_s = statistics.median(x["per_s"] for x in service_runs)
    tps = statistics.median(x["tps"] for x in pgbench_runs)
    t0 = time.perf_counter()
    report = ledger_check()
    check_s = round(time.perf_counter() - t0, 1)
    if not report.ok:
        raise RuntimeError(f"ledger inconsistent after the bench: {report}")
    result = {
        "clients": CLIENTS,
        "processes": PROCESSES,
        "atomic": ATOMIC,
        "path": "orm" if ORM else "one_statement",
        "communities": COMMUNITIES,
        "accounts": COMMUNITIES * ACCOUNTS,
        "seconds": SECONDS,
        "transfers_per_s": per_s,
        "pgbench_tps": tps,
        "ratio": round(per_s / tps, 3) if tps else None,
        "ledger": {
            "ok": report.ok,
            "total": report.entries_total,
            "accounts": report.accounts,
            "transactions": report.transactions,
            "check_s": check_s,
        },
        "runs": {"service": service_runs, "pgbench": pgbench_runs},
        "pgbench_init_s": init_s,
        **({"build": built} if built["built"] else {}),
    }
    print(f"transfers/s {per_s} vs pgbench tpcb-like {tps} tps: ratio {result['ratio']} (target ≥ 0.3), total 0")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
