"""Time bank JSON API: stats (mounted at /api/timebank/)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["timebank"])
