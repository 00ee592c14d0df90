"""A resident voice (社情民意) from any channel, its photos, its public timeline and those who follow it."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, ScopedQuerySet, grants_allowing, grants_for
from gongzhi.core.usertext import masked_cut

__all__ = [
    "OPEN311_TEXT_MAX",
    "OPEN_STATUSES",
    "TEXT_MAX",
    "Category",
    "Channel",
    "CustomStatus",
    "EventKind",
    "FollowKind",
    "Status",
    "Voice",
    "VoiceEvent",
    "VoiceFollower",
    "VoiceManager",
    "VoicePhoto",
    "VoiceQuerySet",
    "status_label",
]

TEXT_MAX = 1000
# Open311's description: optional and "free form text limited to 4,000 characters" (GeoReport v2). Only that
# channel may use it; voice_submit keeps every other one at TEXT_MAX and requires their text.
OPEN311_TEXT_MAX = 4000


class Channel(models.TextChoices):
    WEB = "web", _("网上反映")
    SURVEY = "survey", _("双找走访")
    HOTLINE = "hotline", _("热线电话")
    COUNTER = "counter", _("窗口来访")
    MEETING = "meeting", _("会议建议")
    OPEN311 = "open311", _("外部接口")


class Status(models.TextChoices):
    """The built-in statuses; a community may add its own (`CustomStatus`), each typed open or closed."""

    PENDING = "pending", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已办结")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset({Status.PENDING, Status.ACCEPTED, Status.IN_PROGRESS})


def status_label(code: str, custom: dict[str, str] | None = None) -> str:
    """The display name of a status code: built-in first, then the community's own."""
    try:
        return str(Status(code).label)
    except ValueError:
        return (custom or {}).get(code, code)


class Category(CommunityOwned):
    """A kind of voice (停车, 照明, 围栏, 垃圾, 治安…); also an Open311 service. The deadline is in working days."""

    code = models.SlugField(_("编码"), max_length=40, help_text=_("Open311 的 service_code"))
    name = models.CharField(_("名称"), max_length=40)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    deadline_days = models.PositiveSmallIntegerField(
        _("办理时限(工作日)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("提前提醒(工作日)"), default=1, validators=[MaxValueValidator(30)]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    view_action: ClassVar[str] = Action.VOICE_SUBMIT

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="voice_category_unique_code")]

    def __str__(self) -> str:
        return self.name


class CustomStatus(CommunityOwned):
    """A status a community adds beside the built-in ones (e.g. 待业委会研究), typed open or closed."""

    code = models.SlugField(_("编码"), max_length=30)
    name = models.CharField(_("名称"), max_length=20)
    is_open = models.BooleanField(_("未办结状态"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.VOICE_HANDLE

    class Meta:
        verbose_name = _("自定义状态")
        verbose_name_plural = _("自定义状态")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="voice_status_unique_code")]

    def __str__(self) -> str:
        return self.name


def new_token() -> str:
    # The Open311 token and the resident's follow-up link: not guessable from a neighbour's.
    return secrets.token_urlsafe(16)


class VoiceQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> VoiceQuerySet:
        """Staff see their community (subtree); grid workers their grid; building and group heads their place;
        a responsible party what is assigned to it; everyone their own and followed voices and the public ones
        of their communities. Merged duplicates stay visible to whoever could see them."""
        combined = Q(pk__in=[])
        for grant in grants_allowing(user, Action.VOICE_MANAGE):
            if grant.place_path:
                combined |= Q(place_path__under=grant.place_path)
        for grant in grants_allowing(user, Action.VOICE_ENTER):
            if grant.grid_path is not None:
                combined |= Q(grid_path__under=grant.grid_path)
            elif grant.place_path:
                combined |= Q(place_path__under=grant.place_path)
        if getattr(user, "is_authenticated", False):
            party_ids = party_ids_of(user)
            if party_ids:
                combined |= Q(party_id__in=party_ids)
            followed = VoiceFollower.objects.filter(user_id=user.pk).values("voice_id")
            combined |= Q(reporter_id=user.pk) | Q(pk__in=followed)
            communities = {g.community_id for g in grants_for(user) if g.community_id}
            if communities:
                combined |= Q(is_public=True, community_id__in=communities)
        return self.filter(combined)

    def public(self) -> VoiceQuerySet:
        """What the community's public page lists: public voices that are not merged into another."""
        return self.filter(is_public=True, merged_into__isnull=True)


def party_ids_of(user: Any) -> list[int]:
    """The responsible parties the user acts for, memoized per request like the grants."""
    cached: list[int] | None = getattr(user, "_gongzhi_party_ids", None)
    if cached is None:
        from gongzhi.voices.models.routing import PartyMember

        cached = list(PartyMember.objects.filter(user_id=user.pk).values_list("party_id", flat=True))
        user._gongzhi_party_ids = cached
    return cached


VoiceManager = models.Manager.from_queryset(VoiceQuerySet)


