"""Time bank services: skills (see docs/ARCHITECTURE.md for the part's owner and scope)."""

from __future__ import annotations

__all__: list[str] = []
