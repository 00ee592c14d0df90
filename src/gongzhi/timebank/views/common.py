"""What every time bank page module shares: the community from the URL (404 outside the actor's), the base
context with the community navigation, and a service's refusal shown on its form field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from gongzhi.core.errors import ApplicationError
from gongzhi.core.http import actor_of
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.places.views import _community_context


def community_and_actor(request: HttpRequest, community_id: int) -> tuple[Any, Place]:
    actor = actor_of(request)
    return actor, place_selectors.community_get(actor=actor, community_id=community_id)


def page_context(request: HttpRequest, community: Place, **extra: Any) -> dict[str, Any]:
    return {**_community_context(request, community), "nav": "timebank", **extra}


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """The service's Chinese message on the field it names (`extra["field"]`), else on the whole form."""
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, str(exc.message))
