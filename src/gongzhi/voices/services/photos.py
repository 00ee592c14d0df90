"""Photos on a voice: ≤ 5, ≤ 10 MB each, JPEG/PNG/WebP, re-encoded without metadata (EXIF GPS).

Skeleton: the intake part implements it."""

from __future__ import annotations

from typing import Any

from gongzhi.voices.models import Voice, VoicePhoto

__all__ = ["PHOTOS_MAX", "PHOTO_MAX_BYTES", "photos_attach"]

PHOTOS_MAX = 5
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def photos_attach(*, voice: Voice, files: list[Any]) -> list[VoicePhoto]:
    raise NotImplementedError
