"""The catalogue (慈善超市 / 积分兑实物, 积分兑服务): items, donated stock, redemptions and their 核销.

Locks are always taken in one order — a redemption's own row, the item's row, the accounts (by `transfer_post`, in
id order), and last the community's audit chain (one per transaction: the payment's) — so that redeeming,
donating, cancelling, completing and expiring never deadlock.
A redemption's points stay in the item community's redemption account; a cancellation or an expiry gives them back
by the compensating entries of the payment, linked to it, and puts the unit back on the shelf.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.guesses import GuessLimit
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules import ledger as ledger_rules
from gongzhi.rules import redemption_code as code_rules
from gongzhi.timebank.models import (
    COLLECTIVE_KINDS,
    Account,
    AccountKind,
    Donation,
    Item,
    ItemKind,
    Redemption,
    RedemptionStatus,
    ServiceType,
    Transaction,
    TransactionKind,
)
from gongzhi.timebank.services.ledger import (
    _require_owner,
    _require_staff,
    in_community,
    individual_account,
    points_clear,
    points_spend,
)
from gongzhi.timebank.services.posting import check_key, existing_transaction, transfer_post
from gongzhi.timebank.services.skills import has_live_certificate

__all__ = [
    "REDEMPTION_GUESSES",
    "donation_receive",
    "item_retire",
    "item_save",
    "redeem",
    "redemption_cancel",
    "redemption_complete",
    "redemption_for_provider",
    "redemptions_expire",
]

NAME_MAX = 100
DESCRIPTION_MAX = 2000
PRICE_MAX = 100_000
QUANTITY_MAX = 100_000
VALID_DAYS_MAX = 365
REASON_MAX = 200
CODE_ATTEMPTS = 20
REDEMPTION_GUESSES = GuessLimit(
    name="redemption-code",
    limit=10,  # wrong 核销 codes one provider may enter in the window, counted from the first of them
    window=datetime.timedelta(minutes=10),
    message=gettext_lazy("核销码输错次数过多，请 %(minutes)s 分钟后再试，或请兑换人出示二维码"),
)
ITEM_FIELDS = [
    "kind",
    "name",
    "description",
    "price",
    "stock",
    "service_type",
    "provider_name",
    "provider_user",
    "provider_person",
    "code_valid_days",
    "is_active",
]
COMMUNITY_KINDS = (PlaceKind.COMMUNITY, PlaceKind.VILLAGE)


def _require_catalogue(actor: Any, community: Place) -> None:
    _require_staff(actor, community, Action.TIMEBANK_CATALOGUE, _("只有社区工作人员可以管理积分兑换目录"))


def _whole(value: Any, low: int, high: int, message: str, code: str, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(message, code=code, extra={"field": field})
    return value


# --- items -----------------------------------------------------------------------------------------------------


@transaction.atomic
def item_save(
    *,
    actor: Any,
    community: Place,
    item: Item | None = None,
    kind: ItemKind | str,
    name: str,
    description: str = "",
    price: int,
    stock: int | None = None,
    service_type: ServiceType | None = None,
    provider_name: str = "",
    provider_user: Any = None,
    provider_person: Person | None = None,
    code_valid_days: int = 14,
) -> Item:
    """Staff (TIMEBANK_CATALOGUE) add an item or edit one of their community's. Goods get their opening stock
    here; later stock comes from donations (`donation_receive`) and redemptions, so an edit leaves it alone. A
    service of a type that needs a skill, offered by a volunteer, needs the volunteer's live certificate."""
    _require_catalogue(actor, community)
    before = None
    if item is not None:
        item = Item.objects.select_for_update().filter(pk=item.pk, community=community).first()
        if item is None:
            raise NotFound()
        before = audit.snapshot(item, ITEM_FIELDS)
    if kind not in ItemKind.values:
        raise ValidationFailed(_("请选择实物或服务"), code="bad_kind", extra={"field": "kind"})
    kind = ItemKind(kind)
    if item is not None and item.kind != kind:
        raise ValidationFailed(_("物品的类型不能修改，请另行添加"), code="kind_fixed", extra={"field": "kind"})
    name = clean_or_fail(
        name, label=_("名称"), max_length=NAME_MAX, field="name", required=_("请填写名称"), required_code="name"
    )
    description = clean_or_fail(description, label=_("说明"), max_length=DESCRIPTION_MAX, field="description")
    provider_name = clean_or_fail(provider_name, label=_("提供方"), max_length=NAME_MAX, field="provider_name")
    price = _whole(
        price,
        1,
        PRICE_MAX,
        _("所需积分应为 1 到 %(max)s 之间的整数") % {"max": PRICE_MAX},
        "bad_price",
        "price",
    )
    code_valid_days = _whole(
        code_valid_days,
        1,
        VALID_DAYS_MAX,
        _("核销码有效天数应为 1 到 %(max)s 天") % {"max": VALID_DAYS_MAX},
        "bad_valid_days",
        "code_valid_days",
    )
    if kind == ItemKind.GOODS:
        if item is None:
            stock = _whole(stock, 0, QUANTITY_MAX, _("请填写库存数量（0 或正整数）"), "bad_stock", "stock")
        service_type = None
        provider_person = None
    else:
        stock = None
    if service_type is not None and service_type.community_id != community.pk:
        raise ValidationFailed(_("请选择本社区的服务类型"), code="bad_service_type", extra={"field": "service_type"})
    if provider_person is not None:
        if provider_person.community_id != community.pk:
            raise ValidationFailed(
                _("提供服务的志愿者须是本社区居民"), code="bad_provider", extra={"field": "provider_person"}
            )
        skill_id = service_type.required_skill_id if service_type is not None else None
        if skill_id is not None and not has_live_certificate(provider_person, skill_id):
            raise ValidationFailed(
                _("“%(type)s”需要持证上岗：%(name)s 没有有效的“%(skill)s”证书")
                % {
                    "type": service_type.name if service_type else "",
                    "name": provider_person.masked_name,
                    "skill": service_type.required_skill.name if service_type and service_type.required_skill else "",
                },
                code="certificate_required",
                extra={"field": "provider_person"},
            )
    if item is None:
        item = Item(community=community, kind=kind, stock=stock)
    item.name, item.description, item.price = name, description, price
    item.service_type, item.provider_name = service_type, provider_name
    item.provider_user, item.provider_person, item.code_valid_days = provider_user, provider_person, code_valid_days
    item.full_clean()
    item.save()
    audit.record(
        actor=actor,
        verb="timebank.item_save",
        obj=item,
        community_id=community.pk,
        before=before,
        after=audit.snapshot(item, ITEM_FIELDS),
    )
    return item


