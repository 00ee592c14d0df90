"""Writes on accounts and roles. Each is one transaction with one audit event."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Code, Duplicate, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import ApiToken, RoleAssignment, User
from gongzhi.core.predicates import can_assign_role, can_manage_tokens_of, can_revoke_token
from gongzhi.core.roles import Role
from gongzhi.core.scoping import forget_grants
from gongzhi.rules import phone as phone_rule
from gongzhi.rules.masking import mask_phone

STAFF_ROLES = {Role.SECRETARY, Role.SOCIAL_WORKER}


def _password_ok(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("；".join(exc.messages), code=Code.WEAK_PASSWORD) from exc


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    phone: str,
    password: str,
    display_name: str = "",
    community_id: int | None = None,
    must_change_password: bool = False,
) -> User:
    """Creates an account; actor None is the system (demo loader, management commands)."""
    try:
        normalized = phone_rule.validate(phone)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=Code.BAD_PHONE) from exc
    name = clean_or_fail(display_name, label=_("显示名称"), max_length=50)
    if User.objects.filter(phone=normalized).exists():
        raise Duplicate(_("该手机号已注册账号"))
    _password_ok(password)
    user = User(phone=normalized, display_name=name, must_change_password=must_change_password)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor,
        verb="user.create",
        obj=user,
        community_id=community_id,
        after={"phone": mask_phone(normalized), "display_name": name},
    )
    return user


@transaction.atomic
def role_assign(
    *, actor: User | None, user: User, role: str, place: Any = None, grid: Any = None, household: Any = None
) -> RoleAssignment:
    """Gives a role on exactly one node; only community staff may assign inside their community."""
    node = place or grid or household
    if node is None or sum(x is not None for x in (place, grid, household)) != 1:
        raise ValidationFailed(_("角色须分配在一个地点、网格或户上"))
    community = node if place is not None and place.is_community else getattr(node, "community", None)
    if actor is not None and not can_assign_role(actor, community):
        raise PermissionDenied()
    if role == Role.STREET_STAFF and (place is None or place.kind != "street"):
        raise ValidationFailed(_("街道角色须分配在街道上"))
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        place=place,
        grid=grid,
        household=household,
        defaults={"community": community},
    )
    if created:
        if role in STAFF_ROLES and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit.record(
            actor=actor,
            verb="role.assign",
            obj=assignment,
            community_id=community.pk if community else None,
            after={"user": user.pk, "role": role, "node": f"{node._meta.model_name}:{node.pk}"},
        )
    forget_grants(user)
    return assignment


@transaction.atomic
def user_set_preferences(*, actor: User, large_font: bool | None = None, language: str | None = None) -> User:
    before = {"large_font": actor.large_font, "language": actor.language}
    fields = []
    if large_font is not None:
        actor.large_font = large_font
        fields.append("large_font")
    if language is not None:
        actor.language = language
        fields.append("language")
    if fields:
        actor.save(update_fields=fields)
        audit.record(
            actor=actor,
            verb="user.preferences",
            obj=actor,
            community_id=None,
            before=before,
            after={"large_font": actor.large_font, "language": actor.language},
        )
    return actor


@transaction.atomic
def user_change_password(*, actor: User, old_password: str, new_password: str) -> User:
    if not actor.check_password(old_password):
        raise ValidationFailed(_("原密码不正确"), code=Code.BAD_PASSWORD)
    _password_ok(new_password, actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit.record(actor=actor, verb="user.password_change", obj=actor, community_id=None)
    return actor


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Issues a token that expires API_TOKEN_LIFETIME_DAYS from now; the plain value is returned once and never
    stored. The system (actor None) or the account itself may issue."""
    if actor is not None and not can_manage_tokens_of(actor, user):
        raise PermissionDenied()
    if not user.is_active:
        raise ValidationFailed(_("该账号已停用，不能签发接口令牌"), code=Code.ACCOUNT_INACTIVE)
    now = now or timezone.now()
    plain = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=clean_or_fail(name, label=_("用途"), max_length=100),
        prefix=plain[:8],
        token_hash=hashlib.sha256(plain.encode()).hexdigest(),
        expires_at=now + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    token.full_clean()
    token.save()
    audit.record(
        actor=actor,
        verb="api_token.create",
        obj=token,
        community_id=None,
        after={"name": token.name, "user": user.pk, "expires_at": token.expires_at},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken, now: datetime | None = None) -> ApiToken:
    """Revokes one token under its row lock; its owner or the system (actor None, management commands) may."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor is not None and not can_revoke_token(actor, locked):
        raise PermissionDenied()
    if locked.revoked_at is not None:
        raise ValidationFailed(_("该令牌已撤销"), code=Code.ALREADY_REVOKED)
    locked.revoked_at = now or timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        verb="api_token.revoke",
        obj=locked,
        community_id=None,
        after={"revoked_at": locked.revoked_at, "prefix": locked.prefix, "user": locked.user_id},
    )
    return locked


def _revoke_live_tokens(user: User, now: datetime) -> list[int]:
    ids = list(
        ApiToken.objects.select_for_update()
        .filter(user=user, revoked_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ApiToken.objects.filter(pk__in=ids).update(revoked_at=now)
    return ids


@transaction.atomic
def api_token_revoke_all(*, actor: User | None, user: User, now: datetime | None = None) -> list[int]:
    """Revokes every unrevoked token of `user` (a lost laptop, a leaked config); returns their ids. The account
    itself or the system may; one audit event lists them."""
    if actor is not None and not can_manage_tokens_of(actor, user):
        raise PermissionDenied()
    ids = _revoke_live_tokens(user, now or timezone.now())
    audit.record(actor=actor, verb="api_token.revoke_all", obj=user, community_id=None, after={"tokens": ids})
    return ids


@transaction.atomic
def user_lock(*, actor: User | None, user: User, reason: str, now: datetime | None = None) -> User:
    """Locks an account: inactive (its sessions stop at the next request, PhoneBackend refuses it at login, with
    the same message as a wrong password) and every token revoked. The system only (management command `lock_user`)."""
    if actor is not None:
        raise PermissionDenied()
    locked = User.objects.select_for_update().get(pk=user.pk)
    why = clean_or_fail(
        reason, label=_("原因"), max_length=200, required=_("请填写锁定原因"), required_code=Code.REASON
    )
    before = {"is_active": locked.is_active}
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    ids = _revoke_live_tokens(locked, now or timezone.now())
    audit.record(
        actor=actor,
        verb="user.lock",
        obj=locked,
        community_id=None,
        before=before,
        after={"is_active": False, "reason": why, "tokens_revoked": ids},
    )
    return locked
