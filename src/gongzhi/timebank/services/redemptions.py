"""Redeeming points for a catalogue item: the code (and QR token) a resident receives, its completion (核销) by the
provider, cancellation and expiry with a refund.

Locks: the item's row guards its stock; the redemption's row guards its status, so it is completed or refunded at
most once; the points move through `transfer_post` with the caller's idempotency key.
"""

from __future__ import annotations

import datetime
import secrets
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.guesses import GuessLimit
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules import ledger as ledger_rules
from gongzhi.rules import redemption_code as code_rules
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.catalogue import Item, ItemKind, Redemption, RedemptionStatus
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, Account, AccountKind, Transaction, TransactionKind
from gongzhi.timebank.predicates import (
    can_complete_redemption,
    in_community,
    provides_in,
    redeemed_by,
    require_account_owner,
    require_staff,
)
from gongzhi.timebank.services.accounts import individual_account
from gongzhi.timebank.services.ledger import points_clear, points_spend
from gongzhi.timebank.services.posting import check_key, existing_transaction, transfer_post

__all__ = [
    "REDEMPTION_GUESSES",
    "check_completable",
    "paying_person",
    "redeem",
    "redemption_cancel",
    "redemption_complete",
    "redemption_find",
    "redemption_for_provider",
    "redemptions_expire",
    "same_street",
]


REASON_MAX = 200
CODE_ATTEMPTS = 20
REDEMPTION_GUESSES = GuessLimit(
    name="redemption-code",
    limit=10,  # wrong 核销 codes one provider may enter in the window, counted from the first of them
    window=datetime.timedelta(minutes=10),
    message=gettext_lazy("核销码输错次数过多，请 %(minutes)s 分钟后再试，或请兑换人出示二维码"),
)

COMMUNITY_KINDS = (PlaceKind.COMMUNITY, PlaceKind.VILLAGE)

# --- redemption ------------------------------------------------------------------------------------------------


def same_street(a: Place, b: Place) -> bool:
    return a.parent_id is not None and a.parent_id == b.parent_id and b.kind in COMMUNITY_KINDS


def paying_person(actor: User, community: Place) -> Person | None:
    """The actor's own person row to pay from: the one in `community`, else one elsewhere in its street."""
    people: list[Person] = list(Person.objects.filter(account_id=actor.pk).select_related("community").order_by("id"))
    for person in people:
        if person.community_id == community.pk:
            return person
    for person in people:
        if same_street(person.community, community):
            return person
    return None


def _redeem_key(item: Item, key: str) -> str:
    return check_key(f"redeem:{item.pk}:{check_key(key)}")


def _existing(account: Account, key: str) -> Redemption | None:
    tx = existing_transaction(account.community_id, key)
    if tx is None:
        return None
    return Redemption.objects.filter(transaction=tx).first()


def _new_code(community: Place) -> str:
    for _attempt in range(CODE_ATTEMPTS):
        code = code_rules.code_from(secrets.randbelow)
        if not Redemption.objects.filter(community=community, code=code, status=RedemptionStatus.RESERVED).exists():
            return code
    raise ValidationFailed(_("核销码暂时无法生成，请稍后重试"), code=Code.CODE_EXHAUSTED)


