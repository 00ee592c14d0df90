"""Expires the 核销 codes unused past their validity (refunding their points) and schedules recurring activities'
coming sessions now; with --schedule, starts the
hourly background chain instead (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.timebank.services.redemptions import redemptions_expire
from gongzhi.timebank.services.settings import elderly_floors_follow
from gongzhi.timebank.tasks import ensure_sweep_scheduled, recurring_sessions_extend


class Command(BaseCommand):
    help = "Expire unused time bank redemption codes and refund them; --schedule starts the hourly sweep."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", action="store_true", help="start the hourly background sweep")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            started = ensure_sweep_scheduled()
            self.stdout.write("timebank sweep: scheduled" if started else "timebank sweep: already scheduled")
            return
        expired, added, elders = redemptions_expire(), recurring_sessions_extend(), elderly_floors_follow()
        self.stdout.write(
            f"timebank sweep: {expired} redemptions expired, {added} sessions added, {elders} elderly floors set"
        )
