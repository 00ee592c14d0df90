"""公益集章打卡: QR posters at service points; a person collects at most one stamp per poster per day, and a full
card of `stamps_required` stamps grants `points` once."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["Stamp", "StampCard", "StampPoint", "StampTrail"]


class StampTrail(CommunityOwned):
    name = models.CharField(_("集章活动"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    stamps_required = models.PositiveSmallIntegerField(_("集满章数"), default=10)
    points = models.PositiveIntegerField(_("集满奖励积分"), default=20)
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("进行中"), default=True)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("公益集章")
        verbose_name_plural = _("公益集章")
        constraints = [models.CheckConstraint(condition=models.Q(stamps_required__gte=1), name="timebank_trail_stamps")]

    def __str__(self) -> str:
        return self.name


class StampPoint(CommunityOwned):
    """A service point with a QR poster; the poster encodes `token` (random, unguessable)."""

    trail = models.ForeignKey(StampTrail, on_delete=models.PROTECT, related_name="points_of_trail")
    name = models.CharField(_("打卡点"), max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点"))
    token = models.CharField(max_length=40, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("打卡点")
        verbose_name_plural = _("打卡点")

    def __str__(self) -> str:
        return self.name


class StampCard(CommunityOwned):
    """A person's card on a trail; the next card starts when one is full."""

    trail = models.ForeignKey(StampTrail, on_delete=models.PROTECT, related_name="cards")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(default=1)  # the person's 1st, 2nd … card on the trail
    stamp_count = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    transaction = models.ForeignKey(
        "timebank.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("集章卡")
        verbose_name_plural = _("集章卡")
        constraints = [
            models.UniqueConstraint(fields=["trail", "person", "number"], name="timebank_stamp_card_number"),
            models.UniqueConstraint(
                fields=["trail", "person"],
                condition=models.Q(completed_at__isnull=True),
                name="timebank_one_open_stamp_card",
            ),
        ]


class Stamp(CommunityOwned):
    card = models.ForeignKey(StampCard, on_delete=models.PROTECT, related_name="stamps")
    point = models.ForeignKey(StampPoint, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("盖章")
        verbose_name_plural = _("盖章")
        constraints = [models.UniqueConstraint(fields=["point", "person", "day"], name="timebank_stamp_once_a_day")]
