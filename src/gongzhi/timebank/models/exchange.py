"""Resident-to-resident exchange: offers ("I can cut hair") and requests ("I need help with shopping"). When the
helped resident confirms the help, a service record awaits the grid worker's approval; then points move."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["Exchange", "ExchangeStatus", "Post", "PostKind", "PostStatus"]


class PostKind(models.TextChoices):
    OFFER = "offer", _("我能帮")
    REQUEST = "request", _("我需要")


class PostStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已关闭")


class Post(CommunityOwned):
    kind = models.CharField(_("类型"), max_length=10, choices=PostKind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人"))
    service_type = models.ForeignKey(
        "timebank.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("服务类型")
    )
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    place_path = PathField()  # the poster's home, for the grid worker's scope
    status = models.CharField(_("状态"), max_length=10, choices=PostStatus.choices, default=PostStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("互助信息")
        verbose_name_plural = _("互助信息")
        indexes = [models.Index(fields=["community", "status", "created_at"], name="timebank_post_open")]

    def __str__(self) -> str:
        return self.title


class ExchangeStatus(models.TextChoices):
    AGREED = "agreed", _("已约定")
    CONFIRMED = "confirmed", _("已确认")  # the helped resident confirmed; its record awaits approval
    CANCELLED = "cancelled", _("已取消")


class Exchange(CommunityOwned):
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="exchanges")
    helper = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("帮助人"))
    helped = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("受助人"))
    status = models.CharField(_("状态"), max_length=10, choices=ExchangeStatus.choices, default=ExchangeStatus.AGREED)
    record = models.OneToOneField(
        "timebank.ServiceRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="exchange"
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("邻里互助")
        verbose_name_plural = _("邻里互助")
        constraints = [
            models.CheckConstraint(condition=~models.Q(helper=models.F("helped")), name="timebank_exchange_two_people")
        ]
