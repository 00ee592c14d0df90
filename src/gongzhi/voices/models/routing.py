"""Who answers a voice: responsible parties, the routing table (category × place subtree) and the work calendar."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["CalendarDay", "Party", "PartyKind", "PartyMember", "Route"]


class PartyKind(models.TextChoices):
    PROPERTY = "property", _("物业")
    COMMITTEE = "committee", _("居委会")
    GRID_WORKER = "grid_worker", _("网格员")
    OWNERS_COMMITTEE = "owners_committee", _("业委会")
    STREET_DEPARTMENT = "street_dept", _("街道部门")
    UTILITY = "utility", _("公用事业单位")


class Party(CommunityOwned):
    """A responsible party (责任方). An overdue voice is escalated (督办) to its supervisor party."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=PartyKind.choices)
    supervisor = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supervised", verbose_name=_("督办方")
    )
    contact = models.CharField(_("对外联系方式"), max_length=60, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    view_action: ClassVar[str] = Action.VOICE_HANDLE

    class Meta:
        verbose_name = _("责任方")
        verbose_name_plural = _("责任方")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="voice_party_unique_name")]

    def __str__(self) -> str:
        return self.name


class PartyMember(CommunityOwned):
    """A user who acts for a party: sees and handles the voices assigned to it, receives its reminders."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(_("负责人"), default=False)

    view_action: ClassVar[str] = Action.VOICE_MANAGE

    class Meta:
        verbose_name = _("责任方成员")
        verbose_name_plural = _("责任方成员")
        constraints = [models.UniqueConstraint(fields=["party", "user"], name="voice_party_member_once")]


class Route(CommunityOwned):
    """One row of the routing table: voices of this category (or any, when empty) under this place go to party.
    The most specific row wins: the deepest place, then a named category over "any"."""

    category = models.ForeignKey(
        "voices.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("类别")
    )
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围"))
    place_path = PathField()
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="routes", verbose_name=_("责任方"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    view_action: ClassVar[str] = Action.VOICE_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        ordering = ["place_path", "category_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "category", "place"],
                condition=Q(category__isnull=False),
                name="voice_route_one_per_category_place",
            ),
            models.UniqueConstraint(
                fields=["community", "place"], condition=Q(category__isnull=True), name="voice_route_one_default_place"
            ),
        ]


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday (is_workday False) or a make-up working day
    (调休, is_workday True). Deployment-wide, as the State Council's holiday notice is."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"), default=False)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
