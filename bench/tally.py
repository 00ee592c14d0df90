"""`owner_vote.tally` over 30,000 owners next to one SQL SUM/COUNT over the same rows (target: ≤ 2× the SQL).

Both sides get the same rows in memory: the SQL is SQLite's own aggregate over an indexed table, the tally is
the pure rule with exact Decimal/Fraction arithmetic and every statutory threshold. Prints a JSON line last.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from gongzhi.rules import owner_vote

OWNERS = 30_000
REPEAT = 7


def rows(seed: int = 7) -> tuple[list[owner_vote.Unit], dict[str, str]]:
    rng = random.Random(seed)
    units, ballots = [], {}
    for i in range(OWNERS):
        owner = f"p{i}"
        units.append(owner_vote.Unit(f"h{i}", owner, Decimal(rng.randint(4500, 14000)) / 100))
        if i % 7:  # six owners in seven vote
            ballots[owner] = rng.choice(("agree", "agree", "agree", "disagree", "abstain"))
    return units, ballots


def best(fn: object, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    units, ballots = rows()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE unit (unit_id TEXT PRIMARY KEY, owner_id TEXT, area_cents INTEGER, choice TEXT)")
    db.executemany(
        "INSERT INTO unit VALUES (?, ?, ?, ?)",
        [(u.unit_id, u.owner_id, int(u.area * 100), ballots.get(u.owner_id)) for u in units],
    )
    db.execute("CREATE INDEX unit_owner ON unit(owner_id)")
    sql = (
        "SELECT SUM(area_cents), COUNT(DISTINCT owner_id), SUM(CASE WHEN choice IS NOT NULL THEN area_cents END),"
        " COUNT(DISTINCT CASE WHEN choice IS NOT NULL THEN owner_id END),"
        " SUM(CASE WHEN choice = 'agree' THEN area_cents END),"
        " COUNT(DISTINCT CASE WHEN choice = 'agree' THEN owner_id END) FROM unit"
    )
    sql_s = best(lambda: db.execute(sql).fetchone())
    tally_s = best(lambda: owner_vote.tally(units, ballots, "major"))
    result = owner_vote.tally(units, ballots, "major")
    check = db.execute(sql).fetchone()
    assert check[1] == result.total_owners and check[3] == result.participating_owners
    print(
        f"owners {OWNERS}: SQL SUM/COUNT {sql_s * 1000:.1f} ms, tally {tally_s * 1000:.1f} ms, "
        f"ratio {tally_s / sql_s:.2f}x (target ≤ 2x)"
    )
    print(
        json.dumps(
            {
                "owners": OWNERS,
                "sql_ms": round(sql_s * 1000, 2),
                "tally_ms": round(tally_s * 1000, 2),
                "ratio": round(tally_s / sql_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
