"""Accounts, role assignments on places, the audit hash chain and the sensitive-data access log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.roles import Role
from gongzhi.core.scoping import CommunityOwned, ScopedManager
from gongzhi.rules.masking import mask_phone


class UserManager(BaseUserManager["User"]):
    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Logs in with a mainland mobile number. Roles come from RoleAssignment, not from Django groups."""

    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    display_name = models.CharField(_("显示名称"), max_length=50, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    is_staff = models.BooleanField(_("可进入后台"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    large_font = models.BooleanField(_("大字模式"), default=False)
    language = models.CharField(_("语言"), max_length=10, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or mask_phone(self.phone)  # shown in lists and the admin


class RoleAssignment(models.Model):
    """A role held on one node; it reaches the node's whole subtree (territorial or grid)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    community = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("街道角色为空"),
    )
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="role_assignments", null=True, blank=True
    )
    grid = models.ForeignKey(
        "places.Grid", on_delete=models.PROTECT, related_name="role_assignments", null=True, blank=True
    )
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, related_name="role_assignments", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    view_action: ClassVar[str] = "admin.access"

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(place__isnull=False, grid__isnull=True, household__isnull=True)
                    | models.Q(place__isnull=True, grid__isnull=False, household__isnull=True)
                    | models.Q(place__isnull=True, grid__isnull=True, household__isnull=False)
                ),
                name="role_on_exactly_one_node",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", "role", node],
                    condition=models.Q(**{f"{node}__isnull": False}),
                    name=f"role_unique_on_{node}",
                )
                for node in ("place", "grid", "household")
            ],
        ]

    def __str__(self) -> str:
        node = self.place or self.grid or self.household
        return f"{self.get_role_display()} @ {node}"


class AuditEvent(models.Model):
    """Append-only. Each community has its own hash chain; chain 0 holds events above any community."""

    chain = models.BigIntegerField(_("链"), db_index=True)
    seq = models.BigIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    on_behalf_of = models.CharField(_("代办对象"), max_length=100, blank=True)
    community_id = models.BigIntegerField(_("社区"), null=True, blank=True, db_index=True)
    verb = models.CharField(_("动作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象"), max_length=40)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are append-only")


class AuditChainHead(models.Model):
    """The last link of each chain; locked while appending so concurrent writers never fork a chain."""

    chain = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"chain {self.chain} @ {self.seq}"


class SensitiveAccess(CommunityOwned):
    """Every full view of a sensitive field (PIPL Art. 28): who saw what of whom, and when."""

    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    field = models.CharField(_("字段"), max_length=40)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)

    view_action = "audit.view"

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")

    def __str__(self) -> str:
        return f"{self.actor} {self.field} {self.object_type}#{self.object_id}"


class LoginThrottle(models.Model):
    """Wrong-password counts per phone and per client address (`rules.login_throttle`). Keyed by the phone as
    typed, registered or not, so a throttled answer says nothing about whether the number has an account."""

    key = models.CharField(_("限制对象"), max_length=64, unique=True, help_text=_("phone:手机号 或 ip:客户端地址"))
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    blocked_until = models.DateTimeField(_("等待至"), null=True, blank=True)
    last_failed_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return f"{self.key} × {self.failures}"


class ApiToken(models.Model):
    """A bearer token for an integration (e.g. 天府市民云); only its SHA-256 is stored. It works until `expires_at`
    (API_TOKEN_LIFETIME_DAYS after issue) unless revoked, and only while its account is active."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now: Any) -> bool:
        return self.revoked_at is None and now < self.expires_at


class WorkerHeartbeat(models.Model):
    """One row: when a task worker last ran the heartbeat task (`core.tasks.heartbeat_task`, every minute), which
    /healthz reads. A row, not a cache key, so that it survives a cache outage and speaks for the workers alone:
    with several, a beat says that tasks are being taken."""

    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")

    def __str__(self) -> str:
        return f"{self.beat_at:%Y-%m-%d %H:%M:%S}"


class TaskLease(models.Model):
    """Who runs a periodic sweep now (`core.tasks.exclusive`): a worker claims the row for a lease with one UPDATE,
    so two workers never run the same sweep at once, and a worker killed mid-sweep holds it only until it lapses."""

    # The chain's lock id, the one `ensure_scheduled` takes on PostgreSQL (voices: 0x766F6963 "voic").
    chain = models.BigIntegerField(unique=True)
    held_until = models.DateTimeField()

    class Meta:
        verbose_name = _("定时任务租约")
        verbose_name_plural = _("定时任务租约")

    def __str__(self) -> str:
        return f"{self.chain:#x} → {self.held_until:%Y-%m-%d %H:%M:%S}"


# Whoever a permission question is about: a signed-in user, or the anonymous visitor Django puts on a request.
Viewer = User | AnonymousUser
