"""A task that a real `db_worker` runs for tests/core/test_task_recovery.py: it notes each start in a file, waits
until the test lets it finish, then notes its one effect."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task

WAIT_SECONDS = 120


@task()
def noted_effect(folder: str) -> None:
    root = Path(folder)
    with (root / "starts").open("a") as out:
        out.write("start\n")
    deadline = time.monotonic() + WAIT_SECONDS
    while not (root / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never let the task finish")
        time.sleep(0.05)
    with (root / "effects").open("a") as out:
        out.write("done\n")
