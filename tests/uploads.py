"""Files to upload in tests: real PDFs of the shapes readers meet (a classic cross-reference table, an incremental
update, a PDF 1.5 XRef stream as scanners write), real images, and hostile look-alikes (the %PDF + HTML polyglot)."""

from __future__ import annotations

import io
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reportlab.pdfgen import canvas

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n"


def real_pdf(text: str = "Proxy authorisation") -> bytes:
    """A one-page PDF as reportlab writes it: a classic `xref` table."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()


def incremental_pdf() -> bytes:
    """A PDF saved again with an incremental update: a second `xref` section whose trailer points back (/Prev)."""
    base = real_pdf()
    first_xref = int(base.rsplit(b"startxref", 1)[1].split()[0])
    size = int(base.split(b"/Size", 1)[1].split()[0].rstrip(b">"))
    root = base.split(b"/Root", 1)[1].split(b"R", 1)[0].strip()
    at = len(base)
    body = b"\n%d 0 obj\n<< /Producer (update) >>\nendobj\n" % size
    obj_at = at + 1
    xref_at = at + len(body)
    section = b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        obj_at,
        size + 1,
        root,
        first_xref,
        xref_at,
    )
    return base + body + section


def xref_stream_pdf() -> bytes:
    """A PDF 1.5 whose cross-reference is a compressed XRef stream with the PNG Up predictor (what many scanners and
    office suites write), built byte by byte."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    rows = [(0, 0, 255)] + [(1, o, 0) for o in offsets] + [(1, xref_at, 0)]
    raw = b"".join(bytes([t]) + o.to_bytes(2, "big") + bytes([g]) for t, o, g in rows)
    predicted, previous = bytearray(), bytes(4)
    for i in range(0, len(raw), 4):
        line = raw[i : i + 4]
        predicted += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(line, previous, strict=True))
        previous = line
    data = zlib.compress(bytes(predicted))
    out += (
        b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 2 1] /Root 1 0 R /Filter /FlateDecode "
        b"/DecodeParms << /Columns 4 /Predictor 12 >> /Length %d >>\nstream\n" % len(data)
    )
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo: a place the resident did not mean to share
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "x.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
