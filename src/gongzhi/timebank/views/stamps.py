"""Time bank pages: stamps."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
