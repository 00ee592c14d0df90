"""Time bank statistics pages: a community's figures, table and ECharts charts with period / grid / team filters,
its .xlsx 台账, and the street's overview. Figures only, never a person (the selector carries none)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound
from gongzhi.core.http import actor_of
from gongzhi.core.pages import page_context
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Grid, Place
from gongzhi.timebank import exporting
from gongzhi.timebank.models.volunteers import Team
from gongzhi.timebank.selectors import stats as selectors
from gongzhi.timebank.views.records import XLSX, PeriodForm

__all__ = [
    "stats",
    "stats_export",
    "street_stats",
]


def _choice(request: HttpRequest, name: str, options: dict[int, Any]) -> Any:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in options:
        raise NotFound()
    return options[int(raw)]


def _filters(
    request: HttpRequest, community: Place
) -> tuple[PeriodForm, dict[str, Any] | None, list[Grid], list[Team]]:
    actor = actor_of(request)
    every_grid = selectors.stats_sees_every_grid(actor=actor, community=community)
    grids = list(place_selectors.grid_list(actor=actor, community=community)) if every_grid else []
    teams = selectors.team_choices(community=community)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None, grids, teams
    filters = {
        "period": form.period(),
        "grid": _choice(request, "grid", {g.pk: g for g in grids}),
        "team": _choice(request, "team", {t.pk: t for t in teams}),
    }
    return form, filters, grids, teams


def _chart(data: dict[str, Any]) -> dict[str, Any]:
    """What the charts draw: numbers and already translated labels, nothing to evaluate."""
    return {
        "titles": {
            "trend": _("月度服务时长与次数"),
            "types": _("各服务类型服务时长（小时）"),
            "grids": _("各网格服务时长（小时）"),
            "teams": _("各队伍服务时长（小时）"),
        },
        "series": {"hours": _("服务时长（小时）"), "services": _("服务次数")},
        "months": [m["month"] for m in data["months"]],
        "trend_hours": [m["hours"] for m in data["months"]],
        "trend_services": [m["services"] for m in data["months"]],
        "types": [str(r["label"]) for r in data["by_service_type"]],
        "types_hours": [r["hours"] for r in data["by_service_type"]],
        "grids": [str(r["label"]) for r in data["by_grid"]],
        "grids_hours": [r["hours"] for r in data["by_grid"]],
        "teams": [str(r["label"]) for r in data["by_team"]],
        "teams_hours": [r["hours"] for r in data["by_team"]],
    }


@login_required
def stats(request: HttpRequest, community_id: int) -> HttpResponse:
    """书记/社工 and street staff the community, a 网格员 their grid: big numbers, a table and the charts."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    selectors.stats_scope(actor=actor, community=community)  # 403 before parsing anything
    form, filters, grids, teams = _filters(request, community)
    data = selectors.timebank_stats(actor=actor, community=community, **filters) if filters is not None else None
    context = {
        **page_context(request, community, nav="timebank"),
        "form": form,
        "data": data,
        "chart": _chart(data) if data else None,
        "grids": grids,
        "teams": teams,
        "grid": (filters or {}).get("grid"),
        "team": (filters or {}).get("team"),
        "query": urlencode(
            [(k, str(v)) for k, v in request.GET.items() if k in ("since", "until", "grid", "team") and v]
        ),
    }
    return render(request, "timebank/stats_page.html", context, status=200 if data else 400)


@login_required
def stats_export(request: HttpRequest, community_id: int) -> HttpResponse:
    """The filtered figures as a 台账 workbook, audited; no names, phones or ID numbers."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    selectors.stats_scope(actor=actor, community=community)
    _form, filters, _grids, _teams = _filters(request, community)
    if filters is None:
        return stats(request, community_id)
    data = selectors.timebank_stats(actor=actor, community=community, **filters)
    body = exporting.stats_workbook(actor=actor, community=community, data=data)
    since, until = filters["period"]
    stamp = f"{since or 'all'}-{until or timezone.localdate()}"
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="timebank-stats-{community.pk}-{stamp}.xlsx"'
    return response


@login_required
def street_stats(request: HttpRequest, street_id: int) -> HttpResponse:
    """Street office staff: each community's figures side by side."""
    actor = actor_of(request)
    street: Place = selectors.street_stats_get(actor=actor, street_id=street_id)
    form = PeriodForm(request.GET)
    rows = None
    if form.is_valid():
        rows = selectors.street_timebank_stats(actor=actor, street=street, period=form.period())
    return render(
        request,
        "timebank/stats_street.html",
        {"street": street, "form": form, "rows": rows},
        status=200 if rows is not None else 400,
    )
