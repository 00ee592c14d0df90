"""Skeleton: the open311 part fills this module."""

from __future__ import annotations

__all__: list[str] = []