def redeem(*, actor: User, item: Item, account: Account | None = None, idempotency_key: str) -> Redemption:
    """The holder of an individual account (by default the actor's own) or a card's manager (`account=` the card)
    redeems one unit: pays the price (`points_spend`, or `points_clear` for an item of another community of the
    street), takes one unit of stock with a conditional UPDATE, and gets a 6-digit code and a QR token, all in one
    transaction: any failure — overdraft, no stock — leaves nothing changed (but an individual account opened on
    first need stays open, empty). The same key returns the same redemption."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound()
    fresh: Item | None = Item.objects.select_related("community", "community__parent").filter(pk=item.pk).first()
    if fresh is None:
        raise NotFound()
    community = fresh.community
    if account is None:
        person = paying_person(actor, community)
        if person is None:
            if not in_community(actor, community):
                raise NotFound()
            raise ValidationFailed(_("您还没有登记为本街道的居民，暂时不能兑换"), code=Code.NO_ACCOUNT)
        # Opened (empty) in its own transaction: its audit event must not hold the chain while we lock the item.
        with transaction.atomic():
            account = individual_account(person)
    else:
        account = Account.objects.select_related("community").get(pk=account.pk)
    return _redeem(actor=actor, item=fresh, account=account, idempotency_key=idempotency_key)


@transaction.atomic
def _redeem(*, actor: User, item: Item, account: Account, idempotency_key: str) -> Redemption:
    # Locks: the item's row (goods), then the accounts (transfer_post), then the audit chain — the order every
    # catalogue service keeps.
    community = item.community
    require_account_owner(actor, account)
    home = account.community
    if home.pk != community.pk and not same_street(home, community):
        raise NotFound()
    key = _redeem_key(item, idempotency_key)
    found = _existing(account, key)
    if found is not None:
        return found
    if item.kind == ItemKind.GOODS:
        item = Item.objects.select_for_update(of=("self",)).select_related("community").get(pk=item.pk)
        found = _existing(account, key)  # a racing request with the same key committed while we waited
        if found is not None:
            return found
    if not item.is_active:
        raise ValidationFailed(_("“%(name)s”已下架") % {"name": item.name}, code=Code.ITEM_INACTIVE)
    out_of_stock = ValidationFailed(_("库存不足：“%(name)s”已兑完") % {"name": item.name}, code=Code.OUT_OF_STOCK)
    if item.kind == ItemKind.GOODS and (item.stock or 0) < 1:
        raise out_of_stock
    memo = f"兑换：{item.name}"  # stored data, in Chinese like the memos staff type
    if home.pk == community.pk:
        tx = points_spend(actor=actor, account=account, amount=item.price, memo=memo, idempotency_key=key)
    else:
        if account.kind in COLLECTIVE_KINDS:
            raise ValidationFailed(_("集体卡只能在本社区兑换"), code=Code.CARD_OTHER_COMMUNITY)
        tx = points_clear(
            actor=actor, account=account, community=community, amount=item.price, memo=memo, idempotency_key=key
        )
    # A service has no row lock: a request racing with the same key waited for the first one's account lock and
    # got its transaction back.
    raced: Redemption | None = Redemption.objects.filter(transaction=tx).first()
    if raced is not None:
        return raced
    if item.kind == ItemKind.GOODS:
        taken = Item.objects.filter(pk=item.pk, stock__gte=1).update(stock=F("stock") - 1)
        if not taken:
            raise out_of_stock
    now = timezone.now()
    redeemer = account.person if account.kind == AccountKind.INDIVIDUAL else paying_person(actor, home)
    redemption = None
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a code taken by a racing redemption is drawn again
                redemption = Redemption.objects.create(
                    community=community,
                    item=item,
                    account=account,
                    person=redeemer,
                    points=item.price,
                    code=_new_code(community),
                    token=secrets.token_urlsafe(24),
                    expires_at=now + datetime.timedelta(days=item.code_valid_days),
                    transaction=tx,
                    created_by=actor,
                    created_at=now,
                )
            break
        except IntegrityError:
            continue
    if redemption is None:
        raise ValidationFailed(_("核销码暂时无法生成，请稍后重试"), code=Code.CODE_EXHAUSTED)
    audit.record(
        actor=actor,
        verb="timebank.redeem",
        obj=redemption,
        # The payment's chain (the payer's community): one audit chain per transaction, so that two 通存通兑
        # redemptions in opposite directions never wait on each other's chain.
        community_id=tx.community_id,
        after={
            "item": item.pk,
            "community": community.pk,
            "account": account.pk,
            "points": item.price,
            "transaction": tx.pk,
            "expires_at": redemption.expires_at.isoformat(),
        },
    )
    return redemption


def redemption_find(*, community: Place, code: str = "", token: str = "", lock: bool = False) -> Redemption | None:
    """The redemption a provider's box names: by the QR token, or by the 6 digits (the live one, else the latest
    that had them, so a reused code is told apart from an unknown one)."""
    qs = Redemption.objects.filter(community=community).select_related("item", "item__community", "person")
    if lock:
        qs = qs.select_for_update(of=("self",))
    if token:
        return cast(Redemption | None, qs.filter(token=token).first())
    if not code:
        return None
    live = qs.filter(code=code, status=RedemptionStatus.RESERVED).first()
    if live is not None:
        return cast(Redemption, live)
    return cast(Redemption | None, qs.filter(code=code).order_by("-created_at", "-id").first())


def redemption_for_provider(
    *, actor: User, community: Place, lookup: code_rules.Lookup | None, lock: bool = False
) -> Redemption:
    """The redemption behind what the provider typed or scanned, if it is theirs to complete. An unknown code and
    another provider's code both count against REDEMPTION_GUESSES, so a provider cannot try the 10⁶ codes one after
    another to learn what other people redeemed."""
    REDEMPTION_GUESSES.check(actor)
    redemption = (
        redemption_find(community=community, code=lookup.code, token=lookup.token, lock=lock) if lookup else None
    )
    if redemption is None:
        REDEMPTION_GUESSES.missed(actor)
        raise ValidationFailed(_("核销码不存在，请核对后重新输入"), code=Code.CODE_UNKNOWN, extra={"field": "code"})
    if not can_complete_redemption(actor, redemption.item):
        REDEMPTION_GUESSES.missed(actor)
        raise PermissionDenied(_("这个核销码兑换的不是您提供的物品/服务，不能由您核销"))
    return redemption


def check_completable(redemption: Redemption, now: datetime.datetime) -> None:
    """A clear Chinese refusal for a code that was used, cancelled or has expired."""
    if redemption.status == RedemptionStatus.COMPLETED:
        when = timezone.localtime(redemption.completed_at).strftime("%Y-%m-%d %H:%M") if redemption.completed_at else ""
        raise ValidationFailed(
            _("这个核销码已经核销过了（%(when)s），不能重复使用") % {"when": when}, code=Code.CODE_USED
        )
    if redemption.status == RedemptionStatus.CANCELLED:
        raise ValidationFailed(_("这个核销码已取消，积分已退还，不能再使用"), code=Code.CODE_USED)
    if redemption.status == RedemptionStatus.EXPIRED or code_rules.is_expired(redemption.expires_at, now):
        raise ValidationFailed(
            _("这个核销码已于 %(when)s 过期，请兑换人重新兑换")
            % {"when": timezone.localtime(redemption.expires_at).strftime("%Y-%m-%d %H:%M")},
            code=Code.CODE_EXPIRED,
        )


@transaction.atomic
def redemption_complete(*, actor: User, community: Place, code: str = "", token: str = "") -> Redemption:
    """The provider — the item's `provider_user`, the login of its `provider_person`, or staff with
    TIMEBANK_CATALOGUE — completes a 核销 by the 6 digits or the QR token, under the redemption's row lock."""
    if not provides_in(actor, community):
        if not in_community(actor, community):
            raise NotFound()
        raise PermissionDenied(_("只有兑换物品/服务的提供方或社区工作人员可以核销"))
    redemption = redemption_for_provider(
        actor=actor, community=community, lookup=code_rules.parse_lookup(token or code), lock=True
    )
    item = redemption.item
    now = timezone.now()
    check_completable(redemption, now)
    redemption.status = RedemptionStatus.COMPLETED
    redemption.completed_by = actor
    redemption.completed_at = now
    redemption.save(update_fields=["status", "completed_by", "completed_at"])
    audit.record(
        actor=actor,
        verb="timebank.redemption_complete",
        obj=redemption,
        community_id=community.pk,
        before={"status": RedemptionStatus.RESERVED},
        after={"status": RedemptionStatus.COMPLETED, "item": item.pk},
    )
    return redemption


