"""The similarity index lives in each process (voices/similarity.py): a voice filed through one web worker is
suggested by another, which catches up through `updated_at`, with the shared Redis cache between them.

Two real gunicorn processes, one worker each, share the database and a Redis of the test's own. The data is made
here and committed: on PostgreSQL the servers use the test database itself; on SQLite (in memory here) it is copied
into a file with SQLite's backup API, since migrating a new file would take far longer than the test."""

from __future__ import annotations

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client

from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def server_env(tmp_path: Path, database_url: str, cache_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GONGZHI_", "DATABASE_URL"))}
    env.update(
        # The test's own key: the session made here must be readable there.
        GONGZHI_SECRET_KEY=settings.SECRET_KEY,
        GONGZHI_ALLOWED_HOSTS="127.0.0.1,localhost",
        GONGZHI_DEBUG="0",
        GONGZHI_VAR_DIR=str(tmp_path),
        DATABASE_URL=database_url,
        GONGZHI_CACHE_URL=cache_url,
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
    )
    return env


def shared_database(tmp_path: Path) -> str:
    """A DATABASE_URL the servers can open that holds what this test committed."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
        return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"
    database = tmp_path / "shared.sqlite3"
    with sqlite3.connect(database) as copy:
        connection.ensure_connection()
        connection.connection.backup(copy)
    return f"sqlite:///{database}"


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on {port} exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except urllib.error.HTTPError:
            return  # 503 (no task worker here) is an answer
        except OSError:
            time.sleep(0.1)
            continue
        return
    raise RuntimeError(f"gunicorn on {port} did not answer")


@pytest.fixture
def gunicorn() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The servers a test starts; killed at its end, whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for each in started:
        # The whole group: a killed gunicorn master leaves its worker (and its database connection) behind.
        os.killpg(each.pid, signal.SIGKILL)
        each.wait(timeout=10)


def start(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "--pythonpath", "src", "--workers", "1"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", "gongzhi.wsgi:application"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def call(port: int, path: str, *, headers: dict[str, str], data: dict[str, object] | None = None) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_voice_filed_through_one_worker_is_suggested_by_the_other(desk, tmp_path, redis_server, gunicorn):
    # Sessions and tokens are checked against the servers' real clock, not the suite's pinned one.
    with time_machine.travel(time_machine.escape_hatch.datetime.datetime.now(tz=datetime.UTC), tick=True):
        _token, bearer = api_token_create(actor=None, user=desk.resident, name="test")
        browser = Client()
        browser.force_login(desk.staff[Role.SECRETARY])
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    env = server_env(tmp_path, shared_database(tmp_path), redis_server.url(0))
    first, second = free_port(), free_port()
    gunicorn.extend([start(first, env), start(second, env)])
    for port, process in zip((first, second), gunicorn, strict=True):
        wait_until_up(port, process)

    community, building = desk.site.community.pk, desk.site.buildings[0].pk
    search = f"/c/{community}/voices/similar/?place={building}&text=" + urllib.parse.quote("路灯坏了晚上很黑")
    as_secretary = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    # Both processes build their index before the voice exists: the second must catch up, not build late.
    for port in (first, second):
        status, html = call(port, search, headers=as_secretary)
        assert status == 200
        assert "similar-voice" not in html

    status, body = call(
        first,
        f"/api/communities/{community}/voices",
        headers={"Authorization": f"Bearer {bearer}"},
        data={"category": "lighting", "place": building, "text": "1栋路灯坏了三天，晚上很黑"},
    )
    assert status == 201, body
    voice = json.loads(body)["id"]

    status, html = call(second, search, headers=as_secretary)
    assert status == 200
    assert f'data-voice="{voice}"' in html
