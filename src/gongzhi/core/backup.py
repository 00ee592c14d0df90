"""`manage.py backup` and `manage.py restore`: one archive holds the database, the media files and a manifest.

The archive (gongzhi-backup-<UTC time>.tar.gz) holds:
- `database.pgdump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite's online backup API:
  a consistent copy while the site runs);
- `media/…`, every file under MEDIA_ROOT (voice photos, ballot scans, signed agreements);
- `manifest.json`: when, which database, the schema (the latest applied migration of each app), the sha256 of
  every file and the row count of every table, counted in the same snapshot as the dump.

A restore refuses a file whose checksum differs, a schema this code does not know (a backup from a newer
version), and a database or media folder that is not empty: it never merges into or overwrites a live site.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

__all__ = ["BackupRefused", "Restored", "backup_create", "backup_restore", "manifest_read"]

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
CHUNK = 1024 * 1024


class BackupRefused(Exception):
    """A backup or restore that must not go ahead; the message (Chinese first) tells the operator why."""


@dataclass(frozen=True)
class Restored:
    archive: Path
    tables: int
    rows: int
    files: int
    schema: dict[str, str]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> dict[str, str]:
    """libpq's variables for the default database: the password never appears on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _schema() -> dict[str, str]:
    """The latest applied migration of each app (migration names are numbered, so the last in order)."""
    latest: dict[str, str] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        latest[app] = name
    return latest


def _sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: int(db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608 (names from the file)
            for table in sorted(tables)
            if not table.startswith("sqlite_")
        }


def _db_counts() -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (names from the catalogue)
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _dump_database(staging: Path) -> tuple[str, dict[str, int], dict[str, str]]:
    """The dump file's name, the row counts and the schema, all of one moment of the database."""
    if connection.vendor == "sqlite":
        target = staging / SQLITE_COPY
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return SQLITE_COPY, _sqlite_counts(target), _schema()
    if connection.vendor != "postgresql":
        raise BackupRefused(f"不支持的数据库：{connection.vendor} (only PostgreSQL and SQLite)")
    if shutil.which("pg_dump") is None:
        raise BackupRefused("找不到 pg_dump：请安装 postgresql-client (pg_dump not found)")
    # pg_dump reads the snapshot this transaction exports, so the counts and the dump are of the same moment.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts, schema = _db_counts(), _schema()
        subprocess.run(  # noqa: S603 (fixed program, arguments of our own)
            [
                *("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"),
                *("--file", str(staging / PG_DUMP)),
            ],
            env=_pg_env(),
            check=True,
            capture_output=True,
        )
    return PG_DUMP, counts, schema


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def backup_create(*, output_dir: Path, now: datetime) -> Path:
    """Writes the archive into output_dir (made if missing; written aside, then renamed) and returns its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as tmp:
        staging = Path(tmp) / "content"
        staging.mkdir()
        dump, counts, schema = _dump_database(staging)
        names = [dump]
        for source in _media_files(media_root):
            name = "media/" + source.relative_to(media_root).as_posix()
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staging / name)
            names.append(name)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": connection.vendor,
            "dump": dump,
            "schema": schema,
            "files": [
                {"path": n, "sha256": sha256_of(staging / n), "size": (staging / n).stat().st_size} for n in names
            ],
            "rows": counts,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        final = output_dir / f"gongzhi-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
        aside = Path(tmp) / final.name
        with tarfile.open(aside, "w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            for name in names:
                archive.add(staging / name, arcname=name)
        # Residents' personal data: readable by the service account only.
        aside.chmod(0o600)
        os.replace(aside, final)
    return final


@contextmanager
def _unpacked(archive: Path) -> Iterator[Path]:
    if not archive.is_file():
        raise BackupRefused(f"找不到备份文件：{archive}")
    with tempfile.TemporaryDirectory(prefix="gongzhi-restore-") as tmp:
        try:
            with tarfile.open(archive, "r:*") as tar:
                # The data filter refuses absolute paths, `..`, links out of the folder and device files.
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupRefused(f"备份文件已损坏或不是 gongzhi 备份：{archive} ({type(error).__name__})") from error
        yield Path(tmp)


def manifest_read(folder: Path) -> dict[str, Any]:
    """The manifest, after every file it lists was checked against its sha256 and nothing else came along."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
        missing = {"database", "dump", "schema", "rows"} - set(manifest)
        if missing:
            raise KeyError(sorted(missing))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupRefused("备份文件缺少有效的清单 manifest.json，不是完整的 gongzhi 备份") from error
    if manifest.get("format") != FORMAT:
        raise BackupRefused(f"备份格式 {manifest.get('format')} 不是本程序能读的格式 {FORMAT}")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    if present != set(listed):
        odd = sorted(present ^ set(listed))[:5]
        raise BackupRefused(f"备份文件校验失败：文件与清单不符（{', '.join(odd)}），备份可能被改动或不完整")
    for name, expected in sorted(listed.items()):
        if sha256_of(folder / name) != expected:
            raise BackupRefused(f"备份文件校验失败：{name} 的校验和不符，备份已被改动或损坏，拒绝恢复")
    return manifest


