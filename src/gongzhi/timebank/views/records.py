"""Time bank pages: the 志愿服务记录 (my record, a volunteer's record for staff), its .xlsx export in the national
system's layout, the 志愿服务记录证明 (issue, PDF) and the public verify page (no login, no community in the path)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound
from gongzhi.core.http import actor_of
from gongzhi.core.pages import page_context, refusal
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.timebank import exporting
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.volunteers import Volunteer
from gongzhi.timebank.predicates import can_manage_volunteers
from gongzhi.timebank.selectors import volunteers as selectors
from gongzhi.timebank.services import records as services

__all__ = [
    "XLSX",
    "PeriodForm",
    "my_record",
    "proof_issue",
    "proof_lookup",
    "proof_pdf",
    "proof_verify",
    "record_export",
    "records_export",
    "volunteer_record",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_DAYS = 3660


class PeriodForm(forms.Form):
    """An optional period of local days, both inclusive."""

    since = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("开始日期不能晚于结束日期"), code=Code.PERIOD_REVERSED)
        if since and until and (until - since).days > MAX_DAYS:
            raise forms.ValidationError(_("时间段最长十年"), code=Code.PERIOD_TOO_LONG)
        return data

    def period(self) -> tuple[Any, Any]:
        return self.cleaned_data.get("since"), self.cleaned_data.get("until")


def _query(request: HttpRequest) -> str:
    return urlencode([(k, str(v)) for k, v in request.GET.items() if k in ("since", "until") and v])


def _record_page(request: HttpRequest, community: Place, volunteer: Volunteer | None, *, own: bool) -> HttpResponse:
    actor = actor_of(request)
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    record = None
    if volunteer is not None and valid:
        record = selectors.volunteer_record(actor=actor, volunteer=volunteer, period=form.period())
    context = {
        **page_context(request, community, nav="timebank"),
        "form": form,
        "volunteer": volunteer,
        "record": record,
        "own": own,
        "query": _query(request),
        "can_manage": can_manage_volunteers(actor, community),
    }
    return render(request, "timebank/records_record.html", context, status=200 if valid else 400)


@login_required
def my_record(request: HttpRequest, community_id: int) -> HttpResponse:
    """The volunteer's own record; a resident not (yet) registered is told how to become one."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    volunteer = selectors.own_volunteer(actor=actor, community=community)
    return _record_page(request, community, volunteer, own=True)


@login_required
def volunteer_record(request: HttpRequest, community_id: int, volunteer_id: int) -> HttpResponse:
    """Staff read any volunteer's record (the volunteer their own)."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    volunteer = selectors.volunteer_get(actor=actor, community=community, id=volunteer_id)
    return _record_page(request, community, volunteer, own=volunteer.person.account_id == actor.pk)


def _xlsx(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def record_export(request: HttpRequest, community_id: int, volunteer_id: int) -> HttpResponse:
    """One volunteer's services as the national system's import sheet (staff, or the volunteer)."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    volunteer = selectors.volunteer_get(actor=actor, community=community, id=volunteer_id)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _record_page(request, community, volunteer, own=volunteer.person.account_id == actor.pk)
    records = selectors.approved_records(community.pk, volunteer.person_id, form.period())
    own = volunteer.person.account_id == actor.pk
    body = exporting.record_workbook(
        actor=actor, community=community, records=records, purpose="志愿服务记录导出", own=own
    )
    return _xlsx(body, f"volunteer-record-{volunteer.number}.xlsx")


@login_required
def records_export(request: HttpRequest, community_id: int) -> HttpResponse:
    """Every approved service of the community in the period, for the national system's bulk import (staff)."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    selectors.volunteer_list(actor=actor, community=community)  # staff only: 404 / 403 otherwise
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "timebank/records_record.html",
            {**page_context(request, community, nav="timebank"), "form": form, "record": None},
            status=400,
        )
    records = selectors.approved_records(community.pk, None, form.period())
    body = exporting.record_workbook(actor=actor, community=community, records=records, purpose="志愿服务记录导出")
    stamp = "-".join(str(d or "all") for d in form.period())
    return _xlsx(body, f"volunteer-records-{community.pk}-{stamp}.xlsx")


@login_required
@require_POST
def proof_issue(request: HttpRequest, community_id: int, volunteer_id: int) -> HttpResponse:
    """Issue a proof for the period in the form; a refused input shows the record page with the message."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    volunteer = selectors.volunteer_get(actor=actor, community=community, id=volunteer_id)
    form = PeriodForm(request.POST)
    own = volunteer.person.account_id == actor.pk
    error = None
    if form.is_valid():
        start, end = form.period()
        try:
            proof = services.proof_issue(actor=actor, volunteer=volunteer, period_start=start, period_end=end)
        except ApplicationError as exc:
            error = refusal(exc)
        else:
            messages.success(request, _("已开具志愿服务记录证明，验证码 %(code)s") % {"code": proof.code})
            return redirect("timebank:proof_pdf", community_id=community.pk, proof_id=proof.pk)
    else:
        error = " ".join(str(e) for e in form.non_field_errors()) or _("日期格式不正确")
    record = selectors.volunteer_record(actor=actor, volunteer=volunteer)
    context = {
        **page_context(request, community, nav="timebank"),
        "form": PeriodForm(),
        "proof_form": form,
        "proof_error": error,
        "volunteer": volunteer,
        "record": record,
        "own": own,
        "can_manage": can_manage_volunteers(actor, community),
    }
    return render(request, "timebank/records_record.html", context, status=400)


@login_required
def proof_pdf(request: HttpRequest, community_id: int, proof_id: int) -> HttpResponse:
    """The proof as a printable PDF, for the volunteer and staff."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    proof = selectors.proof_get(actor=actor, community=community, id=proof_id)
    verify_url = request.build_absolute_uri(reverse("timebank:proof_verify", kwargs={"code": proof.code}))
    body = exporting.proof_pdf(proof=proof, verify_url=verify_url)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="volunteer-proof-{proof.code}.pdf"'
    return response


def proof_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone holding a proof checks it: masked name, totals, issuer and date; "无此证明" otherwise (404)."""
    proof = selectors.proof_by_code(code=code)
    hours = f"{proof.minutes / 60:.2f}" if proof else ""
    context = {"proof": proof, "code": code[:20], "hours": hours, "checked_at": timezone.now()}
    return render(request, "timebank/records_verify.html", context, status=200 if proof else 404)


def proof_lookup(request: HttpRequest) -> HttpResponse:
    """The verify page's form: a typed code goes to its page."""
    code = (request.GET.get("code") or "").strip().upper()[:20]
    if not code:
        raise NotFound()
    return redirect("timebank:proof_verify", code=code)
