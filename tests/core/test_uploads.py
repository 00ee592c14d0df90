"""core.uploads: the type of an upload comes from its whole content. A PDF's cross-reference chain must hold, an
image must decode (and is re-encoded without its metadata); a file that only starts like one is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gongzhi.core import uploads
from tests.uploads import POLYGLOT, image_bytes, incremental_pdf, real_pdf, upload, xref_stream_pdf

KINDS = (uploads.PDF, "PNG", "JPEG")
MB = 1024 * 1024


@pytest.mark.parametrize("make", [real_pdf, incremental_pdf, xref_stream_pdf], ids=lambda f: f.__name__)
def test_real_pdfs_of_every_shape_are_accepted_as_sent(make):
    data = make()
    assert uploads.structure_problem(data) is None
    kept = uploads.inspect(upload(data, name="委托书.html"), kinds=KINDS, max_bytes=10 * MB)
    assert (kept.kind, kept.content_type, kept.extension, kept.data) == ("PDF", "application/pdf", "pdf", data)


def _moved(data: bytes) -> bytes:
    """Script slipped in before the objects, with `startxref` corrected: the table is found, but every object it
    lists is now somewhere else."""
    script = b"<script>alert(1)</script>"
    head, rest = data.split(b"\n1 0 obj", 1)
    body, tail = (head + script + b"\n1 0 obj" + rest).rsplit(b"startxref", 1)
    offset = int(tail.split()[0])
    return body + b"startxref\n%d\n%%%%EOF\n" % (offset + len(script))


def _html_body(data: bytes) -> bytes:
    """A real PDF's tail (xref, trailer, startxref) glued after HTML: the offsets point into the script."""
    tail = data[data.rindex(b"\nxref") + 1 :]
    return b"%PDF-1.4\n<html><script>alert(1)</script></html>\n" + b"\n" * (len(data) - len(tail)) + tail


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (POLYGLOT, "no startxref"),
        (POLYGLOT + b"startxref\n0\n%%EOF\n", "neither a table nor a stream"),
        (b"%PDF-1.4\n" + b"\x00" * 40, "no startxref"),
        (real_pdf()[:-200], "no startxref"),
        (real_pdf() + b"<script>alert(1)</script>", "no startxref"),
        (_moved(real_pdf()), "not where the cross-reference table says"),
        (_html_body(real_pdf()), "not where the cross-reference table says"),
        (real_pdf().replace(b"/Root", b"/Rxxx"), "no document catalogue"),
        (xref_stream_pdf().replace(b"/Type /XRef", b"/Type /XRxf"), "not an XRef stream"),
        (b"<html>%PDF-1.4</html>", "no header"),
    ],
    ids=[
        "polyglot",
        "polyglot-fake-tail",
        "header-only",
        "truncated",
        "appended-html",
        "moved",
        "html-body",
        "no-root",
        "not-xref",
        "html",
    ],
)
def test_files_that_only_look_like_a_pdf_are_refused(data, problem):
    assert problem in (uploads.structure_problem(data) or "")
    with pytest.raises(uploads.UploadRefused) as caught:
        uploads.inspect(upload(data), kinds=KINDS, max_bytes=10 * MB)
    assert caught.value.reason == "bad_type"


def test_an_image_is_decoded_and_re_encoded_without_its_metadata():
    sent = image_bytes("JPEG", size=(5000, 100), gps=True)
    assert 0x8825 in Image.open(io.BytesIO(sent)).getexif()
    kept = uploads.inspect(upload(sent, name="scan.pdf"), kinds=KINDS, max_bytes=10 * MB, max_side=4096)
    assert (kept.kind, kept.content_type, kept.extension) == ("JPEG", "image/jpeg", "jpg")
    assert kept.data != sent and (kept.width, kept.height) == (4096, 82)
    assert 0x8825 not in Image.open(io.BytesIO(kept.data)).getexif()
    png = uploads.inspect(upload(image_bytes("PNG")), kinds=KINDS, max_bytes=10 * MB)
    assert (png.kind, png.extension, png.width) == ("PNG", "png", 64)


@pytest.mark.parametrize(
    ("data", "kinds", "reason"),
    [
        (image_bytes("JPEG")[:200], KINDS, "bad_type"),  # a JPEG header and nothing after it
        (b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", KINDS, "bad_type"),
        (image_bytes("WEBP"), KINDS, "bad_type"),  # a real image, but not a kind this upload takes
        (real_pdf(), ("JPEG", "PNG"), "bad_type"),  # a real PDF where only images are taken
        (b"MZ\x90\x00", KINDS, "bad_type"),
        (b"", KINDS, "bad_type"),
        (real_pdf() + b" " * MB, KINDS, "too_big"),
    ],
    ids=["truncated-jpeg", "png-magic-html", "webp-not-taken", "pdf-not-taken", "exe", "empty", "too-big"],
)
def test_other_uploads_are_refused_with_the_reason(data, kinds, reason):
    with pytest.raises(uploads.UploadRefused) as caught:
        uploads.inspect(upload(data), kinds=kinds, max_bytes=MB)
    assert caught.value.reason == reason


def test_the_stored_name_is_random_with_the_detected_extension():
    kept = uploads.inspect(upload(real_pdf(), name="../../x.html"), kinds=KINDS, max_bytes=10 * MB)
    first, second = kept.stored_name(), kept.stored_name()
    assert first != second
    stem, extension = first.split(".")
    assert extension == "pdf" and len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
