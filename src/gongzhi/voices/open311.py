"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at /open311/v2/, in XML and JSON.

- Every endpoint answers in the format its address ends with, `.xml` (the spec's required format, `text/xml`) or
  `.json` (`application/json`), both with `charset=utf-8`, from the same data (`open311_xml` writes the XML).

- `jurisdiction_id` is the community's id (the number in its pages' addresses, /c/<id>/); `discovery.json` lists
  them. Every GET needs it (400 when missing, 404 when unknown); a POST may leave it out, the key names its community.
- Services are the community's active categories (`metadata` false, `attributes: []`); `address` names the place up
  to the community, most specific first as the spec asks ("3栋，花园颐院，东环路社区"), and `address_id` is its id;
  statuses map to open/closed by their type;
  `updated_datetime` is the last change the caller can see (a closed request's close, else its latest public event).
- GET shows what the community's public page shows: public voices that are not merged, never a name, a phone or an
  email. A live `api_key` of the community also shows its own integration's requests, public or not. Every text
  someone typed (description, status_notes, the names in address, agency_responsible and the services) leaves
  with typed phones and ID numbers masked, for every caller, the key that posted the request included.
- POST needs an `api_key` issued by the community's 书记 or 社工 (403 without a live one). The voice is private
  unless the extension field `is_public=true` is sent: the spec has no such field and the resident's consent to
  publish cannot be assumed. `media_url` is recorded for staff, never fetched.
- Errors use the spec's format, `[{"code": <http status>, "description": "..."}]` or `<errors><error>…`, in
  Chinese, or English for an `Accept-Language: en` caller; our own error code is in the `X-Gongzhi-Error` header.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import register_converter, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, page_context
from gongzhi.places.models import Place
from gongzhi.rules.masking import mask_contacts
from gongzhi.voices.errors import Code
from gongzhi.voices.models import Open311Key, Voice
from gongzhi.voices.open311_xml import to_xml
from gongzhi.voices.predicates import can_configure
from gongzhi.voices.selectors import open311 as selectors
from gongzhi.voices.services import open311 as services

__all__ = [
    "discovery",
    "key_revoke",
    "keys",
    "request_detail",
    "requests",
    "service_definition",
    "service_list",
    "token_detail",
    "unknown_endpoint",
]

SPEC = "http://wiki.open311.org/GeoReport_v2"
# The longest range of requested_datetime a GET may ask for, and the range it gets when it names none.
RANGE_DAYS = 90
JSON_DUMPS = {"ensure_ascii": False}
STATUS_VALUES = {"open": True, "closed": False}
# The spec's content types; discovery lists them without the charset, as its example does.
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


# --- the API ---------------------------------------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    """Chinese unless the caller's first Accept-Language is English (an integration cannot set our cookie)."""
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].split(";")[0].strip().lower()
    return "en" if first.startswith("en") else translation.get_language() or "zh-hans"


