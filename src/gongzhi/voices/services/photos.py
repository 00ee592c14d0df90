"""Photos on a voice: ≤ 5, ≤ 10 MB each, JPEG/PNG/WebP, re-encoded without metadata (EXIF GPS).

The type is what Pillow decodes from the bytes, never the file's name or the browser's content type. Every
photo is re-encoded from its pixels: the orientation is applied first (so the picture stays upright), then the
long side is brought down to 2560 px and the image saved with no EXIF, XMP or ICC block, so a phone's GPS
position never reaches the server's disk.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.core.errors import ValidationFailed
from gongzhi.voices.models import Voice, VoicePhoto

__all__ = ["PHOTOS_MAX", "PHOTO_MAX_BYTES", "PHOTO_MAX_SIDE", "photo_validate", "photos_attach", "photos_validate"]

PHOTOS_MAX = 5
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 2560
# Pillow format → (content type, extension, format to save in).
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _fail(message: str, code: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": "photos", **extra})


def _size_of(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return int(size)


def _open(file: Any) -> Image.Image:
    """The decoded image, refused unless it is JPEG, PNG or WebP and within Pillow's decompression-bomb limit."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning here is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=list(FORMATS))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _fail(_("照片像素过多，请缩小后再上传"), "photo_too_many_pixels", name=_name(file)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _fail(
            _("照片“%(name)s”不是 JPEG、PNG 或 WebP 图片") % {"name": _name(file)}, "photo_bad_type", name=_name(file)
        ) from exc
    return image


def _name(file: Any) -> str:
    return str(getattr(file, "name", "") or "")[:60]


def photo_validate(file: Any) -> str:
    """The file's Pillow format if it may be attached, else ValidationFailed (photo_too_big, photo_bad_type,
    photo_too_many_pixels). Reads the file; writes nothing."""
    if _size_of(file) > PHOTO_MAX_BYTES:
        raise _fail(
            _("照片“%(name)s”超过 10 MB，请压缩后再上传") % {"name": _name(file)}, "photo_too_big", name=_name(file)
        )
    image = _open(file)
    file.seek(0)
    return str(image.format)


def photos_validate(files: list[Any]) -> None:
    """All of a submission's photos, before any is written: at most PHOTOS_MAX, each valid."""
    if len(files) > PHOTOS_MAX:
        raise _fail(_("最多上传 %(n)s 张照片") % {"n": PHOTOS_MAX}, "too_many_photos")
    for file in files:
        photo_validate(file)


def _encode(file: Any) -> Encoded:
    image = _open(file)
    kind = str(image.format)
    content_type, extension = FORMATS[kind]
    upright = ImageOps.exif_transpose(image)
    if upright is None:  # pragma: no cover - only when transposing in place
        upright = image
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    if kind == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif kind == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.mode or "transparency" in upright.info else "RGB")
    # Only the pixels go out: no EXIF (GPS), XMP, ICC profile or text chunks travel with the info dict.
    transparency = upright.info.get("transparency")
    upright.info = {"transparency": transparency} if transparency is not None and kind == "PNG" else {}
    buffer = io.BytesIO()
    if kind == "JPEG":
        upright.save(buffer, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        upright.save(buffer, "PNG", optimize=True)
    else:
        upright.save(buffer, "WEBP", quality=85)
    return Encoded(buffer.getvalue(), content_type, extension, upright.width, upright.height)


def photos_attach(*, voice: Voice, files: list[Any]) -> list[VoicePhoto]:
    """Called inside voice_submit's transaction: validates and re-encodes every file before storing any, so a bad
    fifth photo leaves no file of the first four behind."""
    photos_validate(files)
    encoded = [_encode(f) for f in files]
    created = []
    for e in encoded:
        photo = VoicePhoto(
            community_id=voice.community_id,
            voice=voice,
            content_type=e.content_type,
            size=len(e.data),
            width=e.width,
            height=e.height,
        )
        # A random name: neither the resident's file name nor anything guessable from a neighbour's photo.
        photo.image.save(f"{uuid.uuid4().hex}.{e.extension}", ContentFile(e.data), save=False)
        photo.save()
        created.append(photo)
    return created
