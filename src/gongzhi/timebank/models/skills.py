"""Service types with their points rule, the skills some of them need, and the training that certifies those
skills (琼花观: disabled residents trained for bathing aid, haircuts and physiotherapy serve the elderly)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["Certificate", "ServiceType", "Skill", "Training", "TrainingAttendance"]


class Skill(CommunityOwned):
    name = models.CharField(_("技能"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="timebank_skill_name")]

    def __str__(self) -> str:
        return self.name


class ServiceType(CommunityOwned):
    """A kind of service and its points rule: points per hour of actual service time. A type that needs a skill
    may only be offered by a holder of a valid certificate of it."""

    name = models.CharField(_("服务类型"), max_length=50)
    points_per_hour = models.PositiveIntegerField(_("每小时积分"), default=10)
    required_skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("需要的技能")
    )
    # 琼花观's chain: services delivered by disabled residents as assisted employment (辅助性就业).
    assisted_employment = models.BooleanField(_("残疾人辅助性就业"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("服务类型")
        verbose_name_plural = _("服务类型")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="timebank_service_type_name")]

    def __str__(self) -> str:
        return self.name


class Training(CommunityOwned):
    """A training session; attending one that certifies a skill earns its certificate."""

    title = models.CharField(_("培训名称"), max_length=100)
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="trainings", verbose_name=_("认证技能")
    )
    trainer = models.CharField(_("培训师/机构"), max_length=100, blank=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="timebank_training_span")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(CommunityOwned):
    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("考核通过"), default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("培训签到")
        verbose_name_plural = _("培训签到")
        constraints = [models.UniqueConstraint(fields=["training", "person"], name="timebank_training_once")]


class Certificate(CommunityOwned):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("持证人"))
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("技能"))
    training = models.ForeignKey(Training, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    number = models.CharField(_("证书编号"), max_length=30)
    issued_on = models.DateField(_("发证日期"), default=timezone.localdate)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("技能证书")
        verbose_name_plural = _("技能证书")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="timebank_certificate_number"),
            models.UniqueConstraint(
                fields=["person", "skill"], condition=Q(revoked_at__isnull=True), name="timebank_certificate_live_once"
            ),
        ]

    def __str__(self) -> str:
        return self.number
