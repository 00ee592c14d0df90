"""民意征集 opinion maps (Pol.is method): statements, their moderation, and agree/disagree/pass votes."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned
from gongzhi.core.usertext import masked

__all__ = ["OpinionStatement", "OpinionVote", "Stance", "StatementStatus"]


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class Stance(models.IntegerChoices):
    # The values rules.opinion_map takes: 1 agree, -1 disagree, 0 pass.
    AGREE = 1, _("同意")
    DISAGREE = -1, _("不同意")
    PASS = 0, _("跳过")


class OpinionStatement(CommunityOwned):
    """A short statement residents answer. Staff seed approved ones; residents' wait for moderation. A statement
    rejected after votes were cast keeps its votes, and the map treats it as moderated out (Pol.is mod-out)."""

    topic = models.ForeignKey("deliberation.Topic", on_delete=models.PROTECT, related_name="opinion_statements")
    text = models.CharField(_("观点"), max_length=140)
    # The text without spaces or punctuation, lower-cased: two statements differing only in those are one.
    text_key = models.CharField(max_length=140)
    status = models.CharField(
        _("状态"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seeded = models.BooleanField(default=False)
    reject_reason = models.CharField(_("未通过的理由"), max_length=200, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        verbose_name = _("观点")
        verbose_name_plural = _("观点")
        ordering = ["topic_id", "id"]
        constraints = [models.UniqueConstraint(fields=["topic", "text_key"], name="opinion_statement_unique_text")]

    def __str__(self) -> str:
        return masked(self.text)


class OpinionVote(CommunityOwned):
    """One answer per participant per statement; a later answer updates the row. A participant is a resident's
    account, or, for a paper questionnaire entered by staff, the resident's record when they have no account."""

    topic = models.ForeignKey("deliberation.Topic", on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(OpinionStatement, on_delete=models.PROTECT, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, related_name="+")
    stance = models.SmallIntegerField(_("态度"), choices=Stance.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Individual answers are not public: only managers read rows; everyone else sees the map.
    view_action: ClassVar[str] = Action.TOPIC_MANAGE

    class Meta:
        verbose_name = _("意见地图投票")
        verbose_name_plural = _("意见地图投票")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "voter"], condition=Q(voter__isnull=False), name="opinion_vote_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["statement", "person"], condition=Q(person__isnull=False), name="opinion_vote_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(voter__isnull=False, person__isnull=True) | Q(voter__isnull=True, person__isnull=False),
                name="opinion_vote_one_participant",
            ),
        ]
        indexes = [models.Index(fields=["topic", "statement"], name="opinion_vote_topic")]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.voter_id or 'p' + str(self.person_id)}={self.stance}"
