"""Open311 GeoReport v2 reads. Callers are anonymous (no role, so `visible_to` would give nothing): they read what
the community's public page shows (`Voice.objects.public()`), and a live key of the community also its own
integration's requests. Staff read the community's keys through `visible_to`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.models import User
from gongzhi.places.models import COMMUNITY_KINDS, Place
from gongzhi.voices.errors import Code
from gongzhi.voices.models import Category, EventKind, Open311Key, Status, Voice, VoiceEvent, VoicePhoto

__all__ = [
    "MAX_REQUESTS",
    "jurisdiction_get",
    "last_change",
    "open311_jurisdictions",
    "open311_key_get",
    "open311_key_list",
    "place_addresses",
    "request_get",
    "request_list",
    "service_get",
    "service_list",
    "status_notes",
    "token_get",
]

MAX_REQUESTS = 1000
NOTE_KINDS = (EventKind.REPLIED, EventKind.CLOSED, EventKind.REJECTED, EventKind.REOPENED, EventKind.STATUS)


def jurisdiction_get(*, jurisdiction_id: str | None) -> Place:
    """The community a jurisdiction_id names (its id): 400 when missing, 404 when no such community."""
    raw = (jurisdiction_id or "").strip()
    if not raw:
        raise ValidationFailed(
            _("缺少 jurisdiction_id：请填写社区编号"),
            code=Code.JURISDICTION_REQUIRED,
            extra={"field": "jurisdiction_id"},
        )
    community: Place | None = (
        Place.objects.filter(pk=int(raw), kind__in=COMMUNITY_KINDS).first() if raw.isdigit() and len(raw) < 12 else None
    )
    if community is None:
        raise NotFound(_("未知的 jurisdiction_id：%(id)s") % {"id": raw[:20]}, code=Code.UNKNOWN_JURISDICTION)
    return community


def service_list(*, community: Place) -> QuerySet[Category]:
    """The community's active categories: each is one Open311 service."""
    return Category.objects.filter(community=community, is_active=True).order_by("sort_order", "id")


def service_get(*, community: Place, service_code: str) -> Category:
    category: Category | None = service_list(community=community).filter(code=service_code).first()
    if category is None:
        raise NotFound(_("未知的 service_code：%(code)s") % {"code": service_code[:40]}, code=Code.UNKNOWN_SERVICE)
    return category


def _readable(community: Place, key: Open311Key | None) -> QuerySet[Voice]:
    shown = Q(is_public=True, merged_into__isnull=True)
    if key is not None:
        shown |= Q(open311_key=key)
    notes = (
        VoiceEvent.objects.filter(voice=OuterRef("pk"), is_public=True, kind__in=NOTE_KINDS)
        .exclude(body="")
        .order_by("-created_at", "-id")
        .values("body")[:1]
    )
    last_public = (
        VoiceEvent.objects.filter(voice=OuterRef("pk"), is_public=True).order_by("-created_at").values("created_at")[:1]
    )
    first_photo = VoicePhoto.objects.filter(voice=OuterRef("pk")).order_by("id").values("id")[:1]
    queryset: QuerySet[Voice] = (
        Voice.objects.filter(shown, community=community)
        .select_related("category", "party")
        .annotate(
            latest_note=Subquery(notes), last_public_at=Subquery(last_public), first_photo_id=Subquery(first_photo)
        )
        .order_by("-created_at", "-id")
    )
    return queryset


def request_list(
    *,
    community: Place,
    key: Open311Key | None = None,
    ids: Iterable[int] | None = None,
    service_codes: Iterable[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    is_open: bool | None = None,
) -> list[Voice]:
    """The requests a caller may read, newest first, at most MAX_REQUESTS. With ids the other filters are ignored,
    as the spec says."""
    queryset = _readable(community, key)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    else:
        codes = [c for c in service_codes if c]
        if codes:
            queryset = queryset.filter(category__code__in=codes)
        if start is not None:
            queryset = queryset.filter(created_at__gte=start)
        if end is not None:
            queryset = queryset.filter(created_at__lte=end)
        if is_open is not None:
            queryset = queryset.filter(is_open=is_open)
    return list(queryset[:MAX_REQUESTS])


def request_get(*, community: Place, key: Open311Key | None, request_id: str) -> Voice:
    voice: Voice | None = (
        _readable(community, key).filter(pk=int(request_id)).first()
        if request_id.isdigit() and len(request_id) < 12
        else None
    )
    if voice is None:
        raise NotFound(code=Code.UNKNOWN_REQUEST)
    return voice


def token_get(*, community: Place, token: str) -> Voice:
    """The spec's token lookup. A POST returns the id, never a token (the spec gives one or the other), but a
    voice's token is a secret its holder has, so it maps to the id whether or not the voice is public; nothing else
    about the voice is returned."""
    voice: Voice | None = Voice.objects.filter(community=community, token=token).only("pk", "token").first()
    if voice is None:
        raise NotFound(_("未找到该 token"), code=Code.UNKNOWN_TOKEN)
    return voice


ADDRESS_SEPARATOR = "，"


def place_addresses(community: Place, voices: Iterable[Voice]) -> dict[str, str]:
    """Each place path's name up to the community, most specific first as the spec asks of `address`
    ("3栋，花园颐院，东环路社区"), in one query for the page."""
    paths = {v.place_path for v in voices}
    ids = {int(i) for p in paths for i in p.strip("/").split("/") if i}
    names = dict(Place.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    out: dict[str, str] = {}
    for path in paths:
        parts = [int(i) for i in path.strip("/").split("/") if i]
        if community.pk in parts:
            parts = parts[parts.index(community.pk) :]
        out[path] = ADDRESS_SEPARATOR.join(names[i] for i in reversed(parts) if names.get(i))
    return out


def last_change(voice: Voice) -> datetime:
    """updated_datetime: the last change a caller can see, so never `updated_at`, which any write touches (the
    reminder sweep, a bulk load). A closed request's is when it was closed, as the spec says, even if it was rated
    afterwards; an open one's is its latest public event (a reply, a status change, a reopening)."""
    if not voice.is_open and voice.closed_at is not None:
        return voice.closed_at
    seen: datetime | None = getattr(voice, "last_public_at", None)
    return max(voice.created_at, seen) if seen is not None else voice.created_at


def status_notes(voice: Voice) -> str | None:
    if voice.status == Status.REJECTED and voice.public_reason:
        return voice.public_reason
    note: str | None = getattr(voice, "latest_note", None)
    return note or None


def open311_key_list(*, actor: User, community: Place) -> QuerySet[Open311Key]:
    """The community's keys, revoked ones included, for those who manage voices (VOICE_MANAGE)."""
    queryset: QuerySet[Open311Key] = (
        Open311Key.objects.visible_to(actor).filter(community=community).order_by("-created_at", "-id")
    )
    return queryset


def open311_key_get(*, actor: User, community: Place, key_id: int) -> Open311Key:
    key: Open311Key | None = open311_key_list(actor=actor, community=community).filter(pk=key_id).first()
    if key is None:
        raise NotFound()
    return key


def open311_jurisdictions() -> list[tuple[int, str]]:
    """Every community this deployment serves, as (jurisdiction_id, name) for the public discovery document."""
    return list(Place.objects.filter(kind__in=COMMUNITY_KINDS).order_by("pk").values_list("pk", "name"))
