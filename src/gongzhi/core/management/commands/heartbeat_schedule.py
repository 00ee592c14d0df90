"""Starts the task worker's heartbeat chain (a beat a minute, read by /healthz) unless a beat is already waiting."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gongzhi.core.tasks import ensure_heartbeat_scheduled


class Command(BaseCommand):
    help = "Schedule the task worker's heartbeat for /healthz (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = ensure_heartbeat_scheduled()
        self.stdout.write("heartbeat: scheduled" if started else "heartbeat: already scheduled (or no defer)")