@transaction.atomic
def item_retire(*, actor: Any, item: Item) -> Item:
    """Staff take an item off the shelf; codes already issued for it can still be completed or cancelled."""
    community = item.community
    _require_catalogue(actor, community)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not item.is_active:
        return item
    item.is_active = False
    item.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        verb="timebank.item_retire",
        obj=item,
        community_id=community.pk,
        before={"is_active": True},
        after={"is_active": False},
    )
    return item


@transaction.atomic
def donation_receive(*, actor: Any, item: Item, donor: str, quantity: int, note: str = "") -> Donation:
    """Staff receive donated goods into the 慈善超市: the stock grows by `quantity` in one UPDATE (racing
    redemptions take units off the same row), with a Donation row naming the donor."""
    community = item.community
    _require_catalogue(actor, community)
    if item.kind != ItemKind.GOODS:
        raise ValidationFailed(_("只有实物可以捐赠入库"), code="not_goods")
    donor = clean_or_fail(
        donor,
        label=_("捐赠人/单位"),
        max_length=NAME_MAX,
        field="donor",
        required=_("请填写捐赠人或捐赠单位"),
        required_code="donor",
    )
    note = clean_or_fail(note, label=_("备注"), max_length=200, field="note")
    quantity = _whole(
        quantity,
        1,
        QUANTITY_MAX,
        _("数量应为 1 到 %(max)s 之间的整数") % {"max": QUANTITY_MAX},
        "bad_quantity",
        "quantity",
    )
    Item.objects.filter(pk=item.pk).update(stock=F("stock") + quantity)
    donation = Donation.objects.create(
        community=community,
        item=item,
        donor=donor,
        quantity=quantity,
        note=note,
        received_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        verb="timebank.donation_receive",
        obj=donation,
        community_id=community.pk,
        after={"item": item.pk, "donor": donor, "quantity": quantity, "note": note},
    )
    return donation


# --- redemption ------------------------------------------------------------------------------------------------


def same_street(a: Place, b: Place) -> bool:
    return a.parent_id is not None and a.parent_id == b.parent_id and b.kind in COMMUNITY_KINDS


def paying_person(actor: Any, community: Place) -> Person | None:
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
    raise ValidationFailed(_("核销码暂时无法生成，请稍后重试"), code="code_exhausted")


def redeem(*, actor: Any, item: Item, account: Account | None = None, idempotency_key: str) -> Redemption:
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
            raise ValidationFailed(_("您还没有登记为本街道的居民，暂时不能兑换"), code="no_account")
        # Opened (empty) in its own transaction: its audit event must not hold the chain while we lock the item.
        with transaction.atomic():
            account = individual_account(person)
    else:
        account = Account.objects.select_related("community").get(pk=account.pk)
    return _redeem(actor=actor, item=fresh, account=account, idempotency_key=idempotency_key)


