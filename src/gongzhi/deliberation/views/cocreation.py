"""团队共创 pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

from gongzhi.deliberation.models import Topic

urlpatterns: list[URLPattern] = []


def panel(request: HttpRequest, actor: Any, topic: Topic) -> dict[str, Any]:
    """The context of this procedure's panel on the topic page (template deliberation/_panel_<procedure>.html)."""
    return {}