class FormatConverter:
    """The format an address ends with: `requests.xml`, `services/lighting.json`."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")


def _render(data: Any, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """One answer in the caller's format: `root` names the XML document's element (the JSON has none)."""
    if fmt == "xml":
        return HttpResponse(to_xml(data, root=root), status=status, content_type=CONTENT_TYPES["xml"])
    return JsonResponse(
        data, status=status, safe=False, json_dumps_params=JSON_DUMPS, content_type=CONTENT_TYPES["json"]
    )


def _error(status: int, description: str, code: str, fmt: str) -> HttpResponse:
    response = _render([{"code": status, "description": description}], fmt=fmt, root="errors", status=status)
    response["X-Gongzhi-Error"] = str(code)  # a Code member is a str subclass; WSGI wants str
    return response


def _api(*methods: str, root: str) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Method check, the caller's language, the format the address asks for and the spec's error format around one
    endpoint. The view returns the data; `root` is its XML element."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            language = _language(request)
            with translation.override(language):
                if request.method not in methods:
                    response = _error(405, _("不支持该请求方法"), Code.METHOD_NOT_ALLOWED, fmt)
                    response["Allow"] = ", ".join(methods)
                else:
                    try:
                        response = _render(view(request, *args, **kwargs), fmt=fmt, root=root)
                    except ApplicationError as exc:
                        response = _error(exc.status, str(exc.message), exc.code, fmt)
            response["Content-Language"] = language
            return response

        return wrapped

    return decorate


def _w3c(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _when(raw: str, field: str, *, end: bool = False) -> datetime:
    """A W3C datetime ("2010-05-24T00:00:00Z", "2010-05-24T08:00:00+08:00") or date; local time if no offset."""
    value = raw.strip()
    parsed: datetime | None = None
    try:
        # The date first: parse_datetime reads "2010-05-24" as its midnight, which would cut an end_date's day.
        if (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time.max if end else time.min)
        else:
            parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(
            _("%(field)s 不是有效的 W3C 日期时间（如 2026-05-24T00:00:00+08:00）") % {"field": field},
            code=Code.BAD_DATE,
            extra={"field": field},
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _key(request: HttpRequest, params: QueryDict, community: Place) -> Open311Key | None:
    raw = params.get("api_key", "")
    return services.open311_key_use(community=community, api_key=raw) if raw else None


def _shown(text: str | None) -> str | None:
    """Text someone typed, as every Open311 caller reads it: phones and ID numbers masked, as on the public list
    and in /api/. A key reading its own private request gets it the same way: the contact is for staff."""
    return mask_contacts(text) if text else None


def _service(category: Any) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": _shown(category.name),
        "description": _shown(category.description or category.name),
        "metadata": False,
        "type": "realtime",
        "keywords": _shown(category.name),
        "group": _shown(category.group or category.name),
    }


def _media_url(request: HttpRequest, voice: Voice) -> str | None:
    photo_id = getattr(voice, "first_photo_id", None)
    if not photo_id or not voice.is_public:
        return None
    return request.build_absolute_uri(f"/c/{voice.community_id}/voices/{voice.pk}/photos/{photo_id}/")


def _request(request: HttpRequest, voice: Voice, addresses: dict[str, str]) -> dict[str, Any]:
    return {
        "service_request_id": str(voice.pk),
        "status": "open" if voice.is_open else "closed",
        "status_notes": _shown(selectors.status_notes(voice)),
        "service_name": _shown(voice.category.name),
        "service_code": voice.category.code,
        "description": _shown(voice.text),
        "agency_responsible": _shown(voice.party.name) if voice.party_id and voice.party else None,
        "service_notice": None,
        "requested_datetime": _w3c(voice.created_at),
        "updated_datetime": _w3c(selectors.last_change(voice)),
        "expected_datetime": _w3c(voice.due_at),
        "address": _shown(addresses.get(voice.place_path)),
        "address_id": str(voice.place_id),
        "zipcode": None,
        "lat": float(voice.lat) if voice.lat is not None else None,
        "long": float(voice.long) if voice.long is not None else None,
        "media_url": _media_url(request, voice),
    }


def _requests(request: HttpRequest, community: Place, voices: list[Voice]) -> list[dict[str, Any]]:
    addresses = selectors.place_addresses(community, voices)
    return [_request(request, v, addresses) for v in voices]


def _base(request: HttpRequest) -> str:
    """The endpoint's absolute address, ending with a slash (discovery names it, the key page shows it)."""
    discovery_path = reverse("open311:discovery", kwargs={"fmt": "json"})
    return request.build_absolute_uri(discovery_path.removesuffix("discovery.json"))


