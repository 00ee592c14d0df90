"""Pages of decisions taken at a meeting: the topic panel (roster, recorded votes) and the results page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

from gongzhi.deliberation.models import Topic

urlpatterns: list[URLPattern] = []


def panel(request: HttpRequest, actor: Any, topic: Topic) -> dict[str, Any]:
    """The context of this procedure's panel on the topic page (template deliberation/_panel_<procedure>.html)."""
    return {}


def result(request: HttpRequest, community: Any, topic: Topic) -> HttpResponse:
    """The results page of a topic decided at a meeting: quorum and majority with their exact figures."""
    from gongzhi.core.errors import NotFound

    raise NotFound()
