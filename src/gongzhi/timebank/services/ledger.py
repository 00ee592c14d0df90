"""Every movement of points goes through `transfer_post`; the services on top of it decide who may move what.

Invariants kept here: each transaction's entries sum to zero (so the deployment's total is zero), a cached balance
changes only with its entries under the account's row lock, no account goes below its floor, and an idempotency
key used again returns the transaction it made and moves nothing.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import F, IntegerField, Subquery, Sum, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_for, user_can
from gongzhi.core.xlsx import Book
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules import ledger as rules
from gongzhi.rules.volunteer_age import latest_birth_date
from gongzhi.timebank.models import (
    COLLECTIVE_KINDS,
    ELDERLY_FLOOR_MIN,
    INDIVIDUAL_FLOOR,
    Account,
    AccountKind,
    AccountManager,
    AccountMember,
    Entry,
    LedgerSettings,
    Transaction,
    TransactionKind,
)
from gongzhi.timebank.services.posting import check_key, existing_transaction, lock_accounts, transfer_post

__all__ = [
    "SETTING_FIELDS",
    "account_open",
    "card_manager_add",
    "card_member_add",
    "elderly_born_by",
    "elderly_floors_follow",
    "gift_month_start",
    "gifts_sent_since",
    "in_community",
    "individual_account",
    "individual_floor",
    "ledger_settings",
    "ledger_settings_for",
    "ledger_settings_save",
    "owns",
    "points_adjust",
    "points_clear",
    "points_gift",
    "points_issue",
    "points_spend",
    "settlement_export",
    "settlement_sentence",
    "system_account",
    "transaction_reverse",
    "transfer_post",
]

REASON_MAX = 200


# --- who may ---------------------------------------------------------------------------------------------------


def in_community(actor: Any, community: Place) -> bool:
    """Whether the actor holds any role reaching the community (else its accounts do not exist for them)."""
    for grant in grants_for(actor):
        if grant.community_id == community.pk:
            return True
        if grant.community_id is None and grant.place_path and community.path.startswith(grant.place_path):
            return True
    return False


def _community_of(row: Account | Transaction) -> Place:
    community: Place = row.community
    return community


def _require_staff(actor: Any, community: Place, action: Action, message: str) -> None:
    """404 for an actor without a role in the community, 403 for one whose role may not do this."""
    if not in_community(actor, community):
        raise NotFound()
    if not user_can(actor, action, community):
        raise PermissionDenied(message)


def owns(actor: Any, account: Account) -> bool:
    """The actor is the holder of the individual account, or a manager of the card."""
    if account.kind == AccountKind.INDIVIDUAL:
        return (
            account.person_id is not None and Person.objects.filter(pk=account.person_id, account_id=actor.pk).exists()
        )
    if account.kind in COLLECTIVE_KINDS:
        return AccountManager.objects.filter(account=account, person__account_id=actor.pk).exists()
    return False


def _require_owner(actor: Any, account: Account) -> None:
    """The holder of an individual account, or a manager of a card; 404 outside the community."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound()
    if owns(actor, account):
        return
    if not in_community(actor, _community_of(account)):
        raise NotFound()
    if account.kind in COLLECTIVE_KINDS:
        raise PermissionDenied(_("只有集体卡的管理人可以使用这张卡的积分"))
    raise PermissionDenied(_("只能使用自己的积分账户"))


# --- a street's settings --------------------------------------------------------------------------------------

SETTING_FIELDS = ["elderly_floor", "elderly_age", "gift_monthly_limit", "clearing_limit"]


def ledger_settings(street: Place | None) -> LedgerSettings:
    """The street's limits; an unsaved row of the defaults when the street has set none."""
    if street is None:
        return LedgerSettings()
    found: LedgerSettings | None = LedgerSettings.objects.filter(street_id=street.pk).first()
    return found if found is not None else LedgerSettings(street=street)