@_api("GET", root="discovery")
def discovery(request: HttpRequest) -> dict[str, Any]:
    """The discovery document, with the jurisdictions (communities) this deployment serves."""
    communities = selectors.open311_jurisdictions()
    return {
        "changeset": "2026-12-01T00:00:00+08:00",
        "contact": _("请联系所在社区居委会获取接入密钥（api_key）"),
        "key_service": _("由社区书记或社工在“社情民意 → Open311 接入密钥”页面发放"),
        "endpoints": [
            {
                "specification": SPEC,
                "url": _base(request),
                "changeset": "2026-12-01T00:00:00+08:00",
                "type": "production",
                "formats": [CONTENT_TYPES[f].split(";")[0] for f in ("xml", "json")],
            }
        ],
        "jurisdictions": [
            {"jurisdiction_id": str(pk), "name": _shown(name), "note": _("jurisdiction_id 即社区编号")}
            for pk, name in communities
        ],
    }


@_api("GET", root="services")
def service_list(request: HttpRequest) -> list[dict[str, Any]]:
    community = selectors.jurisdiction_get(jurisdiction_id=request.GET.get("jurisdiction_id"))
    return [_service(c) for c in selectors.service_list(community=community)]


@_api("GET", root="service_definition")
def service_definition(request: HttpRequest, service_code: str) -> dict[str, Any]:
    community = selectors.jurisdiction_get(jurisdiction_id=request.GET.get("jurisdiction_id"))
    category = selectors.service_get(community=community, service_code=service_code)
    return {"service_code": category.code, "attributes": []}


def _ids(raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdigit() and len(p) < 12 for p in parts):
        raise ValidationFailed(
            _("service_request_id 应为逗号分隔的编号"), code=Code.BAD_REQUEST_ID, extra={"field": "service_request_id"}
        )
    return [int(p) for p in parts]


def _status(raw: str) -> bool | None:
    values = {v.strip().lower() for v in raw.split(",") if v.strip()}
    if not values <= set(STATUS_VALUES):
        raise ValidationFailed(_("status 只能是 open 或 closed"), code=Code.BAD_STATUS, extra={"field": "status"})
    return STATUS_VALUES[values.pop()] if len(values) == 1 else None


def _date_range(params: QueryDict) -> tuple[datetime, datetime | None]:
    """The range of requested_datetime, which the spec limits to 90 days. Neither date: the last 90 days; one
    alone: the 90 days before end_date or after start_date; a date without a time covers the whole day."""
    window = timedelta(days=RANGE_DAYS)
    raw_start, raw_end = params.get("start_date") or "", params.get("end_date") or ""
    start = _when(raw_start, "start_date") if raw_start else None
    end = _when(raw_end, "end_date", end=True) if raw_end else None
    if start is not None and end is None:
        end = start + window
    elif start is None and end is not None:
        start = end - window
    elif start is None or end is None:
        return timezone.now() - window, None
    if start > end:
        raise ValidationFailed(_("start_date 不能晚于 end_date"), code=Code.BAD_DATE, extra={"field": "start_date"})
    if end - start > window:
        raise ValidationFailed(
            _("start_date 与 end_date 相隔不能超过 %(days)s 天") % {"days": RANGE_DAYS},
            code=Code.DATE_RANGE_TOO_LONG,
            extra={"field": "end_date"},
        )
    return start, end


def _list(request: HttpRequest) -> list[dict[str, Any]]:
    params = request.GET
    community = selectors.jurisdiction_get(jurisdiction_id=params.get("jurisdiction_id"))
    key = _key(request, params, community)
    if raw_ids := params.get("service_request_id", "").strip():
        voices = selectors.request_list(community=community, key=key, ids=_ids(raw_ids))
        return _requests(request, community, voices)
    start, end = _date_range(params)
    voices = selectors.request_list(
        community=community,
        key=key,
        service_codes=[c.strip() for c in params.get("service_code", "").split(",")],
        start=start,
        end=end,
        is_open=_status(params.get("status", "")),
    )
    return _requests(request, community, voices)


