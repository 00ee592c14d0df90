"""Opinion map benchmark: gongzhi.rules.opinion_map against red-dwarf's Pol.is pipeline, same votes, same run.

Run with `.venv/bin/python bench/opinion_map.py` after installing the bench lock (red-dwarf, pandas):
`.venv/bin/python -m pip install --require-hashes --no-deps -r requirements-bench.lock`.

Inputs:
- the three Pol.is open-data conversations in $POLIS_OPENDATA (default /work/shared/data/polis-opendata,
  CC BY 4.0, The Computational Democracy Project): votes in timestamp order, latest vote per
  (participant, statement), compared with Pol.is's own groups (`group-id` of participants-votes.csv;
  participants without one are left out of the adjusted Rand index). Two protocols:
  - "drop": moderated-out statements (comments.csv moderated == -1) and their votes removed;
  - "mod-out": all votes kept and the moderated-out statements passed as such (ours: `moderated_out=`,
    red-dwarf: `mod_out_statement_ids=`), which is how Pol.is itself computed its groups.
- a synthetic conversation: 5,000 participants × 300 statements, about 30 % of cells voted, 4 latent
  opinion camps (seeded), scored against the camps.

Timings are the best of $BENCH_REPEAT (default 3) calls; vote lists are built before timing, in each
library's own input format. red-dwarf gets random_state=0 like ours, and is timed with the default BLAS
threads and with one thread (what opinion_map uses); its figure is the faster of the two. Prints a table,
then one JSON line.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from gongzhi.rules import opinion_map  # noqa: E402

DATA = Path(os.environ.get("POLIS_OPENDATA", "/work/shared/data/polis-opendata"))
CONVERSATIONS = ["15-per-hour-seattle", "scoop-hivemind.biodiversity", "austria-climate.5twd2jsnkf.2022-08-08"]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
RANDOM_STATE = 0
TARGET_RATIO = 3.0
TARGET_ARI = 0.9

Vote = tuple[int, int, int]


def load_conversation(name: str) -> tuple[list[Vote], set[int], dict[int, int]]:
    folder = DATA / name
    with open(folder / "comments.csv", newline="", encoding="utf-8") as f:
        moderated_out = {int(r["comment-id"]) for r in csv.DictReader(f) if r["moderated"] == "-1"}
    with open(folder / "votes.csv", newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["timestamp"]))
    latest: dict[tuple[int, int], int] = {}
    for r in rows:
        latest[(int(r["voter-id"]), int(r["comment-id"]))] = int(r["vote"])
    votes = [(p, s, v) for (p, s), v in latest.items()]
    with open(folder / "participants-votes.csv", newline="", encoding="utf-8") as f:
        polis = {int(r["participant"]): int(r["group-id"]) for r in csv.DictReader(f) if r["group-id"] != ""}
    return votes, moderated_out, polis


def synthetic(seed: int = 20240601) -> tuple[list[Vote], dict[int, int]]:
    """5,000 × 300, ~30 % voted, 4 camps of unequal size split along two issues."""
    rng = np.random.default_rng(seed)
    n_people, n_statements = 5000, 300
    camp = rng.choice(4, size=n_people, p=[0.35, 0.3, 0.2, 0.15])
    # Camps are the four sides of two issues (bit 0: issue A, bit 1: issue B). Statements 0-29 are shared
    # ground, 30-164 are about issue A, 165-269 about issue B and 270-299 split nobody.
    side = np.stack([np.where(camp & 1, -1, 1), np.where(camp & 2, -1, 1)], axis=1)
    issue = np.full(n_statements, -1)
    issue[30:165], issue[165:270] = 0, 1
    polarity = rng.choice([-1, 1], size=n_statements)  # half the statements are worded the other way round
    lean = np.where(issue >= 0, side[:, np.maximum(issue, 0)] * polarity, 0)
    lean[:, :30] = 1
    # People vote on about 30 % of statements; some on many, some on few.
    share = np.clip(rng.beta(2.0, 4.6, size=n_people), 0.03, 1.0)
    voted = rng.random((n_people, n_statements)) < share[:, None]
    roll = rng.random((n_people, n_statements))
    # With a lean: 70 % follow it, 15 % pass, 15 % go against it. Without: a third each.
    follow = np.where(roll < 0.70, lean, np.where(roll < 0.85, 0, -lean))
    neutral = np.where(roll < 1 / 3, 1, np.where(roll < 2 / 3, 0, -1))
    value = np.where(lean == 0, neutral, follow)
    people, statements = np.nonzero(voted)
    order = rng.permutation(len(people))  # votes arrive interleaved, as in a live conversation
    votes = [(int(people[i]), int(statements[i]), int(value[people[i], statements[i]])) for i in order]
    return votes, {i: int(c) for i, c in enumerate(camp)}


def best_time(call: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def ari(truth: dict[int, int], labels: Mapping[Any, int]) -> float:
    common = [p for p in labels if p in truth]
    return float(adjusted_rand_score([truth[p] for p in common], [labels[p] for p in common]))


def reddwarf_groups(result: Any) -> dict[int, int]:
    import pandas as pd

    column = result.participants_df["cluster_id"]
    return {int(p): int(g) for p, g in column.items() if not pd.isna(g)}


def compare(votes: list[Vote], truth: dict[int, int], moderated_out: set[int] | None) -> dict[str, Any]:
    from reddwarf.implementations.polis import run_pipeline

    records = [{"participant_id": p, "statement_id": s, "vote": v} for p, s, v in votes]
    extra_ours: dict[str, Any] = {"moderated_out": moderated_out} if moderated_out else {}
    extra_rd: dict[str, Any] = {"mod_out_statement_ids": sorted(moderated_out)} if moderated_out else {}
    ours_s, ours = best_time(lambda: opinion_map.run(votes, RANDOM_STATE, **extra_ours))
    rd_threads_s, rd = best_time(lambda: run_pipeline(votes=records, random_state=RANDOM_STATE, **extra_rd))
    # opinion_map runs BLAS/OpenMP on one thread; on a busy host multi-threaded OpenBLAS can be far slower,
    # so red-dwarf is timed both ways and gets the better figure.
    with threadpool_limits(limits=1):
        rd_single_s, _ = best_time(lambda: run_pipeline(votes=records, random_state=RANDOM_STATE, **extra_rd))
    rd_s = min(rd_threads_s, rd_single_s)
    rd_groups = reddwarf_groups(rd)
    return {
        "votes": len(votes),
        "clustered": len(ours.groups),
        "ours_seconds": round(ours_s, 4),
        "reddwarf_seconds": round(rd_s, 4),
        "reddwarf_seconds_default_threads": round(rd_threads_s, 4),
        "reddwarf_seconds_one_thread": round(rd_single_s, 4),
        "speed_ratio": round(rd_s / ours_s, 2),
        "ours_k": ours.k,
        "reddwarf_k": len(set(rd_groups.values())),
        "ours_ari": round(ari(truth, ours.groups), 4),
        "reddwarf_ari": round(ari(truth, rd_groups), 4),
        "ours_vs_reddwarf_ari": round(ari(rd_groups, ours.groups), 4),
    }


def main() -> None:
    try:
        import reddwarf  # noqa: F401
    except ImportError:
        sys.exit("red-dwarf is missing: pip install --require-hashes --no-deps -r requirements-bench.lock")
    if not DATA.is_dir():
        sys.exit(f"Pol.is open data not found in {DATA} (set POLIS_OPENDATA)")
    warnings.filterwarnings("ignore")  # pydantic and sklearn chatter from red-dwarf's import and pipeline
    rows: list[tuple[str, str, dict[str, Any]]] = []
    conversations: dict[str, dict[str, Any]] = {}
    for name in CONVERSATIONS:
        votes, moderated_out, polis = load_conversation(name)
        kept = [v for v in votes if v[1] not in moderated_out]
        drop = compare(kept, polis, None)
        mod_out = compare(votes, polis, moderated_out)
        conversations[name] = {"polis_groups": len(set(polis.values())), "drop": drop, "mod_out": mod_out}
        rows += [(name, "drop", drop), (name, "mod-out", mod_out)]
    votes, camps = synthetic()
    synth = compare(votes, camps, None)
    rows.append(("synthetic 5000x300 (vs camps)", "-", synth))

    header = f"{'conversation':40} {'protocol':8} {'votes':>7} {'ours s':>8} {'rd s':>8} {'ratio':>6} {'k':>5} "
    header += f"{'ARI ours':>9} {'ARI rd':>7}"
    print(f"opinion map vs red-dwarf (best of {REPEAT}; ARI against Pol.is group-id or latent camps)")
    print(header)
    print("-" * len(header))
    for name, protocol, r in rows:
        print(
            f"{name:40} {protocol:8} {r['votes']:>7} {r['ours_seconds']:>8.3f} {r['reddwarf_seconds']:>8.3f} "
            f"{r['speed_ratio']:>5.1f}x {r['ours_k']:>2}/{r['reddwarf_k']:<2} "
            f"{r['ours_ari']:>9.3f} {r['reddwarf_ari']:>7.3f}"
        )
    real = [c[p] for c in conversations.values() for p in ("drop", "mod_out")]
    targets = {
        "speed_ratio_min": min(r["speed_ratio"] for r in [*real, synth]),
        "speed_target_met": all(r["speed_ratio"] >= TARGET_RATIO for r in [*real, synth]),
        "ari_min_drop": min(c["drop"]["ours_ari"] for c in conversations.values()),
        "ari_min_mod_out": min(c["mod_out"]["ours_ari"] for c in conversations.values()),
        "ari_target_met_mod_out": all(c["mod_out"]["ours_ari"] >= TARGET_ARI for c in conversations.values()),
        "ari_target_met_drop": all(c["drop"]["ours_ari"] >= TARGET_ARI for c in conversations.values()),
    }
    print(
        f"targets: speed >= {TARGET_RATIO}x: {targets['speed_target_met']} (min {targets['speed_ratio_min']}x); "
        f"ARI >= {TARGET_ARI}: mod-out {targets['ari_target_met_mod_out']} (min {targets['ari_min_mod_out']}), "
        f"drop {targets['ari_target_met_drop']} (min {targets['ari_min_drop']})"
    )
    summary = {
        "benchmark": "opinion_map",
        "repeat": REPEAT,
        "random_state": RANDOM_STATE,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "conversations": conversations,
        "synthetic": synth,
        "targets": targets,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
