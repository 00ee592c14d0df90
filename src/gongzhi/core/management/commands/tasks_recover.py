"""`manage.py tasks_recover --worker-id ID`: before a worker service starts, runs again (once) what it was doing
when it died. See gongzhi.core.task_recovery."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.core.task_recovery import tasks_recover


class Command(BaseCommand):
    help = "Requeue, once, the tasks a dead worker with this id left running."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-id", required=True, help="the fixed id the worker service runs db_worker with")

    def handle(self, *args: Any, **options: Any) -> None:
        recovered = tasks_recover(worker_id=options["worker_id"])
        self.stdout.write(f"requeued {len(recovered.requeued)}, failed {len(recovered.failed)}")
