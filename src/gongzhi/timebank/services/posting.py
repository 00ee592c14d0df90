"""The one write path of the ledger: `transfer_post` posts a balanced transaction under row locks.

Invariants kept here: each transaction's entries sum to zero (so the deployment's total is zero), a cached balance
changes only with its entries under the account's row lock, no account goes below its floor, and an idempotency
key used again returns the transaction it made and moves nothing. Callers (services.ledger and the parts) decide
who may move what.

On PostgreSQL the common post (no reversal, no `before_post`) is one statement, `gongzhi_transfer_post` (migration
0009), doing the ORM path's steps in the same order; tests/timebank/test_posting.py runs both paths side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Case, F, ForeignKey, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, Overdraft, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import ledger as rules
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.ledger import Account, Entry, Transaction, TransactionKind

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
        raise ValidationFailed(_("缺少请求编号，或请求编号过长"), code=Code.BAD_IDEMPOTENCY_KEY)
    return key


def _overdraft(pk: int, name: str, balance: int, floor: int, amount: int, *, reversal: bool) -> Overdraft:
    values = {"name": name, "balance": balance, "amount": -amount, "floor": floor}
    extra = {"account": pk, "balance": balance, "amount": amount, "floor": floor}
    if reversal:
        message = _(
            "不能冲正：账户“%(name)s”的积分已被使用，扣回 %(amount)s 积分后将低于最低余额 %(floor)s"
            "（现余额 %(balance)s）。请先冲正之后的兑换或赠送，再冲正这一笔"
        )
        return Overdraft(message % values, extra={**extra, "reversal": True})
    message = _("积分余额不足：账户“%(name)s”现余额 %(balance)s，本次需 %(amount)s 积分，最低余额为 %(floor)s")
    return Overdraft(message % values, extra=extra)


def _inactive(name: str) -> ValidationFailed:
    return ValidationFailed(_("账户“%(name)s”已停用") % {"name": name}, code=Code.ACCOUNT_INACTIVE)


def _audit_after(
    kind: TransactionKind | str,
    memo: str,
    key: str,
    entries: list[rules.Entry],
    attributed_person: Person | None,
    reverses: Transaction | None,
    reason: str,
    counterpart: Place | None,
) -> dict[str, Any]:
    return {
        "kind": str(kind),
        "memo": memo,
        "key": key,
        "entries": [[_pk(e), e.amount] for e in entries],
        **({"reverses": reverses.pk, "reason": reason} if reverses is not None else {}),
        **({"counterpart": counterpart.pk} if counterpart is not None else {}),
        **({"attributed_person": attributed_person.pk} if attributed_person is not None else {}),
    }


def transfer_post(
    *,
    actor: User | None,
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
    may end below its floor. One audit event. Callers check who may; this only keeps the ledger right.

    On PostgreSQL the common case (no reversal, no `before_post`) is one call of `gongzhi_transfer_post`
    (migration 0009), which does the same steps in the same order; everything else takes the ORM path."""
    key = check_key(idempotency_key)
    memo = clean_or_fail(memo, label=_("摘要"), max_length=MEMO_MAX, field="memo")
    try:
        entries = rules.check_balanced(rules.Entry(account.pk, amount) for account, amount in postings)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=Code.UNBALANCED) from exc
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy looks it up again
    if ONE_STATEMENT and before_post is None and reverses is None and db.vendor == "postgresql":
        return _post_in_one_statement(
            db, actor, community, kind, entries, memo, key, attributed_person, reason, counterpart
        )
    return _post_orm(
        actor, community, kind, entries, memo, key, attributed_person, reverses, reason, counterpart, before_post
    )


# Tests switch it off to run the same scenarios through the ORM path on PostgreSQL.
ONE_STATEMENT = True

_OBJECT_TYPE = Transaction._meta.label_lower
_FIELDS = [f.attname for f in Transaction._meta.concrete_fields]


def _fk(name: str) -> ForeignKey[Any, Any]:
    return cast("ForeignKey[Any, Any]", Transaction._meta.get_field(name))


_COMMUNITY, _COUNTERPART, _CREATED_BY = _fk("community"), _fk("counterpart"), _fk("created_by")
_POST_SQL = (
    "SELECT o_status, o_id, o_balance, o_floor, o_name FROM gongzhi_transfer_post(%s::bigint, %s::text, %s::text, "
    "%s::text, %s::text, %s::bigint, %s::bigint, %s::timestamptz, %s::bigint[], %s::bigint[], %s::bigint, "
    "%s::bigint, %s::text, %s::text, %s::jsonb, %s::text, %s::text)"
)


