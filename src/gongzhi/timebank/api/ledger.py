"""Time bank JSON API: ledger (mounted at /api/timebank/). An account with its entries for its holder or the
community's staff, a family gift and a reversal; each write carries an idempotency key (in the body, or the
`Idempotency-Key` header) so that a retried request moves nothing twice. Errors are {code, message, extra}."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gongzhi.core.api_schema import OFFSET_MAX, Id, IdempotencyKey, Paging, errors
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.core.usertext import masked
from gongzhi.places import selectors as place_selectors
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.ledger import Account, Transaction
from gongzhi.timebank.selectors.ledger import (
    account_community_id,
    account_for_page,
    entries_with_running_balance,
    gift_recipients,
    reversals_of,
    transaction_community_id,
    transaction_get,
    transaction_postings,
)
from gongzhi.timebank.services import ledger as ledger_services
from gongzhi.timebank.services.ledger import points_gift

router = Router(tags=["timebank"])

ENTRIES_MAX = 100
# No gift comes near a billion points; the bound keeps the number inside a BIGINT (zero and negatives still reach
# the service, which refuses them with its own message).
AMOUNT_MAX = 1_000_000_000


class EntryPaging(Paging):
    offset: int = Field(0, ge=0, le=OFFSET_MAX, description="Entries to skip")
    limit: int = Field(50, ge=1, le=ENTRIES_MAX, description="Entries to return")


class EntryOut(Schema):
    id: int
    transaction: int
    kind: str
    kind_label: str
    memo: str
    amount: int
    balance_after: int
    reverses: int | None
    reversed_by: int | None
    reason: str
    at: datetime.datetime


class AccountOut(Schema):
    id: int
    community: int
    kind: str
    kind_label: str
    name: str
    balance: int
    floor: int | None
    is_active: bool
    entry_count: int
    entries: list[EntryOut]


class TransactionOut(Schema):
    id: int
    kind: str
    memo: str
    reverses: int | None
    reason: str
    entries: list[list[int]]
    at: datetime.datetime


class GiftIn(Schema):
    recipient: Id
    amount: int = Field(ge=-AMOUNT_MAX, le=AMOUNT_MAX)
    memo: str = ""
    idempotency_key: str = ""


class ReverseIn(Schema):
    reason: str = ""
    idempotency_key: str = ""


def _key(given: str, header: str | None) -> str:
    key = given or header or ""
    if not key.strip():
        raise ValidationFailed(_("缺少请求编号，或请求编号过长"), code=Code.BAD_IDEMPOTENCY_KEY)
    return key


def _account(request: HttpRequest, account_id: int) -> Account:
    """The account for its holder or the community's staff; the same 404 for anyone else."""
    community_id = account_community_id(id=account_id)
    if community_id is None:
        raise NotFound()
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    account, _is_staff = account_for_page(actor=actor_of(request), community=community, account_id=account_id)
    return account


def _tx_out(tx: Transaction) -> TransactionOut:
    return TransactionOut(
        id=tx.pk,
        kind=tx.kind,
        memo=masked(tx.memo),
        reverses=tx.reverses_id,
        reason=masked(tx.reason),
        entries=[[account, amount] for account, amount in transaction_postings(transaction=tx)],
        at=tx.created_at,
    )


@router.get(
    "/accounts/{account_id}",
    response={200: AccountOut, **errors(404)},
    summary="An account with its entries, newest first",
)
def account_detail(request: HttpRequest, account_id: Id, paging: Query[EntryPaging]) -> AccountOut:
    """Its holder (a card's manager) or the community's staff; each entry with the balance right after it."""
    account = _account(request, account_id)
    entries = entries_with_running_balance(account=account)
    page = list(entries[paging.offset : paging.offset + paging.limit])
    reversals = reversals_of(transaction_ids=[e.transaction_id for e in page])
    return AccountOut(
        id=account.pk,
        community=account.community_id,
        kind=account.kind,
        kind_label=str(account.get_kind_display()),
        name=account.name,
        balance=account.balance,
        floor=account.floor,
        is_active=account.is_active,
        entry_count=entries.count(),
        entries=[
            EntryOut(
                id=e.pk,
                transaction=e.transaction_id,
                kind=e.transaction.kind,
                kind_label=str(e.transaction.get_kind_display()),
                memo=masked(e.transaction.memo),
                amount=e.amount,
                balance_after=e.running,  # type: ignore[attr-defined]
                reverses=e.transaction.reverses_id,
                reversed_by=reversals.get(e.transaction_id),
                reason=masked(e.transaction.reason),
                at=e.created_at,
            )
            for e in page
        ],
    )


@router.post(
    "/accounts/{account_id}/gift", response={201: TransactionOut, **errors(403, 404, 409)}, summary="A family gift"
)
def account_gift(
    request: HttpRequest, account_id: Id, payload: GiftIn, idempotency_key: IdempotencyKey = None
) -> Status[TransactionOut]:
    """The holder gives to a member of their household, within the street's monthly limit."""
    sender = _account(request, account_id)
    recipient = next((a for a in gift_recipients(sender=sender) if a.pk == payload.recipient), None)
    if recipient is None:
        raise ValidationFailed(_("只能赠送给同户的家庭成员"), code=Code.NOT_FAMILY, extra={"field": "recipient"})
    tx = points_gift(
        actor=actor_of(request),
        sender=sender,
        recipient=recipient,
        amount=payload.amount,
        memo=payload.memo,
        idempotency_key=_key(payload.idempotency_key, idempotency_key),
    )
    return Status(201, _tx_out(tx))


@router.post(
    "/transactions/{transaction_id}/reverse",
    response={201: TransactionOut, **errors(403, 404, 409)},
    summary="Reverse a mistake",
)
def transaction_reverse(
    request: HttpRequest, transaction_id: Id, payload: ReverseIn, idempotency_key: IdempotencyKey = None
) -> Status[TransactionOut]:
    """Staff (书记/社工) post the compensating transaction, linked to the original, with a reason."""
    community_id = transaction_community_id(id=transaction_id)
    if community_id is None:
        raise NotFound()
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    tx = transaction_get(actor=actor_of(request), community=community, id=transaction_id)
    reversal = ledger_services.transaction_reverse(
        actor=actor_of(request),
        transaction=tx,
        reason=payload.reason,
        idempotency_key=_key(payload.idempotency_key, idempotency_key),
    )
    return Status(201, _tx_out(reversal))
