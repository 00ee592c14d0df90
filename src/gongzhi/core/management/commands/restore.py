"""Restores a backup archive into an empty database and media folder (see core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.backup import BackupRefused, backup_restore


class Command(BaseCommand):
    help = "Restore a `manage.py backup` archive into an empty database and media folder (refuses anything else)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the .tar.gz written by manage.py backup")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup_restore(archive=options["archive"])
        except BackupRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"已恢复：{done.tables} 张表，{done.rows} 行，{done.files} 个媒体文件；"
            "请接着运行 manage.py migrate（备份来自旧版本时补上新的迁移），再启动服务"
            f" (restored {done.tables} tables, {done.rows} rows, {done.files} media files; run migrate next)"
        )
