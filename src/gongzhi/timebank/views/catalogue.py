"""Time bank pages: the catalogue (慈善超市 / 积分兑实物, 积分兑服务) with 通存通兑 across the street, redeeming with
a 6-digit 核销 code and a QR, my redemptions, the provider's 核销 page, and staff's items and donations."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, form_call, form_error, page_context, refusal
from gongzhi.core.permissions import Action
from gongzhi.core.qr import qr_svg
from gongzhi.core.scoping import user_can
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.rules import redemption_code
from gongzhi.timebank.models.catalogue import Item, ItemKind, RedemptionStatus
from gongzhi.timebank.predicates import can_manage_catalogue, provides_in
from gongzhi.timebank.selectors import catalogue as selectors
from gongzhi.timebank.services import catalogue as catalogue_services
from gongzhi.timebank.services import redemptions as redemptions_services
from gongzhi.timebank.services.catalogue import donation_receive, item_save
from gongzhi.timebank.services.redemptions import (
    check_completable,
    redeem,
    redemption_complete,
    redemption_for_provider,
)

PER_PAGE = 20


def _status(exc: ApplicationError) -> int:
    return 409 if exc.status == 409 else 400


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- the catalogue -----------------------------------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest, community_id: int) -> HttpResponse:
    community = community_page(request, community_id)[1]
    shown = selectors.catalogue_community_get(
        actor=actor_of(request), community=community, shown_id=_int_or_none(request.GET.get("c"))
    )
    can_manage = shown.pk == community.pk and user_can(request.user, Action.TIMEBANK_CATALOGUE, community)
    items = list(
        selectors.item_list(actor=actor_of(request), community=community, shown=shown, filters={"all": can_manage})
    )
    return render(
        request,
        "timebank/catalogue_list.html",
        page_context(
            request,
            community,
            nav="timebank",
            shown=shown,
            street=selectors.catalogue_street(community=community),
            goods=[i for i in items if i.kind == ItemKind.GOODS],
            service_items=[i for i in items if i.kind == ItemKind.SERVICE],
            can_manage=can_manage,
            can_verify=provides_in(request.user, community),
        ),
    )


class RedeemForm(forms.Form):
    account = forms.TypedChoiceField(label=gettext_lazy("用哪个账户的积分"), coerce=int, required=False)
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, accounts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["account"])
        field.choices = [
            (a.pk or "", _("%(name)s（余额 %(balance)s 积分）") % {"name": a.name, "balance": a.balance})
            for a in accounts
        ]


@login_required
def item_detail(request: HttpRequest, community_id: int, item_id: int) -> HttpResponse:
    """The item and, for a member, the confirmation: which account pays, its balance, and 确认兑换."""
    community = community_page(request, community_id)[1]
    item = selectors.item_get(actor=actor_of(request), community=community, id=item_id)
    accounts = selectors.paying_accounts(actor=actor_of(request), item=item)
    form = RedeemForm(request.POST or None, accounts=accounts, initial={"key": uuid.uuid4().hex})
    status = 200
    if request.method == "POST" and form.is_valid():
        chosen = next((a for a in accounts if a.pk and a.pk == form.cleaned_data["account"]), None)
        try:
            redemption = redeem(
                actor=actor_of(request), item=item, account=chosen, idempotency_key=form.cleaned_data["key"]
            )
        except ApplicationError as exc:
            refusal(exc)
            form_error(form, exc)
            status = _status(exc)
        else:
            messages.success(request, _("兑换成功！请向提供方出示核销码 %(code)s") % {"code": redemption.code})
            return redirect("timebank:my_redemptions", community_id=community.pk)
    elif request.method == "POST":
        status = 400
    can_manage = item.community_id == community.pk and user_can(request.user, Action.TIMEBANK_CATALOGUE, community)
    return render(
        request,
        "timebank/catalogue_detail.html",
        page_context(
            request,
            community,
            nav="timebank",
            item=item,
            form=form,
            accounts=accounts,
            is_other=item.community_id != community.pk,
            can_manage=can_manage,
            donations=list(selectors.donation_list(actor=actor_of(request), item=item)[:20]) if can_manage else [],
        ),
        status=status,
    )


# --- staff: items and donations ----------------------------------------------------------------------------------


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ItemKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    price = forms.IntegerField(label=gettext_lazy("所需积分"), min_value=1)
    stock = forms.IntegerField(label=gettext_lazy("库存（实物）"), min_value=0, required=False)
    service_type = forms.TypedChoiceField(label=gettext_lazy("服务类型（服务）"), coerce=int, required=False)
    provider_name = forms.CharField(label=gettext_lazy("提供方"), max_length=100, required=False)
    provider_person = forms.TypedChoiceField(label=gettext_lazy("提供服务的持证志愿者"), coerce=int, required=False)
    provider_phone = forms.CharField(label=gettext_lazy("提供方核销账号（手机号）"), max_length=11, required=False)
    code_valid_days = forms.IntegerField(label=gettext_lazy("核销码有效天数"), min_value=1, initial=14)

    def __init__(self, *args: Any, community: Place, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types = {t.pk: t for t in selectors.item_service_types(community=community)}
        self.people = {p.pk: p for p in selectors.item_certified_people(community=community)}
        cast(forms.TypedChoiceField, self.fields["service_type"]).choices = [
            ("", "—"),
            *((pk, t.name) for pk, t in self.types.items()),
        ]
        cast(forms.TypedChoiceField, self.fields["provider_person"]).choices = [
            ("", "—"),
            *((pk, p.masked_name) for pk, p in self.people.items()),
        ]
        if editing:
            del self.fields["stock"]
            self.fields["kind"].disabled = True

    def clean_provider_phone(self) -> Any:
        phone = self.cleaned_data.get("provider_phone", "").strip()
        if not phone:
            return None
        user = selectors.provider_user_by_phone(phone=phone)
        if user is None:
            raise forms.ValidationError(_("没有找到这个手机号的账号"))
        return user


def _item_kwargs(form: ItemForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "name": data["name"],
        "description": data["description"],
        "price": data["price"],
        "stock": data.get("stock"),
        "service_type": form.types.get(data["service_type"]) if data["service_type"] else None,
        "provider_name": data["provider_name"],
        "provider_user": data["provider_phone"],
        "provider_person": form.people.get(data["provider_person"]) if data["provider_person"] else None,
        "code_valid_days": data["code_valid_days"],
    }


def _item_form_page(request: HttpRequest, community: Place, item: Item | None) -> HttpResponse:
    if not can_manage_catalogue(request.user, community):
        raise PermissionDenied(_("只有社区工作人员可以管理积分兑换目录"))
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {
            "kind": item.kind,
            "name": item.name,
            "description": item.description,
            "price": item.price,
            "service_type": item.service_type_id or "",
            "provider_name": item.provider_name,
            "provider_person": item.provider_person_id or "",
            "provider_phone": item.provider_user.phone if item.provider_user else "",
            "code_valid_days": item.code_valid_days,
        }
    form = ItemForm(request.POST or None, initial=initial, community=community, editing=item is not None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved = form_call(
                form, item_save, actor=actor_of(request), community=community, item=item, **_item_kwargs(form)
            )
            if saved is not None:
                messages.success(request, _("已保存“%(name)s”") % {"name": saved.name})
                return redirect("timebank:item_detail", community_id=community.pk, item_id=saved.pk)
    return render(
        request,
        "timebank/catalogue_item_form.html",
        page_context(request, community, nav="timebank", form=form, item=item),
        status=status,
    )


@login_required
def item_new(request: HttpRequest, community_id: int) -> HttpResponse:
    return _item_form_page(request, community_page(request, community_id)[1], None)


@login_required
def item_edit(request: HttpRequest, community_id: int, item_id: int) -> HttpResponse:
    community = community_page(request, community_id)[1]
    item = selectors.item_get(actor=actor_of(request), community=community, id=item_id)
    if item.community_id != community.pk:
        raise NotFound()
    return _item_form_page(request, community, item)


@login_required
@require_POST
def item_retire(request: HttpRequest, community_id: int, item_id: int) -> HttpResponse:
    community = community_page(request, community_id)[1]
    item = selectors.item_get(actor=actor_of(request), community=community, id=item_id)
    if item.community_id != community.pk:
        raise NotFound()
    catalogue_services.item_retire(actor=actor_of(request), item=item)
    messages.success(request, _("“%(name)s”已下架") % {"name": item.name})
    return redirect("timebank:catalogue", community_id=community.pk)


class DonationForm(forms.Form):
    donor = forms.CharField(label=gettext_lazy("捐赠人/单位"), max_length=100)
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


@login_required
def donation_new(request: HttpRequest, community_id: int, item_id: int) -> HttpResponse:
    community = community_page(request, community_id)[1]
    item = selectors.item_get(actor=actor_of(request), community=community, id=item_id)
    if item.community_id != community.pk:
        raise NotFound()
    if not can_manage_catalogue(request.user, community):
        raise PermissionDenied(_("只有社区工作人员可以管理积分兑换目录"))
    form = DonationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            donation = form_call(form, donation_receive, actor=actor_of(request), item=item, **form.cleaned_data)
            if donation is not None:
                messages.success(
                    request,
                    _("已入库：%(donor)s 捐赠“%(name)s” %(n)s 件")
                    % {"donor": donation.donor, "name": item.name, "n": donation.quantity},
                )
                return redirect("timebank:item_detail", community_id=community.pk, item_id=item.pk)
    return render(
        request,
        "timebank/catalogue_donation_form.html",
        page_context(request, community, nav="timebank", form=form, item=item),
        status=status,
    )


# --- my redemptions ----------------------------------------------------------------------------------------------


@login_required
def my_redemptions(request: HttpRequest, community_id: int) -> HttpResponse:
    """My codes, newest first: a RESERVED one shows its 6 digits large and its QR, with a cancel button."""
    community = community_page(request, community_id)[1]
    page = Paginator(selectors.redemption_list(actor=actor_of(request)), PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "r": r,
            "live": r.status == RedemptionStatus.RESERVED,
            # The QR carries only the token; the svg is built here from our own data, never from user input.
            "qr": mark_safe(qr_svg(r.token, size_px=200, label=_("核销二维码")))  # noqa: S308
            if r.status == RedemptionStatus.RESERVED
            else "",
        }
        for r in page.object_list
    ]
    return render(
        request,
        "timebank/catalogue_redemptions.html",
        page_context(request, community, nav="timebank", page=page, rows=rows),
    )


@login_required
@require_POST
def redemption_cancel(request: HttpRequest, community_id: int, redemption_id: int) -> HttpResponse:
    community = community_page(request, community_id)[1]
    redemption = selectors.redemption_get(actor=actor_of(request), id=redemption_id)
    try:
        redemptions_services.redemption_cancel(
            actor=actor_of(request), redemption=redemption, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, refusal(exc))
    else:
        messages.success(request, _("已取消兑换，%(points)s 积分已退还") % {"points": redemption.points})
    return redirect("timebank:my_redemptions", community_id=community.pk)


# --- the provider's 核销 page -------------------------------------------------------------------------------------


def _verify_community(request: HttpRequest, community_id: int) -> Place:
    """A member's community, or for a partner business's login without a role here, the community whose item it
    provides."""
    try:
        return community_page(request, community_id)[1]
    except NotFound:
        community = place_selectors.public_community_get(community_id=community_id)
        if not provides_in(request.user, community):
            raise
        return community


class VerifyForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("6 位核销码，或扫描二维码"), max_length=64)


@login_required
def redeem_complete(request: HttpRequest, community_id: int) -> HttpResponse:
    """The provider types the 6 digits (or a scanner fills the box from the QR), sees what was redeemed, and
    confirms the 核销."""
    community = _verify_community(request, community_id)
    if not provides_in(request.user, community):
        raise PermissionDenied(_("只有兑换物品/服务的提供方或社区工作人员可以核销"))
    data = request.POST if request.method == "POST" else (request.GET if "q" in request.GET else None)
    form = VerifyForm(data)
    found = None
    problem = ""
    status = 200
    if data is not None and form.is_valid():
        lookup = redemption_code.parse_lookup(form.cleaned_data["q"])
        try:
            # A wrong code counts once against the provider's guesses, whether previewed or confirmed.
            found = redemption_for_provider(actor=actor_of(request), community=community, lookup=lookup)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            problem, status = str(exc.message), (_status(exc) if exc.status == 400 else exc.status)
        if found is not None and lookup is not None and request.method == "POST":
            try:
                done = redemption_complete(
                    actor=actor_of(request), community=community, code=lookup.code, token=lookup.token
                )
            except ApplicationError as exc:
                if exc.status == 404:
                    raise
                problem, status = str(exc.message), (exc.status if exc.status in (403, 429) else _status(exc))
            else:
                messages.success(
                    request,
                    _("核销成功：%(item)s（%(points)s 积分）") % {"item": done.item.name, "points": done.points},
                )
                return redirect("timebank:redeem_complete", community_id=community.pk)
        if found is not None and not problem:
            try:
                check_completable(found, timezone.now())
            except ApplicationError as exc:
                problem, status = str(exc.message), 400
    elif data is not None:
        status = 400
    return render(
        request,
        "timebank/catalogue_verify.html",
        page_context(
            request,
            community,
            nav="timebank",
            form=form,
            found=found,
            problem=problem,
            reserved=found is not None and found.status == RedemptionStatus.RESERVED,
        ),
        status=status,
    )