class Voice(CommunityOwned):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="voices", verbose_name=_("类别"))
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点"))
    place_path = PathField()
    household = models.ForeignKey(
        "places.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("户")
    )
    grid = models.ForeignKey(
        "places.Grid", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("网格")
    )
    grid_path = PathField(blank=True, default="")
    text = models.TextField(_("内容"), max_length=OPEN311_TEXT_MAX, blank=True)
    is_public = models.BooleanField(_("公开"), default=False, help_text=_("公开时只显示内容与办理情况，不显示身份"))
    channel = models.CharField(_("来源"), max_length=10, choices=Channel.choices, default=Channel.WEB)

    # Who raised it. The identity is shown to staff, never on the public page.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reporter_person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    status = models.CharField(_("状态"), max_length=30, default=Status.PENDING)
    is_open = models.BooleanField(_("未办结"), default=True)
    party = models.ForeignKey(
        "voices.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="voices", verbose_name=_("责任方")
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(_("首次响应"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    public_reason = models.CharField(_("不予受理理由"), max_length=200, blank=True)

    reopen_count = models.PositiveSmallIntegerField(default=0)
    reopen_reason = models.CharField(_("重新办理理由"), max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("满意度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("合并到")
    )
    # The reporter, every "me too" and every reporter of a merged duplicate: a repeated complaint's count.
    support_count = models.PositiveIntegerField(_("反映人数"), default=1)

    topic = models.ForeignKey(
        "deliberation.Topic", on_delete=models.PROTECT, null=True, blank=True, related_name="voices"
    )
    meeting = models.ForeignKey(
        "deliberation.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="voices"
    )
    suggestion = models.OneToOneField(
        "deliberation.Suggestion", on_delete=models.PROTECT, null=True, blank=True, related_name="voice"
    )
    survey_visit = models.ForeignKey(
        "voices.SurveyVisit", on_delete=models.PROTECT, null=True, blank=True, related_name="voices"
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    open311_key = models.ForeignKey(
        "voices.Open311Key", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("反映时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[Any] = VoiceManager()
    view_action: ClassVar[str] = Action.VOICE_HANDLE
    scope_place_path: ClassVar[str | None] = "place_path"
    scope_grid_path: ClassVar[str | None] = "grid_path"

    class Meta:
        verbose_name = _("社情民意")
        verbose_name_plural = _("社情民意")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "is_open", "created_at"], name="voice_community_open"),
            models.Index(fields=["community", "category", "created_at"], name="voice_community_category"),
            models.Index(fields=["party", "is_open"], name="voice_party_open"),
            models.Index(fields=["is_open", "due_at"], name="voice_open_due"),
            # The lists at 100,000 voices: a community's voices in each order the inbox offers (newest, oldest, due,
            # most supported), the per-status and overdue counts from the index alone, and the public list (public,
            # not merged) newest first.
            models.Index(fields=["community", "created_at", "id"], name="voice_community_created"),
            models.Index(fields=["community", "due_at", "id"], name="voice_community_due_order"),
            models.Index(fields=["community", "support_count", "created_at", "id"], name="voice_community_support"),
            models.Index(fields=["community", "status", "is_open"], name="voice_community_status"),
            models.Index(fields=["community", "is_open", "due_at"], name="voice_community_due"),
            models.Index(
                fields=["community", "created_at", "id"],
                condition=Q(is_public=True, merged_into__isnull=True),
                name="voice_public_created",
            ),
            # The repeated complaints (open, not merged, by place and category), grouped in index order.
            models.Index(
                fields=["community", "place", "category", "support_count"],
                condition=Q(is_open=True, merged_into__isnull=True),
                name="voice_open_groups",
            ),
            # "My voices": the reporter's in one community, so the planner picks it over the community's index.
            models.Index(fields=["reporter", "community"], name="voice_reporter_community"),
            models.Index(fields=["community", "updated_at"], name="voice_community_updated"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(reopen_count__lte=1), name="voice_reopen_at_most_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="voice_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {masked_cut(self.text, 21)}"

    @property
    def summary(self) -> str:
        """The first 40 characters, as others may read them (notifications, lists): masked first, then cut, so that
        a number cut in two cannot slip past the mask."""
        return masked_cut(self.text, 41)


class VoicePhoto(CommunityOwned):
    """A photo re-encoded on upload without its metadata (EXIF GPS), ≤ 10 MB, at most 5 per voice."""

    voice = models.ForeignKey(Voice, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(upload_to="voices/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    view_action: ClassVar[str] = Action.VOICE_HANDLE
    scope_place_path: ClassVar[str | None] = "voice__place_path"

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["id"]


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    ACCEPTED = "accepted", _("受理")
    ASSIGNED = "assigned", _("分派")
    REASSIGNED = "reassigned", _("改派")
    REPLIED = "replied", _("答复")
    STATUS = "status", _("状态变更")
    CLOSED = "closed", _("办结")
    REJECTED = "rejected", _("不予受理")
    REOPENED = "reopened", _("重新办理")
    RATED = "rated", _("满意度回访")
    MERGED = "merged", _("合并")
    ME_TOO = "me_too", _("我也遇到")
    REMINDED = "reminded", _("到期提醒")
    ESCALATED = "escalated", _("督办")
    PROMOTED = "promoted", _("转为议题")
    NOTE = "note", _("内部备注")


class VoiceEvent(CommunityOwned):
    """Append-only: the timeline. Public events show on the voice's public page with the party, never a name."""

    voice = models.ForeignKey(Voice, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=50, blank=True, help_text=_("公开显示的办理方，如“物业”"))
    body = models.TextField(max_length=TEXT_MAX, blank=True)
    is_public = models.BooleanField(default=True)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    party = models.ForeignKey("voices.Party", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    view_action: ClassVar[str] = Action.VOICE_HANDLE
    scope_place_path: ClassVar[str | None] = "voice__place_path"

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]


class FollowKind(models.TextChoices):
    REPORTER = "reporter", _("反映人")
    ME_TOO = "me_too", _("我也遇到")
    MERGED = "merged", _("合并来的反映人")


class VoiceFollower(CommunityOwned):
    """Everyone told of a voice's progress: its reporter, each "me too", and the reporters of merged duplicates."""

    voice = models.ForeignKey(Voice, on_delete=models.PROTECT, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=FollowKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.VOICE_HANDLE
    scope_place_path: ClassVar[str | None] = "voice__place_path"

    class Meta:
        verbose_name = _("关注人")
        verbose_name_plural = _("关注人")
        constraints = [models.UniqueConstraint(fields=["voice", "user"], name="voice_follower_once")]
