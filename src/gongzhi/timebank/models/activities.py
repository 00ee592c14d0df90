"""Activities and verified service: one-off or recurring activities with their sessions, sign-ups with a waitlist,
and the service records that check-in/check-out, paper sheets and resident-to-resident help produce. A record's
points are posted only after approval; its hours always stay the person's, even when the points go to a card."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PathField
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned

__all__ = [
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "RecordSource",
    "RecordStatus",
    "Recurrence",
    "ServiceRecipient",
    "ServiceRecord",
    "Session",
    "SignUp",
    "SignUpStatus",
]


class ActivityKind(models.TextChoices):
    EVENT = "event", _("志愿活动")
    DUTY = "duty", _("值守/门前三包")


class Recurrence(models.TextChoices):
    ONCE = "once", _("一次性")
    WEEKLY = "weekly", _("每周")  # on `weekdays`, e.g. "2,5" for every Tuesday and Friday
    MONTHLY = "monthly", _("每月")  # the `month_week`-th `weekdays` of the month, e.g. first Saturday


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("报名中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Activity(CommunityOwned):
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), max_length=4000, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.EVENT)
    service_type = models.ForeignKey(
        "timebank.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("服务类型")
    )
    team = models.ForeignKey(
        "timebank.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("队伍")
    )
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点"))
    place_path = PathField()  # copied from the place for scoping
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织者")
    )
    recurrence = models.CharField(_("重复"), max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE)
    weekdays = models.CharField(_("星期"), max_length=20, blank=True, help_text=_("ISO 星期几，逗号分隔，1 为周一"))
    month_week = models.PositiveSmallIntegerField(_("每月第几周"), null=True, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    status = models.CharField(_("状态"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="timebank_activity_times"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="timebank_activity_capacity"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="timebank_activity_dates",
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "start_date"], name="timebank_activity_open")]

    def __str__(self) -> str:
        return self.title


class Session(CommunityOwned):
    """One occurrence of an activity, with its own capacity (sign-ups are per session)."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("名额"))
    confirmed_count = models.PositiveIntegerField(default=0)  # kept under the session's row lock
    is_cancelled = models.BooleanField(_("已取消"), default=False)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("活动场次")
        verbose_name_plural = _("活动场次")
        constraints = [
            models.UniqueConstraint(fields=["activity", "starts_at"], name="timebank_session_once"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="timebank_session_span"),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("capacity")), name="timebank_session_capacity"
            ),
        ]
        indexes = [models.Index(fields=["community", "starts_at"], name="timebank_session_time")]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.starts_at:%Y-%m-%d %H:%M}"


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class SignUp(CommunityOwned):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # Serving under a collective card (e.g. a unit Party organization's member): the points go to the card.
    card = models.ForeignKey(
        "timebank.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("集体卡")
    )
    status = models.CharField(_("状态"), max_length=10, choices=SignUpStatus.choices)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="timebank_signup_once")]


class RecordSource(models.TextChoices):
    QR = "qr", _("扫码签到")
    PAPER = "paper", _("纸质签到表")
    EXCHANGE = "exchange", _("邻里互助")
    HISTORY = "history", _("历史记录导入")


class RecordStatus(models.TextChoices):
    CHECKED_IN = "checked_in", _("服务中")
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    DISPUTED = "disputed", _("申诉中")
    DISMISSED = "dismissed", _("申诉未通过")


class ServiceRecord(CommunityOwned):
    """One service of one volunteer: content, place, date and actual minutes (志愿服务记录). Approved records post
    points (`transaction`) to the person's account, or to `card` with the person named on the entry."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("志愿者"))
    card = models.ForeignKey(
        "timebank.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("集体卡")
    )
    service_type = models.ForeignKey(
        "timebank.ServiceType", on_delete=models.PROTECT, related_name="+", verbose_name=_("服务类型")
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    team = models.ForeignKey("timebank.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source = models.CharField(_("来源"), max_length=10, choices=RecordSource.choices)
    content = models.CharField(_("服务内容"), max_length=200)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("服务地点"))
    place_path = PathField()  # copied from the place for scoping
    grid_path = PathField(blank=True, default="")  # the volunteer's grid, for statistics by grid
    service_date = models.DateField(_("服务日期"))
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=RecordStatus.choices)
    points = models.PositiveIntegerField(_("积分"), default=0)
    transaction = models.ForeignKey(
        "timebank.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("不通过原因"), max_length=200, blank=True)
    dispute_reason = models.CharField(_("申诉理由"), max_length=500, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)  # set once: a rejection may be disputed only once
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW
    scope_place_path: ClassVar[str | None] = "place_path"
    scope_grid_path: ClassVar[str | None] = "grid_path"

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(session__isnull=False),
                name="timebank_record_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="timebank_record_span",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(ended_at__isnull=False), name="timebank_record_approved_ended"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "service_date"], name="timebank_record_status"),
            models.Index(fields=["person", "service_date"], name="timebank_record_person"),
            # Covers the statistics' scan of approved records (no row lookups at 400,000 records).
            models.Index(
                fields=["community", "status", "service_date", "service_type", "grid_path", "team", "minutes"],
                name="timebank_record_stats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content} {self.service_date}"

    @property
    def hours(self) -> float:
        return self.minutes / 60


class ServiceRecipient(CommunityOwned):
    """A person a service was for; "people served" counts distinct recipients of approved records."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.PROTECT, related_name="recipients")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("服务对象")
        verbose_name_plural = _("服务对象")
        constraints = [models.UniqueConstraint(fields=["record", "person"], name="timebank_recipient_once")]
        indexes = [models.Index(fields=["community", "person"], name="timebank_recipient_person")]
