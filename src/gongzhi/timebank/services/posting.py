"""The one write path of the ledger: `transfer_post` posts a balanced transaction under row locks.

Invariants kept here: each transaction's entries sum to zero (so the deployment's total is zero), a cached balance
changes only with its entries under the account's row lock, no account goes below its floor, and an idempotency
key used again returns the transaction it made and moves nothing. Callers (services.ledger and the parts) decide
who may move what.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, Overdraft, ValidationFailed, clean_or_fail
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import ledger as rules
from gongzhi.timebank.models import Account, Entry, Transaction, TransactionKind

__all__ = ["KEY_MAX", "MEMO_MAX", "check_key", "existing_transaction", "lock_accounts", "transfer_post"]

MEMO_MAX = 200
KEY_MAX = 100


def _pk(entry: rules.Entry) -> int:
    return cast(int, entry.account)


def lock_accounts(ids: Sequence[int]) -> dict[int, Account]:
    """The accounts locked FOR UPDATE, always in id order so that two transfers never deadlock."""
    rows = Account.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("id")
    return {account.pk: account for account in rows}


def existing_transaction(community_id: int, key: str) -> Transaction | None:
    # No ORDER BY: the key is unique in the community, so its index answers alone.
    rows = list(Transaction.objects.filter(community_id=community_id, idempotency_key=key).order_by()[:1])
    return rows[0] if rows else None


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise ValidationFailed(_("缺少请求编号，或请求编号过长"), code="bad_idempotency_key")
    return key


def _overdraft(account: Account, amount: int, *, reversal: bool) -> Overdraft:
    values = {"name": account.name, "balance": account.balance, "amount": -amount, "floor": account.floor}
    extra = {"account": account.pk, "balance": account.balance, "amount": amount, "floor": account.floor}
    if reversal:
        message = _(
            "不能冲正：账户“%(name)s”的积分已被使用，扣回 %(amount)s 分后将低于最低余额 %(floor)s"
            "（现余额 %(balance)s）。请先冲正之后的兑换或赠送，再冲正这一笔"
        )
        return Overdraft(message % values, extra={**extra, "reversal": True})
    message = _("积分余额不足：账户“%(name)s”现余额 %(balance)s，本次需 %(amount)s 分，最低余额为 %(floor)s")
    return Overdraft(message % values, extra=extra)


@transaction.atomic
def transfer_post(
    *,
    actor: Any,
    community: Place,
    kind: TransactionKind | str,
    postings: list[tuple[Account, int]],
    memo: str,
    idempotency_key: str,
    attributed_person: Person | None = None,
    reverses: Transaction | None = None,
    reason: str = "",
    counterpart: Place | None = None,
    before_post: Callable[[dict[int, Account]], None] | None = None,
) -> Transaction:
    """Posts one balanced transaction. Locks the accounts in id order, then: a key already used in the community
    returns its transaction unchanged; `before_post` (a caller's limit, e.g. gifts) runs under the locks; no account
    may end below its floor. One audit event. Callers check who may; this only keeps the ledger right."""
    key = check_key(idempotency_key)
    memo = clean_or_fail(memo, label=_("摘要"), max_length=MEMO_MAX, field="memo")
    try:
        entries = rules.check_balanced(rules.Entry(account.pk, amount) for account, amount in postings)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="unbalanced") from exc
    allowed = {community.pk} | ({counterpart.pk} if counterpart is not None else set())
    locked = lock_accounts([_pk(e) for e in entries])
    if len(locked) != len(entries):
        raise NotFound()
    # Checked under the locks: a racing request with the same key on the same accounts has committed by now (or
    # fails on the unique key below), and a repeat answers even if its points have moved on since.
    found = existing_transaction(community.pk, key)
    if found is not None:
        return found
    if reverses is not None and Transaction.objects.filter(reverses=reverses).exists():
        raise Duplicate(_("这笔交易已经冲正过，不能重复冲正"), code="already_reversed")
    for account in locked.values():
        if account.community_id not in allowed:
            raise NotFound()
        if not account.is_active:
            raise ValidationFailed(_("账户“%(name)s”已停用") % {"name": account.name}, code="account_inactive")
    if before_post is not None:
        before_post(locked)
    for entry in entries:
        account = locked[_pk(entry)]
        if rules.would_cross_limit(account.balance, entry.amount, account.floor):
            raise _overdraft(account, entry.amount, reversal=reverses is not None)
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: losing a race on the key leaves the outer transaction usable
            tx = Transaction.objects.create(
                community=community,
                kind=kind,
                memo=memo,
                idempotency_key=key,
                reverses=reverses,
                reason=reason,
                counterpart=counterpart,
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=now,
            )
    except IntegrityError:
        winner = existing_transaction(community.pk, key)
        if winner is not None:
            return winner
        if reverses is not None:
            raise Duplicate(_("这笔交易已经冲正过，不能重复冲正"), code="already_reversed") from None
        raise
    Entry.objects.bulk_create(
        [
            Entry(
                community_id=locked[_pk(e)].community_id,
                transaction=tx,
                account_id=_pk(e),
                amount=e.amount,
                attributed_person=attributed_person,
                created_at=now,
            )
            for e in entries
        ]
    )
    # One UPDATE of the locked rows for all the postings.
    deltas = Case(*[When(pk=_pk(e), then=Value(e.amount)) for e in entries], output_field=BigIntegerField())
    Account.objects.filter(pk__in=list(locked)).update(balance=F("balance") + deltas)
    for entry in entries:
        locked[_pk(entry)].balance += entry.amount
    audit.record(
        actor=actor,
        verb=f"timebank.{kind}",
        obj=tx,
        community_id=community.pk,
        after={
            "kind": str(kind),
            "memo": memo,
            "key": key,
            "entries": [[_pk(e), e.amount] for e in entries],
            **({"reverses": reverses.pk, "reason": reason} if reverses is not None else {}),
            **({"counterpart": counterpart.pk} if counterpart is not None else {}),
            **({"attributed_person": attributed_person.pk} if attributed_person is not None else {}),
        },
    )
    return tx
