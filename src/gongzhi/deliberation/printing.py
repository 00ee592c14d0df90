"""The printed 议事厅: ballot sheets (one A4 page per household with its serial and QR) and 公示 notices, drawn with
reportlab and the embedded CJK font of `core.pdf`. Pure drawing: callers pass what the selectors read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from gongzhi.core import pdf
from gongzhi.core.usertext import masked
from gongzhi.deliberation.models import Matter, Topic
from gongzhi.deliberation.selectors.sheets import SheetRow
from gongzhi.places.models import Place

# 民法典第二百七十八条第二款, in the words printed on a sheet.
THRESHOLDS: dict[str, Any] = {
    Matter.MAJOR: gettext_lazy(
        "本事项须由专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决，"
        "并经参与表决专有部分面积四分之三以上且参与表决人数四分之三以上的业主同意（民法典第二百七十八条）。"
    ),
    Matter.ORDINARY: gettext_lazy(
        "本事项须由专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与表决，"
        "并经参与表决专有部分面积过半数且参与表决人数过半数的业主同意（民法典第二百七十八条）。"
    ),
}


def _window(topic: Topic) -> str:
    if topic.voting_opens_at and topic.voting_closes_at:
        opens = timezone.localtime(topic.voting_opens_at).strftime("%Y-%m-%d %H:%M")
        closes = timezone.localtime(topic.voting_closes_at).strftime("%Y-%m-%d %H:%M")
        return _("表决时间：%(a)s 至 %(b)s") % {"a": opens, "b": closes}
    return _("表决时间：另行通知")


def _lines(canvas: Canvas, lines: Iterable[str], *, x: float, y: float, size: float, leading: float) -> float:
    canvas.setFont(pdf.cjk_font(), size)
    for line in lines:
        canvas.drawString(x, y, line)
        y -= leading
    return y


def render_sheets(
    out: IO[bytes],
    *,
    community: Place,
    topic: Topic,
    rows: Iterable[SheetRow],
    pages: int,
    entry_url: str,
    shares: dict[int, str],
) -> int:
    """Draws one sheet per row; what is the same on every page (title, matter, thresholds) is laid out once."""
    font = pdf.cjk_font()
    frame = pdf.PageFrame(community=community.name, title=_("业主表决票"))
    canvas = pdf.new_canvas(out, title=_("业主表决票") + " " + masked(topic.title))
    width = pdf.PAGE_WIDTH - 2 * pdf.MARGIN
    left = pdf.MARGIN
    qr_size = 38 * mm
    title_lines = pdf.wrap_text(masked(topic.title), font_size=16, width=width - qr_size - 6 * mm)
    rule_lines = pdf.wrap_text(
        f"{topic.get_matter_display()}。{THRESHOLDS.get(topic.matter, '')}", font_size=10, width=width
    )
    window = _window(topic)
    choices = (_("同意"), _("反对"), _("弃权"))
    notes = pdf.wrap_text(
        _(
            "说明：本表决票一户一张，凭编号和二维码录入，无须填写身份证号。遗失或填错请向社区申请重新印发，"
            "原编号随即作废。委托他人代为表决的，请附书面委托书。"
        ),
        font_size=9,
        width=width,
    )
    n = 0
    for n, row in enumerate(rows, start=1):
        pdf.draw_frame(canvas, frame, n, pages)
        top = pdf.PAGE_HEIGHT - pdf.MARGIN - 6 * mm
        qr_x = pdf.PAGE_WIDTH - pdf.MARGIN - qr_size
        pdf.draw_qr(canvas, f"{entry_url}?serial={row.serial_no}&t={row.token}", x=qr_x, y=top - qr_size, size=qr_size)
        canvas.setFont(font, 11)
        canvas.drawCentredString(qr_x + qr_size / 2, top - qr_size - 5 * mm, row.serial_no)
        canvas.setFont(font, 20)
        canvas.drawString(left, top - 8 * mm, _("业主表决票"))
        canvas.setFont(font, 11)
        canvas.drawString(left, top - 15 * mm, _("编号：%(serial)s") % {"serial": row.serial_no})
        y = _lines(canvas, title_lines, x=left, y=top - 25 * mm, size=16, leading=7 * mm)
        y = min(y, top - qr_size - 12 * mm)
        y = _lines(canvas, rule_lines, x=left, y=y, size=10, leading=5.2 * mm)
        y = _lines(canvas, [window], x=left, y=y - 1 * mm, size=10, leading=5.2 * mm)

        y -= 4 * mm
        canvas.setStrokeGray(0)
        box_h = 30 * mm if row.household_id in shares else 24 * mm
        canvas.rect(left, y - box_h, width, box_h, stroke=1, fill=0)
        area = f"{row.area} m²" if row.area is not None else _("未登记")
        if row.area is not None and row.area_is_surveyed:
            area += _("（测绘面积）")
        household = [
            _("房屋：%(address)s") % {"address": row.address},
            _("专有部分面积：%(area)s") % {"area": area},
            _("业主：%(owner)s") % {"owner": row.owner},
        ]
        if row.household_id in shares:
            household.append(_("按方案本户分摊：%(share)s 元") % {"share": shares[row.household_id]})
        _lines(canvas, household, x=left + 4 * mm, y=y - 7 * mm, size=12, leading=6.5 * mm)
        y -= box_h + 10 * mm

        canvas.setFont(font, 12)
        canvas.drawString(left, y, _("表决意见（请在一个方框内打“✓”，只能选择一项）："))
        y -= 14 * mm
        step = width / 3
        for i, label in enumerate(choices):
            x = left + i * step + 8 * mm
            canvas.rect(x, y - 2 * mm, 9 * mm, 9 * mm, stroke=1, fill=0)
            canvas.setFont(font, 16)
            canvas.drawString(x + 12 * mm, y, label)
        y -= 22 * mm

        canvas.setFont(font, 12)
        canvas.drawString(left, y, _("业主签名：") + "_" * 24)
        canvas.drawString(left + width / 2 + 10 * mm, y, _("日期：") + "____年____月____日")
        y -= 14 * mm
        _lines(canvas, notes, x=left, y=y, size=9, leading=4.8 * mm)
        canvas.setFont(font, 9)
        canvas.drawRightString(pdf.PAGE_WIDTH - pdf.MARGIN, pdf.MARGIN + 2 * mm, row.serial_no)
        canvas.showPage()
    if n:
        canvas.save()
    return n


class _Writer:
    """A cursor down A4 pages that starts a new page when the next line would not fit."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.top = pdf.PAGE_HEIGHT - pdf.MARGIN - 8 * mm
        self.y = self.top
        self.width = pdf.PAGE_WIDTH - 2 * pdf.MARGIN

    def need(self, height: float) -> None:
        if self.y - height < pdf.MARGIN + 4 * mm:
            self.canvas.showPage()
            self.y = self.top

    def text(self, text: str, *, size: float = 11, gap: float = 1.6) -> None:
        for line in pdf.wrap_text(pdf.printable(text), font_size=size, width=self.width):
            self.need(size * 1.5)
            self.canvas.setFont(pdf.cjk_font(), size)
            self.canvas.drawString(pdf.MARGIN, self.y - size, line)
            self.y -= size * 1.5
        self.y -= gap * mm

    def row(self, cells: list[str], widths: list[float], *, size: float = 9, bold: bool = False) -> None:
        self.need(size * 1.7)
        self.canvas.setFont(pdf.cjk_font(), size)
        x = pdf.MARGIN
        for cell, w in zip(cells, widths, strict=True):
            self.canvas.drawString(x + 1 * mm, self.y - size, cell)
            x += w
        self.y -= size * 1.7
        self.canvas.setStrokeGray(0.3 if bold else 0.8)
        self.canvas.line(pdf.MARGIN, self.y + 1, pdf.MARGIN + sum(widths), self.y + 1)