def ledger_settings_for(community_id: int) -> LedgerSettings:
    """The limits of the street a community belongs to, in one query."""
    street = Place.objects.filter(pk=community_id).values("parent_id")
    found: LedgerSettings | None = LedgerSettings.objects.filter(street_id=Subquery(street)).first()
    return found if found is not None else LedgerSettings()


def elderly_born_by(today: datetime.date, age: int) -> datetime.date:
    """The latest birth date of someone who is `age` or older on `today` (29 February birthdays count from 1 March)."""
    return latest_birth_date(today, age)


def individual_floor(person: Person, settings: LedgerSettings, today: datetime.date | None = None) -> int:
    """An individual may not overdraw, except a resident of the street's elderly age, down to its allowance."""
    cutoff = elderly_born_by(today or timezone.localdate(), settings.elderly_age)
    return settings.elderly_floor if person.birth_date <= cutoff else INDIVIDUAL_FLOOR


def require_street(actor: Any, street: Place, action: Action, message: str) -> None:
    """404 for an actor with no role on the street or its communities, 403 for one whose roles may not do this."""
    if street.kind != PlaceKind.STREET:
        raise NotFound()
    grants = grants_for(actor)
    if not any((g.place_path or g.household_path or "").startswith(street.path) for g in grants):
        # A grid worker's grant names its community, not a path under the street.
        communities = set(Place.objects.filter(parent_id=street.pk).values_list("pk", flat=True))
        if not any(g.community_id in communities for g in grants):
            raise NotFound()
    if not user_can(actor, action, street):
        raise PermissionDenied(message)


