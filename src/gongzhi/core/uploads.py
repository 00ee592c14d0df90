"""What an upload really is, judged from its whole content, and the bytes the app keeps of it.

Neither the file's name nor the browser's content type nor the first bytes decide: a file that starts with `%PDF`
and goes on as HTML is not a PDF. An image must decode with Pillow and is re-encoded from its pixels (upright, no
EXIF/GPS, XMP or ICC block); a PDF must have the structure a reader relies on (`structure_problem`); an .xlsx is
opened by the 台账 import itself (`people.importing`). What is kept is stored under `Inspected.stored_name()`, a
random name with the extension of the detected type, so nothing the uploader chose reaches the disk path.

Callers word their own messages: `UploadRefused.reason` is "too_big", "bad_type" or "too_many_pixels".
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "IMAGE_FORMATS",
    "PDF",
    "Inspected",
    "UploadRefused",
    "image_open",
    "inspect",
    "size_of",
    "structure_problem",
]

PDF = "PDF"
# Pillow format → (content type, extension).
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
CONTENT_TYPES = {PDF: ("application/pdf", "pdf"), **IMAGE_FORMATS}


class UploadRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Inspected:
    """An accepted upload: its detected kind and the bytes to keep (re-encoded for an image, as sent for a PDF)."""

    kind: str
    data: bytes
    width: int = 0
    height: int = 0

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind][0]

    @property
    def extension(self) -> str:
        return CONTENT_TYPES[self.kind][1]

    def stored_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def size_of(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return int(size)


def inspect(file: Any, *, kinds: Collection[str], max_bytes: int, max_side: int = 2560) -> Inspected:
    """The upload as one of `kinds` (PDF and/or Pillow formats), or UploadRefused. Reads the file; writes nothing."""
    if size_of(file) > max_bytes:
        raise UploadRefused("too_big")
    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head == b"%PDF-":
        if PDF not in kinds:
            raise UploadRefused("bad_type")
        data = file.read(max_bytes + 1)
        file.seek(0)
        if structure_problem(data) is not None:
            raise UploadRefused("bad_type")
        return Inspected(PDF, data)
    formats = [k for k in kinds if k in IMAGE_FORMATS]
    if not formats:
        raise UploadRefused("bad_type")
    return _reencode(image_open(file, formats=formats), max_side=max_side)


def image_open(file: Any, *, formats: Collection[str] = tuple(IMAGE_FORMATS)) -> Image.Image:
    """The fully decoded image (every pixel read, not only the header), refused unless it is one of `formats` and
    within Pillow's decompression-bomb limit."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning here is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=list(formats))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRefused("too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadRefused("bad_type") from exc
    finally:
        file.seek(0)
    return image


