"""Loading the demo street, part by part (people and places, 议事厅 with its meetings, 社情民意, 时间银行), next
to a yardstick measured in the same run: SQLite inserting as many rows as the demo wrote, with one `executemany`
into a plain table, in one transaction. The timings moved here from the tests, which assert what the demo
contains, not how fast it loads.

Runs in a fresh SQLite file under var/bench/ (`BENCH_DEMO_RESIDENTS`, default 300 as in the tests; 30000 is what
`make demo` loads). Prints a JSON line last."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "var" / "bench" / "demo.sqlite3"
RESIDENTS = int(os.environ.get("BENCH_DEMO_RESIDENTS", "300"))
ROUNDS = int(os.environ.get("BENCH_DEMO_ROUNDS", "3"))
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
# The app has no default key: a benchmark brings its own, made for this run.
os.environ.setdefault("GONGZHI_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from gongzhi.demo.deliberation import meetings  # noqa: E402
from gongzhi.demo.deliberation.load import load_deliberation_demo  # noqa: E402
from gongzhi.demo.people.load import load_demo  # noqa: E402
from gongzhi.demo.people.specs import DEMO_PASSWORD  # noqa: E402
from gongzhi.demo.timebank.load import load_timebank_demo  # noqa: E402
from gongzhi.demo.voices.load import load_voices_demo  # noqa: E402


def rows_in_database() -> int:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return sum(cursor.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)  # noqa: S608


def yardstick(rows: int) -> float:
    """Seconds for SQLite to insert `rows` eight-column rows in one transaction (a scratch file, WAL)."""
    path = DB.with_name("yardstick.sqlite3")
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT, c TEXT, d TEXT, e TEXT, f INT, g TEXT)")
    data = [(i, i % 97, f"居民{i}", "2026-11-18 10:00:00", "{}", i, "x" * 20) for i in range(rows)]
    started = time.perf_counter()
    with db:
        db.executemany("INSERT INTO t (a, b, c, d, e, f, g) VALUES (?, ?, ?, ?, ?, ?, ?)", data)
    spent = time.perf_counter() - started
    db.close()
    path.unlink(missing_ok=True)
    return spent


def load_once() -> dict[str, float]:
    # An open connection would keep writing to the unlinked file, where the demo already exists and loads nothing.
    connection.close()
    for leftover in DB.parent.glob(DB.name + "*"):
        leftover.unlink()
    call_command("migrate", verbosity=0)
    spent: dict[str, float] = {}
    original = meetings.load

    def timed_meetings(**kwargs: object) -> None:
        started = time.perf_counter()
        original(**kwargs)
        spent["meetings (in 议事厅)"] = time.perf_counter() - started

    meetings.load = timed_meetings  # type: ignore[assignment]
    try:
        with transaction.atomic():
            started = time.perf_counter()
            street = load_demo(residents_lixiong=RESIDENTS).street
            spent["people and places"] = time.perf_counter() - started
            for name, part in (
                ("议事厅", load_deliberation_demo),
                ("社情民意", load_voices_demo),
                ("时间银行", load_timebank_demo),
            ):
                started = time.perf_counter()
                part(street=street, password=DEMO_PASSWORD)
                spent[name] = time.perf_counter() - started
    finally:
        meetings.load = original  # type: ignore[assignment]
    return spent


def main() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    runs = [load_once() for _ in range(ROUNDS)]
    rows = rows_in_database()
    stick = statistics.median(yardstick(rows) for _ in range(ROUNDS))
    median = {part: statistics.median(r[part] for r in runs) for part in runs[0]}
    total = sum(v for k, v in median.items() if "(in" not in k)
    for part, seconds in median.items():
        print(f"{part:<24} {seconds:7.2f} s  {seconds / stick:7.1f}× the yardstick")
    print(f"{'total':<24} {total:7.2f} s  {total / stick:7.1f}× the yardstick ({rows:,} rows in {stick:.3f} s)")
    print(
        json.dumps(
            {
                "residents_lixiong": RESIDENTS,
                "rows": rows,
                "yardstick_s": round(stick, 4),
                "seconds": {k: round(v, 2) for k, v in median.items()},
                "total_s": round(total, 2),
                "ratio_to_yardstick": {k: round(v / stick, 1) for k, v in median.items()},
                "runs": [{k: round(v, 2) for k, v in r.items()} for r in runs],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
