"""Starts the reminder and 督办 sweep chain (every 15 minutes) unless it is already waiting to run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.voices.tasks import ensure_sweep_scheduled


class Command(BaseCommand):
    help = "Schedule the 社情民意 reminder and escalation sweep (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = ensure_sweep_scheduled()
        self.stdout.write("voices sweep: scheduled" if started else "voices sweep: already scheduled (or no defer)")
