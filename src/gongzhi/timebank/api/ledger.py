"""Time bank JSON API: ledger (mounted at /api/timebank/)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["timebank"])
