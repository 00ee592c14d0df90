"""Files of the volunteer records and statistics.

- `record_workbook`: 志愿服务记录 as .xlsx in the field layout of the national volunteer information system
  (中国志愿服务网) import, one row per approved service. The full ID number only for staff who may reveal it
  (PIPL Art. 28); the phone always masked. Every export is audited, and a full ID column is logged as a
  `SensitiveAccess`.
- `stats_workbook`: the statistics 台账 (figures, monthly trend, breakdowns); no names, phones or ID numbers.
- `proof_pdf`: the 志愿服务记录证明, A4 with the CJK font embedded and a QR of the public verify URL.

Headers are a file format (the import's column names), not UI text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from gongzhi.core import audit, pdf
from gongzhi.core.columns import export_columns
from gongzhi.core.models import SensitiveAccess, User
from gongzhi.core.usertext import masked
from gongzhi.core.xlsx import Book
from gongzhi.places.models import Place
from gongzhi.timebank.models.activities import ServiceRecord
from gongzhi.timebank.models.volunteers import RecordProof

__all__ = ["RECORD_COLUMNS", "STATS_COLUMNS", "proof_pdf", "record_workbook", "stats_workbook"]

RECORD_COLUMNS = [
    "姓名",
    "证件类型",
    "证件号码",
    "手机号",
    "服务日期",
    "服务开始时间",
    "服务结束时间",
    "服务时长（小时）",
    "服务地点",
    "服务内容",
    "服务项目/活动名称",
    "记录单位",
]
RECORD_WIDTHS = [10, 12, 22, 14, 12, 18, 18, 14, 20, 30, 24, 16]
ID_TYPE = "居民身份证"
STATS_COLUMNS = ["项目", "数值"]
CHUNK = 2000


def _local(at: Any) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _project(record: ServiceRecord) -> str:
    session = record.session
    if session is not None:
        return masked(session.activity.title)
    return str(record.service_type.name)


def record_workbook(
    *, actor: User, community: Place, records: QuerySet[ServiceRecord], purpose: str = "", own: bool = False
) -> bytes:
    """Approved records (already scoped by the caller: staff, or the volunteer's own, `own`) as the import sheet.
    Names, ID numbers and phones as core.columns gives them to the actor (a volunteer's own in full); audited after
    the workbook is built (a short write)."""
    columns = export_columns(actor, community, own=own)
    book = Book()
    sheet = book.sheet("志愿服务记录", RECORD_COLUMNS, RECORD_WIDTHS)
    rows = 0
    qs = records.select_related("person", "place", "service_type", "session__activity").order_by(
        "person_id", "service_date", "started_at", "id"
    )
    for r in qs.iterator(chunk_size=CHUNK):
        person = r.person
        book.row(
            sheet,
            [
                columns.name(person.name),
                ID_TYPE,
                columns.id_number(person.id_number),
                columns.phone(person.phone),
                r.service_date.isoformat(),
                _local(r.started_at),
                _local(r.ended_at),
                round(r.minutes / 60, 2),
                r.place.name,
                masked(r.content),
                _project(r),
                community.name,
            ],
        )
        rows += 1
    body = book.to_bytes()
    full = [kind for kind in ("id_number", "phone") if columns.shows(kind)] if rows else []
    with transaction.atomic():
        SensitiveAccess.objects.bulk_create(
            [
                SensitiveAccess(
                    community=community,
                    actor=actor,
                    object_type="timebank.record_export",
                    object_id=str(rows),
                    field=f"export:{kind}",
                    purpose=purpose[:100],
                )
                for kind in full
            ]
        )
        audit.record(
            actor=actor,
            verb="timebank.record_export",
            community_id=community.pk,
            object_type="timebank.record_export",
            object_id=str(rows),
            after={"rows": rows, "full_fields": full},
        )
    return body


def _breakdown(book: Book, title: str, head: str, rows: Iterable[dict[str, Any]]) -> None:
    sheet = book.sheet(title, [head, "服务次数", "服务时长（小时）"], [24, 10, 14])
    for r in rows:
        book.row(sheet, [str(r["label"]), r["services"], r["hours"]])


def stats_workbook(*, actor: User, community: Place, data: dict[str, Any]) -> bytes:
    """The statistics 台账: the figures, the monthly trend and each breakdown; aggregates only. Audited."""
    book = Book()
    summary = book.sheet("汇总", STATS_COLUMNS, [28, 14])
    period = f"{data['since'] or '—'} 至 {data['until'] or '—'}"
    cards, points = data["cards"], data["points"]
    for label, value in [
        ("社区", community.name),
        ("统计时段", period),
        ("注册志愿者（在册）", data["volunteers"]),
        ("党员志愿者", data["party_member_volunteers"]),
        ("服务人数（不重复）", data["people_served"]),
        ("服务次数", data["services"]),
        ("服务时长（小时）", data["hours"]),
        ("自组织", data["self_organizations"]),
        ("志愿服务队", data["teams"]),
        ("单位党组织储蓄卡", cards["party_org"]),
        ("企业卡", cards["enterprise"]),
        ("院落集体卡", cards["courtyard"]),
        ("发放积分", points["issued"]),
        ("兑换积分", points["redeemed"]),
        ("流通积分", points["in_circulation"]),
    ]:
        book.row(summary, [label, value])
    trend = book.sheet("月度趋势", ["月份", "服务次数", "服务时长（小时）"], [10, 10, 14])
    for m in data["months"]:
        book.row(trend, [m["month"], m["services"], m["hours"]])
    _breakdown(book, "按服务类型", "服务类型", data["by_service_type"])
    _breakdown(book, "按网格", "网格", data["by_grid"])
    _breakdown(book, "按队伍", "队伍", data["by_team"])
    body = book.to_bytes()
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="timebank.stats_export",
            community_id=community.pk,
            object_type="timebank.stats_export",
            object_id=str(community.pk),
            after={"since": str(data["since"] or ""), "until": str(data["until"] or "")},
        )
    return body


def proof_pdf(*, proof: RecordProof, verify_url: str) -> bytes:
    """One A4 page: the masked name and ID number, the period, services and hours frozen at issue, the issuing
    community and date, the verification code and a QR of the public verify page."""
    out = io.BytesIO()
    community: Place = proof.community
    person = proof.volunteer.person
    font = pdf.cjk_font()
    title = _("志愿服务记录证明")
    canvas = pdf.new_canvas(out, title=title)
    frame = pdf.PageFrame(community=community.name, title=title)
    pdf.draw_frame(canvas, frame, 1, 1)
    x, y = pdf.MARGIN, pdf.PAGE_HEIGHT - pdf.MARGIN - 20 * mm
    canvas.setFont(font, 22)
    canvas.drawCentredString(pdf.PAGE_WIDTH / 2, y, title)
    y -= 18 * mm
    start = proof.period_start.isoformat() if proof.period_start else _("首次服务")
    end = proof.period_end.isoformat() if proof.period_end else timezone.localtime(proof.issued_at).date().isoformat()
    hours = f"{proof.minutes / 60:.2f}"
    body = _(
        "兹证明 %(name)s（证件号码 %(id)s，志愿者编号 %(number)s）于 %(start)s 至 %(end)s 期间在%(community)s参加"
        "志愿服务 %(services)s 次，累计服务时长 %(hours)s 小时。"
    ) % {
        "name": person.masked_name,
        "id": person.masked_id_number,
        "number": proof.volunteer.number,
        "start": start,
        "end": end,
        "community": community.name,
        "services": proof.services,
        "hours": hours,
    }
    canvas.setFont(font, 13)
    for line in pdf.wrap_text(pdf.printable(body), font_size=13, width=pdf.PAGE_WIDTH - 2 * pdf.MARGIN):
        canvas.drawString(x, y, line)
        y -= 9 * mm
    y -= 4 * mm
    canvas.setFont(font, 11)
    note = _(
        "本证明依据《志愿服务条例》和《志愿服务记录与证明出具办法》免费出具，服务时长为实际服务时间，不含交通时间。"
    )
    for line in pdf.wrap_text(note, font_size=11, width=pdf.PAGE_WIDTH - 2 * pdf.MARGIN):
        canvas.drawString(x, y, line)
        y -= 7 * mm
    y -= 10 * mm
    canvas.setFont(font, 13)
    canvas.drawRightString(pdf.PAGE_WIDTH - pdf.MARGIN, y, _("出具单位：%(c)s") % {"c": community.name})
    y -= 9 * mm
    issued = timezone.localtime(proof.issued_at).date().isoformat()
    canvas.drawRightString(pdf.PAGE_WIDTH - pdf.MARGIN, y, _("出具日期：%(d)s") % {"d": issued})
    qr_size = 38 * mm
    qr_y = pdf.MARGIN + 6 * mm
    pdf.draw_qr(canvas, verify_url, x=x, y=qr_y, size=qr_size)
    canvas.setFont(font, 11)
    canvas.drawString(x + qr_size + 6 * mm, qr_y + qr_size - 10 * mm, _("验证码：%(code)s") % {"code": proof.code})
    canvas.setFont(font, 9)
    canvas.drawString(x + qr_size + 6 * mm, qr_y + qr_size - 18 * mm, _("扫码或访问以下地址核验本证明："))
    for i, line in enumerate(pdf.wrap_text(verify_url, font_size=9, width=pdf.PAGE_WIDTH - 2 * pdf.MARGIN - qr_size)):
        canvas.drawString(x + qr_size + 6 * mm, qr_y + qr_size - (24 + 5 * i) * mm, line)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
