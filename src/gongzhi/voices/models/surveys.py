"""双找 door-to-door surveys: a campaign over a place, and each household visit (or "no one home")."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned
from gongzhi.core.usertext import masked

__all__ = ["Survey", "SurveyVisit", "VisitOutcome"]


class Survey(CommunityOwned):
    title = models.CharField(_("走访名称"), max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围"))
    place_path = PathField()
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_closed = models.BooleanField(_("已结束"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.SURVEY_VISIT
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("双找走访")
        verbose_name_plural = _("双找走访")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return masked(self.title)


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("已走访")
    NOBODY_HOME = "nobody_home", _("无人在家")
    DECLINED = "declined", _("婉拒")


class SurveyVisit(CommunityOwned):
    """One knock on one door. "No one home" leaves the household to visit again; needs found become voices."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, related_name="+")
    place_path = PathField()
    grid_path = PathField(blank=True, default="")
    outcome = models.CharField(_("走访结果"), max_length=12, choices=VisitOutcome.choices)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    from_paper = models.BooleanField(_("纸质表补录"), default=False)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("走访时间"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.SURVEY_VISIT
    scope_place_path: ClassVar[str | None] = "place_path"
    scope_grid_path: ClassVar[str | None] = "grid_path"
    scope_household: ClassVar[str | None] = "household_id"

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["survey", "household"], name="survey_visit_household")]
