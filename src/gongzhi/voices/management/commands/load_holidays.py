"""Loads the bundled public holidays and make-up working days (voices/holidays_cn.json) into the work calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gongzhi.voices.services.deadlines import holidays_load


class Command(BaseCommand):
    help = "Load China's public holidays and make-up working days (the State Council notice) into the calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None, help="another JSON file of the same shape")

    def handle(self, *args: Any, **options: Any) -> None:
        n = holidays_load(path=options["file"])
        self.stdout.write(f"calendar: {n} dates loaded")
