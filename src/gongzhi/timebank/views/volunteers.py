"""Time bank pages: the volunteer lifecycle — the roster (staff), registration, a volunteer's page (status, teams,
awards), recruitment posts (residents apply) and teams/self-organizations.

Parse the form → selector (404 outside the community, 403 for a lower role) → one service → redirect; a refused
input re-renders the page with the Chinese message and status 400/409, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError
from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, form_summary, page_context, refusal
from gongzhi.places.models import Place
from gongzhi.timebank.models.volunteers import TeamKind, VolunteerStatus
from gongzhi.timebank.predicates import can_manage_volunteers
from gongzhi.timebank.selectors import volunteers as selectors
from gongzhi.timebank.services.volunteers import (
    award_add,
    recruitment_apply,
    recruitment_close,
    recruitment_save,
    team_member_add,
    team_save,
    volunteer_register,
    volunteer_status_set,
)

__all__ = [
    "recruitment_action",
    "recruitment_detail",
    "recruitment_list",
    "team_list",
    "volunteer_action",
    "volunteer_detail",
    "volunteer_list",
    "volunteer_new",
]

PAGE_SIZE = 25


class RegisterForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=18)
    service_areas = forms.CharField(label=gettext_lazy("服务意向"), max_length=200, required=False)
    guardian_name = forms.CharField(label=gettext_lazy("监护人姓名"), max_length=50, required=False)
    guardian_phone = forms.CharField(label=gettext_lazy("监护人手机号"), max_length=20, required=False)
    guardian_relation = forms.CharField(label=gettext_lazy("与监护人关系"), max_length=20, required=False)
    guardian_consent = forms.BooleanField(label=gettext_lazy("监护人已同意（未满18周岁必填）"), required=False)
    application = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AwardForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("表彰名称"), max_length=100)
    awarded_on = forms.DateField(
        label=gettext_lazy("表彰日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    issuer = forms.CharField(label=gettext_lazy("授予单位"), max_length=100)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class RecruitmentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100)
    description = forms.CharField(label=gettext_lazy("内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    needed = forms.IntegerField(label=gettext_lazy("招募人数"), min_value=0, required=False)
    closes_on = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=TeamKind.choices)
    description = forms.CharField(label=gettext_lazy("简介"), max_length=2000, required=False)
    founded_on = forms.DateField(
        label=gettext_lazy("成立日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_mature = forms.BooleanField(label=gettext_lazy("成熟自组织"), required=False)


def _base(request: HttpRequest, community: Place) -> dict[str, Any]:
    return page_context(request, community, nav="timebank")


# --- the roster ------------------------------------------------------------------------------------------------


@login_required
def volunteer_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """Staff: the volunteers, masked names and phones, by team and status, 25 a page."""
    actor, community = community_page(request, community_id)
    filters: dict[str, Any] = {}
    status = request.GET.get("status", "")
    if status in VolunteerStatus.values:
        filters["status"] = status
    team = request.GET.get("team", "")
    if team.isdigit():
        filters["team"] = int(team)
    qs = selectors.volunteer_list(actor=actor, community=community, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_base(request, community),
        "page": page,
        "teams": selectors.team_list(actor=actor, community=community),
        "statuses": VolunteerStatus.choices,
        "status": filters.get("status", ""),
        "team": filters.get("team"),
        "query": urlencode({k: v for k, v in (("status", status), ("team", team)) if v}),
    }
    return render(request, "timebank/volunteers_list.html", context)


@login_required
def volunteer_new(request: HttpRequest, community_id: int) -> HttpResponse:
    """Staff register a resident found by ID number (or from an application); minors need the guardian's consent."""
    actor, community = community_page(request, community_id)
    selectors.volunteer_list(actor=actor, community=community)  # 404 / 403 before anything else
    error, status = None, 200
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = selectors.person_for_registration(
                    actor=actor, community=community, id_number=data["id_number"]
                )
                application = None
                if data.get("application"):
                    application = selectors.application_get(actor=actor, community=community, id=data["application"])
                volunteer = volunteer_register(
                    actor=actor,
                    community=community,
                    person=person,
                    service_areas=data["service_areas"],
                    guardian_name=data["guardian_name"],
                    guardian_phone=data["guardian_phone"],
                    guardian_relation=data["guardian_relation"],
                    guardian_consent=data["guardian_consent"],
                    application=application,
                )
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                error, status = str(exc.message), exc.status
            else:
                messages.success(request, _("已注册志愿者，编号 %(n)s") % {"n": volunteer.number})
                return redirect("timebank:volunteer_detail", community_id=community.pk, volunteer_id=volunteer.pk)
        else:
            error, status = form_summary(form), 400
    else:
        form = RegisterForm(initial={"application": request.GET.get("application")})
    return render(
        request,
        "timebank/volunteers_new.html",
        {**_base(request, community), "form": form, "error": error},
        status=status,
    )


