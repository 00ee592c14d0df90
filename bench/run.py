"""`make bench`: builds the benchmark data once, then measures and prints the figures for docs/BENCHMARKS.md.

1. Queries per page at 1,000 and at 300,000 residents (10 communities × 30,000).
2. Requests per second of the community home and the resident list under wrk on loopback, next to a bare
   Django view served by the same server in the same run.
3. Import of a 30,000-row 台账.
4. The standalone benches: tally, opinion map, ballot ingest on PostgreSQL (bench/ballots.py), ballot sheets,
   duplicate search over 100,000 voices (bench/similar.py), the voice pages at 100,000 voices (bench/voices.py),
   time-bank transfers on PostgreSQL next to pgbench (bench/transfers.py) and the time-bank statistics endpoint at
   100× the demo history (bench/timebank_stats.py), and the demo's load part by part (bench/demo.py).

`python bench/run.py --only ballots` (or `--only tally,opinion_map`) runs only those standalone benches.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
COMMUNITIES = int(os.environ.get("BENCH_COMMUNITIES", "10"))
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "30000"))
DURATION = os.environ.get("BENCH_DURATION", "10s")


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        GONGZHI_DEBUG="0",
        GONGZHI_BENCH="1",
        PYTHONPATH=f"{ROOT}/src:{ROOT}",
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
        GONGZHI_SECRET_KEY="bench-" + "x" * 40,
        GONGZHI_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        **extra,
    )
    return env


def run_step(step: str, db: Path, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [PYTHON, str(Path(__file__).parent / "steps.py"), step, *args],
        env=env_for(db),
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    sys.stderr.write(result.stderr[-3000:])
    result.check_returncode()
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_script(name: str) -> dict[str, object]:
    """A standalone benchmark in bench/ that prints its figures as a JSON object on its last line."""
    out = subprocess.run(
        [PYTHON, str(Path(__file__).parent / name)], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    print(out, end="", flush=True)
    return json.loads(out.strip().splitlines()[-1])


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def pinned(cpu: int) -> list[str]:
    # Server and load generator each get a core of their own, so they don't steal from each other.
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else []


def wrk(url: str, cookie: str) -> float:
    out = subprocess.run(
        [*pinned(0), ensure_wrk(), "-t1", "-c4", f"-d{DURATION}", "-H", f"Cookie: sessionid={cookie}", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"errors under load for {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


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
        cookie = str(setup["session"])
        pages = {"bare": "/bench/bare/", "community_home": setup["home"], "resident_list": setup["list"]}
        for path in pages.values():  # warm the caches and the imports
            subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-b", f"sessionid={cookie}", base + str(path)], check=False
            )
        # Interleaved rounds: a slow minute of the machine hits every page alike; the median is reported.
        runs: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(ROUNDS):
            for name, path in pages.items():
                runs[name].append(wrk(base + str(path), cookie))
        return {"median": {k: statistics.median(v) for k, v in runs.items()}, "runs": runs}
    finally:
        server.terminate()
        server.wait(timeout=10)


SCRIPTS = {
    "tally": "tally.py",
    "opinion_map": "opinion_map.py",
    "ballots": "ballots.py",
    "sheets": "sheets.py",
    "similar": "similar.py",
    "voices": "voices.py",
    "transfers": "transfers.py",
    "timebank_stats": "timebank_stats.py",
    "demo": "demo.py",
    "login": "login.py",
}


def only(names: list[str]) -> None:
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        raise SystemExit(f"unknown bench {unknown}; choose from {sorted(SCRIPTS)}")
    OUT.mkdir(parents=True, exist_ok=True)
    results = {name: run_script(SCRIPTS[name]) for name in names}
    (OUT / f"results-{'-'.join(names)}.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


def main() -> None:
    if "--only" in sys.argv:
        at = sys.argv.index("--only")
        only(sys.argv[at + 1].split(",") if at + 1 < len(sys.argv) else [])
        return
    OUT.mkdir(parents=True, exist_ok=True)
    big, small = OUT / f"big-{COMMUNITIES}x{RESIDENTS}.sqlite3", OUT / "small-1000.sqlite3"
    timings: dict[str, object] = {}
    for db, communities, residents in ((small, 1, 1000), (big, COMMUNITIES, RESIDENTS)):
        if not db.exists():
            t0 = time.perf_counter()
            built = run_step("build", db, str(communities), str(residents))
            timings[f"build {db.name}"] = round(time.perf_counter() - t0, 1)
            print(f"built {db.name}: {built}", flush=True)
    queries_small = run_step("queries", small)
    queries_big = run_step("queries", big)
    setup = run_step("session", big)
    load = load_test(big, setup)
    rps: dict[str, float] = load["median"]  # type: ignore[assignment]
    for leftover in OUT.glob("import.sqlite3*"):
        leftover.unlink()
    imported = run_step("import", OUT / "import.sqlite3", "30000")
    tally = run_script("tally.py")
    opinion = run_script("opinion_map.py") if (Path(__file__).parent / "opinion_map.py").exists() else None
    sheets = run_script("sheets.py")
    ballots = run_script("ballots.py")  # PostgreSQL: started by scripts/ensure_postgres.sh, database gongzhi_bench
    similar = run_script("similar.py")
    voices = run_script("voices.py")
    transfers = run_script("transfers.py")  # PostgreSQL, next to pgbench, database gongzhi_bench
    timebank_stats = run_script("timebank_stats.py")  # SQLite, and PostgreSQL when DATABASE_URL names it
    demo_load = run_script("demo.py")  # SQLite, a fresh file per round
    results = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "database": "SQLite (WAL), file",
        },
        "residents": {"small": queries_small.pop("residents"), "big": queries_big.pop("residents")},
        "queries_small": queries_small,
        "queries_big": queries_big,
        "rps": rps,
        "rps_ratio": {k: round(v / rps["bare"], 3) for k, v in rps.items()},
        "rps_runs": load["runs"],
        "load": f"wrk -t1 -c4 -d{DURATION} pinned to CPU 0, runserver pinned to CPU 1, {ROUNDS} interleaved rounds",
        "import": imported,
        "tally": tally,
        "opinion_map": opinion,
        "ballots": ballots,
        "sheets": sheets,
        "similar": similar,
        "voices": voices,
        "transfers": transfers,
        "timebank_stats": timebank_stats,
        "demo": demo_load,
        "timings": timings,
    }
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