def _id(row: Any) -> Any:
    return None if row is None else row.pk


def _array(values: list[int]) -> str:
    # Integer arrays as their text form: the driver quotes one string faster than it adapts a list.
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _post_in_one_statement(
    db: BaseDatabaseWrapper,
    actor: User | None,
    community: Place,
    kind: TransactionKind | str,
    entries: list[rules.Entry],
    memo: str,
    key: str,
    attributed_person: Person | None,
    reason: str,
    counterpart: Place | None,
) -> Transaction:
    """One statement. The audit event is the one `core.audit.record` would write: its hash covers
    canonical([prev_hash, chain, seq, at, actor, on_behalf_of, community, verb, object_type, object_id, before,
    after]), and only prev_hash, seq and object_id (the new transaction's id) are known in the database, so Python
    sends the text around them."""
    now = timezone.now()
    created_by = actor if getattr(actor, "pk", None) else None
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    verb = f"timebank.{kind}"
    after = audit.canonical(_audit_after(kind, memo, key, entries, attributed_person, None, reason, counterpart))
    tail_head = audit.canonical([now.astimezone(UTC).isoformat(), actor_id, "", community.pk, verb, _OBJECT_TYPE])
    params = [
        community.pk,
        str(kind),
        memo,
        key,
        reason,
        _id(counterpart),
        _id(created_by),
        now,
        _array([_pk(e) for e in entries]),
        _array([e.amount for e in entries]),
        _id(attributed_person),
        actor_id,
        verb,
        _OBJECT_TYPE,
        after,
        tail_head[1:-1] + ',"',
        '",null,' + after + "]",
    ]
    # One statement whether or not the caller has a transaction open. Outside one it is its own transaction
    # (committed when it returns, no BEGIN and COMMIT round trips, the hot chain head unlocked at once) and
    # on_commit runs at once. Refusals write nothing and are raised after it, so a caller's transaction needs no
    # savepoint and stays usable, as after the ORM path's rolled-back one.
    with db.cursor() as cursor:
        cursor.execute(_POST_SQL, params)
        status, pk, balance, floor, name = cursor.fetchone()
    if status == "ok":
        db.on_commit(lambda: audit.bump_version(community.pk))
        # The row as stored, built without a query.
        values = (pk, community.pk, kind, memo, key, None, reason, _id(counterpart), _id(created_by), now)
        tx = Transaction.from_db(db.alias, _FIELDS, values)
        _COMMUNITY.set_cached_value(tx, community)
        if counterpart is not None:
            _COUNTERPART.set_cached_value(tx, counterpart)
        if created_by is not None:
            _CREATED_BY.set_cached_value(tx, created_by)
        return tx
    if status == "existing":
        return Transaction.objects.get(pk=pk)
    if status == "inactive":
        raise _inactive(name)
    if status == "overdraft":
        amount = next(e.amount for e in entries if _pk(e) == pk)
        raise _overdraft(pk, name, balance, floor, amount, reversal=False)
    raise NotFound()


@transaction.atomic
def _post_orm(
    actor: User | None,
    community: Place,
    kind: TransactionKind | str,
    entries: list[rules.Entry],
    memo: str,
    key: str,
    attributed_person: Person | None,
    reverses: Transaction | None,
    reason: str,
    counterpart: Place | None,
    before_post: Callable[[dict[int, Account]], None] | None,
) -> Transaction:
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
        raise Duplicate(_("这笔交易已经冲正过，不能重复冲正"), code=Code.ALREADY_REVERSED)
    for account in locked.values():
        if account.community_id not in allowed:
            raise NotFound()
        if not account.is_active:
            raise _inactive(account.name)
    if before_post is not None:
        before_post(locked)
    for entry in entries:
        account = locked[_pk(entry)]
        if rules.would_cross_limit(account.balance, entry.amount, account.floor):
            raise _overdraft(
                account.pk,
                account.name,
                account.balance,
                cast(int, account.floor),
                entry.amount,
                reversal=reverses is not None,
            )
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
            raise Duplicate(_("这笔交易已经冲正过，不能重复冲正"), code=Code.ALREADY_REVERSED) from None
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
    audit.record(
        actor=actor,
        verb=f"timebank.{kind}",
        obj=tx,
        community_id=community.pk,
        after=_audit_after(kind, memo, key, entries, attributed_person, reverses, reason, counterpart),
    )
    return tx
