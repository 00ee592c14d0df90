"""Skeleton: the workflow part fills this module."""

from __future__ import annotations

__all__: list[str] = []
