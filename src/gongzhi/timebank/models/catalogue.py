"""The catalogue (慈善超市 / 积分兑实物, 积分兑服务) and redemptions: redeeming reserves one item and issues a 核销
code; the provider completes it, or a cancellation or expiry refunds the points by a compensating transaction."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["Donation", "Item", "ItemKind", "Redemption", "RedemptionStatus"]


class ItemKind(models.TextChoices):
    GOODS = "goods", _("实物")
    SERVICE = "service", _("服务")


class Item(CommunityOwned):
    kind = models.CharField(_("类型"), max_length=10, choices=ItemKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    # Goods have stock (reserved units are already taken off); services offered by a provider have none.
    stock = models.PositiveIntegerField(_("库存"), null=True, blank=True)
    service_type = models.ForeignKey(
        "timebank.ServiceType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_name = models.CharField(_("提供方"), max_length=100, blank=True)  # 慈善超市, a partner business …
    # Whoever completes the 核销 besides staff: a partner business's login or a certified volunteer.
    provider_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code_valid_days = models.PositiveSmallIntegerField(_("核销码有效天数"), default=14)
    is_active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("兑换物品/服务")
        verbose_name_plural = _("兑换物品/服务")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="timebank_item_price"),
            models.CheckConstraint(
                condition=Q(kind="goods", stock__isnull=False) | Q(kind="service"), name="timebank_goods_have_stock"
            ),
        ]
        indexes = [models.Index(fields=["community", "is_active", "kind"], name="timebank_item_active")]

    def __str__(self) -> str:
        return self.name


class Donation(CommunityOwned):
    """Donated goods received into the 慈善超市: adds `quantity` to the item's stock."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="donations")
    donor = models.CharField(_("捐赠人/单位"), max_length=100)
    quantity = models.PositiveIntegerField(_("数量"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("捐赠入库")
        verbose_name_plural = _("捐赠入库")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="timebank_donation_quantity")]


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("待核销")
    COMPLETED = "completed", _("已核销")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


class Redemption(CommunityOwned):
    """Its community is the item's; the paying account may be of another community of the street (通存通兑)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="redemptions")
    account = models.ForeignKey("timebank.Account", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    points = models.PositiveIntegerField(_("积分"))
    code = models.CharField(_("核销码"), max_length=6)
    token = models.CharField(max_length=40, unique=True)  # what the QR carries
    status = models.CharField(
        _("状态"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.RESERVED
    )
    expires_at = models.DateTimeField(_("有效期至"))
    transaction = models.ForeignKey("timebank.Transaction", on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(
        "timebank.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        constraints = [
            # A live code is unique in its community, so the 6 digits alone find it.
            models.UniqueConstraint(
                fields=["community", "code"], condition=Q(status="reserved"), name="timebank_live_code_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="timebank_redemption_expiry"),
            # My redemptions, newest first (the payer is always the one who redeemed).
            models.Index(fields=["created_by", "-created_at"], name="timebank_redemption_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.code}"
