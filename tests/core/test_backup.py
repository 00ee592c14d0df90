"""manage.py backup and restore: the demo round-trips into a new var folder with the same rows, an intact audit
chain and a ledger that sums to zero; a tampered archive, a newer schema and a non-empty target are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from importlib import import_module
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PHOTO = b"\xff\xd8\xff\xe0 a voice photo \xff\xd9"


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts


def repack(archive: Path, dest: Path, change: Callable[[Path], None]) -> Path:
    """A copy of the archive with one thing changed, as someone tampering with it would."""
    folder = dest.with_suffix(".d")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    change(folder)
    with tarfile.open(dest, "w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(folder).as_posix())
    return dest


def manage(var: Path, database_url: str, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GONGZHI_", "DATABASE_URL"))}
    env.update(
        GONGZHI_SECRET_KEY=settings.SECRET_KEY,
        GONGZHI_ALLOWED_HOSTS="127.0.0.1,localhost",
        GONGZHI_DEBUG="0",
        GONGZHI_VAR_DIR=str(var),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A DATABASE_URL for a new, empty database: on SQLite none (the new var folder's file), on PostgreSQL one
    made beside the test database and dropped afterwards."""
    if connection.vendor != "postgresql":
        yield ""
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    with connection.cursor() as cursor:  # a transactional test: no transaction open, CREATE DATABASE may run
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}@" if db["USER"] else ""
    yield f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _builtin_tags_back() -> None:
    """The rows a data migration made (the built-in tags the demo hands out) are gone when a transactional test ran
    before this one in the same process: its flush empties every table. Make them again, as the migration does."""
    from django.apps import apps

    import_module("gongzhi.people.migrations.0002_builtin_tags").forwards(apps, None)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    _builtin_tags_back()
    call_command("load_demo", "--residents", "100", "--quiet")
    photo = Path(settings.MEDIA_ROOT) / "voices" / "photos" / "lamp.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)
    out = StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    return Path(out.getvalue().strip())


def test_the_demo_round_trips_into_a_new_var_folder(archive, empty_database, tmp_path):
    expected = row_counts()
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    dump = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    assert names == {"manifest.json", dump, "media/voices/photos/lamp.jpg"}
    assert manifest["database"] == connection.vendor
    assert manifest["schema"]["core"] == "0006_worker_heartbeat_task_lease"
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    assert manifest["rows"] == expected
    assert manifest["rows"]["timebank_entry"] > 0
    assert archive.stat().st_mode & 0o777 == 0o600  # residents' data: the service account's alone
    var = tmp_path / "fresh"
    blocker = var / "media" / "left-behind.txt"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("x")
    script = f"""
import json
from pathlib import Path
from django.core.management import call_command
from django.core.management.base import CommandError
try:
    call_command("restore", {str(archive)!r})
except CommandError as error:
    print("REFUSED", error)
Path({str(blocker)!r}).unlink()
call_command("restore", {str(archive)!r})
call_command("verify_audit")
call_command("verify_ledger")
from tests.core.test_backup import row_counts
print("COUNTS", json.dumps(row_counts()))
"""
    done = manage(var, empty_database, script)
    assert done.returncode == 0, done.stderr
    assert "REFUSED 目标媒体文件夹" in done.stdout  # the first try: a file in the media folder
    assert "已恢复" in done.stdout
    assert "审计链完整" in done.stdout
    assert "积分账本一致" in done.stdout and "总额为 0" in done.stdout
    counts = next(line for line in done.stdout.splitlines() if line.startswith("COUNTS "))
    assert json.loads(counts.removeprefix("COUNTS ")) == expected
    assert (var / "media" / "voices" / "photos" / "lamp.jpg").read_bytes() == PHOTO


def test_a_damaged_or_newer_archive_and_a_database_with_data_are_refused(archive, tmp_path):
    def flip_a_byte(folder: Path) -> None:
        dump = folder / ("database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump")
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))

    def add_a_file(folder: Path) -> None:
        (folder / "media" / "extra.sh").write_text("rm -rf /")

    def from_the_future(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["schema"]["core"] = "0099_from_a_later_version"
        (folder / "manifest.json").write_text(json.dumps(manifest))

    before = row_counts()
    with pytest.raises(CommandError, match="校验和不符"):
        call_command("restore", str(repack(archive, tmp_path / "tampered.tar.gz", flip_a_byte)))
    with pytest.raises(CommandError, match="文件与清单不符"):
        call_command("restore", str(repack(archive, tmp_path / "added.tar.gz", add_a_file)))
    with pytest.raises(CommandError, match=r"数据结构比本程序新.*core\.0099_from_a_later_version"):
        call_command("restore", str(repack(archive, tmp_path / "newer.tar.gz", from_the_future)))
    # A sound archive, but this database holds a site: never merged into nor overwritten.
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command("restore", str(archive))
    assert row_counts() == before


def test_a_missing_or_foreign_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "nothing.tar.gz"))
    (tmp_path / "notes.tar.gz").write_text("not an archive")
    with pytest.raises(CommandError, match="已损坏或不是 gongzhi 备份"):
        call_command("restore", str(tmp_path / "notes.tar.gz"))
