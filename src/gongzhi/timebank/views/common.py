"""The time bank's names for the view toolkit (`core.pages`), until its views call the toolkit directly."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gongzhi.core import pages
from gongzhi.core.models import User
from gongzhi.places.models import Place

add_service_error = pages.form_error


def community_and_actor(request: HttpRequest, community_id: int) -> tuple[User, Place]:
    return pages.community_page(request, community_id)


def page_context(request: HttpRequest, community: Place, **extra: Any) -> dict[str, Any]:
    return pages.page_context(request, community, nav="timebank", **extra)
