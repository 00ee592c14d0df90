"""The view toolkit: what every page view stands on, so a view reads parse → selector → service → render.

- `community_page(request, community_id)`: the signed-in actor and the community in the URL, 404 outside the
  actor's scope (exactly as for a community that does not exist).
- `page_context(request, community, nav=...)`: the base context of a community page (its navigation and the
  switches the header shows).
- `form_error(form, exc)` / `form_call(form, service, **kwargs)`: a service's refusal on the form field it names.
- `message_call(request, service, **kwargs)`: a button's service call whose refusal becomes the page's message;
  `attempt(request, write, done)` adds the success message.
- `refusal(exc)`: the message of a refusal the page shows itself; 403 and 404 propagate.
- `int_param(raw)`: an id from the query or a form, or None.
- `render_page(request, template, context, fragment=..., error=...)`: the whole page, or only its fragment for htmx;
  with a refusal in the page's error box and the refusal's status. `form_summary(form)`: one line for that box.

The example every new page copies is `places.views.household_detail` (a read) and
`voices.views.surveys.survey_list` (a form that calls a service): see docs/ARCHITECTURE.md, "Adding a page".

This module sits above `places` (a community is a `Place`): it is the web edge of `core`, imported by views only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gongzhi.core.api_schema import DB_ID_MAX
from gongzhi.core.errors import ApplicationError
from gongzhi.core.http import actor_of
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.places.models import Place
from gongzhi.places.selectors import communities_for, community_get

__all__ = [
    "attempt",
    "community_page",
    "form_call",
    "form_error",
    "form_summary",
    "int_param",
    "is_htmx",
    "message_call",
    "page_context",
    "refusal",
    "render_page",
]

T = TypeVar("T")


def community_page(request: HttpRequest, community_id: int) -> tuple[User, Place]:
    """The signed-in actor and the URL's community; `NotFound` (404) when the actor holds no role that reaches it.

    Only for views behind `login_required`."""
    actor = actor_of(request)
    return actor, community_get(actor=actor, community_id=community_id)


def page_context(request: HttpRequest, community: Place, *, nav: str = "", **extra: Any) -> dict[str, Any]:
    """What `base.html`'s community navigation reads, plus the page's own values.

    `nav` names the highlighted tab (home, people, topics, voices, timebank)."""
    actor = request.user
    return {
        "community": community,
        "communities": communities_for(actor=actor),
        "can_people": user_can(actor, Action.PERSON_VIEW, community),
        "can_import": user_can(actor, Action.PERSON_IMPORT, community),
        "can_corrections": user_can(actor, Action.CORRECTION_HANDLE, community),
        "can_change": user_can(actor, Action.PERSON_CHANGE, community),
        "can_admin": user_can(actor, Action.ADMIN, community),
        "nav": nav,
        **extra,
    }


def form_error(form: forms.Form, exc: ApplicationError) -> None:
    """The service's Chinese message on the field it names (`exc.extra["field"]`), else on the whole form."""
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, str(exc.message))


def refusal(exc: ApplicationError) -> str:
    """A service's refusal for the page's own error box or message: 403 and 404 are not the page's business and
    propagate (the middleware answers them as everywhere); any other refusal gives its Chinese message."""
    if exc.status in (403, 404):
        raise exc
    return str(exc.message)


def form_call(form: forms.Form, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call `service(**kwargs)`; a refusal lands on the form and gives None.

    403 and 404 are not the form's business: they propagate, so the middleware answers them as everywhere."""
    try:
        return service(**kwargs)
    except ApplicationError as exc:
        refusal(exc)
        form_error(form, exc)
        return None


def message_call(request: HttpRequest, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call `service(**kwargs)` for a button with no form; a refusal becomes the page's error message and gives None.

    403 and 404 propagate, as in `form_call`."""
    try:
        return service(**kwargs)
    except ApplicationError as exc:
        messages.error(request, refusal(exc))
        return None


def attempt(request: HttpRequest, write: Callable[[], object], done: str) -> bool:
    """`message_call` for a button whose write returns its row: True and the success message `done` when it was
    saved, False with the refusal as the page's message otherwise."""
    saved = message_call(request, write) is not None
    if saved:
        messages.success(request, done)
    return saved


def int_param(raw: str | None) -> int | None:
    """A query or form parameter that should be a positive id: the number, or None for anything else (a filter left
    empty, a tampered value), so a view never answers 500 on it."""
    raw = (raw or "").strip()
    # isdigit() also holds for other scripts' digits ("١٢"), and no database id passes BIGINT.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if value <= DB_ID_MAX else None


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (it swaps the answer into the page, so it wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


def form_summary(form: forms.Form) -> str:
    """One line for a page's error box: the first invalid field's label and message (pages that show one box, not
    an error under each field)."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return str(_("输入有误，请检查后重试"))


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page; or, when htmx asks and the page has one, only `fragment` (the part htmx swaps).

    With `error`, the page shows the service's refusal in its error box (`{{ error }}`) and answers with the
    refusal's status (400, 409…), so a client or test sees that nothing was done."""
    chosen = fragment if fragment and is_htmx(request) else template
    if error is not None:
        context = {**context, "error": str(error.message)}
        status = error.status
    return render(request, chosen, context, status=status)