def _create(request: HttpRequest) -> list[dict[str, Any]]:
    params = request.POST
    raw_jurisdiction = params.get("jurisdiction_id", "").strip()
    community = selectors.jurisdiction_get(jurisdiction_id=raw_jurisdiction) if raw_jurisdiction else None
    voice = services.open311_request_create(
        api_key=params.get("api_key", ""), community=community, data={k: params.get(k, "") for k in params}
    )
    due = timezone.localtime(voice.due_at).strftime("%Y-%m-%d") if voice.due_at else ""
    notice = _("已收到您反映的问题（#%(id)s），将在 %(due)s 前答复。") % {"id": voice.pk, "due": due}
    # The spec returns the id or a token, never both: the voice exists at once ("realtime"), so the id.
    return [{"service_request_id": str(voice.pk), "service_notice": notice, "account_id": None}]


@_api("GET", "POST", root="service_requests")
def requests(request: HttpRequest) -> list[dict[str, Any]]:
    return _create(request) if request.method == "POST" else _list(request)


@_api("GET", root="service_requests")
def request_detail(request: HttpRequest, request_id: str) -> list[dict[str, Any]]:
    community = selectors.jurisdiction_get(jurisdiction_id=request.GET.get("jurisdiction_id"))
    key = _key(request, request.GET, community)
    voice = selectors.request_get(community=community, key=key, request_id=request_id)
    return _requests(request, community, [voice])


@_api("GET", root="service_requests")
def token_detail(request: HttpRequest, token: str) -> list[dict[str, Any]]:
    community = selectors.jurisdiction_get(jurisdiction_id=request.GET.get("jurisdiction_id"))
    voice = selectors.token_get(community=community, token=token)
    return [{"service_request_id": str(voice.pk), "token": voice.token}]


@_api("GET", "POST", root="errors")
def unknown_endpoint(request: HttpRequest, rest: str) -> Any:
    raise NotFound(_("没有这个接口，请查看 discovery.json"), code=Code.UNKNOWN_ENDPOINT)


# --- staff pages: issuing and revoking keys ----------------------------------------------------------------------


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("接入方"), max_length=60, required=False)


def _manager(request: HttpRequest, community_id: int) -> tuple[Any, Place]:
    actor, community = community_page(request, community_id)
    if not can_configure(actor, community):
        raise PermissionDenied(_("只有书记或社工可以管理 Open311 接入密钥"))
    return actor, community


def _keys_page(request: HttpRequest, community: Place, actor: User, status: int = 200, **extra: Any) -> HttpResponse:
    base = _base(request)
    return render(
        request,
        "voices/open311_keys.html",
        {
            **page_context(request, community, nav="voices"),
            "keys": list(selectors.open311_key_list(actor=actor, community=community)[:200]),
            "form": extra.pop("form", None) or KeyForm(),
            "base": base,
            **extra,
        },
        status=status,
    )


@login_required
def keys(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = _manager(request, community_id)
    if request.method != "POST":
        return _keys_page(request, community, actor)
    form = KeyForm(request.POST)
    if form.is_valid():
        try:
            key, raw = services.open311_key_issue(actor=actor, community=community, name=form.cleaned_data["name"])
        except ValidationFailed as exc:
            form.add_error("name", str(exc.message))
        else:
            return _keys_page(request, community, actor, issued=key, raw_key=raw)
    return _keys_page(request, community, actor, form=form, status=400)


@login_required
@require_POST
def key_revoke(request: HttpRequest, community_id: int, key_id: int) -> HttpResponse:
    actor, community = _manager(request, community_id)
    key = selectors.open311_key_get(actor=actor, community=community, key_id=key_id)
    try:
        services.open311_key_revoke(actor=actor, key=key)
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已撤销 %(name)s 的密钥（%(prefix)s…）") % {"name": key.name, "prefix": key.prefix})
    return redirect("voices:open311_keys", community_id=community.pk)
