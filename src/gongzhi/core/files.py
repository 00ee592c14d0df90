"""The one way a private file leaves the server: ballot scans and proxy letters, voice photos, and whatever is kept
later (agreements, receipts). MEDIA_ROOT is never a public path (gongzhi.urls serves no /media/); a view first
checks that the reader may see the row the file belongs to, then answers with `private_file_response`."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from gongzhi.core.errors import NotFound

__all__ = ["INLINE_TYPES", "accel_name", "content_type_of", "private_file_response"]

# Shown in the page (an <img>); everything else is downloaded, never rendered on the app's origin.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# The extensions the app itself gives stored files (core.uploads.Inspected.stored_name).
_BY_EXTENSION = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_EXTENSION_OF = {**{v: k for k, v in _BY_EXTENSION.items()}, "application/octet-stream": "bin"}


def content_type_of(stored: FieldFile) -> str:
    """The type a stored file is served as, from the extension the app gave it; a file stored before uploads were
    inspected (any name a user chose) is an opaque download."""
    extension = str(stored.name or "").rsplit(".", 1)[-1].lower()
    return _BY_EXTENSION.get(extension, "application/octet-stream")


def private_file_response(
    stored: FieldFile, *, name: str, content_type: str | None = None, max_age: int = 3600
) -> HttpResponse | FileResponse:
    """The file for a reader the view has already let see it, offered as `name` plus the extension of the type it
    is served as. An image is shown inline; anything else is an attachment. The type is never sniffed, the browser
    may keep it only in its own cache, and a sandboxing CSP keeps even a hostile file from running script or
    reaching the app's origin if a browser did render it.

    Behind nginx (settings.GONGZHI_MEDIA_ACCEL, e.g. "/_protected/") the body is left to nginx: an empty answer
    names the file in X-Accel-Redirect, an `internal` location aliasing MEDIA_ROOT, so no worker is held while a
    10 MB scan goes out over a slow line."""
    content_type = content_type if content_type in _EXTENSION_OF else content_type_of(stored)
    inline = content_type in INLINE_TYPES
    download_name = f"{name}.{_EXTENSION_OF[content_type]}"
    accel_prefix: str = getattr(settings, "GONGZHI_MEDIA_ACCEL", "")
    response: HttpResponse | FileResponse
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_prefix + quote(accel_name(stored), safe="/")
        disposition = content_disposition_header(not inline, download_name)
        if disposition:
            response["Content-Disposition"] = disposition
    else:
        try:
            handle = stored.open("rb")
        except (FileNotFoundError, ValueError) as exc:  # no file, or the row outlived it (a restore without media)
            raise NotFound() from exc
        response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


def accel_name(stored: FieldFile) -> str:
    """The stored name nginx is told to send, relative to MEDIA_ROOT. The app only ever stores names it made, but a
    name that climbs out (`..`) or starts at the root is refused as missing rather than trusted to nginx's checks."""
    stored_name = str(stored.name or "")
    if not stored_name or ".." in stored_name or stored_name.startswith("/") or "\\" in stored_name:
        raise NotFound()
    return stored_name