def _setting_int(value: Any, low: int, high: int, field: str, message: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(message, code=f"bad_{field}", extra={"field": field})
    return value


@transaction.atomic
def ledger_settings_save(
    *,
    actor: Any,
    street: Place,
    elderly_floor: int,
    elderly_age: int,
    gift_monthly_limit: int,
    clearing_limit: int,
) -> LedgerSettings:
    """Street staff set the street's limits. The floors of the street's individual accounts follow the elderly
    rule at once (an elder's to the allowance, everyone else's to 0), but a floor never rises above a balance that
    is already negative: nobody is left below their floor, they just cannot spend until they earn again."""
    require_street(actor, street, Action.TIMEBANK_SETTINGS, _("只有街道工作人员可以设置时间银行规则"))
    values = {
        "elderly_floor": _setting_int(
            elderly_floor,
            ELDERLY_FLOOR_MIN,
            0,
            "elderly_floor",
            _("老年人最低余额应在 %(min)s 到 0 之间") % {"min": ELDERLY_FLOOR_MIN},
        ),
        "elderly_age": _setting_int(elderly_age, 50, 100, "elderly_age", _("老年人年龄应在 50 到 100 岁之间")),
        "gift_monthly_limit": _setting_int(
            gift_monthly_limit, 0, 100_000, "gift_monthly_limit", _("每月家庭赠送上限应在 0 到 100000 积分之间")
        ),
        "clearing_limit": _setting_int(
            clearing_limit, 0, 10_000_000, "clearing_limit", _("通存通兑清算上限应在 0 到 10000000 积分之间")
        ),
    }
    row: LedgerSettings | None = LedgerSettings.objects.select_for_update().filter(street_id=street.pk).first()
    before = audit.snapshot(row, SETTING_FIELDS) if row is not None else None
    if row is None:
        row = LedgerSettings(street=street)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.updated_at = timezone.now()
    row.save()
    refloored = _refloor_street(street, row)
    audit.record(
        actor=actor,
        verb="timebank.settings",
        obj=row,
        community_id=None,
        before=before,
        after={**audit.snapshot(row, SETTING_FIELDS), "accounts_refloored": refloored},
    )
    return row


def _refloor_street(street: Place, settings: LedgerSettings) -> int:
    """Moves the floors of the street's individual accounts to the rule under their row locks, so that no balance
    changes between reading it and setting a floor that may not rise above it."""
    cutoff = elderly_born_by(timezone.localdate(), settings.elderly_age)
    communities = Place.objects.filter(parent_id=street.pk).values("pk")
    accounts = Account.objects.filter(kind=AccountKind.INDIVIDUAL, community_id__in=communities)
    # Locked first in id order, the order transfer_post takes them in, so a racing gift cannot deadlock with us.
    list(accounts.select_for_update().order_by("id").values_list("pk", flat=True))
    changed = 0
    for group, target in (
        (accounts.filter(person__birth_date__lte=cutoff), settings.elderly_floor),
        (accounts.exclude(person__birth_date__lte=cutoff), INDIVIDUAL_FLOOR),
    ):
        floor = Least(Value(target), F("balance"), output_field=IntegerField())
        changed += group.exclude(floor=floor).update(floor=floor)
    return changed


@transaction.atomic
def elderly_floors_follow(today: datetime.date | None = None) -> int:
    """Residents who reached their street's elderly age since their account was opened get its allowance (the
    hourly sweep). Only lowers floors, so no balance can end below one; one audit event per street that changed."""
    today = today or timezone.localdate()
    changed = 0
    for settings in LedgerSettings.objects.filter(elderly_floor__lt=0).order_by("street_id"):
        cutoff = elderly_born_by(today, settings.elderly_age)
        due = Account.objects.filter(
            kind=AccountKind.INDIVIDUAL,
            community__parent_id=settings.street_id,
            person__birth_date__lte=cutoff,
            floor__gt=settings.elderly_floor,
        )
        # Locked in id order, the order transfer_post takes them in, so a racing spend cannot deadlock with us.
        ids = list(due.select_for_update().order_by("id").values_list("pk", flat=True))
        if not ids:
            continue
        Account.objects.filter(pk__in=ids).update(floor=settings.elderly_floor)
        changed += len(ids)
        audit.record(
            actor=None,
            verb="timebank.elderly_floors",
            obj=settings,
            community_id=None,
            after={"accounts": ids, "floor": settings.elderly_floor, "born_by": cutoff.isoformat()},
        )
    return changed


# --- accounts --------------------------------------------------------------------------------------------------


def system_account(community: Place, kind: AccountKind | str, counterpart: Place | None = None) -> Account:
    """The community's issuance or redemption account, or its clearing account with `counterpart`; made once (the
    partial unique constraints decide a race)."""
    # Stored names are data, kept in Chinese whatever the language of the request that made them.
    names = {
        AccountKind.ISSUANCE: "%(community)s积分发行",
        AccountKind.REDEMPTION: "%(community)s积分兑换",
        AccountKind.CLEARING: "%(community)s与%(other)s清算",
    }
    lookup = {"community": community, "kind": kind, "counterpart": counterpart}
    account: Account | None = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    name = names[AccountKind(kind)] % {"community": community.name, "other": counterpart.name if counterpart else ""}
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, name=name, floor=None)
    except IntegrityError:
        return Account.objects.get(**lookup)


def individual_account(person: Person) -> Account:
    """The person's individual account, opened on first need (a volunteer's first approved service, a gift
    received); the unique constraint decides a race. Its floor is the street's rule (an elder's allowance)."""
    account: Account | None = Account.objects.filter(kind=AccountKind.INDIVIDUAL, person=person).first()
    if account is not None:
        return account
    floor = individual_floor(person, ledger_settings_for(person.community_id))
    with transaction.atomic():  # the account and its audit row together, also when called outside a service
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    community_id=person.community_id,
                    kind=AccountKind.INDIVIDUAL,
                    person=person,
                    name=person.name,
                    floor=floor,
                )
        except IntegrityError:
            return Account.objects.get(kind=AccountKind.INDIVIDUAL, person=person)
        audit.record(
            actor=None,
            verb="timebank.account_open",
            obj=account,
            community_id=person.community_id,
            after=audit.snapshot(account, ["kind", "person", "name", "floor"]),
        )
    return account


