"""Log lines that name their request: the request id and the signed-in user's id go into every record logged while
a request runs (RequestContextFilter, from a context variable that core.security.RequestIdMiddleware sets), and
GONGZHI_LOG_FORMAT=json writes one JSON object per line (JsonFormatter) for journald or a log collector.

A user is named by id only. Phones and ID numbers are what gongzhi protects, so they are masked in every message
and traceback that leaves through the JSON format, whoever logged them."""

from __future__ import annotations

import datetime
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from gongzhi.rules.masking import mask_contacts


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    request: HttpRequest


current_request: ContextVar[RequestContext | None] = ContextVar("gongzhi_request", default=None)

# What a record carries beside Python's own attributes; the access line adds the request's.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")


def known_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request has already looked the user up, else None. Logging never loads the
    session or the user itself: that would add queries to a request that did not need them."""
    user = request.__dict__.get("user")  # a bearer token's user, set by core.api's auth
    if user is None or type(user) is SimpleLazyObject:  # the session's, until something asks for it
        user = request.__dict__.get("_cached_user")
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` to each record (None outside a request: a task, a command, startup).

    Django logs a 4xx ("Not Found: /x") after the middleware has returned, when the context is gone; that record
    carries the request itself, which still has its id."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_request.get()
        request = context.request if context else getattr(record, "request", None)
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id if context else getattr(request, "request_id", None)
        if not hasattr(record, "user_id"):
            record.user_id = known_user_id(request) if isinstance(request, HttpRequest) else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, user_id; the access line
    adds method, path, status and duration_ms; a traceback goes in `exc`. Text is masked with mask_contacts."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_contacts(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exc"] = mask_contacts(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)
