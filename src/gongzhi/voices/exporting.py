"""社情民意 台账 as .xlsx: one sheet of figures per grouping (责任方, 网格, 类别), the monthly trend, and the
period's voices one row each. Never a phone, an ID number or a reporter's name: the rows carry the number, dates,
category, place, channel, party, status and rating only.

Callers pass the figures of `selectors.stats.voice_stats` and the rows of `voice_ledger`, both already scoped;
headers are a file format, not UI text. Each export is audited (verb voice.stats_export).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gongzhi.core import audit
from gongzhi.core.models import User
from gongzhi.core.xlsx import Book
from gongzhi.places.models import Place
from gongzhi.places.selectors import path_label
from gongzhi.rules import voice_stats as rules
from gongzhi.voices.models import Channel, CustomStatus, Voice, status_label

__all__ = ["FIGURE_COLUMNS", "LEDGER_COLUMNS", "voice_stats_workbook"]

FIGURE_COLUMNS = [
    "反映总数",
    "未办结",
    "已办结",
    "首次响应中位数(小时)",
    "办结用时中位数(小时)",
    "有期限件数",
    "超期件数",
    "超期率(%)",
    "满意度均分",
    "回访件数",
    "回访率(%)",
    "1分",
    "2分",
    "3分",
    "4分",
    "5分",
    "重新办理",
    "督办",
]
GROUP_HEADS = {"party": "责任方", "grid": "网格", "category": "类别"}
GROUP_SHEETS = {"party": "按责任方", "grid": "按网格", "category": "按类别"}
LEDGER_COLUMNS = [
    "编号",
    "反映日期",
    "类别",
    "地点",
    "来源",
    "责任方",
    "状态",
    "首次响应",
    "办结时间",
    "是否超期",
    "满意度",
]
LEDGER_WIDTHS = [8, 12, 10, 24, 10, 16, 10, 17, 17, 8, 8]
CHUNK = 2000


def _figures(f: dict[str, Any]) -> list[Any]:
    return [
        f["total"],
        f["open"],
        f["closed"],
        f["first_response_hours"],
        f["closure_hours"],
        f["with_deadline"],
        f["overdue"],
        f["overdue_percent"],
        f["rating_mean"],
        f["rated"],
        f["response_percent"],
        *f["rating_distribution"],
        f["reopened"],
        f["escalated"],
    ]


def _local(at: Any) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _write_ledger(book: Book, *, community: Place, ledger: Iterable[Voice], names: dict[int, str]) -> int:
    sheet = book.sheet("台账", LEDGER_COLUMNS, LEDGER_WIDTHS)
    custom = dict(CustomStatus.objects.filter(community=community).values_list("code", "name"))
    channels = dict(Channel.choices)
    now, rows = timezone.now(), 0
    # Streamed: 100,000 voices never sit in memory as model instances at once.
    voices = ledger.iterator(chunk_size=CHUNK) if isinstance(ledger, QuerySet) else ledger
    for v in voices:
        overdue = rules.is_overdue(due_at=v.due_at, closed_at=v.closed_at, is_open=v.is_open, now=now)
        book.row(
            sheet,
            [
                v.pk,
                timezone.localtime(v.created_at).strftime("%Y-%m-%d"),
                v.category.name,
                path_label(v.place_path, names, community),
                str(channels.get(v.channel, v.channel)),
                v.party.name if v.party else "",
                status_label(v.status, custom),
                _local(v.first_response_at),
                _local(v.closed_at),
                "" if overdue is None else ("是" if overdue else "否"),
                v.rating or "",
            ],
        )
        rows += 1
    return rows


def voice_stats_workbook(
    *, actor: User, community: Place, data: dict[str, Any], ledger: Iterable[Voice], names: dict[int, str]
) -> bytes:
    """The workbook bytes; the export is audited once it is built (a short write instead of one held open)."""
    book = Book()
    categories = [c["name"] for c in data["categories"]]
    widths = [18, *([10] * (len(FIGURE_COLUMNS) + len(categories)))]
    summary = book.sheet("汇总", ["项目", *FIGURE_COLUMNS, *categories], widths)
    period = f"{data['since'] or '—'} 至 {data['until'] or '—'}"
    book.row(summary, [f"{community.name} {period}", *_figures(data["total"]), *data["total"]["by_category"]])
    for grouping in ("party", "grid", "category"):
        sheet = book.sheet(GROUP_SHEETS[grouping], [GROUP_HEADS[grouping], *FIGURE_COLUMNS, *categories], widths)
        for r in data["groups"][grouping]:
            book.row(sheet, [r["label"], *_figures(r), *r["by_category"]])
    trend = book.sheet("月度趋势", ["月份", "反映", "办结", "超期"], [10, 8, 8, 8])
    for m in data["months"]:
        book.row(trend, [m["month"], m["total"], m["closed"], m["overdue"]])
    rows = 0
    if not data.get("aggregates_only"):
        rows = _write_ledger(book, community=community, ledger=ledger, names=names)
    body = book.to_bytes()
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="voice.stats_export",
            community_id=community.pk,
            object_type="voices.stats_export",
            object_id=str(rows),
            after={
                "since": str(data["since"] or ""),
                "until": str(data["until"] or ""),
                "rows": rows,
                "aggregates_only": bool(data.get("aggregates_only")),
            },
        )
    return body