@transaction.atomic
def account_open(
    *,
    actor: Any,
    community: Place,
    kind: AccountKind | str,
    person: Person | None = None,
    name: str = "",
    floor: int | None = None,
) -> Account:
    """Staff (书记/社工) open a resident's individual account or a collective card. An individual's floor is the
    street's rule (None), or stricter: an elder's may go down to the street's allowance, anyone else's stays 0; a
    card's is always 0."""
    _require_staff(actor, community, Action.TIMEBANK_ACCOUNTS, _("只有社区工作人员可以开设积分账户"))
    try:
        kind = AccountKind(kind)
    except ValueError:
        raise ValidationFailed(_("请选择账户类型"), code="bad_kind", extra={"field": "kind"}) from None
    if kind == AccountKind.INDIVIDUAL:
        if person is None or person.community_id != community.pk:
            raise NotFound()
        settings = ledger_settings_for(community.pk)
        lowest = individual_floor(person, settings)
        if floor is None:
            floor = lowest
        elif not isinstance(floor, int) or isinstance(floor, bool) or not lowest <= floor <= 0:
            if lowest == 0:
                message = _("未满 %(age)s 岁的居民不能透支，最低余额只能为 0") % {"age": settings.elderly_age}
            else:
                message = _("这位老年居民的最低余额应在 %(min)s 到 0 之间") % {"min": lowest}
            raise ValidationFailed(message, code="bad_floor", extra={"field": "floor"})
        if Account.objects.filter(kind=kind, person=person).exists():
            raise Duplicate(_("这位居民已经有积分账户"), code="account_exists")
        name = name or person.name
    elif kind in COLLECTIVE_KINDS:
        name = clean_or_fail(
            name, label=_("名称"), max_length=100, field="name", required=_("请填写集体卡名称"), required_code="name"
        )
        person, floor = None, 0
    else:
        raise ValidationFailed(_("系统账户由系统自动开设"), code="bad_kind")
    account = Account(community=community, kind=kind, person=person, name=name, floor=floor)
    account.full_clean()
    account.save()
    audit.record(
        actor=actor,
        verb="timebank.account_open",
        obj=account,
        community_id=community.pk,
        after=audit.snapshot(account, ["kind", "person", "name", "floor"]),
    )
    return account


def _card_person_add(actor: Any, account: Account, person: Person, model: type[Any], verb: str) -> Any:
    community = _community_of(account)
    _require_staff(actor, community, Action.TIMEBANK_ACCOUNTS, _("只有社区工作人员可以管理集体卡"))
    if account.kind not in COLLECTIVE_KINDS:
        raise ValidationFailed(_("只有集体卡才有管理人和成员"), code="not_a_card")
    if person.community_id != community.pk:
        raise NotFound()
    if model.objects.filter(account=account, person=person).exists():
        raise Duplicate()
    row = model.objects.create(community=community, account=account, person=person)
    audit.record(
        actor=actor, verb=verb, obj=row, community_id=community.pk, after={"account": account.pk, "person": person.pk}
    )
    return row


@transaction.atomic
def card_manager_add(*, actor: Any, account: Account, person: Person) -> AccountManager:
    """Staff name a person who may spend the card's points. Staff only."""
    row: AccountManager = _card_person_add(actor, account, person, AccountManager, "timebank.card_manager_add")
    return row


@transaction.atomic
def card_member_add(*, actor: Any, account: Account, person: Person) -> AccountMember:
    """Staff add a person who earns to the card (their hours stay theirs). Staff only."""
    row: AccountMember = _card_person_add(actor, account, person, AccountMember, "timebank.card_member_add")
    return row


# --- movements -------------------------------------------------------------------------------------------------


def _positive(amount: Any) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(_("积分必须是正整数"), code="bad_amount", extra={"field": "amount"})
    return amount


