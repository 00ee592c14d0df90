"""Time bank reads: stamps, scoped to what the actor may see."""

from __future__ import annotations

__all__: list[str] = []
