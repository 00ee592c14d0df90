"""团队共创 (article 004, old compounds): ideas, clusters, dot votes and the action plan."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned
from gongzhi.core.usertext import masked
from gongzhi.rules import dot_vote

__all__ = ["ActionItem", "ActionStatus", "Cluster", "CocreationSession", "Dot", "Idea", "IdeaSource"]


class CocreationSession(CommunityOwned):
    """The session's settings, fixed before voting opens. Its row is also the lock every dot spend takes, so
    that concurrent spends by one participant cannot exceed the budget."""

    topic = models.OneToOneField("deliberation.Topic", on_delete=models.CASCADE, related_name="cocreation")
    dots_per_person = models.PositiveSmallIntegerField(_("每人点数"), default=dot_vote.DEFAULT_DOTS)
    max_per_cluster = models.PositiveSmallIntegerField(_("每个类别每人最多点数"), null=True, blank=True)
    top = models.PositiveSmallIntegerField(_("进入行动计划的类别数"), default=dot_vote.DEFAULT_TOP)
    updated_at = models.DateTimeField(auto_now=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        verbose_name = _("团队共创")
        verbose_name_plural = _("团队共创")

    def __str__(self) -> str:
        return f"{self.topic_id}"


class Cluster(CommunityOwned):
    topic = models.ForeignKey("deliberation.Topic", on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(_("类别"), max_length=40)
    position = models.PositiveIntegerField(_("顺序"))
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        verbose_name = _("想法类别")
        verbose_name_plural = _("想法类别")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "name"], name="cluster_name_unique"),
            models.UniqueConstraint(fields=["topic", "position"], name="cluster_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class IdeaSource(models.TextChoices):
    ONLINE = "online", _("网上提交")
    OFFLINE = "offline", _("线下收集")


class Idea(CommunityOwned):
    """A short idea; one entered from a paper sheet or a 坝坝会 carries the name of the resident it came from."""

    topic = models.ForeignKey("deliberation.Topic", on_delete=models.CASCADE, related_name="ideas")
    body = models.CharField(_("想法"), max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=10, choices=IdeaSource.choices, default=IdeaSource.ONLINE)
    on_behalf_of = models.CharField(_("提出人"), max_length=50, blank=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, null=True, blank=True, related_name="ideas")
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        verbose_name = _("想法")
        verbose_name_plural = _("想法")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} #{self.pk}"


class Dot(CommunityOwned):
    """One dot on one cluster. Taking a dot back stamps it withdrawn; the row stays (the ledger is append-only)."""

    topic = models.ForeignKey("deliberation.Topic", on_delete=models.PROTECT, related_name="dots")
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="dots")
    participant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    view_action: ClassVar[str] = Action.TOPIC_MANAGE

    class Meta:
        verbose_name = _("投点")
        verbose_name_plural = _("投点")
        indexes = [
            models.Index(
                fields=["topic", "participant"], condition=Q(withdrawn_at__isnull=True), name="dot_live_by_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.cluster_id}:{self.participant_id}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")


class ActionItem(CommunityOwned):
    """One line of the action plan: what is done about a top cluster, by whom, by when."""

    topic = models.ForeignKey("deliberation.Topic", on_delete=models.CASCADE, related_name="action_items")
    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title = models.CharField(_("行动"), max_length=100)
    owner = models.CharField(_("负责人"), max_length=50, help_text=_("姓名或角色，如“楼栋长韩师傅”“物业”"))
    due = models.DateField(_("完成期限"))
    status = models.CharField(_("进展"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        verbose_name = _("行动计划")
        verbose_name_plural = _("行动计划")
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return masked(self.title)