@transaction.atomic
def points_issue(
    *,
    actor: Any,
    account: Account,
    amount: int,
    memo: str,
    idempotency_key: str,
    attributed_person: Person | None = None,
) -> Transaction:
    """Staff (书记/社工) mint points for verified service: issuance → an individual account or a card. On a card the
    entry names the member who served."""
    community = _community_of(account)
    _require_staff(actor, community, Action.TIMEBANK_ISSUE, _("只有社区工作人员可以发放积分"))
    amount = _positive(amount)
    if account.kind == AccountKind.INDIVIDUAL:
        if attributed_person is not None and attributed_person.pk != account.person_id:
            raise ValidationFailed(_("个人账户的积分只能记在本人名下"), code="bad_attribution")
        attributed_person = account.person
    elif account.kind in COLLECTIVE_KINDS:
        if (
            attributed_person is not None
            and not AccountMember.objects.filter(account=account, person=attributed_person).exists()
        ):
            raise ValidationFailed(_("服务人不是这张集体卡的成员"), code="not_a_member")
    else:
        raise ValidationFailed(_("积分只能发放到个人账户或集体卡"), code="bad_account")
    issuance = system_account(community, AccountKind.ISSUANCE)
    return transfer_post(
        actor=actor,
        community=community,
        kind=TransactionKind.EARN,
        postings=[(issuance, -amount), (account, amount)],
        memo=memo,
        idempotency_key=idempotency_key,
        attributed_person=attributed_person,
    )


@transaction.atomic
def points_spend(*, actor: Any, account: Account, amount: int, memo: str, idempotency_key: str) -> Transaction:
    """The holder of an individual account, or a card's manager, spends points: account → the community's
    redemption account, never below the account's floor."""
    _require_owner(actor, account)
    amount = _positive(amount)
    if account.kind in COLLECTIVE_KINDS:
        # A card's points are everyone's: the ledger says what collective reward they paid for.
        memo = clean_or_fail(
            memo,
            label=_("用途"),
            max_length=REASON_MAX,
            field="memo",
            required=_("请填写集体卡积分的用途"),
            required_code="memo_required",
        )
    community = _community_of(account)
    redemption = system_account(community, AccountKind.REDEMPTION)
    return transfer_post(
        actor=actor,
        community=community,
        kind=TransactionKind.SPEND,
        postings=[(account, -amount), (redemption, amount)],
        memo=memo,
        idempotency_key=idempotency_key,
    )


def gift_month_start(now: datetime.datetime | None = None) -> datetime.datetime:
    """The start of the local calendar month the gift limit counts in."""
    local = timezone.localtime(now or timezone.now())
    return datetime.datetime.combine(rules.month_start(local.date()), datetime.time(), tzinfo=local.tzinfo)


