"""Similar open voices for the "me too" suggestion while a resident types.

Skeleton: a plain substring match. The similarity part replaces it with `rules.similar.TextIndex` kept current
per community and filtered by place subtree and status; keep this function's signature."""

from __future__ import annotations

from gongzhi.voices.models import Voice


def similar_open_voices(*, community_id: int, place_path: str, text: str, k: int = 5) -> list[int]:
    """Ids of up to k open, unmerged voices under place_path most like text, best first."""
    probe = text.strip()[:4]
    if len(probe) < 2:
        return []
    return list(
        Voice.objects.filter(
            community_id=community_id,
            place_path__under=place_path,
            is_open=True,
            merged_into__isnull=True,
            text__contains=probe,
        ).values_list("pk", flat=True)[:k]
    )


def index_voice_changed(*, voice_id: int) -> None:
    """Called on commit whenever a voice's text, place or status changes."""
