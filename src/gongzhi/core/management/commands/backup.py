"""Writes one backup archive: the database, the media files and a manifest (see core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gongzhi.core.backup import BackupRefused, backup_create


class Command(BaseCommand):
    help = "Back up the database and the media files into one .tar.gz archive (prints its path)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, default=None, help="folder for the archive (default: GONGZHI_VAR_DIR/backups)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"] or Path(settings.VAR_DIR) / "backups"
        try:
            archive = backup_create(output_dir=output, now=timezone.now())
        except BackupRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(archive))