def _check_schema(schema: dict[str, str]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in schema.items() if (app, name) not in known)
    if unknown:
        raise BackupRefused(
            f"备份的数据结构比本程序新（本程序没有迁移 {', '.join(unknown)}）："
            "请先升级 gongzhi 到做备份时的版本，再恢复"
        )


def _check_empty_target(media_root: Path) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupRefused(f"目标数据库不是空的（已有 {len(tables)} 张表）：恢复只写入新建的空数据库，不覆盖现有数据")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupRefused(f"目标媒体文件夹 {media_root} 不是空的：恢复只写入空文件夹，不覆盖现有文件")


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _load_database(folder: Path, manifest: dict[str, Any]) -> None:
    if manifest["database"] != connection.vendor:
        raise BackupRefused(
            f"备份来自 {manifest['database']} 数据库，当前配置的是 {connection.vendor}：请配置同一种数据库再恢复"
        )
    if connection.vendor == "sqlite":
        target = _sqlite_path()
        connections.close_all()
        for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        aside = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(folder / SQLITE_COPY, aside)
        os.replace(aside, target)
        return
    if shutil.which("pg_restore") is None:
        raise BackupRefused("找不到 pg_restore：请安装 postgresql-client (pg_restore not found)")
    connections.close_all()
    result = subprocess.run(  # noqa: S603 (fixed program, arguments of our own)
        [
            *("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"),
            *("--dbname", str(settings.DATABASES["default"]["NAME"]), str(folder / PG_DUMP)),
        ],
        env=_pg_env(),
        check=False,
        capture_output=True,
    )
    if result.returncode != 0:
        raise BackupRefused("pg_restore 未能恢复数据库（已回滚）：" + result.stderr.decode(errors="replace")[-500:])


def backup_restore(*, archive: Path) -> Restored:
    """Checks the archive (checksums, schema), then that the database and media folder are empty, then restores
    both and checks every table's row count against the manifest."""
    media_root = Path(settings.MEDIA_ROOT)
    with _unpacked(archive) as folder:
        manifest = manifest_read(folder)
        _check_schema(manifest["schema"])
        _check_empty_target(media_root)
        _load_database(folder, manifest)
        media = sorted(p for p in (folder / "media").rglob("*") if p.is_file()) if (folder / "media").is_dir() else []
        for source in media:
            target = media_root / source.relative_to(folder / "media")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    counts = _sqlite_counts(_sqlite_path()) if connection.vendor == "sqlite" else _db_counts()
    if counts != manifest["rows"]:
        wrong = sorted(t for t in set(counts) | set(manifest["rows"]) if counts.get(t) != manifest["rows"].get(t))
        raise BackupRefused(f"恢复后的行数与清单不符：{', '.join(wrong[:5])}")
    return Restored(
        archive=archive, tables=len(counts), rows=sum(counts.values()), files=len(media), schema=manifest["schema"]
    )