def _refund(redemption: Redemption, *, actor: User | None, reason: str, status: RedemptionStatus) -> Redemption:
    """Under the redemption's row lock: the payment's entries negated (all four legs of a 通存通兑), linked to it;
    the unit back on the shelf; the new status."""
    item = redemption.item
    if item.kind == ItemKind.GOODS:
        Item.objects.filter(pk=item.pk).update(stock=F("stock") + 1)  # the item's row before the accounts
    original = cast(
        Transaction, Transaction.objects.select_related("community", "counterpart").get(pk=redemption.transaction_id)
    )
    entries = list(original.entries.select_related("account").order_by("id"))
    accounts = {e.account_id: e.account for e in entries}
    compensating = ledger_rules.reversal_of(ledger_rules.Entry(e.account_id, e.amount) for e in entries)
    refund = transfer_post(
        actor=actor,
        community=original.community,
        kind=TransactionKind.REVERSE,
        postings=[(accounts[cast(int, e.account)], e.amount) for e in compensating],
        memo=f"退还兑换 #{redemption.pk}",  # stored data, in Chinese
        idempotency_key=f"redemption:{redemption.pk}:refund",
        reverses=original,
        reason=reason,
        counterpart=original.counterpart,
    )
    redemption.status = status
    redemption.refund = refund
    redemption.save(update_fields=["status", "refund"])
    audit.record(
        actor=actor,
        verb="timebank.redemption_cancel" if status == RedemptionStatus.CANCELLED else "timebank.redemption_expire",
        obj=redemption,
        community_id=original.community_id,
        before={"status": RedemptionStatus.RESERVED},
        after={"status": str(status), "refund": refund.pk, "reason": reason},
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: User, redemption: Redemption, reason: str = "") -> Redemption:
    """The redeemer or staff (TIMEBANK_CATALOGUE) cancel a code not yet used: the points come back by a
    compensating transaction and the unit goes back on the shelf. Refused once it is completed or expired."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound()
    locked = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("item", "community")
        .filter(pk=redemption.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    community = cast(Place, locked.community)
    if not redeemed_by(actor, locked):
        require_staff(actor, community, Action.TIMEBANK_CATALOGUE, _("只有兑换人本人或社区工作人员可以取消兑换"))
    reason = clean_or_fail(reason, label=_("取消原因"), max_length=REASON_MAX, field="reason")
    if locked.status != RedemptionStatus.RESERVED:
        raise ValidationFailed(
            _("这笔兑换%(status)s，不能取消") % {"status": locked.get_status_display()}, code=Code.NOT_RESERVED
        )
    return _refund(locked, actor=actor, reason=reason or "兑换人取消", status=RedemptionStatus.CANCELLED)


def redemptions_expire(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """The sweep (tasks.py, `manage.py timebank_sweep`): every code still unused at its expiry becomes EXPIRED and
    its points are refunded, one transaction per redemption so that one failure does not hold up the rest."""
    now = now or timezone.now()
    ids = list(
        Redemption.objects.filter(status=RedemptionStatus.RESERVED, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            locked = (
                Redemption.objects.select_for_update(of=("self",))
                .select_related("item")
                .filter(pk=pk, status=RedemptionStatus.RESERVED, expires_at__lte=now)
                .first()
            )
            if locked is None:  # completed or cancelled meanwhile
                continue
            _refund(locked, actor=None, reason="核销码过期未使用，自动退还", status=RedemptionStatus.EXPIRED)
            done += 1
    return done
