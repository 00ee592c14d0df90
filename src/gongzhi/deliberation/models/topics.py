"""议事厅: topics and their lifecycle, proposal versions, threaded comments, and ballots of owners' votes."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, Grant, ScopedQuerySet, grants_allowing
from gongzhi.core.usertext import masked
from gongzhi.rules import topic_lifecycle as lc


class Status(models.TextChoices):
    PROPOSED = lc.PROPOSED, _("已提出")
    ACCEPTED = lc.ACCEPTED, _("已列入议程")
    DECLINED = lc.DECLINED, _("不予列入")
    PUBLISHED = lc.PUBLISHED, _("已公布")
    DISCUSSION = lc.DISCUSSION, _("讨论中")
    VOTING = lc.VOTING, _("表决中")
    DECIDED = lc.DECIDED, _("已形成决议")
    IMPLEMENTING = lc.IMPLEMENTING, _("实施中")
    REPORTED = lc.REPORTED, _("已公开反馈")


class Procedure(models.TextChoices):
    OWNERS = "owners", _("业主共同决定（民法典第二百七十八条）")
    ELEVATOR = "elevator", _("加装电梯（本单元业主表决，按楼层分摊）")
    COUNCIL = "council", _("议事会表决（出席成员过半数同意）")
    COCREATION = "cocreation", _("团队共创（收集想法、归类、投点、行动计划）")
    OPINION = "opinion", _("民意征集（意见地图）")
    VILLAGERS = "villagers", _("村民会议")
    VILLAGE_REPS = "village_reps", _("村民代表会议")
    DISCUSSION_ONLY = "discussion", _("协商讨论（不表决）")


class Matter(models.TextChoices):
    # 民法典第二百七十八条第（六）至（八）项: raising the maintenance fund, rebuilding, changing the use of common
    # parts or running a business on them need 3/4. Using the fund is item (五), an ordinary matter.
    MAJOR = "major", _("特别事项（筹集维修资金、改建重建、改变共有部分用途或经营）")
    ORDINARY = "ordinary", _("一般事项")


def ancestor_paths(path: str) -> list[str]:
    """ "1/2/5/" → ["1/", "1/2/", "1/2/5/"]: the places whose topics a household of path belongs to."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


class TopicQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> TopicQuerySet:
        """Managers see every topic in their subtree. Everyone else sees the accepted topics of the places above
        and around them (a topic's audience is its place's subtree), and the topics they proposed."""
        combined = Q(pk__in=[])
        for grant in grants_allowing(user, Action.TOPIC_MANAGE):
            if grant.place_path:
                combined |= Q(place_path__under=grant.place_path)
        public = ~Q(status=Status.PROPOSED)
        for grant in grants_allowing(user, Action.TOPIC_VIEW):
            combined |= public & self._audience_q(grant)
        if getattr(user, "is_authenticated", False):
            combined |= Q(proposed_by_id=user.pk)
        return self.filter(combined)

    @staticmethod
    def _audience_q(grant: Grant) -> Q:
        if grant.node_path:
            return Q(place_path__in=ancestor_paths(grant.node_path)) | Q(place_path__under=grant.node_path)
        if grant.community_id:  # a grid role: the community's topics
            return Q(community_id=grant.community_id)
        return Q(pk__in=[])


TopicManager = models.Manager.from_queryset(TopicQuerySet)


class Topic(CommunityOwned):
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围"))
    place_path = PathField()
    title = models.CharField(_("议题"), max_length=100)
    summary = models.TextField(_("说明"), max_length=5000)
    status = models.CharField(_("阶段"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    procedure = models.CharField(_("议事规则"), max_length=20, choices=Procedure.choices, blank=True)
    matter = models.CharField(_("事项类别"), max_length=10, choices=Matter.choices, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decline_reason = models.CharField(_("不予列入的理由"), max_length=500, blank=True)
    voting_opens_at = models.DateTimeField(_("表决开始"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("表决截止"), null=True, blank=True)
    resolution = models.TextField(_("决议"), blank=True)
    result = models.JSONField(_("表决结果"), null=True, blank=True)
    report = models.TextField(_("结果反馈"), blank=True)
    hot_month = models.DateField(_("每月热议"), null=True, blank=True, help_text=_("该月第一天"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = TopicManager()
    view_action: ClassVar[str] = Action.TOPIC_VIEW
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "hot_month"], condition=Q(hot_month__isnull=False), name="one_hot_topic_a_month"
            )
        ]
        indexes = [models.Index(fields=["community", "status"], name="topic_community_status")]

    def __str__(self) -> str:
        return masked(self.title)


class TopicEvent(CommunityOwned):
    """The dated timeline shown on the topic page: one row per lifecycle step."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.status}"


class ProposalVersion(CommunityOwned):
    """Round after round of revisions (article 004); residents compare versions and comment on one."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(_("方案"), max_length=20000)
    change_note = models.CharField(_("修改说明"), max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        ordering = ["topic_id", "number"]
        constraints = [models.UniqueConstraint(fields=["topic", "number"], name="version_number_unique")]

    def __str__(self) -> str:
        return f"{self.topic_id} v{self.number}"


class Comment(CommunityOwned):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("意见"), max_length=2000)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} #{self.pk}"


class Choice(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("反对")
    ABSTAIN = "abstain", _("弃权")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上表决")
    PAPER = "paper", _("纸质表决票")
    PROXY = "proxy", _("委托代理")


class Ballot(CommunityOwned):
    """One live ballot per owner per topic, whatever the channel; a void keeps the row and its reason."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("业主"))
    choice = models.CharField(_("表决意见"), max_length=10, choices=Choice.choices)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    serial_no = models.CharField(_("表决票编号"), max_length=40, blank=True)
    proxy_name = models.CharField(_("受托人"), max_length=50, blank=True)
    evidence = models.FileField(_("凭证"), upload_to="ballots/%Y/%m/", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    place_path = PathField()

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "voter"], condition=Q(voided_at__isnull=True), name="one_live_ballot_per_voter"
            ),
            models.UniqueConstraint(
                fields=["topic", "serial_no"], condition=~Q(serial_no=""), name="paper_serial_used_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.voter_id}"


class ElevatorPlan(CommunityOwned):
    """The plan an elevator vote decides: its cost, the floor coefficients, and the 公示 after the decision."""

    topic = models.OneToOneField(Topic, on_delete=models.PROTECT, related_name="elevator_plan")
    total_fen = models.PositiveBigIntegerField(_("总造价（分）"))
    coefficients = models.JSONField(_("楼层分摊系数"), help_text=_("楼层 → 系数，一楼通常为0"))
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=10)
    publicity_starts_at = models.DateTimeField(_("公示开始"), null=True, blank=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    def __str__(self) -> str:
        return f"{self.topic_id} {self.total_fen}"


class ElevatorCoefficients(CommunityOwned):
    """A community's own floor-coefficient table for elevator plans (local rules differ); it prefills the plan form
    of every unit in the community, in place of the default table of rules.cost_share."""

    coefficients = models.JSONField(_("楼层分摊系数"), help_text=_("楼层 → 系数，一楼通常为0"))
    updated_at = models.DateTimeField(auto_now=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        verbose_name = _("加装电梯分摊系数表")
        verbose_name_plural = _("加装电梯分摊系数表")
        constraints = [models.UniqueConstraint(fields=["community"], name="one_coefficient_table_per_community")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.coefficients}"


class Objection(CommunityOwned):
    """An objection during the 公示 (typically from a low-floor owner): answered, never deleted."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="objections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("异议"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    view_action: ClassVar[str] = Action.TOPIC_VIEW

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} #{self.pk}"
