"""Photos on a voice: ≤ 5, ≤ 10 MB each, JPEG/PNG/WebP, re-encoded without metadata (EXIF GPS).

The type is what Pillow decodes from the bytes (`core.uploads`), never the file's name or the browser's content
type. Every photo is re-encoded from its pixels: the orientation is applied first (so the picture stays upright),
then the long side is brought down to 2560 px and the image saved with no EXIF, XMP or ICC block, so a phone's GPS
position never reaches the server's disk.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from gongzhi.core import uploads
from gongzhi.core.errors import ValidationFailed
from gongzhi.voices.models import Voice, VoicePhoto

__all__ = ["PHOTOS_MAX", "PHOTO_MAX_BYTES", "PHOTO_MAX_SIDE", "photo_validate", "photos_attach", "photos_validate"]

PHOTOS_MAX = 5
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 2560
FORMATS = tuple(uploads.IMAGE_FORMATS)  # JPEG, PNG, WebP


def _fail(message: str, code: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": "photos", **extra})


def _name(file: Any) -> str:
    return str(getattr(file, "name", "") or "")[:60]


def _refusal(file: Any, refused: uploads.UploadRefused) -> ValidationFailed:
    name = _name(file)
    if refused.reason == "too_big":
        return _fail(_("照片“%(name)s”超过 10 MB，请压缩后再上传") % {"name": name}, "photo_too_big", name=name)
    if refused.reason == "too_many_pixels":
        return _fail(_("照片像素过多，请缩小后再上传"), "photo_too_many_pixels", name=name)
    return _fail(_("照片“%(name)s”不是 JPEG、PNG 或 WebP 图片") % {"name": name}, "photo_bad_type", name=name)


def photo_validate(file: Any) -> str:
    """The file's Pillow format if it may be attached, else ValidationFailed (photo_too_big, photo_bad_type,
    photo_too_many_pixels). Reads the file; writes nothing."""
    try:
        if uploads.size_of(file) > PHOTO_MAX_BYTES:
            raise uploads.UploadRefused("too_big")
        return str(uploads.image_open(file, formats=FORMATS).format)
    except uploads.UploadRefused as refused:
        raise _refusal(file, refused) from refused


def photos_validate(files: list[Any]) -> None:
    """All of a submission's photos, before any is written: at most PHOTOS_MAX, each valid."""
    if len(files) > PHOTOS_MAX:
        raise _fail(_("最多上传 %(n)s 张照片") % {"n": PHOTOS_MAX}, "too_many_photos")
    for file in files:
        photo_validate(file)


def _encode(file: Any) -> uploads.Inspected:
    try:
        return uploads.inspect(file, kinds=FORMATS, max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE)
    except uploads.UploadRefused as refused:
        raise _refusal(file, refused) from refused


def photos_attach(*, voice: Voice, files: list[Any]) -> list[VoicePhoto]:
    """Called inside voice_submit's transaction: checks and re-encodes every file before storing any, so a bad
    fifth photo leaves no file of the first four behind."""
    if len(files) > PHOTOS_MAX:
        raise _fail(_("最多上传 %(n)s 张照片") % {"n": PHOTOS_MAX}, "too_many_photos")
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
        photo.image.save(e.stored_name(), ContentFile(e.data), save=False)
        photo.save()
        created.append(photo)
    return created
