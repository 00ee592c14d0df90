"""What every response carries: the request id (RequestIdMiddleware, with the access log line) and the
Content-Security-Policy (ContentSecurityPolicyMiddleware); and the 500 page, which shows the id and nothing else."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import translation

from gongzhi.core.logs import RequestContext, current_request

access_log = logging.getLogger("gongzhi.access")

# nginx's $request_id is 32 hex digits; a UUID with dashes or another proxy's alphanumeric id is taken too. Anything
# else (too long, spaces, quotes, newlines) would let a client write into our logs and pages, so it is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
REQUEST_ID_HEADER = "X-Request-ID"

# No 'unsafe-inline' and no 'unsafe-eval' for scripts: every script is a static file, behaviour hangs on data-*
# attributes (core/static/gongzhi/app.js) and htmx is configured not to evaluate (base.html's htmx-config);
# tests/core/test_security.py fails on a template with an inline script or an on*= handler.
# Styles keep 'unsafe-inline': templates carry style attributes with computed values (progress bars, the opinion
# map's group colours) and ECharts writes style attributes into its tooltips. A style cannot run code, and the
# data it could leak with url() is cut off by img-src/default-src 'self'.
# img-src allows data: and blob: for ECharts' canvas exports and Swagger UI's inline icons.
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def request_id_from(request: HttpRequest) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost: names the request (`request.request_id`, the `X-Request-ID` response header, every log record
    while it runs, the 404 and 500 pages) and writes one access line when it is answered. The path is logged
    without its query string, which may hold what a resident typed (a search by name or phone)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request.set(RequestContext(request_id=request_id, request=request))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            current_request.reset(token)


class ContentSecurityPolicyMiddleware:
    """POLICY on every response that has no policy of its own: a private file's sandbox (core/files.py) is
    stricter and is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the Chinese (or English) error page with the request id, the key to the logged traceback.
    It renders from a plain template with no context processor, so it still answers when the database is down."""
    context = {
        "request_id": getattr(request, "request_id", ""),
        "english": translation.get_language() == "en",
    }
    return HttpResponseServerError(loader.render_to_string("500.html", context))
