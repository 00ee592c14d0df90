"""Open311 GeoReport v2 writes: keys issued to an integration (only their SHA-256 is kept) and the service requests
it POSTs, each becoming a voice through `voice_submit` with the key as its author."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.places.models import Place
from gongzhi.voices.errors import Code
from gongzhi.voices.models import OPEN311_TEXT_MAX, TEXT_MAX, Category, Channel, EventKind, Open311Key, Voice
from gongzhi.voices.predicates import can_configure
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.voice_steps import event_append

__all__ = [
    "key_hash",
    "open311_key_issue",
    "open311_key_revoke",
    "open311_key_use",
    "open311_request_create",
]

TRUE_VALUES = frozenset({"true", "1", "yes"})
FALSE_VALUES = frozenset({"false", "0", "no", ""})


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _refuse_unless_configures(actor: User, community: Place) -> None:
    if not can_configure(actor, community):
        raise PermissionDenied(_("只有书记或社工可以管理 Open311 接入密钥"))


@transaction.atomic
def open311_key_issue(*, actor: User, community: Place, name: str) -> tuple[Open311Key, str]:
    """Issues a key to an integration (VOICE_MANAGE). Returns the row and the key itself, which is never stored
    and cannot be shown again."""
    _refuse_unless_configures(actor, community)
    name = clean_or_fail(
        name,
        label=_("接入方"),
        max_length=60,
        field="name",
        required=_("请填写接入方名称"),
        required_code=Code.NAME_REQUIRED,
    )
    raw = secrets.token_urlsafe(30)
    key = Open311Key(community=community, name=name, prefix=raw[:8], key_hash=key_hash(raw), created_by=actor)
    key.full_clean()
    key.save()
    audit.record(
        actor=actor,
        verb="open311_key.issue",
        obj=key,
        community_id=community.pk,
        after={"name": name, "prefix": key.prefix},
    )
    return key, raw


@transaction.atomic
def open311_key_revoke(*, actor: User, key: Open311Key, now: datetime | None = None) -> Open311Key:
    """Revokes a key (VOICE_MANAGE); a POST racing the revocation waits on the key's lock and is refused after it."""
    locked: Open311Key | None = Open311Key.objects.select_for_update().filter(pk=key.pk).first()
    if locked is None:
        raise NotFound()
    _refuse_unless_configures(actor, locked.community)
    if locked.revoked_at is not None:
        raise ValidationFailed(_("该密钥已撤销"), code=Code.ALREADY_REVOKED)
    locked.revoked_at = now or timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        verb="open311_key.revoke",
        obj=locked,
        community_id=locked.community_id,
        before={"revoked_at": None},
        after={"revoked_at": locked.revoked_at, "prefix": locked.prefix},
    )
    return locked


def _key_for(community: Place | None, api_key: str, *, lock: bool) -> Open311Key:
    """The live key of this community for the given api_key, or the 403 the spec asks for."""
    raw = (api_key or "").strip()
    if not raw:
        raise PermissionDenied(_("缺少 api_key：提交诉求需要社区发放的接入密钥"), code=Code.KEY_REQUIRED)
    rows = Open311Key.objects.filter(key_hash=key_hash(raw))
    key: Open311Key | None = (rows.select_for_update() if lock else rows).first()
    if key is None:
        raise PermissionDenied(_("api_key 无效"), code=Code.BAD_KEY)
    if key.revoked_at is not None:
        raise PermissionDenied(_("该 api_key 已被撤销"), code=Code.KEY_REVOKED)
    if community is not None and key.community_id != community.pk:
        raise PermissionDenied(_("该 api_key 不属于此社区（jurisdiction_id）"), code=Code.KEY_OTHER_COMMUNITY)
    return key


def open311_key_use(*, community: Place, api_key: str, now: datetime | None = None) -> Open311Key:
    """A GET that presents a key: the key must be live and of this community. Only `last_used_at` is stamped, as
    bookkeeping without an audit row (issuing, revoking and every POST are audited)."""
    key = _key_for(community, api_key, lock=False)
    key.last_used_at = now or timezone.now()
    Open311Key.objects.filter(pk=key.pk).update(last_used_at=key.last_used_at)
    return key


def _text(data: Mapping[str, str], field: str, label: str, max_length: int) -> str:
    return clean_or_fail(data.get(field, ""), label=label, max_length=max_length, field=field)


def _coordinate(raw: str, field: str, limit: int) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation as exc:
        raise ValidationFailed(
            _("%(field)s 应为十进制经纬度数值") % {"field": field}, code=Code.BAD_LOCATION, extra={"field": field}
        ) from exc
    if not value.is_finite() or not -limit <= value <= limit:
        raise ValidationFailed(
            _("%(field)s 超出范围（±%(limit)s）") % {"field": field, "limit": limit},
            code=Code.BAD_LOCATION,
            extra={"field": field},
        )
    return value.quantize(Decimal("0.000001"))


