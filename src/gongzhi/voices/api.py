"""The voices JSON API under /api/communities/{id}/voices. Skeleton: the inbox part fills it."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["voices"])
