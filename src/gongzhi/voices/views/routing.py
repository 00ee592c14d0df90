"""Pages for the routing table, the responsible parties, the categories (VOICE_MANAGE: 书记, 社工) and the
holiday calendar (read by staff, edited by superusers). Parse → read → permission → one service → render.

The reads are `selectors.routing`; they start from `restrict(actor, VOICE_MANAGE)` so that a manager only ever
sees their own community's rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.http import actor_of
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, int_param, page_context
from gongzhi.places.models import Place
from gongzhi.rules.masking import mask_phone
from gongzhi.voices.models import PartyKind, PartyMember
from gongzhi.voices.predicates import can_configure, can_edit_calendar, can_read_calendar
from gongzhi.voices.selectors import routing as selectors
from gongzhi.voices.services import routing as routing_services
from gongzhi.voices.services.deadlines import calendar_day_clear, calendar_day_set
from gongzhi.voices.services.routing import (
    category_create,
    category_update,
    party_create,
    party_member_add,
    party_member_remove,
    party_update,
    route_for,
    route_set,
)

__all__ = [
    "CalendarForm",
    "CategoryForm",
    "PartyForm",
    "RouteForm",
    "calendar",
    "categories",
    "category_edit",
    "parties",
    "party_edit",
    "routes",
]


class RouteForm(forms.Form):
    place = forms.IntegerField(label=gettext_lazy("范围"))
    category = forms.IntegerField(label=gettext_lazy("类别"), required=False)
    party = forms.IntegerField(label=gettext_lazy("责任方"))


class PartyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=PartyKind.choices)
    supervisor = forms.IntegerField(label=gettext_lazy("督办方"), required=False)
    contact = forms.CharField(label=gettext_lazy("对外联系方式"), max_length=60, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)


class MemberForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("成员手机号"), max_length=20)
    is_lead = forms.BooleanField(label=gettext_lazy("负责人"), required=False)


class CategoryForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("编码"), max_length=40, required=False)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40, required=False)
    deadline_days = forms.IntegerField(label=gettext_lazy("办理时限(工作日)"), min_value=0, max_value=999)
    remind_days_before = forms.IntegerField(label=gettext_lazy("提前提醒(工作日)"), min_value=0, max_value=999)
    group = forms.CharField(label=gettext_lazy("分组"), max_length=40, required=False)
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)


class CalendarForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=gettext_lazy("安排"),
        choices=[("0", gettext_lazy("放假")), ("1", gettext_lazy("调休上班"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=40, required=False)


# --- parsing ---------------------------------------------------------------------------------------------------


def _manager_community(request: HttpRequest, community_id: int) -> tuple[User, Place]:
    """The community if the actor can see it (else 404) and manages 社情民意 there (else 403)."""
    actor, community = community_page(request, community_id)
    if not can_configure(actor, community):
        raise PermissionDenied(_("只有社区书记或社工可以维护分派规则、责任方和类别"))
    return actor, community


def _pick(rows: Any, pk: int | None) -> Any:
    """One row of a scoped list by id; an id outside it is not found (invisible means nonexistent)."""
    if pk is None:
        return None
    found = next((r for r in rows if r.pk == pk), None)
    if found is None:
        raise NotFound()
    return found


# --- the routing table ---------------------------------------------------------------------------------------


@login_required
def routes(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = _manager_community(request, community_id)
    places = selectors.routing_places(actor=actor, community=community)
    parties = list(selectors.party_list(actor=actor, community=community).filter(is_active=True))
    cats = list(selectors.category_list(actor=actor, community=community))
    form = RouteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place, party = _pick(places, data["place"]), _pick(parties, data["party"])
        category = _pick(cats, data["category"])
        try:
            route_set(actor=actor, community=community, place=place, category=category, party=party)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("分派规则已保存"))
            return redirect("voices:routes", community_id=community.pk)
    table = selectors.route_list(actor=actor, community=community)
    preview: dict[str, Any] = {}
    try_place, try_category = int_param(request.GET.get("try_place")), int_param(request.GET.get("try_category"))
    if try_place:
        place = _pick(places, try_place)
        category = _pick(cats, try_category)
        preview = {
            "place": place,
            "category": category,
            "party": route_for(
                community_id=community.pk, category_id=category.pk if category else None, place_path=place.path
            ),
        }
    return render(
        request,
        "voices/routing_routes.html",
        page_context(
            request,
            community,
            nav="voices",
            tab="routes",
            form=form,
            table=table,
            places=places,
            parties=parties,
            categories=cats,
            preview=preview,
        ),
    )


@login_required
@require_POST
def route_delete(request: HttpRequest, community_id: int, route_id: int) -> HttpResponse:
    actor, community = _manager_community(request, community_id)
    route = selectors.route_get(actor=actor, community=community, route_id=route_id)
    routing_services.route_delete(actor=actor, route=route)
    messages.success(request, _("分派规则已删除"))
    return redirect("voices:routes", community_id=community.pk)


# --- parties -------------------------------------------------------------------------------------------------


def _masked(member: PartyMember) -> PartyMember:
    member.phone_masked = mask_phone(member.user.phone)  # type: ignore[attr-defined]
    return member


@login_required
def parties(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = _manager_community(request, community_id)
    rows = list(selectors.party_list_with_members(actor=actor, community=community).order_by("kind", "name"))
    form = PartyForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            party = party_create(
                actor=actor,
                community=community,
                name=data["name"],
                kind=data["kind"],
                supervisor=_pick(rows, data["supervisor"]),
                contact=data["contact"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("责任方“%(name)s”已添加") % {"name": party.name})
            return redirect("voices:parties", community_id=community.pk)
    return render(
        request,
        "voices/routing_parties.html",
        page_context(request, community, nav="voices", tab="parties", parties=rows, form=form, kinds=PartyKind.choices),
    )


@login_required
def party_edit(request: HttpRequest, community_id: int, party_id: int) -> HttpResponse:
    actor, community = _manager_community(request, community_id)
    rows = list(selectors.party_list_with_members(actor=actor, community=community))
    party = _pick(rows, party_id)
    form = PartyForm(
        request.POST or None,
        initial={
            "name": party.name,
            "kind": party.kind,
            "supervisor": party.supervisor_id,
            "contact": party.contact,
            "is_active": party.is_active,
        },
    )
    member_form = MemberForm()
    if request.method == "POST" and request.POST.get("action") == "member_add":
        member_form = MemberForm(request.POST)
        form = PartyForm(initial=form.initial)
        if member_form.is_valid():
            user = selectors.member_user_by_phone(raw=member_form.cleaned_data["phone"])
            try:
                party_member_add(actor=actor, party=party, user=user, is_lead=member_form.cleaned_data["is_lead"])
            except ApplicationError as exc:
                form_error(member_form, exc)
            else:
                messages.success(request, _("成员已加入"))
                return redirect("voices:party", community_id=community.pk, party_id=party.pk)
    elif request.method == "POST" and request.POST.get("action") == "member_remove":
        member = _pick(list(party.members.all()), int_param(request.POST.get("member")))
        party_member_remove(actor=actor, member=member)
        messages.success(request, _("成员已移出"))
        return redirect("voices:party", community_id=community.pk, party_id=party.pk)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            party_update(
                actor=actor,
                party=party,
                name=data["name"],
                kind=data["kind"],
                supervisor=_pick(rows, data["supervisor"]),
                contact=data["contact"],
                is_active=data["is_active"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("责任方已保存"))
            return redirect("voices:parties", community_id=community.pk)
    return render(
        request,
        "voices/routing_party.html",
        page_context(
            request,
            community,
            nav="voices",
            tab="parties",
            party=party,
            form=form,
            member_form=member_form,
            supervisors=[p for p in rows if p.pk != party.pk],
            kinds=PartyKind.choices,
            members=[_masked(m) for m in party.members.all()],
        ),
    )


# --- categories ----------------------------------------------------------------------------------------------


@login_required
def categories(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = _manager_community(request, community_id)
    form = CategoryForm(request.POST or None, initial={"deadline_days": 5, "remind_days_before": 1, "is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category = category_create(
                actor=actor,
                community=community,
                code=data["code"],
                name=data["name"],
                deadline_days=data["deadline_days"],
                remind_days_before=data["remind_days_before"],
                group=data["group"],
                description=data["description"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("类别“%(name)s”已添加") % {"name": category.name})
            return redirect("voices:categories", community_id=community.pk)
    return render(
        request,
        "voices/routing_categories.html",
        page_context(
            request,
            community,
            nav="voices",
            tab="categories",
            categories=list(selectors.category_list(actor=actor, community=community)),
            form=form,
        ),
    )


@login_required
def category_edit(request: HttpRequest, community_id: int, category_id: int) -> HttpResponse:
    actor, community = _manager_community(request, community_id)
    category = selectors.category_list(actor=actor, community=community).filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    form = CategoryForm(
        request.POST or None,
        initial={
            "code": category.code,
            "name": category.name,
            "deadline_days": category.deadline_days,
            "remind_days_before": category.remind_days_before,
            "group": category.group,
            "description": category.description,
            "is_active": category.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category_update(
                actor=actor,
                category=category,
                name=data["name"],
                deadline_days=data["deadline_days"],
                remind_days_before=data["remind_days_before"],
                group=data["group"],
                description=data["description"],
                is_active=data["is_active"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("类别已保存"))
            return redirect("voices:categories", community_id=community.pk)
    return render(
        request,
        "voices/routing_category.html",
        page_context(request, community, nav="voices", tab="categories", category=category, form=form),
    )


# --- the holiday calendar ------------------------------------------------------------------------------------


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The holidays and make-up days deadlines are counted with; staff read it, superusers change it."""
    actor = actor_of(request)
    if not can_read_calendar(actor):
        raise PermissionDenied(_("只有社区工作人员可以查看节假日安排"))
    form = CalendarForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            raw = request.POST.get("date", "")
            try:
                day = date.fromisoformat(raw)
            except ValueError as exc:
                raise NotFound() from exc
            calendar_day_clear(actor=actor, date=day)
            messages.success(request, _("已恢复为正常作息"))
            return redirect("voices:calendar")
        if form.is_valid():
            data = form.cleaned_data
            try:
                calendar_day_set(actor=actor, date=data["date"], is_workday=data["is_workday"], name=data["name"])
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                form_error(form, exc)
            else:
                messages.success(request, _("节假日安排已保存"))
                return redirect("voices:calendar")
        elif not can_edit_calendar(actor):
            raise PermissionDenied(_("节假日安排全平台通用，只有系统管理员可以修改"))
    year = int_param(request.GET.get("year")) or date.today().year
    days = selectors.calendar_day_list(year=year)
    return render(
        request,
        "voices/routing_calendar.html",
        {"days": days, "year": year, "form": form, "can_edit": can_edit_calendar(actor), "nav": "voices"},
    )
