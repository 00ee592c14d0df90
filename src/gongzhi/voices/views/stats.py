"""Statistics pages of 社情民意: a community's figures and charts, its .xlsx 台账, and the street's overview.

Parse the filters → selector (which checks VOICE_STATS and scopes) → render. Only the export writes (its audit row).
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, page_context
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.voices import exporting
from gongzhi.voices.errors import Code
from gongzhi.voices.selectors import stats as selectors

__all__ = ["StatsForm", "stats", "stats_export", "street_stats"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERIODS = [
    ("month", gettext_lazy("本月")),
    ("3months", gettext_lazy("近三个月")),
    ("year", gettext_lazy("今年")),
    ("all", gettext_lazy("全部")),
    ("custom", gettext_lazy("自定义")),
]
GROUPINGS = [
    ("party", gettext_lazy("按责任方")),
    ("grid", gettext_lazy("按网格")),
    ("category", gettext_lazy("按类别")),
]
MAX_DAYS = 3660


class StatsForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("时间"), choices=PERIODS, required=False)
    since = forms.DateField(
        label=gettext_lazy("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    by = forms.ChoiceField(label=gettext_lazy("分组"), choices=GROUPINGS, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["period"] = data.get("period") or "year"
        data["by"] = data.get("by") or "party"
        today = timezone.localdate()
        period, since, until = data["period"], data.get("since"), data.get("until")
        if period == "custom":
            if since is None or until is None:
                raise forms.ValidationError(_("自定义时间请填写开始和结束日期"), code=Code.PERIOD_INCOMPLETE)
            if since > until:
                raise forms.ValidationError(_("开始日期不能晚于结束日期"), code=Code.PERIOD_REVERSED)
            if (until - since).days > MAX_DAYS:
                raise forms.ValidationError(_("自定义时间最长十年"), code=Code.PERIOD_TOO_LONG)
        elif period == "month":
            since, until = today.replace(day=1), today
        elif period == "3months":
            first = today.replace(day=1)
            for _i in range(2):
                first = (first - datetime.timedelta(days=1)).replace(day=1)
            since, until = first, today
        elif period == "year":
            since, until = today.replace(month=1, day=1), today
        else:
            since, until = None, None
        data["since"], data["until"] = since, until
        return data


def _filters(request: HttpRequest) -> tuple[StatsForm, dict[str, Any] | None]:
    form = StatsForm(request.GET)
    return form, (form.cleaned_data if form.is_valid() else None)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What stats.js draws: numbers and already translated labels, nothing to evaluate."""
    total = data["total"]
    parties = data["groups"]["party"]
    return {
        "titles": {
            "volume": _("各类别反映数量"),
            "trend": _("月度趋势"),
            "satisfaction": _("满意度分布"),
            "overdue": _("各责任方超期率(%)"),
        },
        "series": {"total": _("反映"), "closed": _("办结"), "overdue": _("超期"), "count": _("件数")},
        "categories": [c["name"] for c in data["categories"]],
        "volume": total["by_category"],
        "months": [m["month"] for m in data["months"]],
        "trend_total": [m["total"] for m in data["months"]],
        "trend_closed": [m["closed"] for m in data["months"]],
        "trend_overdue": [m["overdue"] for m in data["months"]],
        "ratings": [_("%(n)s分") % {"n": n} for n in range(1, 6)],
        "distribution": total["rating_distribution"],
        "parties": [p["label"] for p in parties],
        "overdue": [_num(p["overdue_percent"]) for p in parties],
    }


@login_required
def stats(request: HttpRequest, community_id: int) -> HttpResponse:
    """Figures and charts for the actor's scope: 书记/社工 the community, a 网格员 their grid, street staff figures."""
    actor, community = community_page(request, community_id)
    selectors.stats_scope(actor=actor, community=community)  # 403 before parsing anything
    form, filters = _filters(request)
    data = None
    if filters is not None:
        data = selectors.voice_stats(
            actor=actor, community=community, since=filters["since"], until=filters["until"], by=filters["by"]
        )
    context = {
        **page_context(request, community, nav="voices"),
        "form": form,
        "data": data,
        "chart": _chart_data(data) if data else None,
        "query": urlencode([(k, str(v)) for k, v in request.GET.items() if k in form.fields]),
    }
    return render(request, "voices/stats_page.html", context, status=200 if data else 400)


@login_required
def stats_export(request: HttpRequest, community_id: int) -> HttpResponse:
    """The period's workbook: one sheet per grouping and, except for street staff, the voices as a 台账."""
    actor, community = community_page(request, community_id)
    selectors.stats_scope(actor=actor, community=community)
    _form, filters = _filters(request)
    if filters is None:  # the page shows what is wrong with the filters
        return stats(request, community_id)
    since, until = filters["since"], filters["until"]
    data = selectors.voice_stats(actor=actor, community=community, since=since, until=until)
    ledger = selectors.voice_ledger(actor=actor, community=community, since=since, until=until)
    body = exporting.voice_stats_workbook(
        actor=actor,
        community=community,
        data=data,
        ledger=ledger,
        names=place_selectors.place_names(community=community),
    )
    stamp = f"{since or 'all'}-{until or timezone.localdate()}"
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="voices-{community.pk}-{stamp}.xlsx"'
    return response


@login_required
def street_stats(request: HttpRequest, street_id: int) -> HttpResponse:
    """Street office staff: each community's totals; figures only, never a voice."""
    actor = actor_of(request)
    street: Place = selectors.street_stats_get(actor=actor, street_id=street_id)
    form, filters = _filters(request)
    rows = None
    if filters is not None:
        rows = selectors.street_voice_stats(actor=actor, street=street, since=filters["since"], until=filters["until"])
    return render(
        request,
        "voices/stats_street.html",
        {"street": street, "form": form, "rows": rows},
        status=200 if rows is not None else 400,
    )
