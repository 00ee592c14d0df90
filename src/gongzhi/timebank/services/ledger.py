"""Every movement of points goes through `transfer_post` (services.posting); the services here decide who may move
what: issuing, spending, gifts within a family, clearing between communities, adjustments and reversals, and the
street's settlement report.

Invariants kept here: each transaction's entries sum to zero (so the deployment's total is zero), a cached balance
changes only with its entries under the account's row lock, no account goes below its floor, and an idempotency
key used again returns the transaction it made and moves nothing.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.xlsx import Book
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules import ledger as rules
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.ledger import (
    COLLECTIVE_KINDS,
    Account,
    AccountKind,
    AccountMember,
    Entry,
    Transaction,
    TransactionKind,
)
from gongzhi.timebank.predicates import (
    in_community,
    require_account_owner,
    require_staff,
)
from gongzhi.timebank.services.accounts import system_account
from gongzhi.timebank.services.posting import check_key, existing_transaction, lock_accounts, transfer_post
from gongzhi.timebank.services.settings import ledger_settings_for

__all__ = [
    "gift_month_start",
    "gifts_sent_since",
    "points_adjust",
    "points_clear",
    "points_gift",
    "points_issue",
    "points_spend",
    "settlement_export",
    "settlement_sentence",
    "transaction_reverse",
]


REASON_MAX = 200

# --- movements -------------------------------------------------------------------------------------------------


def _positive(amount: Any) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationFailed(_("积分必须是正整数"), code=Code.BAD_AMOUNT, extra={"field": "amount"})
    return amount


@transaction.atomic
def points_issue(
    *,
    actor: User,
    account: Account,
    amount: int,
    memo: str,
    idempotency_key: str,
    attributed_person: Person | None = None,
) -> Transaction:
    """Staff (书记/社工) mint points for verified service: issuance → an individual account or a card. On a card the
    entry names the member who served."""
    community = account.community
    require_staff(actor, community, Action.TIMEBANK_ISSUE, _("只有社区工作人员可以发放积分"))
    amount = _positive(amount)
    if account.kind == AccountKind.INDIVIDUAL:
        if attributed_person is not None and attributed_person.pk != account.person_id:
            raise ValidationFailed(_("个人账户的积分只能记在本人名下"), code=Code.BAD_ATTRIBUTION)
        attributed_person = account.person
    elif account.kind in COLLECTIVE_KINDS:
        if (
            attributed_person is not None
            and not AccountMember.objects.filter(account=account, person=attributed_person).exists()
        ):
            raise ValidationFailed(_("服务人不是这张集体卡的成员"), code=Code.NOT_A_MEMBER)
    else:
        raise ValidationFailed(_("积分只能发放到个人账户或集体卡"), code=Code.BAD_ACCOUNT)
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
def points_spend(*, actor: User, account: Account, amount: int, memo: str, idempotency_key: str) -> Transaction:
    """The holder of an individual account, or a card's manager, spends points: account → the community's
    redemption account, never below the account's floor."""
    require_account_owner(actor, account)
    amount = _positive(amount)
    if account.kind in COLLECTIVE_KINDS:
        # A card's points are everyone's: the ledger says what collective reward they paid for.
        memo = clean_or_fail(
            memo,
            label=_("用途"),
            max_length=REASON_MAX,
            field="memo",
            required=_("请填写集体卡积分的用途"),
            required_code=Code.MEMO_REQUIRED,
        )
    community = account.community
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
    actor: User,
    sender: Account,
    recipient: Account,
    amount: int,
    memo: str,
    idempotency_key: str,
    now: datetime.datetime | None = None,
) -> Transaction:
    """A resident gives points from their own account to a family member's (same household), within the street's
    monthly limit, counted under the sender's lock so that racing gifts cannot exceed it."""
    require_account_owner(actor, sender)
    amount = _positive(amount)
    if sender.kind != AccountKind.INDIVIDUAL or recipient.kind != AccountKind.INDIVIDUAL:
        raise ValidationFailed(_("只能在个人账户之间赠送积分"), code=Code.BAD_ACCOUNT)
    if recipient.community_id != sender.community_id or not in_community(actor, recipient.community):
        raise NotFound()
    if recipient.pk == sender.pk:
        raise ValidationFailed(_("不能赠送给自己"), code=Code.GIFT_TO_SELF)
    households = dict(
        Person.objects.filter(pk__in=[sender.person_id, recipient.person_id]).values_list("pk", "household_id")
    )
    household = households.get(sender.person_id)
    if household is None or households.get(recipient.person_id) != household:
        raise ValidationFailed(_("只能赠送给同户的家庭成员"), code=Code.NOT_FAMILY)
    start = gift_month_start(now)
    limit = ledger_settings_for(sender.community_id).gift_monthly_limit

    def within_limit(_locked: dict[int, Account]) -> None:
        sent = gifts_sent_since(sender, start)
        if not rules.gift_allowed(sent, amount, limit):
            raise ValidationFailed(
                _("超过每月赠送上限：本月已赠送 %(sent)s 积分，上限 %(limit)s 积分，本次最多还能赠送 %(left)s 积分")
                % {"sent": sent, "limit": limit, "left": max(limit - sent, 0)},
                code=Code.GIFT_LIMIT,
                extra={"sent": sent, "limit": limit},
            )

    lock_accounts([sender.pk, recipient.pk])  # the same order transfer_post takes them in
    return transfer_post(
        actor=actor,
        community=sender.community,
        kind=TransactionKind.GIFT,
        postings=[(sender, -amount), (recipient, amount)],
        memo=memo,
        idempotency_key=idempotency_key,
        before_post=within_limit,
    )


