"""Bodies that decide at a meeting (议事会, 村民代表会议) with their members, and resolutions with recorded votes.

A villagers' meeting (村民会议) has no roster: its electorate is the adult villagers and the households of the
village's subtree on the meeting's date, so its vote is recorded as counts. A body's vote is recorded per member.
Recorded votes are never edited: a correction voids the row with a reason and records a new one.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned
from gongzhi.deliberation.models.topics import Choice

__all__ = [
    "Body",
    "BodyKind",
    "BodyMember",
    "MemberRole",
    "MemberVote",
    "Resolution",
    "VoteCount",
]


class BodyKind(models.TextChoices):
    COUNCIL = "council", _("议事会")
    VILLAGE_REPS = "village_reps", _("村民代表会议")


class Body(CommunityOwned):
    """A standing body of a community or of a place inside it; a council may set its own quorum and majority."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围"))
    place_path = PathField()
    kind = models.CharField(_("类别"), max_length=20, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    # Shares as exact fractions (numerator/denominator) and strictness: "过半数" is 1/2 strict, "三分之二以上"
    # 2/3 not strict. Only a council's are used; the law fixes the representatives meeting's.
    quorum_numerator = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    quorum_denominator = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    quorum_strict = models.BooleanField(default=True)
    majority_numerator = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    majority_denominator = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    majority_strict = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("议事机构")
        verbose_name_plural = _("议事机构")
        ordering = ["place_path", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["place", "kind"], name="one_body_of_a_kind_per_place")]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    MEMBER = "member", _("成员")
    CONVENER = "convener", _("召集人")


class BodyMember(CommunityOwned):
    """A term on a body: a member from `since` until the day before `until` (open while until is empty)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("成员"))
    role = models.CharField(_("职务"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    since = models.DateField(_("任职起始"))
    until = models.DateField(_("任职终止"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    place_path = PathField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("议事机构成员")
        verbose_name_plural = _("议事机构成员")
        ordering = ["body_id", "until", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "person"], condition=Q(until__isnull=True), name="one_open_term_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.body_id}:{self.person_id}"


class Resolution(CommunityOwned):
    """A resolution put to the vote at a held meeting; `body` is set for 议事会 and 村民代表会议 meetings."""

    meeting = models.ForeignKey("deliberation.Meeting", on_delete=models.PROTECT, related_name="resolutions")
    topic = models.ForeignKey(
        "deliberation.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="resolutions"
    )
    body = models.ForeignKey(Body, on_delete=models.PROTECT, null=True, blank=True, related_name="resolutions")
    kind = models.CharField(_("会议类型"), max_length=20)
    text = models.TextField(_("决议事项"), max_length=2000)
    place_path = PathField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        verbose_name = _("会议决议")
        verbose_name_plural = _("会议决议")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} #{self.pk}"


class MemberVote(CommunityOwned):
    """One member's recorded vote on a resolution; one live row per member, voided rows keep the history."""

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="member_votes")
    member = models.ForeignKey(BodyMember, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("表决意见"), max_length=10, choices=Choice.choices)
    place_path = PathField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "member"], condition=Q(voided_at__isnull=True), name="one_live_vote_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id}:{self.member_id}"


class VoteCount(CommunityOwned):
    """The counts of a villagers' meeting's vote, with the attendance they were checked against when entered."""

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="vote_counts")
    agree = models.PositiveIntegerField(_("同意"))
    disagree = models.PositiveIntegerField(_("反对"))
    abstain = models.PositiveIntegerField(_("弃权"))
    present = models.PositiveIntegerField(_("到会人数"))
    place_path = PathField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    view_action: ClassVar[str] = Action.TOPIC_MANAGE
    scope_place_path: ClassVar[str | None] = "place_path"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution"], condition=Q(voided_at__isnull=True), name="one_live_count_per_resolution"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id}: {self.agree}/{self.disagree}/{self.abstain}"
