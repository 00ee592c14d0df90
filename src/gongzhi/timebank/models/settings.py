"""A street's limits for the time bank: who may go how far below zero, how much family may be given, how far two
communities may owe each other. One row per street; a street without one uses the defaults."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.timebank.models.ledger import ELDERLY_FLOOR_MIN, GIFT_MONTHLY_LIMIT

__all__ = ["CLEARING_LIMIT", "ELDERLY_AGE", "LedgerSettings"]

ELDERLY_AGE = 60
CLEARING_LIMIT = 5000  # points one community may owe another through 通存通兑


class LedgerSettings(models.Model):
    street = models.OneToOneField("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道"))
    # Individuals may not overdraw by default; a street may let elderly residents go a little below zero.
    elderly_floor = models.IntegerField(
        _("老年人最低余额"),
        default=0,
        validators=[MinValueValidator(ELDERLY_FLOOR_MIN), MaxValueValidator(0)],
        help_text=_("0 表示不允许透支；最低可设为 -50"),
    )
    elderly_age = models.PositiveSmallIntegerField(
        _("老年人年龄"), default=ELDERLY_AGE, validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    gift_monthly_limit = models.PositiveIntegerField(
        _("每月家庭赠送上限"), default=GIFT_MONTHLY_LIMIT, validators=[MaxValueValidator(100000)]
    )
    clearing_limit = models.PositiveIntegerField(
        _("通存通兑清算上限"), default=CLEARING_LIMIT, validators=[MaxValueValidator(10_000_000)]
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("时间银行规则")
        verbose_name_plural = _("时间银行规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(elderly_floor__lte=0, elderly_floor__gte=ELDERLY_FLOOR_MIN), name="timebank_elderly_floor"
            )
        ]

    def __str__(self) -> str:
        return str(self.street)
