"""The volunteer lifecycle: recruitment posts, registration (a guardian's consent for minors), teams and
self-organizations, awards, and the 志愿服务记录证明 issued on request."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = [
    "Award",
    "RecordProof",
    "Recruitment",
    "RecruitmentApplication",
    "RecruitmentStatus",
    "Team",
    "TeamKind",
    "TeamMember",
    "Volunteer",
    "VolunteerStatus",
]


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    SUSPENDED = "suspended", _("暂停")
    LEFT = "left", _("已退出")


class Volunteer(CommunityOwned):
    """A registered volunteer: one per person and community. A minor (under 18 on the day of registration) needs a
    guardian's recorded consent (志愿服务条例 Art. 15)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("志愿者"))
    number = models.CharField(_("志愿者编号"), max_length=30)
    status = models.CharField(_("状态"), max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE)
    registered_on = models.DateField(_("注册日期"), default=timezone.localdate)
    service_areas = models.CharField(_("服务意向"), max_length=200, blank=True)
    guardian_name = models.CharField(_("监护人姓名"), max_length=50, blank=True)
    guardian_phone = models.CharField(_("监护人手机号"), max_length=11, blank=True)
    guardian_relation = models.CharField(_("与监护人关系"), max_length=20, blank=True)
    guardian_consent_at = models.DateTimeField(_("监护人同意时间"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The check-in code (我的志愿者码): six random digits, issued on first need and replaced at the volunteer's
    # request. Only this row knows it, so it cannot be computed from anything else; the QR carries the same digits.
    code = models.CharField(_("志愿者码"), max_length=6, blank=True, default="")

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        constraints = [
            models.UniqueConstraint(fields=["community", "person"], name="timebank_volunteer_once"),
            models.UniqueConstraint(fields=["community", "number"], name="timebank_volunteer_number"),
            # The six digits alone find the volunteer in the organiser's community.
            models.UniqueConstraint(
                fields=["community", "code"], condition=~Q(("code", "")), name="timebank_volunteer_code_unique"
            ),
        ]
        indexes = [models.Index(fields=["community", "registered_on"], name="timebank_volunteer_reg")]

    def __str__(self) -> str:
        return self.number


class TeamKind(models.TextChoices):
    SELF_ORG = "self_org", _("自组织")
    TEAM = "team", _("志愿服务队")


class Team(CommunityOwned):
    """A volunteer team or a residents' self-organization (article 001: 8 mature self-organizations)."""

    kind = models.CharField(_("类型"), max_length=10, choices=TeamKind.choices, default=TeamKind.TEAM)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    leader = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("负责人")
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    is_mature = models.BooleanField(_("成熟自组织"), default=False)
    is_active = models.BooleanField(_("活跃"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("队伍/自组织")
        verbose_name_plural = _("队伍/自组织")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="timebank_team_name")]

    def __str__(self) -> str:
        return self.name


class TeamMember(CommunityOwned):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="team_memberships")
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="timebank_team_member_once")]


class RecruitmentStatus(models.TextChoices):
    OPEN = "open", _("招募中")
    CLOSED = "closed", _("已结束")


class Recruitment(CommunityOwned):
    """A recruitment post (招募): residents apply, staff register those accepted as volunteers."""

    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("内容"), max_length=4000)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    needed = models.PositiveIntegerField(_("招募人数"), default=0)
    opens_on = models.DateField(_("开始日期"), default=timezone.localdate)
    closes_on = models.DateField(_("截止日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RecruitmentStatus.choices, default=RecruitmentStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("志愿者招募")
        verbose_name_plural = _("志愿者招募")

    def __str__(self) -> str:
        return self.title


class RecruitmentApplication(CommunityOwned):
    recruitment = models.ForeignKey(Recruitment, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("留言"), max_length=200, blank=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(fields=["recruitment", "person"], name="timebank_recruitment_apply_once")
        ]


class Award(CommunityOwned):
    """An award or commendation, part of the volunteer record (志愿服务记录: 表彰奖励)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="awards")
    title = models.CharField(_("表彰名称"), max_length=100)
    awarded_on = models.DateField(_("表彰日期"))
    issuer = models.CharField(_("授予单位"), max_length=100)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("表彰奖励")
        verbose_name_plural = _("表彰奖励")


class RecordProof(CommunityOwned):
    """A 志愿服务记录证明 issued (free) on request; anyone holding its code can check it at the public verify page.
    The figures are frozen at issue so that the proof says what it said."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="proofs")
    code = models.CharField(_("验证码"), max_length=20, unique=True)
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    services = models.PositiveIntegerField(_("服务次数"), default=0)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=models.F("period_end")),
                name="timebank_proof_period",
            )
        ]