def _detail(
    request: HttpRequest, community: Place, volunteer_id: int, *, error: str | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    volunteer = selectors.volunteer_get(actor=actor, community=community, id=volunteer_id)
    record = selectors.volunteer_record(actor=actor, volunteer=volunteer)
    context = {
        **_base(request, community),
        "volunteer": volunteer,
        "record": record,
        "memberships": selectors.volunteer_teams(volunteer=volunteer),
        "teams": selectors.team_list(actor=actor, community=community),
        "statuses": VolunteerStatus.choices,
        "award_form": AwardForm(request.POST if error else None),
        "can_manage": can_manage_volunteers(actor, community),
        "error": error,
    }
    return render(request, "timebank/volunteers_detail.html", context, status=status)


@login_required
def volunteer_detail(request: HttpRequest, community_id: int, volunteer_id: int) -> HttpResponse:
    _actor, community = community_page(request, community_id)
    return _detail(request, community, volunteer_id)


@login_required
@require_POST
def volunteer_action(request: HttpRequest, community_id: int, volunteer_id: int, action: str) -> HttpResponse:
    """status / award / team: one form of the volunteer's page (staff)."""
    actor, community = community_page(request, community_id)
    volunteer = selectors.volunteer_get(actor=actor, community=community, id=volunteer_id)
    try:
        if action == "status":
            volunteer_status_set(actor=actor, volunteer=volunteer, status=request.POST.get("status", ""))
            messages.success(request, _("已更新志愿者状态"))
        elif action == "award":
            form = AwardForm(request.POST)
            if not form.is_valid():
                return _detail(request, community, volunteer_id, error=form_summary(form), status=400)
            award_add(actor=actor, volunteer=volunteer, **form.cleaned_data)
            messages.success(request, _("已记录表彰"))
        elif action == "team":
            team_id = request.POST.get("team", "")
            team = selectors.team_get(actor=actor, community=community, id=int(team_id) if team_id.isdigit() else 0)
            team_member_add(actor=actor, team=team, volunteer=volunteer)
            messages.success(request, _("已加入队伍"))
        else:
            return _detail(request, community, volunteer_id, error=_("未知操作"), status=400)
    except ApplicationError as exc:
        return _detail(request, community, volunteer_id, error=refusal(exc), status=exc.status)
    return redirect("timebank:volunteer_detail", community_id=community.pk, volunteer_id=volunteer.pk)


# --- recruitment -----------------------------------------------------------------------------------------------


def _recruitment_page(
    request: HttpRequest,
    community: Place,
    *,
    form: RecruitmentForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    posts, applied = selectors.recruitment_list(actor=actor, community=community)
    can_manage = can_manage_volunteers(actor, community)
    context = {
        **_base(request, community),
        "posts": posts,
        "applied": applied,
        "can_manage": can_manage,
        "form": form or RecruitmentForm(),
        "error": error,
    }
    return render(request, "timebank/volunteers_recruitment.html", context, status=status)


@login_required
def recruitment_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """Residents see the open posts and apply; staff post, close and see the applications."""
    actor, community = community_page(request, community_id)
    if request.method == "POST":
        form = RecruitmentForm(request.POST)
        if not form.is_valid():
            return _recruitment_page(request, community, form=form, error=form_summary(form), status=400)
        data = form.cleaned_data
        try:
            recruitment_save(
                actor=actor,
                community=community,
                title=data["title"],
                description=data["description"],
                needed=data.get("needed") or 0,
                closes_on=data.get("closes_on"),
            )
        except ApplicationError as exc:
            return _recruitment_page(request, community, form=form, error=refusal(exc), status=exc.status)
        messages.success(request, _("已发布招募"))
        return redirect("timebank:recruitment_list", community_id=community.pk)
    return _recruitment_page(request, community)


@login_required
@require_POST
def recruitment_action(request: HttpRequest, community_id: int, recruitment_id: int, action: str) -> HttpResponse:
    """apply (a resident, once) / close (staff)."""
    actor, community = community_page(request, community_id)
    recruitment = selectors.recruitment_get(actor=actor, community=community, id=recruitment_id)
    try:
        if action == "apply":
            recruitment_apply(actor=actor, recruitment=recruitment, note=request.POST.get("note", ""))
            messages.success(request, _("报名成功，社区工作人员会与您联系"))
        elif action == "close":
            recruitment_close(actor=actor, recruitment=recruitment)
            messages.success(request, _("已结束招募"))
        else:
            return _recruitment_page(request, community, error=_("未知操作"), status=400)
    except ApplicationError as exc:
        return _recruitment_page(request, community, error=refusal(exc), status=exc.status)
    return redirect("timebank:recruitment_list", community_id=community.pk)


@login_required
def recruitment_detail(request: HttpRequest, community_id: int, recruitment_id: int) -> HttpResponse:
    """Staff: one post's applications, each with a link to register the applicant."""
    actor, community = community_page(request, community_id)
    recruitment = selectors.recruitment_get(actor=actor, community=community, id=recruitment_id)
    applications = list(selectors.recruitment_applications(actor=actor, recruitment=recruitment))
    return render(
        request,
        "timebank/volunteers_applications.html",
        {**_base(request, community), "recruitment": recruitment, "applications": applications},
    )


# --- teams -----------------------------------------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """Teams and self-organizations with their member counts; staff add new ones."""
    actor, community = community_page(request, community_id)
    error, status = None, 200
    form = TeamForm()
    if request.method == "POST":
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team_save(actor=actor, community=community, **form.cleaned_data)
            except ApplicationError as exc:
                error, status = refusal(exc), exc.status
            else:
                messages.success(request, _("已保存队伍"))
                return redirect("timebank:team_list", community_id=community.pk)
        else:
            error, status = form_summary(form), 400
    context = {
        **_base(request, community),
        "teams": selectors.team_list(actor=actor, community=community),
        "can_manage": can_manage_volunteers(actor, community),
        "form": form,
        "error": error,
    }
    return render(request, "timebank/volunteers_teams.html", context, status=status)
