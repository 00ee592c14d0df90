"""Time bank pages: the ledger (my points, accounts and cards, reversal, gifts, 通存通兑, settlement, settings).

Parse → selector → one service → render. A service's refusal (a limit, an overdraft, a missing reason) is shown on
the page in Chinese with its status; an invisible object is the middleware's 404, a lower role its 403."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, form_error, page_context, refusal
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, SYSTEM_KINDS, Account, AccountKind, TransactionKind
from gongzhi.timebank.selectors import ledger as ledger_selectors
from gongzhi.timebank.selectors.ledger import (
    account_for_page,
    account_totals,
    entries_with_running_balance,
    gift_allowance,
    gift_recipients,
    my_accounts,
    person_in_community,
    reversals_of,
    settlement,
    settlement_street_get,
    staff_accounts,
    street_settings_get,
    transaction_get,
)
from gongzhi.timebank.services import ledger as ledger_services
from gongzhi.timebank.services.accounts import account_open, card_manager_add, card_member_add
from gongzhi.timebank.services.ledger import (
    points_adjust,
    points_gift,
    points_spend,
    settlement_export,
    settlement_sentence,
)
from gongzhi.timebank.services.settings import SETTING_FIELDS, ledger_settings_save

__all__ = [
    "AccountForm",
    "AdjustForm",
    "CardPersonForm",
    "CardSpendForm",
    "GiftForm",
    "ReverseForm",
    "SettingsForm",
    "account_adjust",
    "account_detail",
    "account_new",
    "accounts",
    "card_people",
    "card_spend",
    "gift",
    "home",
    "street_settings",
    "street_settlement",
    "street_settlement_export",
    "transaction_reverse",
]

PAGE_SIZE = 25
RECENT = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPENABLE_KINDS = [(AccountKind.INDIVIDUAL.value, AccountKind.INDIVIDUAL.label)] + [
    (k.value, k.label) for k in COLLECTIVE_KINDS
]


def _amount_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        error_messages={"required": gettext_lazy("请填写积分"), "invalid": gettext_lazy("积分必须是整数")},
    )


def _new_key(prefix: str) -> str:
    """A fresh idempotency key per form shown: submitting the same form twice moves the points once."""
    return f"{prefix}:{uuid.uuid4().hex}"


class GiftForm(forms.Form):
    recipient = forms.TypedChoiceField(
        label=gettext_lazy("赠送给"),
        coerce=int,
        choices=(),
        error_messages={
            "required": gettext_lazy("请选择家庭成员"),
            "invalid_choice": gettext_lazy("只能赠送给同户的家庭成员"),
        },
    )
    amount = _amount_field(gettext_lazy("积分"))
    memo = forms.CharField(label=gettext_lazy("留言（可不填）"), required=False, max_length=200)
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, recipients: list[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(a.pk, a.person.name if a.person else a.name) for a in recipients]


class CardSpendForm(forms.Form):
    amount = _amount_field(gettext_lazy("积分"))
    memo = forms.CharField(label=gettext_lazy("用途（必填）"), required=False, max_length=200)
    key = forms.CharField(widget=forms.HiddenInput)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("冲正原因"), required=False, max_length=200)
    account = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AdjustForm(forms.Form):
    amount = _amount_field(gettext_lazy("调整积分（负数为扣减）"))
    reason = forms.CharField(label=gettext_lazy("调整原因"), required=False, max_length=200)
    key = forms.CharField(widget=forms.HiddenInput)


class AccountForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("账户类型"),
        choices=OPENABLE_KINDS,
        error_messages={"required": gettext_lazy("请选择账户类型"), "invalid_choice": gettext_lazy("请选择账户类型")},
    )
    id_number = forms.CharField(label=gettext_lazy("居民身份证号（个人账户）"), required=False, max_length=18)
    name = forms.CharField(label=gettext_lazy("集体卡名称"), required=False, max_length=100)
    floor = forms.IntegerField(
        label=gettext_lazy("最低余额（可不填，按街道规则）"),
        required=False,
        error_messages={"invalid": gettext_lazy("最低余额必须是整数")},
    )


class CardPersonForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("身份"),
        choices=[("manager", gettext_lazy("管理人")), ("member", gettext_lazy("成员"))],
        error_messages={"required": gettext_lazy("请选择身份"), "invalid_choice": gettext_lazy("请选择身份")},
    )
    id_number = forms.CharField(
        label=gettext_lazy("居民身份证号"), max_length=18, error_messages={"required": gettext_lazy("请填写身份证号")}
    )


class SettingsForm(forms.Form):
    elderly_floor = forms.IntegerField(label=gettext_lazy("老年人最低余额（0 表示不允许透支，最低 -50）"))
    elderly_age = forms.IntegerField(label=gettext_lazy("老年人年龄（岁）"))
    gift_monthly_limit = forms.IntegerField(label=gettext_lazy("每月家庭赠送上限（积分）"))
    clearing_limit = forms.IntegerField(label=gettext_lazy("通存通兑清算上限（积分）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages = {"required": _("请填写这一项"), "invalid": _("请填写整数")}


def _shown(form: forms.Form | None, exc: ApplicationError) -> str:
    """The refusal's Chinese message for the page; an invisible or forbidden object stays a 404/403 page."""
    shown = refusal(exc)
    if form is not None:
        form_error(form, exc)
    return shown


