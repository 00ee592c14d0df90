"""Residents, their tags (some sensitive under PIPL), owners of record, correction requests and imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, ScopedManager
from gongzhi.rules.masking import mask_id_number, mask_name, mask_phone


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    MEMBER = "member", _("家庭成员")
    TENANT = "tenant", _("租户")
    NONE = "none", _("非住户")


class SensitiveAs(models.TextChoices):
    """Which PIPL special category a tag falls in; each has its own reveal permission."""

    NONE = "", _("不敏感")
    PARTY = "party", _("党员身份")
    DISABILITY = "disability", _("残疾/健康")
    LOW_INCOME = "low_income", _("低保/特困")


class Tag(models.Model):
    """Built-in tags have no community; staff add their own per community."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    key = models.SlugField(_("代码"), max_length=40, blank=True)
    name = models.CharField(_("名称"), max_length=30)
    sensitive_as = models.CharField(
        _("敏感类别"), max_length=20, choices=SensitiveAs.choices, default=SensitiveAs.NONE, blank=True
    )

    objects = ScopedManager()
    view_action: ClassVar[str] = Action.PERSON_VIEW

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["community_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], condition=models.Q(community__isnull=False), name="tag_unique_name"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(community__isnull=True), name="builtin_tag_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sensitive(self) -> bool:
        return bool(self.sensitive_as)


class Person(CommunityOwned):
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    household = models.ForeignKey(
        "places.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("居住户"),
    )
    relation = models.CharField(_("身份"), max_length=10, choices=Relation.choices, default=Relation.NONE)
    # Copied from the household so that scoping a 30,000-resident list needs no join.
    place_path = PathField()
    grid_path = PathField(blank=True, default="")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="persons"
    )
    tags = models.ManyToManyField(Tag, through="PersonTag", related_name="+", blank=True)  # type: ignore[var-annotated]
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    view_action: ClassVar[str] = Action.PERSON_VIEW
    scope_place_path: ClassVar[str | None] = "place_path"
    scope_grid_path: ClassVar[str | None] = "grid_path"
    scope_household: ClassVar[str | None] = "household_id"
    audit_masks: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "id_number": mask_id_number,
        "phone": mask_phone,
    }

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["place_path", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "id_number"], name="person_unique_id_in_community")]
        # A page of a community's residents reads this index in order: no sort of 30,000 rows.
        indexes = [models.Index(fields=["community", "place_path", "id"], name="person_community_path")]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class PersonTag(CommunityOwned):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="person_tags")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="+")

    view_action: ClassVar[str] = Action.PERSON_VIEW
    scope_place_path: ClassVar[str | None] = "person__place_path"
    scope_grid_path: ClassVar[str | None] = "person__grid_path"
    scope_household: ClassVar[str | None] = "person__household_id"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_unique")]
        indexes = [models.Index(fields=["tag", "community"], name="person_tag_by_tag")]


class Ownership(CommunityOwned):
    """Owner of record of a household; one person may own several (counted once in owner votes)."""

    household = models.ForeignKey("places.Household", on_delete=models.CASCADE, related_name="ownerships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ownerships")
    place_path = PathField()
    since = models.DateField(_("登记日期"), null=True, blank=True)

    view_action: ClassVar[str] = Action.HOUSEHOLD_VIEW
    scope_place_path: ClassVar[str | None] = "place_path"
    scope_household: ClassVar[str | None] = "household_id"

    class Meta:
        verbose_name = _("产权人")
        verbose_name_plural = _("产权人")
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="ownership_unique")]


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已更正")
    REJECTED = "rejected", _("未采纳")


class CorrectionRequest(CommunityOwned):
    """A resident asks for their own data to be corrected (PIPL Art. 46)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="correction_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("字段"), max_length=30)
    proposed = models.CharField(_("更正为"), max_length=200)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN)
    response = models.CharField(_("答复"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    place_path = PathField()

    view_action: ClassVar[str] = Action.CORRECTION_HANDLE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("信息更正申请")
        verbose_name_plural = _("信息更正申请")
        ordering = ["-created_at"]


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("待确认")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")
    FAILED = "failed", _("失败")


class ImportJob(CommunityOwned):
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("导入到"))
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    view_action: ClassVar[str] = Action.PERSON_IMPORT

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        total = self.valid_rows if self.status in (ImportStatus.IMPORTING, ImportStatus.DONE) else self.total_rows
        return 100 if not total else min(100, self.processed_rows * 100 // total)

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})
