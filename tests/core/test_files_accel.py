"""Private files behind nginx (GONGZHI_MEDIA_ACCEL): the app answers with X-Accel-Redirect and no body, with the
same headers it gives when it streams the file itself; a stored name that climbs out of MEDIA_ROOT is a 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.test import override_settings

from gongzhi.core.errors import NotFound
from gongzhi.core.files import private_file_response

SAME_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Content-Type-Options",
)


def stored(name: str) -> FieldFile:
    field = FileField(name="evidence")
    return FieldFile(None, field, name)


@pytest.fixture
def media(tmp_path: Path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


def write(media: Path, name: str, data: bytes) -> None:
    (media / name).parent.mkdir(parents=True, exist_ok=True)
    (media / name).write_bytes(data)


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("voices/2026/ab12cd.jpg", 'inline; filename="voice-7-1.jpg"'),
        ("ballots/ef34.pdf", 'attachment; filename="voice-7-1.pdf"'),
    ],
)
def test_behind_nginx_the_file_is_named_for_nginx_with_the_headers_it_would_have(media, name, disposition):
    write(media, name, b"the bytes")
    streamed = private_file_response(stored(name), name="voice-7-1")
    with override_settings(GONGZHI_MEDIA_ACCEL="/_protected/"):
        accel = private_file_response(stored(name), name="voice-7-1")
    assert accel.status_code == 200
    assert accel["X-Accel-Redirect"] == f"/_protected/{name}"
    assert accel.content == b""
    assert accel["Content-Disposition"] == disposition
    assert "sandbox" in accel["Content-Security-Policy"]
    assert {h: accel[h] for h in SAME_HEADERS} == {h: streamed[h] for h in SAME_HEADERS}
    assert b"".join(streamed.streaming_content) == b"the bytes"  # type: ignore[attr-defined]


def test_a_name_with_spaces_or_chinese_is_url_quoted_for_nginx(media):
    with override_settings(GONGZHI_MEDIA_ACCEL="/_protected/"):
        response = private_file_response(stored("old uploads/选票 1.pdf"), name="ballot-1-2")
    assert response["X-Accel-Redirect"] == "/_protected/old%20uploads/%E9%80%89%E7%A5%A8%201.pdf"


@pytest.mark.parametrize(
    "name", ["../secret_key", "voices/../../gongzhi.sqlite3", "/etc/passwd", "voices/..%2F..", "voices\\..\\x.jpg"]
)
def test_a_stored_name_leaving_media_root_is_refused_as_missing(media, name):
    with override_settings(GONGZHI_MEDIA_ACCEL="/_protected/"), pytest.raises(NotFound):
        private_file_response(stored(name), name="voice-7-1")


def test_without_accel_a_missing_file_is_still_a_404(media):
    with pytest.raises(NotFound):
        private_file_response(stored("voices/gone.jpg"), name="voice-7-1")