def render_notice(out: IO[bytes], *, community: Place, topic: Topic, elevator: Any, decided_at: Any) -> None:
    font = pdf.cjk_font()
    result: dict[str, Any] = topic.result or {}

    def maker(*args: Any, **kwargs: Any) -> Canvas:
        canvas = pdf.NumberedCanvas(*args, **kwargs)
        canvas.frame = pdf.PageFrame(community=community.name, title=_("公示"))
        return canvas

    canvas = pdf.new_canvas(out, title=_("公示") + " " + masked(topic.title), canvasmaker=maker)
    w = _Writer(canvas)
    canvas.setFont(font, 22)
    canvas.drawCentredString(pdf.PAGE_WIDTH / 2, w.y - 22, _("公 示"))
    w.y -= 34
    w.text(masked(topic.title), size=15)
    w.text(_("议事规则：%(p)s") % {"p": topic.get_procedure_display()}, size=10)
    w.text(_("决议"), size=13, gap=0.5)
    w.text(masked(topic.resolution))
    w.text(_("表决结果"), size=13, gap=0.5)
    w.text(topic.get_matter_display(), size=10)
    for line in result.get("thresholds", []):
        w.text(line, size=10, gap=0.3)
    if not result.get("quorum_met"):
        outcome = _("参与表决的业主未达法定比例，未通过")
    else:
        outcome = _("通过") if result.get("passed") else _("未通过")
    w.text(_("结果：%(o)s") % {"o": outcome}, size=12)
    w.text(
        _("计入 %(n)s / %(h)s 户（无产权人或无登记面积的户不计入），有效表决票 %(b)s 张。")
        % {"n": result.get("counted"), "h": result.get("households"), "b": result.get("ballots")},
        size=10,
    )
    if elevator is not None:
        w.text(_("加装电梯费用分摊"), size=13, gap=0.5)
        w.text(_("总造价 %(t)s 元，按楼层系数 × 面积分摊（分摊到分，总额不变）") % {"t": elevator.total_yuan}, size=10)
        widths = [40 * mm, 25 * mm, 35 * mm, 25 * mm, 45 * mm]
        w.row([_("房号"), _("楼层"), _("面积(m²)"), _("系数"), _("分摊(元)")], widths, bold=True)
        for r in elevator.rows:
            w.row(
                [str(r["room"]), str(r["floor"] or "—"), str(r["area"] or "—"), str(r["coefficient"]), r["share"]],
                widths,
            )
        w.y -= 3 * mm
    w.text(_("公示期与异议"), size=13, gap=0.5)
    if elevator is not None and elevator.publicity_start:
        a = timezone.localtime(elevator.publicity_start).strftime("%Y-%m-%d %H:%M")
        b = timezone.localtime(elevator.publicity_end).strftime("%Y-%m-%d %H:%M")
        w.text(_("公示期 %(a)s 至 %(b)s") % {"a": a, "b": b})
        w.text(
            _("公示期内对方案或分摊有异议的，可登录共治平台在该议题页面提出异议，或书面向社区提出；异议均记录并答复。")
        )
    else:
        since = timezone.localtime(decided_at).strftime("%Y-%m-%d") if decided_at else "—"
        w.text(_("自 %(d)s 起公示。") % {"d": since})
        w.text(_("对表决结果有异议的，请在公示期内书面向社区提出，或在共治平台该议题页面留言。"))
    contact = " ".join(p for p in (community.address, community.contact_phone) if p)
    w.text(_("%(c)s（%(contact)s）") % {"c": community.name, "contact": contact or "—"}, size=11)
    w.text(timezone.localtime().strftime("%Y-%m-%d"), size=11)
    canvas.showPage()
    canvas.save()
