"""Skeleton: the routing part fills this module."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
