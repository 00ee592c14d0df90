"""Time bank pages: service types (staff), skills and trainings with my certificates, a training's attendance
sheet (staff) and the chain trained → certified → served whom (staff). Parse → selector → one service → render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import Duplicate, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, page_context
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.timebank.predicates import can_set_up_skills, can_train
from gongzhi.timebank.selectors import skills as selectors
from gongzhi.timebank.services import skills as skills_services
from gongzhi.timebank.services.skills import (
    POINTS_PER_HOUR_MAX,
    service_type_save,
    service_types_default,
    skill_save,
    training_attend,
    training_create,
)

__all__ = [
    "certificate_revoke",
    "chain",
    "service_types",
    "skill_list",
    "training_detail",
    "training_new",
]

FORM_ERRORS = (ValidationFailed, Duplicate)
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ServiceTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("服务类型"), required=False, max_length=50)
    points_per_hour = forms.IntegerField(
        label=gettext_lazy("每小时积分"),
        min_value=1,
        max_value=POINTS_PER_HOUR_MAX,
        error_messages={
            "required": gettext_lazy("请填写每小时积分"),
            "invalid": gettext_lazy("每小时积分必须是整数"),
            "min_value": gettext_lazy("每小时积分至少为 1"),
            "max_value": gettext_lazy("每小时积分不能超过 %(limit_value)s"),
        },
    )
    required_skill = forms.TypedChoiceField(
        label=gettext_lazy("需要的技能"), coerce=int, required=False, empty_value=None
    )
    assisted_employment = forms.BooleanField(label=gettext_lazy("残疾人辅助性就业"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
    service_type = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, skills: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["required_skill"].choices = [("", _("不需要")), *skills]  # type: ignore[attr-defined]


class SkillForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("技能名称"), required=False, max_length=50)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=200)


@login_required
def service_types(request: HttpRequest, community_id: int) -> HttpResponse:
    """Staff set the points rule: the service types, the skills they need, and the default set."""
    actor, community = community_page(request, community_id)
    if not can_set_up_skills(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以设置服务类型"))
    skills = list(selectors.skill_list(actor=actor, community=community))
    skill_choices = [(s.pk, s.name) for s in skills]
    do = request.POST.get("do", "")
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = selectors.service_type_get(actor=actor, community=community, id=int(request.GET["edit"]))
    initial = (
        {
            "name": editing.name,
            "points_per_hour": editing.points_per_hour,
            "required_skill": editing.required_skill_id,
            "assisted_employment": editing.assisted_employment,
            "is_active": editing.is_active,
            "service_type": editing.pk,
        }
        if editing
        else None
    )
    type_form = ServiceTypeForm(
        request.POST if do == "type" else None, skills=skill_choices, prefix="t", initial=initial
    )
    skill_form = SkillForm(request.POST if do == "skill" else None, prefix="s")
    status = 200
    if request.method == "POST":
        try:
            if do == "defaults":
                service_types_default(community, actor=actor)
                messages.success(request, _("已添加默认服务类型"))
                return redirect("timebank:service_types", community_id=community.pk)
            if do == "type" and type_form.is_valid():
                data = type_form.cleaned_data
                skill = next((s for s in skills if s.pk == data["required_skill"]), None)
                existing = None
                if data["service_type"]:
                    existing = selectors.service_type_get(actor=actor, community=community, id=data["service_type"])
                row = service_type_save(
                    actor=actor,
                    community=community,
                    name=data["name"],
                    points_per_hour=data["points_per_hour"],
                    required_skill=skill,
                    assisted_employment=data["assisted_employment"],
                    is_active=data["is_active"],
                    sort_order=existing.sort_order if existing else 0,
                    service_type=existing,
                )
                messages.success(request, _("已保存服务类型“%(name)s”") % {"name": row.name})
                return redirect("timebank:service_types", community_id=community.pk)
            if do == "skill" and skill_form.is_valid():
                data = skill_form.cleaned_data
                skill_row = skill_save(
                    actor=actor, community=community, name=data["name"], description=data["description"]
                )
                messages.success(request, _("已添加技能“%(name)s”") % {"name": skill_row.name})
                return redirect("timebank:service_types", community_id=community.pk)
        except FORM_ERRORS as exc:
            form_error(skill_form if do == "skill" else type_form, exc)
            status = exc.status
        else:
            status = 400
    return render(
        request,
        "timebank/skills_service_types.html",
        page_context(
            request,
            community,
            nav="timebank",
            types=selectors.service_type_list(actor=actor, community=community),
            skills=skills,
            type_form=type_form,
            skill_form=skill_form,
            editing=editing or (type_form.data.get("t-service_type") if do == "type" else None),
        ),
        status=status,
    )


class TrainingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("培训名称"), required=False, max_length=100)
    skill = forms.TypedChoiceField(label=gettext_lazy("认证技能"), coerce=int, required=False, empty_value=None)
    trainer = forms.CharField(label=gettext_lazy("培训师/机构"), required=False, max_length=100)
    place = forms.TypedChoiceField(label=gettext_lazy("地点"), coerce=int, required=False, empty_value=None)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"),
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        error_messages={"required": gettext_lazy("请填写开始时间"), "invalid": gettext_lazy("开始时间格式不对")},
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("结束时间"),
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        error_messages={"required": gettext_lazy("请填写结束时间"), "invalid": gettext_lazy("结束时间格式不对")},
    )

    def __init__(self, *args: Any, skills: list[tuple[int, str]], places: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", _("不认证技能")), *skills]  # type: ignore[attr-defined]
        self.fields["place"].choices = [("", _("不指定")), *places]  # type: ignore[attr-defined]


def _training_form(request: HttpRequest, actor: User, community: Place, data: Any = None) -> TrainingForm:
    skills = [(s.pk, s.name) for s in selectors.skill_list(actor=actor, community=community)]
    return TrainingForm(data, skills=skills, places=selectors.place_choices(community=community))


def _skill_page(
    request: HttpRequest, actor: User, community: Place, form: TrainingForm | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "timebank/skills_list.html",
        page_context(
            request,
            community,
            nav="timebank",
            trainings=selectors.training_list(actor=actor, community=community),
            skills=selectors.skill_list(actor=actor, community=community),
            certificates=selectors.my_certificates(actor=actor, community=community),
            form=form,
            can_train=can_train(actor, community),
            can_set_up=can_set_up_skills(actor, community),
        ),
        status=status,
    )


@login_required
def skill_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """Trainings, skills and my certificates; staff also schedule a training here."""
    actor, community = community_page(request, community_id)
    form = _training_form(request, actor, community) if can_train(actor, community) else None
    return _skill_page(request, actor, community, form)


@login_required
@require_POST
def training_new(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_train(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以安排培训"))
    form = _training_form(request, actor, community, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        skill = selectors.skill_get(actor=actor, community=community, id=data["skill"]) if data["skill"] else None
        place = (
            place_selectors.place_get(actor=actor, community=community, place_id=data["place"])
            if data["place"]
            else None
        )
        try:
            training = training_create(
                actor=actor,
                community=community,
                title=data["title"],
                skill=skill,
                trainer=data["trainer"],
                place=place,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except FORM_ERRORS as exc:
            form_error(form, exc)
            return _skill_page(request, actor, community, form, status=exc.status)
        messages.success(request, _("已安排培训“%(title)s”") % {"title": training.title})
        return redirect("timebank:training_detail", community_id=community.pk, training_id=training.pk)
    return _skill_page(request, actor, community, form, status=400)


class AttendForm(forms.Form):
    who = forms.CharField(
        label=gettext_lazy("居民手机号或身份证号"),
        max_length=18,
        error_messages={"required": gettext_lazy("请填写居民的手机号或身份证号")},
    )
    passed = forms.BooleanField(label=gettext_lazy("考核通过"), required=False, initial=True)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("注销原因"), required=False, max_length=200)


def _training_page(
    request: HttpRequest, actor: User, community: Place, training: Any, form: AttendForm | None, status: int = 200
) -> HttpResponse:
    staff = can_train(actor, community)
    return render(
        request,
        "timebank/skills_training.html",
        page_context(
            request,
            community,
            nav="timebank",
            training=training,
            attendances=selectors.attendance_list(actor=actor, training=training) if staff else None,
            form=form,
            revoke_form=RevokeForm() if staff else None,
            can_train=staff,
        ),
        status=status,
    )


@login_required
def training_detail(request: HttpRequest, community_id: int, training_id: int) -> HttpResponse:
    """A training; for staff its attendance sheet, where a passed attendance issues the certificate."""
    actor, community = community_page(request, community_id)
    training = selectors.training_get(actor=actor, community=community, id=training_id)
    staff = can_train(actor, community)
    if request.method != "POST":
        return _training_page(request, actor, community, training, AttendForm() if staff else None)
    if not staff:
        raise PermissionDenied(_("只有社区工作人员可以登记培训签到"))
    form = AttendForm(request.POST)
    if not form.is_valid():
        return _training_page(request, actor, community, training, form, status=400)
    person = selectors.person_find(actor=actor, community=community, query=form.cleaned_data["who"])
    if person is None:
        form.add_error("who", _("本社区没有这个手机号或身份证号的居民"))
        return _training_page(request, actor, community, training, form, status=400)
    try:
        training_attend(actor=actor, training=training, person=person, passed=form.cleaned_data["passed"])
    except FORM_ERRORS as exc:
        form_error(form, exc)
        return _training_page(request, actor, community, training, form, status=exc.status)
    messages.success(request, _("已登记 %(name)s 的签到") % {"name": person.masked_name})
    return redirect("timebank:training_detail", community_id=community.pk, training_id=training.pk)


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, community_id: int, certificate_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    certificate = selectors.certificate_get(actor=actor, community=community, id=certificate_id)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    back = redirect("timebank:training_detail", community_id=community.pk, training_id=certificate.training_id)
    if certificate.training_id is None:
        back = redirect("timebank:chain", community_id=community.pk)
    try:
        skills_services.certificate_revoke(actor=actor, certificate=certificate, reason=reason)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
        return back
    messages.success(request, _("已注销证书 %(number)s") % {"number": certificate.number})
    return back


@login_required
def chain(request: HttpRequest, community_id: int) -> HttpResponse:
    """琼花观's chain (staff): trained → certified → served whom, with the assisted-employment flag."""
    actor, community = community_page(request, community_id)
    rows = selectors.skill_chain(actor=actor, community=community)
    return render(request, "timebank/skills_chain.html", page_context(request, community, nav="timebank", rows=rows))
