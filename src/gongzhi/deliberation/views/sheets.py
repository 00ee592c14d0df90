"""Ballot sheets and 公示 notices as PDF downloads (drawn by `printing`); the staff pages that issue and
reissue sheets, and the community's elevator coefficient table."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, PermissionDenied, PhaseClosed
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, page_context
from gongzhi.deliberation import predicates
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import Procedure, Status, Topic
from gongzhi.deliberation.printing import render_notice, render_sheets
from gongzhi.deliberation.selectors.sheets import (
    coefficient_table,
    sheet_get,
    sheet_list,
    sheet_print_rows,
    sheet_summary,
)
from gongzhi.deliberation.selectors.topics import elevator_view, topic_get, topic_timeline
from gongzhi.deliberation.services import sheets as sheets_services
from gongzhi.deliberation.services.elevator import elevator_coefficients_set
from gongzhi.deliberation.services.sheets import check_printable, sheet_issue
from gongzhi.deliberation.services.topics import VOTING_PROCEDURES
from gongzhi.places.models import Place

DECIDED = (Status.DECIDED, Status.IMPLEMENTING, Status.REPORTED)


def _managed_topic(request: HttpRequest, community_id: int, topic_id: int) -> tuple[User, Place, Topic]:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有管理该议题的社区工作人员可以印发表决票"))
    return actor, community, topic


@login_required
def sheets_page(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Staff issue the sheets, download them, and reissue a lost one."""
    actor, community, topic = _managed_topic(request, community_id, topic_id)
    check_printable(topic)
    page = Paginator(sheet_list(actor=actor, topic=topic), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "deliberation/sheets_list.html",
        page_context(
            request,
            community,
            nav="topics",
            topic=topic,
            summary=sheet_summary(actor=actor, topic=topic),
            page=page,
        ),
    )


@login_required
@require_POST
def sheets_issue(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community, topic = _managed_topic(request, community_id, topic_id)
    try:
        issued = sheet_issue(actor=actor, topic=topic)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已印发 %(n)s 张表决票") % {"n": len(issued)})
    return redirect("deliberation:sheets", community_id=community.pk, topic_id=topic.pk)


@login_required
@require_POST
def sheet_reissue(request: HttpRequest, community_id: int, topic_id: int, sheet_id: int) -> HttpResponse:
    actor, community, topic = _managed_topic(request, community_id, topic_id)
    sheet = sheet_get(actor=actor, topic=topic, sheet_id=sheet_id)
    try:
        new = sheets_services.sheet_reissue(actor=actor, sheet=sheet, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("已作废 %(old)s，重新印发 %(new)s") % {"old": sheet.serial_no, "new": new.serial_no}
        )
    return redirect("deliberation:sheets", community_id=community.pk, topic_id=topic.pk)


@login_required
def sheets_pdf(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponseBase:
    """One A4 page per live sheet (or the one given by ?serial=), written to a temporary file and streamed."""
    actor, community, topic = _managed_topic(request, community_id, topic_id)
    check_printable(topic)
    serial = request.GET.get("serial", "").strip().upper()
    summary = sheet_summary(actor=actor, topic=topic)
    pages = 1 if serial else summary.live
    if pages == 0:
        messages.error(request, _("还没有印发表决票，请先点击“印发表决票”"))
        return redirect("deliberation:sheets", community_id=community.pk, topic_id=topic.pk)
    entry = request.build_absolute_uri(reverse("deliberation:ballots", args=[community.pk, topic.pk]))
    shares = _shares(actor, topic)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    count = render_sheets(
        out,
        community=community,
        topic=topic,
        rows=sheet_print_rows(actor=actor, topic=topic, serial=serial),
        pages=pages,
        entry_url=entry,
        shares=shares,
    )
    if count == 0:
        out.close()
        messages.error(request, _("没有该编号的有效表决票"))
        return redirect("deliberation:sheets", community_id=community.pk, topic_id=topic.pk)
    out.seek(0)
    name = f"ballot-sheets-{topic.pk}{'-' + serial if serial else ''}.pdf"
    return FileResponse(out, content_type="application/pdf", filename=name)


def _shares(actor: User, topic: Topic) -> dict[int, str]:
    if topic.procedure != Procedure.ELEVATOR:
        return {}
    view = elevator_view(actor=actor, topic=topic)
    return {r["household_id"]: r["share"] for r in view.rows} if view else {}


@login_required
def notice_pdf(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponseBase:
    """The 公示 of a decided owners' or elevator vote, for anyone who can see the topic."""
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if topic.procedure not in VOTING_PROCEDURES:
        raise PhaseClosed(_("该议题不进行业主表决，没有表决结果公示"), code=Code.NO_VOTE)
    if topic.status not in DECIDED or not topic.result:
        raise PhaseClosed(_("议题形成决议后才能下载公示"), code=Code.NOT_DECIDED)
    elevator = elevator_view(actor=actor, topic=topic) if topic.procedure == Procedure.ELEVATOR else None
    decided_at = next((e.at for e in topic_timeline(topic=topic) if e.status == Status.DECIDED), None)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    render_notice(out, community=community, topic=topic, elevator=elevator, decided_at=decided_at)
    out.seek(0)
    return FileResponse(out, content_type="application/pdf", filename=f"notice-{topic.pk}.pdf")


def _coefficient_rows(post: Any) -> dict[int, str]:
    return {int(k[5:]): v.strip() for k, v in post.items() if k.startswith("coef_") and k[5:].isdigit() and v.strip()}


@login_required
def coefficients_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's floor-coefficient table for elevator plans; staff of the whole community edit it."""
    actor, community = community_page(request, community_id)
    if not predicates.can_set_elevator_coefficients(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以修改分摊系数表"))
    error = None
    rows = coefficient_table(community=community)
    if request.method == "POST":
        try:
            elevator_coefficients_set(actor=actor, community=community, coefficients=_coefficient_rows(request.POST))
        except ApplicationError as exc:
            error = exc
            submitted: dict[int, str] = {
                int(k[5:]): str(v) for k, v in request.POST.items() if k.startswith("coef_") and k[5:].isdigit()
            }
            rows = [(f, submitted.get(f, v)) for f, v in rows]
        else:
            messages.success(request, _("分摊系数表已保存"))
            return redirect("deliberation:elevator_coefficients", community_id=community.pk)
    return render(
        request,
        "deliberation/sheets_coefficients.html",
        page_context(request, community, nav="topics", rows=rows, error=error, default=_default_note()),
    )


def _default_note() -> str:
    from gongzhi.rules import cost_share

    table: dict[int, Decimal] = dict(cost_share.DEFAULT_ELEVATOR_COEFFICIENTS)
    return "，".join(_("%(f)s楼 %(c)s") % {"f": f, "c": c} for f, c in sorted(table.items()))
