"""The community's catalogue of what points buy (积分兑换目录): items (goods with stock, or services with a provider),
retiring them, and donations that add stock. Redeeming an item is `redemptions`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.catalogue import Donation, Item, ItemKind
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.predicates import (
    require_catalogue_manager,
)
from gongzhi.timebank.services.skills import has_live_certificate

__all__ = [
    "donation_receive",
    "item_retire",
    "item_save",
]


NAME_MAX = 100
DESCRIPTION_MAX = 2000
PRICE_MAX = 100_000
QUANTITY_MAX = 100_000
VALID_DAYS_MAX = 365
REASON_MAX = 200

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


def _whole(value: Any, low: int, high: int, message: str, code: Code, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailed(message, code=code, extra={"field": field})
    return value


# --- items -----------------------------------------------------------------------------------------------------


@transaction.atomic
def item_save(
    *,
    actor: User,
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
    require_catalogue_manager(actor, community)
    before = None
    if item is not None:
        item = Item.objects.select_for_update().filter(pk=item.pk, community=community).first()
        if item is None:
            raise NotFound()
        before = audit.snapshot(item, ITEM_FIELDS)
    if kind not in ItemKind.values:
        raise ValidationFailed(_("请选择实物或服务"), code=Code.BAD_KIND, extra={"field": "kind"})
    kind = ItemKind(kind)
    if item is not None and item.kind != kind:
        raise ValidationFailed(_("物品的类型不能修改，请另行添加"), code=Code.KIND_FIXED, extra={"field": "kind"})
    name = clean_or_fail(
        name, label=_("名称"), max_length=NAME_MAX, field="name", required=_("请填写名称"), required_code=Code.NAME
    )
    description = clean_or_fail(description, label=_("说明"), max_length=DESCRIPTION_MAX, field="description")
    provider_name = clean_or_fail(provider_name, label=_("提供方"), max_length=NAME_MAX, field="provider_name")
    price = _whole(
        price,
        1,
        PRICE_MAX,
        _("所需积分应为 1 到 %(max)s 之间的整数") % {"max": PRICE_MAX},
        Code.BAD_PRICE,
        "price",
    )
    code_valid_days = _whole(
        code_valid_days,
        1,
        VALID_DAYS_MAX,
        _("核销码有效天数应为 1 到 %(max)s 天") % {"max": VALID_DAYS_MAX},
        Code.BAD_VALID_DAYS,
        "code_valid_days",
    )
    if kind == ItemKind.GOODS:
        if item is None:
            stock = _whole(stock, 0, QUANTITY_MAX, _("请填写库存数量（0 或正整数）"), Code.BAD_STOCK, "stock")
        service_type = None
        provider_person = None
    else:
        stock = None
    if service_type is not None and service_type.community_id != community.pk:
        raise ValidationFailed(_("请选择本社区的服务类型"), code=Code.BAD_SERVICE_TYPE, extra={"field": "service_type"})
    if provider_person is not None:
        if provider_person.community_id != community.pk:
            raise ValidationFailed(
                _("提供服务的志愿者须是本社区居民"), code=Code.BAD_PROVIDER, extra={"field": "provider_person"}
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
                code=Code.CERTIFICATE_REQUIRED,
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
def item_retire(*, actor: User, item: Item) -> Item:
    """Staff take an item off the shelf; codes already issued for it can still be completed or cancelled."""
    community = item.community
    require_catalogue_manager(actor, community)
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
def donation_receive(*, actor: User, item: Item, donor: str, quantity: int, note: str = "") -> Donation:
    """Staff receive donated goods into the 慈善超市: the stock grows by `quantity` in one UPDATE (racing
    redemptions take units off the same row), with a Donation row naming the donor."""
    community = item.community
    require_catalogue_manager(actor, community)
    if item.kind != ItemKind.GOODS:
        raise ValidationFailed(_("只有实物可以捐赠入库"), code=Code.NOT_GOODS)
    donor = clean_or_fail(
        donor,
        label=_("捐赠人/单位"),
        max_length=NAME_MAX,
        field="donor",
        required=_("请填写捐赠人或捐赠单位"),
        required_code=Code.DONOR,
    )
    note = clean_or_fail(note, label=_("备注"), max_length=200, field="note")
    quantity = _whole(
        quantity,
        1,
        QUANTITY_MAX,
        _("数量应为 1 到 %(max)s 之间的整数") % {"max": QUANTITY_MAX},
        Code.BAD_QUANTITY,
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
