"""The unread count in the header. Skeleton: the routing part fills it (one cached query per request)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread(request: HttpRequest) -> dict[str, Any]:
    return {}
