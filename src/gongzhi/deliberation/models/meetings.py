"""Offline meetings (坝坝会, 院落夜话, 议事会, 村民(代表)会议): schedule, attendance, minutes, suggestions.

Decisions taken at a meeting (rosters, recorded votes, quorums) belong to models/assemblies.py, which points here.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, ScopedQuerySet, grants_allowing
from gongzhi.core.usertext import masked
from gongzhi.deliberation.models.topics import ancestor_paths

__all__ = [
    "Attendance",
    "AttendanceMethod",
    "Meeting",
    "MeetingKind",
    "MeetingManager",
    "MeetingQuerySet",
    "MeetingStatus",
    "Suggestion",
    "SuggestionStatus",
    "new_signin_token",
]


class MeetingKind(models.TextChoices):
    BAZABA = "bazaba", _("坝坝会")
    NIGHT_TALK = "night_talk", _("院落夜话")
    COUNCIL = "council", _("议事会会议")
    VILLAGERS = "villagers", _("村民会议")
    VILLAGE_REPS = "village_reps", _("村民代表会议")
    OTHER = "other", _("其他会议")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


def new_signin_token() -> str:
    # 128 bits: the QR poster hangs in a courtyard, so the token must not be guessable from a neighbour's.
    return secrets.token_urlsafe(16)


class MeetingQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> MeetingQuerySet:
        """Those who record meetings see every meeting in their subtree; residents see the meetings of the places
        above and around them, as for topics (a meeting's audience is its place's subtree)."""
        combined = Q(pk__in=[])
        for grant in grants_allowing(user, Action.MEETING_RECORD):
            if grant.place_path:
                combined |= Q(place_path__under=grant.place_path)
        for grant in grants_allowing(user, Action.TOPIC_VIEW):
            if grant.node_path:
                combined |= Q(place_path__in=ancestor_paths(grant.node_path)) | Q(place_path__under=grant.node_path)
            elif grant.community_id:  # a grid role: the community's meetings
                combined |= Q(community_id=grant.community_id)
        return self.filter(combined)


MeetingManager = models.Manager.from_queryset(MeetingQuerySet)


class Meeting(CommunityOwned):
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围"))
    place_path = PathField()
    kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("会议主题"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    location = models.CharField(_("地点"), max_length=100)
    status = models.CharField(_("状态"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    minutes = models.TextField(_("会议纪要"), max_length=20000, blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_at = models.DateTimeField(null=True, blank=True)
    topic = models.ForeignKey(
        "deliberation.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("相关议题"),
    )
    convened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signin_token = models.CharField(max_length=43, unique=True, default=new_signin_token, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = MeetingManager()
    view_action: ClassVar[str] = Action.TOPIC_VIEW
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["community", "starts_at"], name="meeting_community_starts")]

    def __str__(self) -> str:
        return masked(self.title)


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    STAFF = "staff", _("工作人员代签")


class Attendance(CommunityOwned):
    """One row per attendee: a registered resident (once per meeting) or a guest known only by name."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey("places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    method = models.CharField(_("签到方式"), max_length=10, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.MEETING_RECORD
    scope_place_path: ClassVar[str | None] = "meeting__place_path"

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"], condition=Q(person__isnull=False), name="one_attendance_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id or self.name}"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ADOPTED = "adopted", _("已采纳")
    TOPIC = "topic", _("已转议题")
    ANSWERED = "answered", _("已答复")


class Suggestion(CommunityOwned):
    """A suggestion raised at a meeting, entered by staff or a building head on the resident's behalf."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="suggestions")
    body = models.TextField(_("建议"), max_length=1000)
    raised_by = models.CharField(_("提出人"), max_length=50, blank=True)
    category = models.CharField(_("类别"), max_length=20, blank=True)
    status = models.CharField(
        _("处理状态"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    response = models.TextField(_("答复"), max_length=1000, blank=True)
    topic = models.ForeignKey("deliberation.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Residents read suggestions through a meeting they can see; scoped on its own, a row is for recorders.
    view_action: ClassVar[str] = Action.MEETING_RECORD
    scope_place_path: ClassVar[str | None] = "meeting__place_path"

    class Meta:
        verbose_name = _("会议建议")
        verbose_name_plural = _("会议建议")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} #{self.pk}"
