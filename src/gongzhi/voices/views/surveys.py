"""双找 pages: the surveys of a community (and opening one), a survey's progress and household list, and the survey
sheet for one household on a phone. Parse → selector → one service → render, as everywhere."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.pages import community_page, form_call, form_error, page_context
from gongzhi.places.models import Place
from gongzhi.voices.errors import Code
from gongzhi.voices.models import Category, Survey, VisitOutcome
from gongzhi.voices.predicates import can_close_survey, can_work_surveys
from gongzhi.voices.selectors import surveys as selectors
from gongzhi.voices.services import surveys as surveys_services
from gongzhi.voices.services.surveys import NeedInput, survey_close, survey_create, survey_visit_record

__all__ = ["SurveyForm", "VisitForm", "survey_detail", "survey_list", "survey_visit"]

PAGE_SIZE = 50
NEED_ROWS = 3  # need rows shown on the sheet; the rest up to MAX_NEEDS fold under "更多需求"


class SurveyForm(forms.Form):
    place = forms.IntegerField(label=gettext_lazy("范围"))
    title = forms.CharField(label=gettext_lazy("走访名称"), max_length=100, required=False)
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期（可不填）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("走访结果"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    from_paper = forms.BooleanField(label=gettext_lazy("纸质表补录"), required=False)
    visited_at = forms.DateTimeField(
        label=gettext_lazy("走访时间（补录时填写）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


def _survey(request: HttpRequest, community_id: int, survey_id: int) -> tuple[Any, Place, Survey]:
    actor, community = community_page(request, community_id)
    return actor, community, selectors.survey_get(actor=actor, community=community, survey_id=survey_id)


@login_required
def survey_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_work_surveys(actor, community):
        raise PermissionDenied(_("双找走访由网格员、楼栋长和社区工作人员登记"))
    places = selectors.survey_places(actor=actor, community=community)
    form = SurveyForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST":
        if not places:
            raise PermissionDenied(_("只有社区书记或社工可以组织双找走访"))
        if form.is_valid():
            data = form.cleaned_data
            place = next((p for p in places if p.pk == data["place"]), None)
            if place is None:
                raise NotFound()
            survey = form_call(
                form,
                survey_create,
                actor=actor,
                place=place,
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
            if survey is not None:
                messages.success(request, _("已开始双找走访"))
                return redirect("voices:survey", community_id=community.pk, survey_id=survey.pk)
    surveys = list(selectors.survey_list(actor=actor, community=community)[:50])
    return render(
        request,
        "voices/surveys_list.html",
        page_context(request, community, nav="voices", surveys=surveys, places=places, form=form),
        status=400 if request.method == "POST" else 200,
    )


_STATE_LABELS = {
    "": gettext_lazy("全部"),
    "todo": gettext_lazy("未走访"),
    "nobody_home": gettext_lazy("无人在家"),
    "done": gettext_lazy("已走访"),
}


@login_required
def survey_detail(request: HttpRequest, community_id: int, survey_id: int) -> HttpResponse:
    actor, community, survey = _survey(request, community_id, survey_id)
    can_manage = can_close_survey(actor, survey)
    if request.method == "POST":
        if request.POST.get("action") != "close":
            raise NotFound()
        if not can_manage:  # the field workers see the survey; only its organisers end it
            raise PermissionDenied(_("只有社区书记或社工可以结束走访"))
        try:
            survey_close(actor=actor, survey=survey)
        except PhaseClosed as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("走访已结束"))
        return redirect("voices:survey", community_id=community.pk, survey_id=survey.pk)
    state = request.GET.get("state", "")
    if state not in selectors.HOUSEHOLD_STATES:
        state = ""
    page = Paginator(
        selectors.survey_households(actor=actor, survey=survey, filters={"state": state}), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = [
        {"h": h, "state": selectors.household_state(h), "head": selectors.masked_head(h), "unit": h.place.name}
        for h in page
    ]
    highlight = request.GET.get("next", "")
    return render(
        request,
        "voices/surveys_detail.html",
        page_context(
            request,
            community,
            nav="voices",
            survey=survey,
            by_grid=selectors.survey_progress(survey=survey, by="grid"),
            by_building=selectors.survey_progress(survey=survey, by="building"),
            page=page,
            rows=rows,
            state=state,
            states=[(k, str(v)) for k, v in _STATE_LABELS.items()],
            highlight=int(highlight) if highlight.isdigit() else None,
            can_manage=can_manage,
        ),
    )


def _need_rows(data: Any, n: int) -> list[dict[str, Any]]:
    return [
        {
            "i": i,
            "category": (data.get(f"need-{i}-category") or "") if data else "",
            "text": (data.get(f"need-{i}-text") or "") if data else "",
            "public": bool(data and data.get(f"need-{i}-public")),
        }
        for i in range(n)
    ]


def _parse_needs(data: Any, categories: dict[int, Category]) -> list[NeedInput]:
    """Rows with neither a category nor text are blank lines on the sheet; a row with only one of them is an error
    the service reports (empty text) or a missing category."""
    needs = []
    for i in range(surveys_services.MAX_NEEDS + 1):
        raw_category = (data.get(f"need-{i}-category") or "").strip()
        text = data.get(f"need-{i}-text") or ""
        if not raw_category and not text.strip():
            continue
        category = categories.get(int(raw_category)) if raw_category.isdigit() else None
        if category is None:
            raise ValidationFailed(
                _("第 %(n)s 条需求请选择类别") % {"n": i + 1},
                code=Code.NEED_CATEGORY_REQUIRED,
                extra={"field": f"need-{i}-category", "need": i},
            )
        needs.append(NeedInput(category=category, text=text, is_public=bool(data.get(f"need-{i}-public"))))
    return needs


@login_required
def survey_visit(request: HttpRequest, community_id: int, survey_id: int, household_id: int) -> HttpResponse:
    actor, community, survey = _survey(request, community_id, survey_id)
    household = selectors.survey_household_get(actor=actor, survey=survey, household_id=household_id)
    categories = {c.pk: c for c in selectors.survey_categories(community=community)}
    paper = request.GET.get("paper") == "1" or bool(request.POST.get("from_paper"))
    form = VisitForm(request.POST or None, initial={"from_paper": paper})
    need_error: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visited_at: datetime.datetime | None = data["visited_at"] if data["from_paper"] else None
        try:
            if data["from_paper"] and visited_at is None:
                raise ValidationFailed(
                    _("纸质表补录请填写走访时间"), code=Code.VISITED_AT_REQUIRED, extra={"field": "visited_at"}
                )
            survey_visit_record(
                actor=actor,
                survey=survey,
                household=household,
                outcome=data["outcome"],
                note=data["note"],
                needs=_parse_needs(request.POST, categories),
                from_paper=data["from_paper"],
                visited_at=visited_at,
            )
        except PermissionDenied:
            raise
        except PhaseClosed as exc:
            form.add_error(None, str(exc.message))
        except ApplicationError as exc:
            if "need" in exc.extra:
                need_error = {"i": exc.extra["need"], "message": str(exc.message)}
                form.add_error(None, str(exc.message))
            else:
                form_error(form, exc)
        else:
            messages.success(
                request,
                _("已记录 %(place)s %(room)s 的走访") % {"place": household.place.name, "room": household.room},
            )
            nxt = selectors.survey_next_household(actor=actor, survey=survey, after=household)
            url = reverse("voices:survey", kwargs={"community_id": community.pk, "survey_id": survey.pk})
            if nxt is not None:
                url += f"?next={nxt.pk}#h-{nxt.pk}"
            return redirect(url)
    visits = selectors.survey_household_visits(survey=survey, household=household)
    return render(
        request,
        "voices/surveys_visit.html",
        page_context(
            request,
            community,
            nav="voices",
            survey=survey,
            household=household,
            head=selectors.masked_head(household),
            visits=visits,
            form=form,
            paper=paper,
            categories=list(categories.values()),
            needs=_need_rows(request.POST if request.method == "POST" else None, surveys_services.MAX_NEEDS),
            shown_rows=NEED_ROWS,
            need_error=need_error,
            outcomes=VisitOutcome.choices,
        ),
        status=400 if request.method == "POST" else 200,
    )
