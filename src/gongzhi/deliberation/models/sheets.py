"""Printed ballot sheets: a serial number and a QR per household, so paper ballots map back to their household."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = ["BallotSheet"]


class BallotSheet(CommunityOwned):
    """One live sheet per household per topic; a reissue voids the old serial (kept, with its reason) and prints
    a new one, so a lost or spoiled sheet can never be counted next to its replacement."""

    topic = models.ForeignKey("deliberation.Topic", on_delete=models.PROTECT, related_name="sheets")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("业主"))
    seq = models.PositiveIntegerField()
    serial_no = models.CharField(_("表决票编号"), max_length=40)
    token = models.CharField(max_length=32)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    place_path = PathField()  # the topic's place: whoever manages the topic sees its sheets

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        ordering = ["topic_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "serial_no"], name="sheet_serial_unique"),
            models.UniqueConstraint(fields=["topic", "seq"], name="sheet_seq_unique"),
            models.UniqueConstraint(
                fields=["topic", "household"], condition=Q(voided_at__isnull=True), name="one_live_sheet_per_household"
            ),
        ]

    def __str__(self) -> str:
        return self.serial_no

    @staticmethod
    def serial_for(topic_id: int, seq: int) -> str:
        return f"T{topic_id}-{seq:05d}"