@transaction.atomic
def points_clear(
    *, actor: User, account: Account, community: Place, amount: int, memo: str, idempotency_key: str
) -> Transaction:
    """通存通兑: the holder of an individual account spends it in another community of the same street. Both legs
    in one transaction: the account → its community's clearing-with-B account, B's clearing-with-A → B's
    redemption. The pair of clearing accounts therefore always nets to zero; their balances say who owes whom: a
    positive clearing-with-B balance at A is what A owes B. Under the four accounts' locks, A may owe B at most the
    street's clearing limit (B's clearing-with-A not below −limit)."""
    require_account_owner(actor, account)
    amount = _positive(amount)
    if account.kind != AccountKind.INDIVIDUAL:
        raise ValidationFailed(_("通存通兑只适用于个人账户"), code=Code.BAD_ACCOUNT)
    home = account.community
    if community.pk == home.pk:
        raise ValidationFailed(_("在本社区兑换无需通存通兑"), code=Code.SAME_COMMUNITY)
    if community.kind not in (PlaceKind.COMMUNITY, PlaceKind.VILLAGE) or community.parent_id != home.parent_id:
        raise ValidationFailed(_("通存通兑只限同一街道的社区之间"), code=Code.OTHER_STREET)
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
                code=Code.CLEARING_LIMIT,
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
def points_adjust(*, actor: User, account: Account, amount: int, reason: str, idempotency_key: str) -> Transaction:
    """Staff (书记/社工) correct a balance that no single transaction explains (e.g. a paper ledger brought in):
    issuance ↔ the account, with a reason, never below the account's floor."""
    community = account.community
    require_staff(actor, community, Action.TIMEBANK_ADJUST, _("只有社区工作人员可以调整积分"))
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValidationFailed(_("调整的积分必须是非零整数"), code=Code.BAD_AMOUNT, extra={"field": "amount"})
    if account.kind not in (AccountKind.INDIVIDUAL, *COLLECTIVE_KINDS):
        raise ValidationFailed(_("只能调整个人账户或集体卡的积分"), code=Code.BAD_ACCOUNT)
    reason = clean_or_fail(
        reason,
        label=_("调整原因"),
        max_length=REASON_MAX,
        field="reason",
        required=_("调整积分必须填写原因"),
        required_code=Code.REASON_REQUIRED,
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
def transaction_reverse(*, actor: User, transaction: Transaction, reason: str, idempotency_key: str) -> Transaction:
    """Staff (书记/社工) correct a mistake with the compensating entries, linked to the original and with a reason.
    At most once (a unique constraint decides a race); refused with `overdraft` if the points have since been
    spent, since nothing may go below its floor — reverse the later spending first."""
    original = transaction
    community = original.community
    require_staff(actor, community, Action.TIMEBANK_REVERSE, _("只有社区工作人员可以冲正积分交易"))
    reason = clean_or_fail(
        reason,
        label=_("冲正原因"),
        max_length=REASON_MAX,
        field="reason",
        required=_("冲正必须填写原因"),
        required_code=Code.REASON_REQUIRED,
    )
    found = existing_transaction(community.pk, check_key(idempotency_key))
    if found is not None:
        return found
    if original.kind == TransactionKind.REVERSE:
        raise ValidationFailed(_("冲正交易不能再冲正，如有需要请重新发放"), code=Code.REVERSE_REVERSAL)
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


def settlement_export(*, actor: User, data: Any) -> bytes:
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