def _flag(raw: str, field: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ValidationFailed(
        _("%(field)s 只能是 true 或 false") % {"field": field}, code=Code.BAD_FLAG, extra={"field": field}
    )


def _contact_name(first: str, last: str) -> str:
    if first and last:
        # Chinese names read family name first and without a space; Latin ones given name first.
        return f"{last}{first}" if not (first + last).isascii() else f"{first} {last}"
    return first or last


@transaction.atomic
def open311_request_create(
    *, api_key: str, community: Place | None, data: Mapping[str, str], now: datetime | None = None
) -> Voice:
    """POST requests.json: the key is locked first (a revocation in flight wins), then every field is checked, then
    `voice_submit` (actor None, the key) makes the voice. As the spec says, service_code and a location are
    required and the description is optional (up to 4,000 characters). Contact name and phone are kept private on
    the voice; email, address_string, media_url (never fetched), device_id and account_id go into one internal
    note. The voice is private unless the extension field `is_public=true` is sent."""
    now = now or timezone.now()
    key = _key_for(community, api_key, lock=True)
    community = key.community
    code = (data.get("service_code") or "").strip()
    if not code:
        raise ValidationFailed(_("缺少 service_code"), code=Code.SERVICE_CODE_REQUIRED, extra={"field": "service_code"})
    category: Category | None = Category.objects.filter(community=community, code=code, is_active=True).first()
    if category is None:
        raise NotFound(_("未知的 service_code：%(code)s") % {"code": code[:40]}, code=Code.UNKNOWN_SERVICE)
    # Optional in the spec, up to 4,000 characters; without it the service_code and the location say it all.
    description = clean_or_fail(
        data.get("description", ""),
        label=_("诉求内容（description）"),
        max_length=OPEN311_TEXT_MAX,
        field="description",
    )
    lat_raw, long_raw = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address_string = _text(data, "address_string", _("地址描述（address_string）"), 200)
    address_id = (data.get("address_id") or "").strip()
    if bool(lat_raw) != bool(long_raw):
        raise ValidationFailed(_("lat 与 long 须同时提供"), code=Code.BAD_LOCATION, extra={"field": "lat"})
    if not (lat_raw or address_string or address_id):
        raise ValidationFailed(
            _("缺少位置：请提供 lat/long、address_string 或 address_id 之一"),
            code=Code.LOCATION_REQUIRED,
            extra={"field": "lat"},
        )
    lat = _coordinate(lat_raw, "lat", 90) if lat_raw else None
    long = _coordinate(long_raw, "long", 180) if long_raw else None
    place: Place = community
    if address_id:
        found: Place | None = None
        if address_id.isdigit() and len(address_id) < 12:
            found = Place.objects.filter(pk=int(address_id), community=community).first()
        if found is None and address_id != str(community.pk):
            raise ValidationFailed(
                _("address_id 不是本社区的地点编号"), code=Code.BAD_ADDRESS_ID, extra={"field": "address_id"}
            )
        place = found or community
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed(_("email 格式不正确"), code=Code.BAD_EMAIL, extra={"field": "email"}) from exc
    media_url = (data.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise ValidationFailed(
                _("media_url 应为 http(s) 网址"), code=Code.BAD_MEDIA_URL, extra={"field": "media_url"}
            ) from exc
        media_url = _text({"media_url": media_url}, "media_url", "media_url", 500)
    device_id = _text(data, "device_id", "device_id", 100)
    account_id = _text(data, "account_id", "account_id", 100)
    first = _text(data, "first_name", _("名（first_name）"), 25)
    last = _text(data, "last_name", _("姓（last_name）"), 25)
    is_public = _flag(data.get("is_public", ""), "is_public")
    try:
        voice = voice_submit(
            actor=None,
            open311_key=key,
            channel=Channel.OPEN311,
            community=community,
            place=place,
            category=category,
            text=description,
            is_public=is_public,
            contact_name=_contact_name(first, last),
            contact_phone=(data.get("phone") or "").strip(),
            lat=lat,
            long=long,
            now=now,
        )
    except ValidationFailed as exc:
        if exc.code == "bad_phone":
            exc.extra = {"field": "phone"}
        raise
    lines = [_("来自 Open311 接入方：%(name)s（%(prefix)s…）") % {"name": key.name, "prefix": key.prefix}]
    for label, value in (
        (_("地址描述"), address_string),
        (_("邮箱"), email),
        (_("图片链接（未下载）"), media_url),
        ("device_id", device_id),
        ("account_id", account_id),
    ):
        if value:
            lines.append(f"{label}：{value}")
    event_append(
        voice=voice, kind=EventKind.NOTE, actor=None, body="\n".join(lines)[:TEXT_MAX], is_public=False, at=now
    )
    key.last_used_at = now
    key.save(update_fields=["last_used_at"])
    return voice
