"""Writes on accounts and roles. Each is one transaction with one audit event."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import RoleAssignment, User
from gongzhi.core.permissions import Action
from gongzhi.core.roles import Role
from gongzhi.core.scoping import forget_grants, user_can
from gongzhi.rules import phone as phone_rule
from gongzhi.rules.masking import mask_phone

STAFF_ROLES = {Role.SECRETARY, Role.SOCIAL_WORKER}


def _password_ok(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("；".join(exc.messages), code="weak_password") from exc


@transaction.atomic
def user_create(
    *,
    actor: Any,
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
        raise ValidationFailed(str(exc), code="bad_phone") from exc
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
    *, actor: Any, user: User, role: str, place: Any = None, grid: Any = None, household: Any = None
) -> RoleAssignment:
    """Gives a role on exactly one node; only community staff may assign inside their community."""
    node = place or grid or household
    if node is None or sum(x is not None for x in (place, grid, household)) != 1:
        raise ValidationFailed(_("角色须分配在一个地点、网格或户上"))
    community = node if place is not None and place.is_community else getattr(node, "community", None)
    if actor is not None and (community is None or not user_can(actor, Action.ADMIN, community)):
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
        raise ValidationFailed(_("原密码不正确"), code="bad_password")
    _password_ok(new_password, actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit.record(actor=actor, verb="user.password_change", obj=actor, community_id=None)
    return actor


@transaction.atomic
def api_token_create(*, actor: Any, user: User, name: str) -> tuple[Any, str]:
    """Issues a token; the plain value is returned once and never stored."""
    import hashlib
    import secrets

    from gongzhi.core.models import ApiToken

    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied()
    plain = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=clean_or_fail(name, label=_("用途"), max_length=100),
        prefix=plain[:8],
        token_hash=hashlib.sha256(plain.encode()).hexdigest(),
    )
    audit.record(actor=actor, verb="api_token.create", obj=token, community_id=None, after={"name": token.name})
    return token, plain