# --- my points -------------------------------------------------------------------------------------------------


def _home(
    request: HttpRequest,
    community: Place,
    *,
    gift_form: GiftForm | None = None,
    spend_forms: dict[int, CardSpendForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    individual, cards = my_accounts(actor=actor, community=community)
    recent = {
        a.pk: list(entries_with_running_balance(account=a)[:RECENT])
        for a in ([individual] if individual else []) + cards
    }
    recipients: list[Account] = []
    allowance = None
    if individual is not None:
        recipients = gift_recipients(sender=individual)
        allowance = gift_allowance(sender=individual)
        if gift_form is None and recipients:
            gift_form = GiftForm(recipients=recipients, initial={"key": _new_key("gift")})
    spend_forms = spend_forms or {}
    for card in cards:
        spend_forms.setdefault(card.pk, CardSpendForm(initial={"key": _new_key("card")}))
    return render(
        request,
        "timebank/ledger_home.html",
        page_context(
            request,
            community,
            nav="timebank",
            individual=individual,
            individual_entries=recent[individual.pk] if individual else [],
            cards=[(card, spend_forms[card.pk], recent[card.pk]) for card in cards],
            recipients=recipients,
            allowance=allowance,
            gift_form=gift_form,
            is_staff=user_can(actor, Action.TIMEBANK_ACCOUNTS, community),
        ),
        status=status,
    )


@login_required
def home(request: HttpRequest, community_id: int) -> HttpResponse:
    _actor, community = community_page(request, community_id)
    return _home(request, community)


@login_required
@require_POST
def gift(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    individual, _cards = my_accounts(actor=actor, community=community)
    if individual is None:
        raise ValidationFailed(_("您还没有积分账户"), code=Code.NO_ACCOUNT)
    recipients = gift_recipients(sender=individual)
    form = GiftForm(request.POST, recipients=recipients)
    if form.is_valid():
        data = form.cleaned_data
        recipient = next(a for a in recipients if a.pk == data["recipient"])
        try:
            points_gift(
                actor=actor,
                sender=individual,
                recipient=recipient,
                amount=data["amount"],
                memo=data["memo"],
                idempotency_key=data["key"],
            )
        except ApplicationError as exc:
            _shown(form, exc)
            return _home(request, community, gift_form=form, status=exc.status)
        messages.success(
            request,
            _("已赠送 %(amount)s 积分给 %(name)s") % {"amount": data["amount"], "name": recipient.name},
        )
        return redirect("timebank:home", community_id=community.pk)
    return _home(request, community, gift_form=form, status=400)


@login_required
@require_POST
def card_spend(request: HttpRequest, community_id: int, account_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    card, _is_staff = account_for_page(actor=actor, community=community, account_id=account_id)
    if card.kind not in COLLECTIVE_KINDS:
        raise NotFound()
    form = CardSpendForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            points_spend(
                actor=actor, account=card, amount=data["amount"], memo=data["memo"], idempotency_key=data["key"]
            )
        except ApplicationError as exc:
            _shown(form, exc)
            return _home(request, community, spend_forms={card.pk: form}, status=exc.status)
        values = {"card": card.name, "amount": data["amount"]}
        messages.success(request, _("已从“%(card)s”使用 %(amount)s 积分") % values)
        return redirect("timebank:home", community_id=community.pk)
    return _home(request, community, spend_forms={card.pk: form}, status=400)


# --- staff: accounts and cards ---------------------------------------------------------------------------------


@login_required
def accounts(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    kind = request.GET.get("kind", "")
    listed = [k for k, _label in OPENABLE_KINDS]
    if kind not in listed:
        kind = ""
    qs = staff_accounts(actor=actor, community=community, kind=kind)
    if not kind:
        qs = qs.filter(kind__in=listed)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    system = list(staff_accounts(actor=actor, community=community).filter(kind__in=SYSTEM_KINDS))
    return render(
        request,
        "timebank/ledger_accounts.html",
        page_context(
            request,
            community,
            nav="timebank",
            page=page,
            kind=kind,
            kinds=OPENABLE_KINDS,
            totals=account_totals(actor=actor, community=community),
            system=system,
        ),
    )


@login_required
def account_new(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    staff_accounts(actor=actor, community=community)  # 403 for a lower role before the form shows
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data["kind"] == AccountKind.INDIVIDUAL:
            person = person_in_community(actor=actor, community=community, id_number=data["id_number"])
            if person is None:
                form.add_error("id_number", _("本社区没有登记这个身份证号的居民"))
        if not form.errors:
            try:
                account = account_open(
                    actor=actor,
                    community=community,
                    kind=data["kind"],
                    person=person,
                    name=data["name"],
                    floor=data["floor"],
                )
            except ApplicationError as exc:
                _shown(form, exc)
            else:
                messages.success(request, _("已开设账户“%(name)s”") % {"name": account.name})
                return redirect("timebank:account_detail", community_id=community.pk, account_id=account.pk)
    return render(
        request,
        "timebank/ledger_account_new.html",
        page_context(request, community, nav="timebank", form=form),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def card_people(request: HttpRequest, community_id: int, account_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    card, _is_staff = account_for_page(actor=actor, community=community, account_id=account_id)
    if card.kind not in COLLECTIVE_KINDS:
        raise NotFound()
    form = CardPersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        ledger_selectors.card_people(actor=actor, account=card)  # 403 for a card's manager who is not staff
        if form.is_valid():
            data = form.cleaned_data
            person = person_in_community(actor=actor, community=community, id_number=data["id_number"])
            if person is None:
                form.add_error("id_number", _("本社区没有登记这个身份证号的居民"))
            else:
                add = card_manager_add if data["role"] == "manager" else card_member_add
                try:
                    add(actor=actor, account=card, person=person)
                except ApplicationError as exc:
                    if exc.code == "duplicate":
                        exc.message = _("这位居民已经在名单中")
                    status = exc.status
                    _shown(form, exc)
                else:
                    messages.success(request, _("已添加 %(name)s") % {"name": person.masked_name})
                    return redirect("timebank:card_people", community_id=community.pk, account_id=card.pk)
    managers, members = ledger_selectors.card_people(actor=actor, account=card)
    return render(
        request,
        "timebank/ledger_card_people.html",
        page_context(request, community, nav="timebank", card=card, form=form, managers=managers, members=members),
        status=status,
    )


def _detail(
    request: HttpRequest,
    community: Place,
    account: Account,
    is_staff: bool,
    *,
    error: str = "",
    failed: int | None = None,
    adjust_form: AdjustForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    can_adjust = is_staff and not account.is_system and user_can(actor, Action.TIMEBANK_ADJUST, community)
    if can_adjust and adjust_form is None:
        adjust_form = AdjustForm(initial={"key": _new_key("adjust")})
    page = Paginator(entries_with_running_balance(account=account), PAGE_SIZE).get_page(request.GET.get("page"))
    reversals = reversals_of(transaction_ids=[e.transaction_id for e in page])
    for entry in page:
        entry.reversed_by = reversals.get(entry.transaction_id)  # type: ignore[attr-defined]
    return render(
        request,
        "timebank/ledger_account_detail.html",
        page_context(
            request,
            community,
            nav="timebank",
            account=account,
            page=page,
            is_staff=is_staff,
            can_reverse=is_staff and user_can(actor, Action.TIMEBANK_REVERSE, community),
            reverse_kind=TransactionKind.REVERSE,
            adjust_form=adjust_form if can_adjust else None,
            error=error,
            failed=failed,
        ),
        status=status,
    )


@login_required
def account_detail(request: HttpRequest, community_id: int, account_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    account, is_staff = account_for_page(actor=actor, community=community, account_id=account_id)
    return _detail(request, community, account, is_staff)


@login_required
@require_POST
def account_adjust(request: HttpRequest, community_id: int, account_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    account, is_staff = account_for_page(actor=actor, community=community, account_id=account_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            points_adjust(
                actor=actor,
                account=account,
                amount=data["amount"],
                reason=data["reason"],
                idempotency_key=data["key"],
            )
        except ApplicationError as exc:
            _shown(form, exc)
            return _detail(request, community, account, is_staff, adjust_form=form, status=exc.status)
        messages.success(request, _("已调整 %(amount)s 积分") % {"amount": data["amount"]})
        return redirect("timebank:account_detail", community_id=community.pk, account_id=account.pk)
    return _detail(request, community, account, is_staff, adjust_form=form, status=400)


@login_required
@require_POST
def transaction_reverse(request: HttpRequest, community_id: int, transaction_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    tx = transaction_get(actor=actor, community=community, id=transaction_id)
    form = ReverseForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    account, is_staff = None, False
    if data.get("account"):
        account, is_staff = account_for_page(actor=actor, community=community, account_id=data["account"])
    try:
        # One key per original: a second click answers with the reversal already made.
        ledger_services.transaction_reverse(
            actor=actor, transaction=tx, reason=data.get("reason", ""), idempotency_key=f"reverse:{tx.pk}"
        )
    except ApplicationError as exc:
        message = _shown(None, exc)
        if account is None:
            raise
        return _detail(request, community, account, is_staff, error=message, failed=tx.pk, status=exc.status)
    messages.success(request, _("已冲正交易 #%(id)s") % {"id": tx.pk})
    if account is None:
        return redirect("timebank:accounts", community_id=community.pk)
    return redirect("timebank:account_detail", community_id=community.pk, account_id=account.pk)


# --- the street ------------------------------------------------------------------------------------------------


@login_required
def street_settlement(request: HttpRequest, street_id: int) -> HttpResponse:
    actor = actor_of(request)
    street = settlement_street_get(actor=actor, street_id=street_id)
    data = settlement(actor=actor, street=street)
    debts = [(d, c, n, settlement_sentence(d.name, c.name, n)) for d, c, n in data.debts]
    totals = [(c, data.totals[c.pk]) for c in data.communities]
    return render(
        request,
        "timebank/ledger_settlement.html",
        {
            "street": street,
            "data": data,
            "debts": debts,
            "totals": totals,
            "can_settings": user_can(actor, Action.TIMEBANK_SETTINGS, street),
        },
    )


@login_required
def street_settlement_export(request: HttpRequest, street_id: int) -> HttpResponse:
    actor = actor_of(request)
    street = settlement_street_get(actor=actor, street_id=street_id)
    data = settlement(actor=actor, street=street)
    response = HttpResponse(settlement_export(actor=actor, data=data), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="timebank-settlement-{street.pk}.xlsx"'
    return response


@login_required
def street_settings(request: HttpRequest, street_id: int) -> HttpResponse:
    actor = actor_of(request)
    street, current = street_settings_get(actor=actor, street_id=street_id)
    initial = {name: getattr(current, name) for name in SETTING_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ledger_settings_save(actor=actor, street=street, **form.cleaned_data)
        except ApplicationError as exc:
            _shown(form, exc)
        else:
            messages.success(request, _("时间银行规则已保存"))
            return redirect("timebank:street_settings", street_id=street.pk)
    return render(
        request,
        "timebank/ledger_settings.html",
        {"street": street, "form": form},
        status=400 if request.method == "POST" else 200,
    )
