"""Open311 GeoReport v2 at /open311/v2/. Skeleton: the Open311 part fills it."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []  # mounted at /open311/v2/
staff_urlpatterns: list[Any] = []  # key management pages under /c/<id>/voices/
