"""Similar open voices for the "me too" suggestion while a resident types, and for staff merging duplicates.

Each process keeps one `rules.similar.TextIndex` per community of its OPEN, UNMERGED voices (id → text, with
the place path beside it). It is built lazily on the first search from one query, then kept current:

- each search first fetches the community's voices with `updated_at` at or after the newest one it has applied
  (less `LAG`, for a transaction that saved before and committed after the last look): new voices come in,
  closed and merged ones leave. That is how the web server sees what the task worker changed, and back;
- `index_voice_changed` (called on commit by the services) applies one voice at once in this process;
- the hits are checked against the database in one query before they are returned, so a voice closed by a
  write that did not touch `updated_at` is never suggested (and leaves the index).

The in-process state is tied to a generation token in Django's cache: when the cache is cleared (each test
does, and a test database is rolled back between tests) or the token is evicted, the indexes are rebuilt.

Which voices count as "in the same place subtree": those under the place the resident chose, and those filed
at a place above it (the building of a unit, the compound/院落, the community as a whole). A resident choosing
1栋 expects "垃圾房满了" filed for the whole 院落, but not the 楼道灯 of the neighbouring 2栋: a sibling's
subtree is left out.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from gongzhi.rules.similar import TextIndex, normalize
from gongzhi.voices.models import Voice

__all__ = ["LAG", "index_voice_changed", "reset", "similar_open_voices"]

# How long a saved row may take to commit and still be picked up by another process's next search.
LAG = timedelta(seconds=60)
GENERATION_KEY = "gongzhi:voices:similar:generation"
# The index is asked for this many more hits than k: some may fail the database check.
SPARE = 5

_ROW = ("pk", "community_id", "text", "place_path", "is_open", "merged_into_id", "updated_at")


@dataclass
class _Community:
    index: TextIndex = field(default_factory=TextIndex)
    paths: dict[int, str] = field(default_factory=dict)  # voice id → place path, for the indexed voices
    stamps: dict[int, tuple[datetime, str, str]] = field(default_factory=dict)  # what was applied, to skip repeats
    seen: datetime | None = None  # the newest updated_at applied; None until built
    lock: threading.Lock = field(default_factory=threading.Lock)


_registry_lock = threading.Lock()
_communities: dict[int, _Community] = {}
_generation: str | None = None


def reset() -> None:
    """Forgets every in-process index (they are rebuilt on the next search)."""
    global _generation
    with _registry_lock:
        _communities.clear()
        _generation = None


def _entry(community_id: int, *, create: bool = True) -> _Community | None:
    global _generation
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(GENERATION_KEY)
    with _registry_lock:
        if token is None or token != _generation:
            _communities.clear()
            _generation = token
        entry = _communities.get(community_id)
        if entry is None and create:
            entry = _communities[community_id] = _Community()
        return entry


def _apply(entry: _Community, row: tuple[Any, ...], *, advance: bool = True) -> None:
    pk, _community_id, text, place_path, is_open, merged_into_id, updated_at = row
    # Only a refresh moves the watermark: a change applied locally says nothing of other processes' changes.
    if advance and (entry.seen is None or updated_at > entry.seen):
        entry.seen = updated_at
    if not is_open or merged_into_id is not None:
        entry.index.discard(str(pk))
        entry.paths.pop(pk, None)
        entry.stamps.pop(pk, None)
        return
    stamp = (updated_at, text, place_path)
    if entry.stamps.get(pk) == stamp:
        return
    entry.index.add(str(pk), text)
    entry.paths[pk] = place_path
    entry.stamps[pk] = stamp


def _refresh(entry: _Community, community_id: int) -> None:
    """One query: the whole open set the first time, then what changed since the newest change applied."""
    if entry.seen is None:
        started = timezone.now()
        rows = Voice.objects.filter(community_id=community_id, is_open=True, merged_into__isnull=True)
        entry.seen = started - LAG
    else:
        rows = Voice.objects.filter(community_id=community_id, updated_at__gte=entry.seen - LAG)
    for row in rows.order_by().values_list(*_ROW):
        _apply(entry, row)


def _in_scope(voice_path: str, chosen: str) -> bool:
    return voice_path.startswith(chosen) or chosen.startswith(voice_path)


def similar_open_voices(*, community_id: int, place_path: str, text: str, k: int = 5) -> list[int]:
    """Ids of up to k open, unmerged voices of the community most like text, best first, in the place's subtree
    or filed at a place above it (see the module docstring). Two queries once warm; none for an empty text."""
    if k <= 0 or not normalize(text):
        return []
    entry = _entry(community_id)
    assert entry is not None
    with entry.lock:
        _refresh(entry, community_id)
        paths = entry.paths

        def where(doc_id: str) -> bool:
            path = paths.get(int(doc_id))
            return path is not None and _in_scope(path, place_path)

        ids = [int(doc_id) for doc_id in entry.index.search(text, k=k + SPARE, where=where)]
        if not ids:
            return []
        still = set(
            Voice.objects.filter(
                pk__in=ids, community_id=community_id, is_open=True, merged_into__isnull=True
            ).values_list("pk", flat=True)
        )
        for gone in set(ids) - still:
            entry.index.discard(str(gone))
            entry.paths.pop(gone, None)
            entry.stamps.pop(gone, None)
    return [pk for pk in ids if pk in still][:k]


def index_voice_changed(*, voice_id: int) -> None:
    """Called on commit whenever a voice's text, place or status changes: applied at once to this process's index
    of its community if there is one (one query), else left to the next search's refresh (no query)."""
    with _registry_lock:
        if not _communities:
            return
    row = Voice.objects.filter(pk=voice_id).values_list(*_ROW).first()
    if row is None:
        with _registry_lock:
            entries = list(_communities.values())
        for each in entries:
            with each.lock:
                each.index.discard(str(voice_id))
                each.paths.pop(voice_id, None)
                each.stamps.pop(voice_id, None)
        return
    entry = _entry(row[1], create=False)
    if entry is None or entry.seen is None:
        return
    with entry.lock:
        _apply(entry, row, advance=False)