@transaction.atomic
def _redeem(*, actor: Any, item: Item, account: Account, idempotency_key: str) -> Redemption:
    # Locks: the item's row (goods), then the accounts (transfer_post), then the audit chain — the order every
    # catalogue service keeps.
    community = item.community
    _require_owner(actor, account)
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
        raise ValidationFailed(_("“%(name)s”已下架") % {"name": item.name}, code="item_inactive")
    out_of_stock = ValidationFailed(_("库存不足：“%(name)s”已兑完") % {"name": item.name}, code="out_of_stock")
    if item.kind == ItemKind.GOODS and (item.stock or 0) < 1:
        raise out_of_stock
    memo = f"兑换：{item.name}"  # stored data, in Chinese like the memos staff type
    if home.pk == community.pk:
        tx = points_spend(actor=actor, account=account, amount=item.price, memo=memo, idempotency_key=key)
    else:
        if account.kind in COLLECTIVE_KINDS:
            raise ValidationFailed(_("集体卡只能在本社区兑换"), code="card_other_community")
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
        raise ValidationFailed(_("核销码暂时无法生成，请稍后重试"), code="code_exhausted")
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


def may_complete(actor: Any, item: Item) -> bool:
    """The item's provider (its login, or its volunteer's) or staff with TIMEBANK_CATALOGUE."""
    if item.provider_user_id is not None and item.provider_user_id == actor.pk:
        return True
    if (
        item.provider_person_id is not None
        and Person.objects.filter(pk=item.provider_person_id, account_id=actor.pk).exists()
    ):
        return True
    return user_can(actor, Action.TIMEBANK_CATALOGUE, item.community)


def provides_in(actor: Any, community: Place) -> bool:
    """Whether the actor completes codes in the community: staff with TIMEBANK_CATALOGUE, or the provider of one
    of its items (a partner business's login, a certified volunteer)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if user_can(actor, Action.TIMEBANK_CATALOGUE, community):
        return True
    return Item.objects.filter(
        Q(provider_user_id=actor.pk) | Q(provider_person__account_id=actor.pk), community=community
    ).exists()


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
    *, actor: Any, community: Place, lookup: code_rules.Lookup | None, lock: bool = False
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
        raise ValidationFailed(_("核销码不存在，请核对后重新输入"), code="code_unknown", extra={"field": "code"})
    if not may_complete(actor, redemption.item):
        REDEMPTION_GUESSES.missed(actor)
        raise PermissionDenied(_("这个核销码兑换的不是您提供的物品/服务，不能由您核销"))
    return redemption


def check_completable(redemption: Redemption, now: datetime.datetime) -> None:
    """A clear Chinese refusal for a code that was used, cancelled or has expired."""
    if redemption.status == RedemptionStatus.COMPLETED:
        when = timezone.localtime(redemption.completed_at).strftime("%Y-%m-%d %H:%M") if redemption.completed_at else ""
        raise ValidationFailed(_("这个核销码已经核销过了（%(when)s），不能重复使用") % {"when": when}, code="code_used")
    if redemption.status == RedemptionStatus.CANCELLED:
        raise ValidationFailed(_("这个核销码已取消，积分已退还，不能再使用"), code="code_used")
    if redemption.status == RedemptionStatus.EXPIRED or code_rules.is_expired(redemption.expires_at, now):
        raise ValidationFailed(
            _("这个核销码已于 %(when)s 过期，请兑换人重新兑换")
            % {"when": timezone.localtime(redemption.expires_at).strftime("%Y-%m-%d %H:%M")},
            code="code_expired",
        )


@transaction.atomic
def redemption_complete(*, actor: Any, community: Place, code: str = "", token: str = "") -> Redemption:
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


def _refund(redemption: Redemption, *, actor: Any, reason: str, status: RedemptionStatus) -> Redemption:
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


def _redeemed_by(actor: Any, redemption: Redemption) -> bool:
    if redemption.created_by_id == actor.pk:
        return True
    return (
        redemption.person_id is not None
        and Person.objects.filter(pk=redemption.person_id, account_id=actor.pk).exists()
    )


@transaction.atomic
def redemption_cancel(*, actor: Any, redemption: Redemption, reason: str = "") -> Redemption:
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
    if not _redeemed_by(actor, locked):
        _require_staff(actor, community, Action.TIMEBANK_CATALOGUE, _("只有兑换人本人或社区工作人员可以取消兑换"))
    reason = clean_or_fail(reason, label=_("取消原因"), max_length=REASON_MAX, field="reason")
    if locked.status != RedemptionStatus.RESERVED:
        raise ValidationFailed(
            _("这笔兑换%(status)s，不能取消") % {"status": locked.get_status_display()}, code="not_reserved"
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
