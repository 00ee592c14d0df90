"""The time bank's ledger: accounts, append-only double-entry transactions and their entries.

A balance is a cached integer updated in the same database transaction as its entries, under the account's row
lock (`services.transfer_post`, the one write path); `manage.py verify_ledger` checks it against the entries.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, ScopedQuerySet

__all__ = [
    "COLLECTIVE_KINDS",
    "ELDERLY_FLOOR_MIN",
    "GIFT_MONTHLY_LIMIT",
    "INDIVIDUAL_FLOOR",
    "SYSTEM_KINDS",
    "Account",
    "AccountKind",
    "AccountManager",
    "AccountMember",
    "AppendOnlyQuerySet",
    "Entry",
    "Transaction",
    "TransactionKind",
]

# Defaults of a street's `LedgerSettings` (models/settings.py), and the bound a street may not go beyond.
INDIVIDUAL_FLOOR = 0
ELDERLY_FLOOR_MIN = -50  # the lowest floor a street may allow an elderly resident
GIFT_MONTHLY_LIMIT = 200


class AccountKind(models.TextChoices):
    INDIVIDUAL = "individual", _("个人账户")
    PARTY_ORG = "party_org", _("单位党组织储蓄卡")
    ENTERPRISE = "enterprise", _("企业卡")
    COURTYARD = "courtyard", _("院落集体卡")
    ISSUANCE = "issuance", _("积分发行账户")
    REDEMPTION = "redemption", _("积分兑换账户")
    CLEARING = "clearing", _("通存通兑清算账户")


COLLECTIVE_KINDS = (AccountKind.PARTY_ORG, AccountKind.ENTERPRISE, AccountKind.COURTYARD)
SYSTEM_KINDS = (AccountKind.ISSUANCE, AccountKind.REDEMPTION, AccountKind.CLEARING)


class Account(CommunityOwned):
    """A points account. `floor` is the lowest balance allowed (None: no limit, the system accounts only)."""

    kind = models.CharField(_("类型"), max_length=20, choices=AccountKind.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("本人")
    )
    counterpart = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对方社区"),
    )
    name = models.CharField(_("名称"), max_length=100)
    floor = models.IntegerField(_("最低余额"), null=True, blank=True, default=0)
    balance = models.BigIntegerField(_("余额"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW
    # A resident's household grant reaches the individual accounts of their household (family gifts).
    scope_household: ClassVar[str | None] = "person__household_id"

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(kind="individual"), name="timebank_one_individual_account"
            ),
            models.UniqueConstraint(
                fields=["community", "kind"],
                condition=Q(kind__in=["issuance", "redemption"]),
                name="timebank_one_system_account",
            ),
            models.UniqueConstraint(
                fields=["community", "counterpart"],
                condition=Q(kind="clearing"),
                name="timebank_one_clearing_account",
            ),
            models.CheckConstraint(
                condition=Q(kind="individual", person__isnull=False) | (~Q(kind="individual") & Q(person__isnull=True)),
                name="timebank_person_iff_individual",
            ),
            models.CheckConstraint(
                condition=Q(kind="clearing", counterpart__isnull=False)
                | (~Q(kind="clearing") & Q(counterpart__isnull=True)),
                name="timebank_counterpart_iff_clearing",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["issuance", "redemption", "clearing"], floor__isnull=True)
                | Q(kind__in=["party_org", "enterprise", "courtyard"], floor=0)
                | Q(kind="individual", floor__lte=0, floor__gte=ELDERLY_FLOOR_MIN),
                name="timebank_floor_by_kind",
            ),
        ]
        indexes = [models.Index(fields=["community", "kind"], name="timebank_account_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_collective(self) -> bool:
        return self.kind in COLLECTIVE_KINDS

    @property
    def is_system(self) -> bool:
        return self.kind in SYSTEM_KINDS


class AccountManager(CommunityOwned):
    """A person who may spend a collective card's points on collective rewards."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="managers")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("集体卡管理人")
        verbose_name_plural = _("集体卡管理人")
        constraints = [models.UniqueConstraint(fields=["account", "person"], name="timebank_card_manager_unique")]


class AccountMember(CommunityOwned):
    """A person who earns to a collective card; each entry still names them (`Entry.attributed_person`)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("集体卡成员")
        verbose_name_plural = _("集体卡成员")
        constraints = [models.UniqueConstraint(fields=["account", "person"], name="timebank_card_member_unique")]


def _append_only(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError("ledger rows are append-only")


class AppendOnlyQuerySet(ScopedQuerySet):
    """Bulk UPDATE/DELETE are refused like single rows; PostgreSQL's trigger refuses them too."""

    def update(self, **kwargs: Any) -> int:
        _append_only()

    def delete(self) -> tuple[int, dict[str, int]]:
        _append_only()


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class TransactionKind(models.TextChoices):
    EARN = "earn", _("服务得积分")
    SPEND = "spend", _("积分兑换")
    GIFT = "gift", _("家庭赠送")
    REVERSE = "reverse", _("冲正")
    CLEAR = "clear", _("通存通兑")
    ADJUST = "adjust", _("调整")


class Transaction(CommunityOwned):
    """One movement of points: balanced entries, never changed; a mistake gets a linked reversal (at most one)."""

    kind = models.CharField(_("类型"), max_length=10, choices=TransactionKind.choices)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("请求编号"), max_length=100)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("冲正的交易")
    )
    reason = models.CharField(_("冲正原因"), max_length=200, blank=True)
    # 通存通兑: the other community of the street whose accounts the clearing's second leg moves.
    counterpart = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("对方社区")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[Any] = AppendOnlyManager()
    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("积分交易")
        verbose_name_plural = _("积分交易")
        constraints = [
            models.UniqueConstraint(fields=["community", "idempotency_key"], name="timebank_idempotency_unique"),
            models.UniqueConstraint(fields=["reverses"], name="timebank_reversed_once"),
            models.CheckConstraint(
                condition=Q(kind="reverse", reverses__isnull=False) | (~Q(kind="reverse") & Q(reverses__isnull=True)),
                name="timebank_reverse_links_original",
            ),
            models.CheckConstraint(condition=~Q(kind="reverse") | ~Q(reason=""), name="timebank_reverse_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _append_only()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _append_only()


class Entry(CommunityOwned):
    """One posting of a transaction. Its community is its account's (a clearing moves two communities' accounts)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("积分"))
    attributed_person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("服务人")
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[Any] = AppendOnlyManager()
    view_action: ClassVar[str] = Action.TIMEBANK_VIEW

    class Meta:
        verbose_name = _("积分分录")
        verbose_name_plural = _("积分分录")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="timebank_entry_nonzero"),
            models.UniqueConstraint(fields=["transaction", "account"], name="timebank_entry_account_once"),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="timebank_entry_account_time")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _append_only()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _append_only()