def _reencode(image: Image.Image, *, max_side: int) -> Inspected:
    """Only the pixels go out: upright, the long side at most `max_side`, no EXIF (GPS), XMP, ICC or text chunks."""
    kind = str(image.format)
    upright = ImageOps.exif_transpose(image)
    if upright is None:  # pragma: no cover - only when transposing in place
        upright = image
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if kind == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif kind == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.mode or "transparency" in upright.info else "RGB")
    transparency = upright.info.get("transparency")
    upright.info = {"transparency": transparency} if transparency is not None and kind == "PNG" else {}
    buffer = io.BytesIO()
    if kind == "JPEG":
        upright.save(buffer, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        upright.save(buffer, "PNG", optimize=True)
    else:
        upright.save(buffer, "WEBP", quality=85)
    return Inspected(kind, buffer.getvalue(), upright.width, upright.height)


# --- PDF structure ---------------------------------------------------------------------------------------------
# A reader finds a PDF's objects from its end: `startxref` gives the offset of the last cross-reference section
# (a classic `xref` table or, since PDF 1.5, an XRef stream), whose trailer names the document catalogue (/Root)
# and the previous section (/Prev). Checking that chain, and that every object it lists really starts where it
# says, is what a reader does before it shows a page; a file that merely starts with `%PDF-` fails it.

_WS = rb"[\x00\t\n\x0c\r ]"
_HEADER = re.compile(rb"%PDF-[12]\.\d[\t ]*[\r\n]")
_TAIL = re.compile(rb"startxref" + _WS + rb"+(\d{1,12})" + _WS + rb"+%%EOF" + _WS + rb"*\Z")
_XREF = re.compile(_WS + rb"*xref" + _WS + rb"+")
_SUBSECTION = re.compile(rb"(\d{1,10})[\t ]+(\d{1,10})[\t ]*(?:\r\n|\r|\n)")
_ENTRY = re.compile(rb"(\d{10})[\t ]+(\d{5})[\t ]+([nf])[\t ]*(?:\r\n|\r|\n)?")
_TRAILER = re.compile(_WS + rb"*trailer" + _WS + rb"*<<")
_OBJ = re.compile(_WS + rb"*(\d{1,10})" + _WS + rb"+(\d{1,5})" + _WS + rb"+obj" + _WS + rb"*<<")
_BARE_OBJ = re.compile(_WS + rb"*(\d{1,10})" + _WS + rb"+(\d{1,5})" + _WS + rb"+obj\b")
_STREAM = re.compile(_WS + rb"*stream(?:\r\n|\n|\r)")
_ROOT = re.compile(rb"/Root" + _WS + rb"*(\d{1,10})" + _WS + rb"+(\d{1,5})" + _WS + rb"+R")
_PREV = re.compile(rb"/Prev" + _WS + rb"*(\d{1,12})")
_XREFSTM = re.compile(rb"/XRefStm" + _WS + rb"*(\d{1,12})")
MAX_SECTIONS = 64
MAX_OBJECTS = 2_000_000


class _Broken(Exception):
    pass


def structure_problem(data: bytes) -> str | None:
    """None for a PDF whose cross-reference chain holds; else what is wrong with it, in words for the log."""
    try:
        _check_pdf(data)
    except _Broken as exc:
        return str(exc) or "broken"
    except (ValueError, IndexError, zlib.error, OverflowError) as exc:
        return f"unreadable: {type(exc).__name__}"
    return None


def _check_pdf(data: bytes) -> None:
    if not _HEADER.match(data):
        raise _Broken("no header")
    tail_at = max(0, len(data) - 2048)
    found = data.rfind(b"startxref", tail_at)
    tail = _TAIL.match(data, found) if found >= 0 else None
    if tail is None:
        raise _Broken("no startxref and %%EOF at the end")
    # Object number → (offset, generation) for objects in the file body, or (-1, stream number) for objects kept
    # in an object stream. Newer sections come first and win, as in a reader.
    objects: dict[int, tuple[int, int]] = {}
    root: tuple[int, int] | None = None
    offset: int | None = int(tail.group(1))
    seen: set[int] = set()
    while offset is not None:
        if offset in seen or len(seen) >= MAX_SECTIONS or offset >= len(data):
            raise _Broken("bad cross-reference chain")
        seen.add(offset)
        trailer, entries = _section(data, offset)
        if (stm := _XREFSTM.search(trailer)) is not None:  # a hybrid file: a table and a stream for newer readers
            entries = entries + _xref_stream(data, int(stm.group(1)))[1]
        for number, place in entries:
            objects.setdefault(number, place)
        if root is None and (named := _ROOT.search(trailer)) is not None:
            root = (int(named.group(1)), int(named.group(2)))
        prev = _PREV.search(trailer)
        offset = int(prev.group(1)) if prev is not None else None
        if len(objects) > MAX_OBJECTS:
            raise _Broken("too many objects")
    if root is None or root[0] not in objects:
        raise _Broken("no document catalogue (/Root)")
    for number, (at, generation) in objects.items():
        if at < 0:
            holder = objects.get(generation)  # here: the object stream's number
            if holder is None or holder[0] < 0:
                raise _Broken(f"object {number} is in a missing object stream")
            continue
        found_obj = _BARE_OBJ.match(data, at)
        if found_obj is None or (int(found_obj.group(1)), int(found_obj.group(2))) != (number, generation):
            raise _Broken(f"object {number} is not where the cross-reference table says")


def _section(data: bytes, offset: int) -> tuple[bytes, list[tuple[int, tuple[int, int]]]]:
    """(trailer dictionary, entries) of the cross-reference section at `offset`."""
    table = _XREF.match(data, offset)
    if table is None:
        return _xref_stream(data, offset)
    at = table.end()
    entries: list[tuple[int, tuple[int, int]]] = []
    while (sub := _SUBSECTION.match(data, at)) is not None:
        first, count = int(sub.group(1)), int(sub.group(2))
        if count > MAX_OBJECTS or count * 18 > len(data):
            raise _Broken("cross-reference table larger than the file")
        at = sub.end()
        for number in range(first, first + count):
            entry = _ENTRY.match(data, at)
            if entry is None:
                raise _Broken("bad cross-reference entry")
            at = entry.end()
            if entry.group(3) == b"n":
                entries.append((number, (int(entry.group(1)), int(entry.group(2)))))
    if not entries and at == table.end():
        raise _Broken("empty cross-reference table")
    trailer = _TRAILER.match(data, at)
    if trailer is None:
        raise _Broken("no trailer")
    start = trailer.end() - 2
    return data[start : _dict_end(data, start)], entries


def _xref_stream(data: bytes, offset: int) -> tuple[bytes, list[tuple[int, tuple[int, int]]]]:
    """(stream dictionary, entries) of the XRef stream object at `offset` (PDF 1.5+, what scanners often write)."""
    obj = _OBJ.match(data, offset)
    if obj is None:
        raise _Broken("startxref points at neither a table nor a stream")
    start = obj.end() - 2
    end = _dict_end(data, start)
    info = data[start:end]
    if not re.search(rb"/Type" + _WS + rb"*/XRef\b", info):
        raise _Broken("startxref points at an object that is not an XRef stream")
    stream = _STREAM.match(data, end)
    if stream is None:
        raise _Broken("XRef stream without data")
    raw = _stream_bytes(data, stream.end(), info)
    widths = re.search(rb"/W" + _WS + rb"*\[" + _WS + rb"*(\d)" + (_WS + rb"+(\d)") * 2 + _WS + rb"*\]", info)
    size = re.search(rb"/Size" + _WS + rb"+(\d{1,10})", info)
    if widths is None or size is None:
        raise _Broken("XRef stream without /W or /Size")
    w = [int(widths.group(i)) for i in (1, 2, 3)]
    row = sum(w)
    if row == 0 or w[1] == 0:
        raise _Broken("bad /W")
    index = re.search(rb"/Index" + _WS + rb"*\[([\d\x00\t\n\x0c\r ]*)\]", info)
    numbers = [int(n) for n in index.group(1).split()] if index else [0, int(size.group(1))]
    if len(numbers) % 2:
        raise _Broken("bad /Index")
    total = sum(numbers[1::2])
    if total > MAX_OBJECTS:
        raise _Broken("too many objects")
    table = _decode(raw, info, columns=row, limit=total * (row + 1))
    if len(table) < total * row:
        raise _Broken("XRef stream shorter than its /Index")
    entries: list[tuple[int, tuple[int, int]]] = []
    at = 0
    for first, count in zip(numbers[::2], numbers[1::2], strict=True):
        for number in range(first, first + count):
            fields = []
            for width in w:
                fields.append(int.from_bytes(table[at : at + width], "big"))
                at += width
            kind = fields[0] if w[0] else 1
            if kind == 1:
                entries.append((number, (fields[1], fields[2])))
            elif kind == 2:
                entries.append((number, (-1, fields[1])))
    return info, entries


def _stream_bytes(data: bytes, start: int, info: bytes) -> bytes:
    direct = re.search(rb"/Length" + _WS + rb"+(\d{1,10})(?!" + _WS + rb"+\d+" + _WS + rb"+R)", info)
    if direct is not None:
        end = start + int(direct.group(1))
        if end > len(data):
            raise _Broken("stream longer than the file")
        return data[start:end]
    end = data.find(b"endstream", start)
    if end < 0:
        raise _Broken("stream without endstream")
    return data[start:end]


def _decode(raw: bytes, info: bytes, *, columns: int, limit: int) -> bytes:
    """FlateDecode with the PNG predictors writers use for XRef streams; nothing else is expected there."""
    filters = re.findall(rb"/(\w+)", (re.search(rb"/Filter" + _WS + rb"*(\[[^\]]*\]|/\w+)", info) or [b"", b""])[1])
    if filters not in ([], [b"FlateDecode"]):
        raise _Broken("XRef stream with an unexpected filter")
    data = zlib.decompressobj().decompress(raw, limit + 1) if filters else raw
    predictor = re.search(rb"/Predictor" + _WS + rb"+(\d+)", info)
    if predictor is None or int(predictor.group(1)) == 1:
        return data
    if int(predictor.group(1)) < 10:
        raise _Broken("XRef stream with a TIFF predictor")
    declared = re.search(rb"/Columns" + _WS + rb"+(\d+)", info)
    width = int(declared.group(1)) if declared else 1
    if width != columns:
        raise _Broken("XRef stream /Columns differs from /W")
    return _unpredict_png(data, width)


def _unpredict_png(data: bytes, width: int) -> bytes:
    out = bytearray()
    previous = bytearray(width)
    for at in range(0, len(data) - width, width + 1):
        kind, line = data[at], bytearray(data[at + 1 : at + 1 + width])
        for i in range(width):
            left = line[i - 1] if i else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[i - 1] if i else 0
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
            elif kind != 0:
                raise _Broken("bad PNG predictor")
        out += line
        previous = line
    return bytes(out)


def _dict_end(data: bytes, start: int) -> int:
    """The offset just past the dictionary that opens at `start` (`<<`), skipping strings inside it."""
    depth, at, limit = 0, start, min(len(data), start + 1_000_000)
    while at < limit:
        two = data[at : at + 2]
        if two == b"<<":
            depth, at = depth + 1, at + 2
        elif two == b">>":
            depth, at = depth - 1, at + 2
            if depth == 0:
                return at
        elif two[:1] == b"<":  # a hex string
            close = data.find(b">", at)
            if close < 0:
                break
            at = close + 1
        elif two[:1] == b"(":  # a literal string: balanced parentheses, backslash escapes
            nesting, at = 1, at + 1
            while at < limit and nesting:
                char = data[at : at + 1]
                if char == b"\\":
                    at += 1
                elif char == b"(":
                    nesting += 1
                elif char == b")":
                    nesting -= 1
                at += 1
        else:
            at += 1
    raise _Broken("unterminated dictionary")
