"""Per-user preferences (language, large font) and one place that turns ApplicationError into a page."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from gongzhi.core.errors import ApplicationError

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
