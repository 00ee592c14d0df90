"""Per-user preferences (language, large font) and one place that turns ApplicationError into a page."""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from gongzhi.core.api_errors import error_for_status, error_response, invalid_input, is_api
from gongzhi.core.errors import (
    ApplicationError,
    NotFound,
    PasswordChangeRequired,
    PermissionDenied,
    ServerError,
    ValidationFailed,
)

logger = logging.getLogger("django.request")
LARGE_FONT_COOKIE = "gongzhi_large_font"
SUPPORTED = {code for code, _name in settings.LANGUAGES}


def preferred_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED:
        return str(user.language)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    # Chinese first: the browser's Accept-Language is not consulted; English is an explicit choice.
    return cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE


def prefers_large_font(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(user.large_font)
    return request.COOKIES.get(LARGE_FONT_COOKIE) == "1"


class PreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = preferred_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class ApplicationErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        template = "core/_error.html" if request.headers.get("HX-Request") else "core/error.html"
        return render(request, template, {"error": exception}, status=exception.status)


# What an account that must change its password may still reach: the page that changes it, logging out (ours and
# the admin's), and the language / large-font switch (an elderly resident may need large type to read the form).
PASSWORD_CHANGE_OPEN = frozenset({"core:password", "core:logout", "admin:logout", "core:prefs"})


def wants_json(request: HttpRequest) -> bool:
    """The API, Open311, `.json` downloads and clients that ask for JSON rather than a page."""
    path = request.path_info
    if path.startswith(("/api/", "/open311/")) or path.endswith(".json"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


class PasswordChangeRequiredMiddleware:
    """A session whose account must change its password (`User.must_change_password`, set when staff open an account
    with a first password) reaches nothing but PASSWORD_CHANGE_OPEN and static files: pages redirect to the password
    page, JSON answers 403 `password_change_required`. Refusing here, before any view, covers every URL the project
    has or will have; a redirect in the login view alone did not stop a typed URL. Bearer tokens are not sessions
    and are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return self.get_response(request)
        if request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name in PASSWORD_CHANGE_OPEN:
            return self.get_response(request)
        if wants_json(request):
            return error_response(PasswordChangeRequired())
        target = reverse("core:password")
        if request.headers.get("HX-Request"):
            # htmx would swap a followed redirect into a fragment; HX-Redirect makes it load the whole page.
            response = HttpResponse(str(PasswordChangeRequired().message), status=PasswordChangeRequired.status)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


class ApiErrorMiddleware:
    """Under /api/: refuses a path, query or JSON body that is not storable text before any endpoint sees it, and
    gives Django's own error answers (an unknown path, a method not allowed, a bug outside ninja) the API's shape.
    Sits inside PreferencesMiddleware so that messages are in the caller's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        refused = invalid_input(request)
        if refused is not None:
            return error_response(refused)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            shaped = error_response(error_for_status(response.status_code))
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        if isinstance(exception, ApplicationError):
            return error_response(exception)
        if isinstance(exception, Http404):  # ninja's root view (/api/) raises it
            return error_response(NotFound())
        if isinstance(exception, DjangoPermissionDenied):
            return error_response(PermissionDenied())
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return error_response(ValidationFailed())
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return error_response(ServerError())
