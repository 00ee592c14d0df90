"""Keys issued to integrations that POST service requests through Open311 GeoReport v2."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["Open311Key"]


class Open311Key(CommunityOwned):
    """Only the SHA-256 of the key is kept; the key is shown once when issued."""

    name = models.CharField(_("接入方"), max_length=60)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    view_action: ClassVar[str] = Action.VOICE_MANAGE

    class Meta:
        verbose_name = _("Open311 接入密钥")
        verbose_name_plural = _("Open311 接入密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