def gifts_sent_since(account: Account, since: datetime.datetime) -> int:
    """Points the account has given as gifts since `since` (reversed gifts still count: the limit is on giving)."""
    total = (
        Entry.objects.filter(
            account=account, transaction__kind=TransactionKind.GIFT, amount__lt=0, created_at__gte=since
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return -int(total)


@transaction.atomic
def points_gift(
    *,
    actor: Any,
    sender: Account,
    recipient: Account,
    amount: int,
    memo: str,
    idempotency_key: str,
    now: datetime.datetime | None = None,
) -> Transaction:
    """A resident gives points from their own account to a family member's (same household), within the street's
    monthly limit, counted under the sender's lock so that racing gifts cannot exceed it."""
    _require_owner(actor, sender)
    amount = _positive(amount)
    if sender.kind != AccountKind.INDIVIDUAL or recipient.kind != AccountKind.INDIVIDUAL:
        raise ValidationFailed(_("只能在个人账户之间赠送积分"), code="bad_account")
    if recipient.community_id != sender.community_id or not in_community(actor, _community_of(recipient)):
        raise NotFound()
    if recipient.pk == sender.pk:
        raise ValidationFailed(_("不能赠送给自己"), code="gift_to_self")
    households = dict(
        Person.objects.filter(pk__in=[sender.person_id, recipient.person_id]).values_list("pk", "household_id")
    )
    household = households.get(sender.person_id)
    if household is None or households.get(recipient.person_id) != household:
        raise ValidationFailed(_("只能赠送给同户的家庭成员"), code="not_family")
    start = gift_month_start(now)
    limit = ledger_settings_for(sender.community_id).gift_monthly_limit

    def within_limit(_locked: dict[int, Account]) -> None:
        sent = gifts_sent_since(sender, start)
        if not rules.gift_allowed(sent, amount, limit):
            raise ValidationFailed(
                _("超过每月赠送上限：本月已赠送 %(sent)s 积分，上限 %(limit)s 积分，本次最多还能赠送 %(left)s 积分")
                % {"sent": sent, "limit": limit, "left": max(limit - sent, 0)},
                code="gift_limit",
                extra={"sent": sent, "limit": limit},
            )

    lock_accounts([sender.pk, recipient.pk])  # the same order transfer_post takes them in
    return transfer_post(
        actor=actor,
        community=_community_of(sender),
        kind=TransactionKind.GIFT,
        postings=[(sender, -amount), (recipient, amount)],
        memo=memo,
        idempotency_key=idempotency_key,
        before_post=within_limit,
    )


@transaction.atomic
def points_clear(
    *, actor: Any, account: Account, community: Place, amount: int, memo: str, idempotency_key: str
) -> Transaction:
    """通存通兑: the holder of an individual account spends it in another community of the same street. Both legs
    in one transaction: the account → its community's clearing-with-B account, B's clearing-with-A → B's
    redemption. The pair of clearing accounts therefore always nets to zero; their balances say who owes whom: a
    positive clearing-with-B balance at A is what A owes B. Under the four accounts' locks, A may owe B at most the
    street's clearing limit (B's clearing-with-A not below −limit)."""
    _require_owner(actor, account)
    amount = _positive(amount)
    if account.kind != AccountKind.INDIVIDUAL:
        raise ValidationFailed(_("通存通兑只适用于个人账户"), code="bad_account")
    home = _community_of(account)
    if community.pk == home.pk:
        raise ValidationFailed(_("在本社区兑换无需通存通兑"), code="same_community")
    if community.kind not in (PlaceKind.COMMUNITY, PlaceKind.VILLAGE) or community.parent_id != home.parent_id:
        raise ValidationFailed(_("通存通兑只限同一街道的社区之间"), code="other_street")
    owed_by_home = system_account(community, AccountKind.CLEARING, home)
    postings = [
        (account, -amount),
        (system_account(home, AccountKind.CLEARING, community), amount),
        (owed_by_home, -amount),
        (system_account(community, AccountKind.REDEMPTION), amount),
    ]
    limit = ledger_settings_for(home.pk).clearing_limit

    def within_limit(locked: dict[int, Account]) -> None:
        owed = -locked[owed_by_home.pk].balance
        if owed + amount > limit:
            values = {
                "home": home.name,
                "other": community.name,
                "owed": owed,
                "limit": limit,
                "left": max(limit - owed, 0),
            }
            raise ValidationFailed(
                _(
                    "超过通存通兑清算上限：%(home)s 现应付 %(other)s %(owed)s 积分，上限 %(limit)s 积分，"
                    "本次最多还能兑换 %(left)s 积分"
                )
                % values,
                code="clearing_limit",
                extra={"owed": owed, "limit": limit},
            )

    return transfer_post(
        actor=actor,
        community=home,
        kind=TransactionKind.CLEAR,
        postings=postings,
        memo=memo,
        idempotency_key=idempotency_key,
        counterpart=community,
        before_post=within_limit,
    )


@transaction.atomic
def points_adjust(*, actor: Any, account: Account, amount: int, reason: str, idempotency_key: str) -> Transaction:
    """Staff (书记/社工) correct a balance that no single transaction explains (e.g. a paper ledger brought in):
    issuance ↔ the account, with a reason, never below the account's floor."""
    community = _community_of(account)
    _require_staff(actor, community, Action.TIMEBANK_ADJUST, _("只有社区工作人员可以调整积分"))
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValidationFailed(_("调整的积分必须是非零整数"), code="bad_amount", extra={"field": "amount"})
    if account.kind not in (AccountKind.INDIVIDUAL, *COLLECTIVE_KINDS):
        raise ValidationFailed(_("只能调整个人账户或集体卡的积分"), code="bad_account")
    reason = clean_or_fail(
        reason,
        label=_("调整原因"),
        max_length=REASON_MAX,
        field="reason",
        required=_("调整积分必须填写原因"),
        required_code="reason_required",
    )
    issuance = system_account(community, AccountKind.ISSUANCE)
    return transfer_post(
        actor=actor,
        community=community,
        kind=TransactionKind.ADJUST,
        postings=[(issuance, -amount), (account, amount)],
        memo=reason,
        idempotency_key=idempotency_key,
        reason=reason,
    )


@transaction.atomic
def transaction_reverse(*, actor: Any, transaction: Transaction, reason: str, idempotency_key: str) -> Transaction:
    """Staff (书记/社工) correct a mistake with the compensating entries, linked to the original and with a reason.
    At most once (a unique constraint decides a race); refused with `overdraft` if the points have since been
    spent, since nothing may go below its floor — reverse the later spending first."""
    original = transaction
    community = _community_of(original)
    _require_staff(actor, community, Action.TIMEBANK_REVERSE, _("只有社区工作人员可以冲正积分交易"))
    reason = clean_or_fail(
        reason,
        label=_("冲正原因"),
        max_length=REASON_MAX,
        field="reason",
        required=_("冲正必须填写原因"),
        required_code="reason_required",
    )
    found = existing_transaction(community.pk, check_key(idempotency_key))
    if found is not None:
        return found
    if original.kind == TransactionKind.REVERSE:
        raise ValidationFailed(_("冲正交易不能再冲正，如有需要请重新发放"), code="reverse_reversal")
    entries = list(original.entries.select_related("account").order_by("id"))
    compensating = rules.reversal_of(rules.Entry(e.account_id, e.amount) for e in entries)
    accounts = {e.account_id: e.account for e in entries}
    return transfer_post(
        actor=actor,
        community=community,
        kind=TransactionKind.REVERSE,
        postings=[(accounts[cast(int, e.account)], e.amount) for e in compensating],
        memo=f"冲正 #{original.pk}",  # stored data, in Chinese like the memos staff type
        idempotency_key=idempotency_key,
        attributed_person=entries[0].attributed_person if entries else None,
        reverses=original,
        reason=reason,
        counterpart=original.counterpart,
    )


# --- the street's settlement report ----------------------------------------------------------------------------


def settlement_sentence(debtor: str, creditor: str, points: int) -> str:
    """The one way the report says a debt, on the page and in the workbook (stored data stays Chinese)."""
    return _("%(debtor)s 应付 %(creditor)s %(points)s 积分") % {
        "debtor": debtor,
        "creditor": creditor,
        "points": points,
    }


def settlement_export(*, actor: Any, data: Any) -> bytes:
    """The settlement (`selectors.settlement`, already scoped) as a .xlsx 台账; audited once the workbook is built.
    Headers are a file format, kept in Chinese."""
    book = Book()
    debts = book.sheet("往来明细", ["应付社区", "应收社区", "积分", "说明"], [20, 20, 10, 40])
    for debtor, creditor, points in data.debts:
        book.row(debts, [debtor.name, creditor.name, points, settlement_sentence(debtor.name, creditor.name, points)])
    totals = book.sheet("各社区合计", ["社区", "应付", "应收", "净额（正数为应收）"], [20, 10, 10, 18])
    for community in data.communities:
        figures = data.totals[community.pk]
        book.row(totals, [community.name, figures["payable"], figures["receivable"], figures["net"]])
    body = book.to_bytes()
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="timebank.settlement_export",
            community_id=None,
            object_type="places.place",
            object_id=str(data.street.pk),
            after={"street": data.street.pk, "rows": len(data.debts), "whole_street": data.whole_street},
        )
    return body
