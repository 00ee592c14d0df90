"""A worker killed mid-task: its task runs again once when the worker service restarts (core.task_recovery)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gongzhi.core.task_recovery import tasks_recover
from tests.core.worker_tasks import noted_effect

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_BACKEND


def _running(worker_ids: list[str]) -> DBTaskResult:
    result = noted_effect.enqueue("/nonexistent")
    row = DBTaskResult.objects.get(pk=result.id)
    for worker_id in worker_ids:
        row.claim(worker_id)
    return row


@pytest.mark.django_db
def test_a_task_its_dead_worker_left_running_runs_again_once(db_tasks):
    once = _running(["w1"])
    twice = _running(["w1", "w1"])
    elsewhere = _running(["w1", "w2"])
    recovered = tasks_recover(worker_id="w1")
    assert recovered.requeued == [str(once.pk)] and recovered.failed == [str(twice.pk)]
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses[once.pk] == TaskResultStatus.READY
    assert statuses[twice.pk] == TaskResultStatus.FAILED
    # Last claimed by another worker, which may be alive and running it: untouched.
    assert statuses[elsewhere.pk] == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=twice.pk).traceback.startswith("The worker died during each of 2 runs")


def _env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k != "PYTEST_VERSION"}
    return {
        **clean,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GONGZHI_VAR_DIR": str(tmp_path / "var"),
        "GONGZHI_SECRET_KEY": "task-recovery-test-" + "k" * 40,
        "GONGZHI_ALLOWED_HOSTS": "127.0.0.1",
        "GONGZHI_DEBUG": "0",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _wait_for(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.1)


def test_a_real_worker_killed_mid_task_runs_it_again_once_after_restart(tmp_path):
    env = _env(tmp_path)
    folder = tmp_path / "task"
    folder.mkdir()
    _manage(env, "migrate", "--noinput", "-v0")
    enqueue = f"from tests.core.worker_tasks import noted_effect; noted_effect.enqueue({str(folder)!r})"
    _manage(env, "shell", "-c", enqueue)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--worker-id", "w1", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(folder / "starts")
    finally:
        worker.send_signal(signal.SIGKILL)  # no chance to mark anything
        worker.wait(timeout=30)
    (folder / "go").touch()

    assert "requeued 1, failed 0" in _manage(env, "tasks_recover", "--worker-id", "w1")
    _manage(env, "db_worker", "--worker-id", "w1", "--interval", "0.1", "--no-startup-delay", "--batch")

    assert (folder / "starts").read_text().count("start") == 2
    assert (folder / "effects").read_text().count("done") == 1
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        rows = db.execute("SELECT status, worker_ids FROM django_tasks_database_dbtaskresult").fetchall()
    assert rows == [(TaskResultStatus.SUCCESSFUL, '["w1", "w1"]')]
