"""The API's one error shape, {code, message, extra}, for what happens before or around an endpoint: input that is
not text at all, ninja's own validation and authentication errors, Django's 404 and 405, and bugs (500)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import (
    ApplicationError,
    InvalidText,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServerError,
    Throttled,
    ValidationFailed,
)

API_PREFIX = "/api/"

# A lone surrogate cannot be encoded (SQLite's driver and the JSON renderer fail on it) and PostgreSQL refuses NUL
# in text; both are refused at the door rather than in every service.
UNSTORABLE = re.compile("[\ud800-\udfff\x00]")

BY_STATUS: dict[int, type[ApplicationError]] = {
    400: ValidationFailed,
    401: NotAuthenticated,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
    429: Throttled,
    500: ServerError,
}

# Pydantic's error types the API meets, in Chinese; any other keeps pydantic's own message.
FIELD_MESSAGES: dict[str, Any] = {
    "missing": _("必填"),
    "int_parsing": _("应为整数"),
    "int_type": _("应为整数"),
    "bool_parsing": _("应为 true 或 false"),
    "bool_type": _("应为 true 或 false"),
    "string_type": _("应为文本"),
    "date_parsing": _("应为日期（YYYY-MM-DD）"),
    "date_from_datetime_parsing": _("应为日期（YYYY-MM-DD）"),
    "enum": _("不是可选的值"),
    "literal_error": _("不是可选的值"),
    "greater_than_equal": _("不能小于 {ge}"),
    "less_than_equal": _("不能大于 {le}"),
    "string_too_long": _("不能超过 {max_length} 个字符"),
    "json_invalid": _("不是有效的 JSON"),
    "model_attributes_type": _("应为 JSON 对象"),
    "dict_type": _("应为 JSON 对象"),
}


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(exc: ApplicationError) -> JsonResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def error_for_status(status: int) -> ApplicationError:
    """An answer Django or ninja made without our shape (an unknown path, a method not allowed), by its status."""
    return BY_STATUS.get(status, ServerError if status >= 500 else ValidationFailed)()


def _field_message(error: dict[str, Any]) -> str:
    template = FIELD_MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return str(template).format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return str(error.get("msg", ""))


def validation_failed(errors: list[dict[str, Any]]) -> ValidationFailed:
    """Ninja's 422 becomes our 400 "invalid", each field's error in `extra.errors` (where, which field, why)."""
    fields = []
    for error in errors:
        where, *parts = [str(p) for p in error.get("loc", ())] or ["body"]
        if where == "body" and len(parts) > 1:
            parts = parts[1:]  # the endpoint's parameter name says nothing to the caller
        fields.append({"in": where, "field": ".".join(parts), "message": _field_message(error), "type": error["type"]})
    return ValidationFailed(extra={"errors": fields})


def _unstorable_in(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and UNSTORABLE.search(key):
            return path
        found = _unstorable_in(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _text_or_none(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def invalid_input(request: HttpRequest) -> InvalidText | None:
    """The path, query and JSON body must be text: UTF-8 without surrogates or NUL (400 `invalid_text`)."""
    # Django re-percent-encodes bytes of the path that are not UTF-8 ("%ED%A0%80"), so decode them again to see.
    path = _text_or_none(unquote_to_bytes(request.path_info))
    if path is None or UNSTORABLE.search(path):
        return InvalidText(extra={"in": "path"})
    query = _text_or_none(unquote_to_bytes(request.META.get("QUERY_STRING", "").replace("+", " ")))
    if query is None or UNSTORABLE.search(query):
        return InvalidText(extra={"in": "query"})
    if request.content_type == "application/json" and request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            body = json.loads(request.body)
        except UnicodeDecodeError:
            return InvalidText(extra={"in": "body"})
        except ValueError:
            return None  # not JSON: the endpoint's parser answers 400 for that
        field = _unstorable_in(body, "")
        if field is not None:
            return InvalidText(extra={"in": "body", "field": field})
    return None
