"""Time bank JSON API: the catalogue, redeeming with an idempotency key, and the provider's 核销 (mounted at
/api/timebank/). The same services and selectors as the pages; errors are {code, message, extra}."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from gongzhi.core.api_schema import Id, IdempotencyKey, errors
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.core.usertext import masked
from gongzhi.places import selectors as place_selectors
from gongzhi.rules import redemption_code
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.catalogue import Item, Redemption
from gongzhi.timebank.models.ledger import Account
from gongzhi.timebank.selectors import catalogue as selectors
from gongzhi.timebank.selectors import ledger as ledger_selectors
from gongzhi.timebank.services import redemptions as redemptions_services
from gongzhi.timebank.services.redemptions import redemption_complete

router = Router(tags=["timebank"])


class ItemOut(Schema):
    id: int
    community_id: int
    kind: str
    name: str
    description: str
    price: int
    stock: int | None
    service_type: str | None
    provider_name: str
    code_valid_days: int


class CatalogueOut(Schema):
    community_id: int
    community_name: str
    items: list[ItemOut]


class RedeemIn(Schema):
    account: Id | None = None
    idempotency_key: str | None = None


class RedemptionOut(Schema):
    id: int
    item_id: int
    item_name: str
    community_id: int
    account_id: int
    points: int
    status: str
    code: str | None
    token: str | None
    expires_at: datetime.datetime
    completed_at: datetime.datetime | None


class CompleteIn(Schema):
    code: str = ""
    token: str = ""


def _item_out(item: Item) -> ItemOut:
    return ItemOut(
        id=item.pk,
        community_id=item.community_id,
        kind=item.kind,
        name=item.name,
        description=masked(item.description),
        price=item.price,
        stock=item.stock,
        service_type=item.service_type.name if item.service_type else None,
        provider_name=item.provider_name,
        code_valid_days=item.code_valid_days,
    )


def _redemption_out(redemption: Redemption, *, with_code: bool) -> RedemptionOut:
    """The code and token are the redeemer's bearer secret: only they get them back."""
    return RedemptionOut(
        id=redemption.pk,
        item_id=redemption.item_id,
        item_name=redemption.item.name,
        community_id=redemption.community_id,
        account_id=redemption.account_id,
        points=redemption.points,
        status=redemption.status,
        code=redemption.code if with_code else None,
        token=redemption.token if with_code else None,
        expires_at=redemption.expires_at,
        completed_at=redemption.completed_at,
    )


@router.get(
    "/communities/{community_id}/catalogue",
    response={200: CatalogueOut, **errors(404)},
    summary="The catalogue of a community",
)
def catalogue(request: HttpRequest, community_id: Id) -> CatalogueOut:
    """Goods and services on the shelf, for members of the community or of another community of its street."""
    home, shown = selectors.catalogue_reach(actor=actor_of(request), community_id=community_id)
    items = selectors.item_list(actor=actor_of(request), community=home, shown=shown)
    return CatalogueOut(community_id=shown.pk, community_name=shown.name, items=[_item_out(i) for i in items])


@router.post(
    "/items/{item_id}/redeem",
    response={201: RedemptionOut, **errors(403, 404, 409)},
    summary="Redeem one unit of an item",
)
def redeem(
    request: HttpRequest, item_id: Id, payload: RedeemIn, idempotency_key: IdempotencyKey = None
) -> Status[RedemptionOut]:
    """Pays from the actor's own account, or from `account` (a card they manage). The `Idempotency-Key` header (or
    the body's `idempotency_key`) is required; repeating it returns the same redemption and moves nothing."""
    # The item first: someone who cannot see it learns nothing from a missing key but the 404 everyone gets.
    item = selectors.api_item_get(actor=actor_of(request), id=item_id)
    key = idempotency_key or payload.idempotency_key or ""
    if not key.strip():
        raise ValidationFailed(_("缺少请求编号，或请求编号过长"), code=Code.BAD_IDEMPOTENCY_KEY)
    account: Account | None = None
    if payload.account is not None:
        account = ledger_selectors.account_get(actor=actor_of(request), id=payload.account)
    redemption = redemptions_services.redeem(actor=actor_of(request), item=item, account=account, idempotency_key=key)
    return Status(201, _redemption_out(redemption, with_code=True))


@router.post(
    "/communities/{community_id}/redemptions/complete",
    response={200: RedemptionOut, **errors(403, 404, 409, 429)},
    summary="The provider completes a 核销 by its code or QR token",
)
def complete(request: HttpRequest, community_id: Id, payload: CompleteIn) -> RedemptionOut:
    community = place_selectors.public_community_get(community_id=community_id)
    lookup = redemption_code.parse_lookup(payload.token or payload.code)
    done = redemption_complete(
        actor=actor_of(request),
        community=community,
        code=lookup.code if lookup else payload.code,
        token=lookup.token if lookup else payload.token,
    )
    return _redemption_out(done, with_code=False)
