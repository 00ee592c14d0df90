"""Which production app server serves gongzhi fastest (issue 15): gunicorn with sync workers, gunicorn with gthread,
granian (WSGI) and uvicorn (ASGI), each with 2 workers on loopback, DEBUG off, on the bench's SQLite data.

Each server is driven by `wrk -t2 -c8 -d10s` on three URLs: the bare view anonymous, the bare view with a signed-in
session cookie, and the community home signed in. The machine has 2 cores shared with the load generator (and with
whatever else runs), so the servers take turns within a round, rounds repeat (`APPSERVER_ROUNDS`, default 3), and
every figure is also given as a ratio to gunicorn-sync's bare anonymous view in the same round.

`python bench/appserver.py` (data: `APPSERVER_RESIDENTS`, default 30,000 residents in one community; built once
into var/bench/). Prints a table, then a JSON line last.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import time
from pathlib import Path

from run import OUT, PYTHON, ROOT, env_for, free_port, run_step

RESIDENTS = int(os.environ.get("APPSERVER_RESIDENTS", "30000"))
ROUNDS = int(os.environ.get("APPSERVER_ROUNDS", "3"))
DURATION = os.environ.get("APPSERVER_DURATION", "10s")
BIN = Path(PYTHON).parent

# Each command serves the same app with 2 workers; {port} is filled in. Access logs are off in all four.
SERVERS: dict[str, list[str]] = {
    "gunicorn-sync": [
        str(BIN / "gunicorn"),
        "gongzhi.wsgi:application",
        "--workers",
        "2",
        "--bind",
        "127.0.0.1:{port}",
    ],
    "gunicorn-gthread": [
        str(BIN / "gunicorn"),
        "gongzhi.wsgi:application",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--bind",
        "127.0.0.1:{port}",
    ],
    "granian-wsgi": [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "gongzhi.wsgi:application",
    ],
    "uvicorn-asgi": [
        str(BIN / "uvicorn"),
        "gongzhi.asgi:application",
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--no-access-log",
        "--log-level",
        "warning",
    ],
}


# `APPSERVER_ONLY=gunicorn-sync,granian-wsgi` measures only those (gunicorn-sync stays: it is the yardstick).
if os.environ.get("APPSERVER_ONLY"):
    chosen = {"gunicorn-sync", *os.environ["APPSERVER_ONLY"].split(",")}
    SERVERS = {name: command for name, command in SERVERS.items() if name in chosen}


def wrk(url: str, cookie: str | None) -> float:
    header = ["-H", f"Cookie: sessionid={cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{DURATION}", *header, url], check=True, capture_output=True, text=True
    ).stdout
    # A few wrk timeouts (2 s) can happen while another job holds the cores; they count as requests not served.
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"errors under load for {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def serve(name: str, db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in SERVERS[name]]
    env = env_for(db, GONGZHI_ALLOWED_HOSTS="127.0.0.1,localhost")
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{name} did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, 15)  # the master and its workers, started in their own session above
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait()


def measure(name: str, db: Path, session: str, home: str) -> dict[str, float]:
    server, base = serve(name, db)
    try:
        urls = {"bare_anonymous": ("/bench/bare/", None), "bare_signed_in": ("/bench/bare/", session)}
        urls["home_signed_in"] = (home, session)
        for path, cookie in urls.values():  # every worker imports, connects and warms its caches first
            for _ in range(8):
                subprocess.run(
                    ["curl", "-sf", "-o", "/dev/null", "-b", f"sessionid={cookie or ''}", base + path], check=True
                )
        return {label: wrk(base + path, cookie) for label, (path, cookie) in urls.items()}
    finally:
        stop(server)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"appserver-1x{RESIDENTS}.sqlite3"
    if not db.exists():
        print(f"building {db.name}: {run_step('build', db, '1', str(RESIDENTS))}", flush=True)
    setup = run_step("session", db)
    session, home = str(setup["session"]), str(setup["home"])
    load_before = os.getloadavg()
    rounds: list[dict[str, dict[str, float]]] = []
    for i in range(ROUNDS):
        # Alternate the order so no server always runs first or last in a round.
        order = list(SERVERS) if i % 2 == 0 else list(reversed(SERVERS))
        figures = {name: measure(name, db, session, home) for name in order}
        rounds.append(figures)
        print(f"round {i + 1}: {json.dumps(figures)}", flush=True)
    table: dict[str, dict[str, dict[str, object]]] = {}
    for name in SERVERS:
        table[name] = {}
        for label in rounds[0][name]:
            rps = [r[name][label] for r in rounds]
            ratios = [r[name][label] / r["gunicorn-sync"]["bare_anonymous"] for r in rounds]
            table[name][label] = {
                "rps_median": round(statistics.median(rps), 1),
                "rps": [round(x, 1) for x in rps],
                "ratio_median": round(statistics.median(ratios), 3),
                "ratios": [round(x, 3) for x in ratios],
            }
    print(f"{'server':<18}{'page':<16}{'req/s median':>14}  {'runs':<26}{'vs gunicorn-sync bare anon':>28}")
    for name, pages in table.items():
        for label, row in pages.items():
            runs = " / ".join(f"{x:.0f}" for x in row["rps"])  # type: ignore[attr-defined]
            ratios = " / ".join(f"{x:.0%}" for x in row["ratios"])  # type: ignore[attr-defined]
            print(f"{name:<18}{label:<16}{row['rps_median']:>14}  {runs:<26}{ratios:>28}")
    result = {
        "residents": RESIDENTS,
        "rounds": ROUNDS,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "servers": table,
    }
    (OUT / "appserver.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
