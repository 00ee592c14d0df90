"""Printable A4 PDFs (ballot sheets, 公示 notices): one registered CJK font embedded as a subset, a header and a
footer on every page, and QR codes drawn as vector rectangles so a sheet prints sharp on any office printer."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from gongzhi.core.qr import QUIET_ZONE

__all__ = [
    "FONT",
    "FONT_PATH",
    "MARGIN",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "FontMissing",
    "NumberedCanvas",
    "PageFrame",
    "cjk_font",
    "draw_frame",
    "draw_qr",
    "fast_qr_matrix",
    "new_canvas",
    "printable",
    "wrap_text",
]

# Debian's fonts-wqy-microhei (scripts/ensure_fonts.sh installs it); a PDF without an embedded CJK font shows boxes.
FONT_PATH = os.environ.get("GONGZHI_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WenQuanYiMicroHei"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
# Compressed page streams stay binary: ASCII85 makes them a quarter larger and, without reportlab's C accelerator,
# costs more time than drawing the page.
rl_config.useA85 = 0


class FontMissing(RuntimeError):
    pass


def cjk_font() -> str:
    """Registers the CJK font once per process and returns its name; reportlab embeds only the glyphs used."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    if not os.path.exists(FONT_PATH):
        raise FontMissing(
            f"PDF needs the CJK font {FONT_PATH}: install Debian's fonts-wqy-microhei (scripts/ensure_fonts.sh)"
        )
    pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


class PageFrame:
    """What every page carries: the community's name on top, page n/m and the printed-at time at the bottom."""

    def __init__(self, *, community: str, title: str, printed_at: datetime.datetime | None = None):
        self.community = community
        self.title = title
        self.printed_at = timezone.localtime(printed_at or timezone.now())


def draw_frame(canvas: Canvas, frame: PageFrame, page: int, pages: int) -> None:
    font = cjk_font()
    canvas.saveState()
    canvas.setFont(font, 9)
    canvas.setFillGray(0.35)
    top = PAGE_HEIGHT - MARGIN + 4 * mm
    canvas.drawString(MARGIN, top, frame.community)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top, frame.title)
    canvas.setStrokeGray(0.7)
    canvas.line(MARGIN, top - 2 * mm, PAGE_WIDTH - MARGIN, top - 2 * mm)
    bottom = MARGIN - 8 * mm
    canvas.drawString(MARGIN, bottom, _("打印时间 %(at)s") % {"at": frame.printed_at.strftime("%Y-%m-%d %H:%M")})
    canvas.drawRightString(PAGE_WIDTH - MARGIN, bottom, _("第 %(n)s / %(m)s 页") % {"n": page, "m": pages})
    canvas.restoreState()


def new_canvas(out: IO[bytes], *, title: str, canvasmaker: Callable[..., Canvas] = Canvas) -> Canvas:
    canvas = canvasmaker(out, pagesize=A4, pageCompression=1, invariant=0)
    canvas.setTitle(title)
    canvas.setAuthor("gongzhi")
    return canvas


class NumberedCanvas(Canvas):  # type: ignore[misc]
    """Holds pages back until the end so that each footer can say "n / m"; for documents of a few pages only
    (a notice). Ballot sheets know their page count in advance and draw the frame directly."""

    frame: PageFrame

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for n, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            draw_frame(self, self.frame, n, total)
            super().showPage()
        super().save()


def fast_qr_matrix(data: str, *, mask: int = 2) -> list[list[bool]]:
    """Like core.qr.qr_matrix, but with a fixed mask pattern instead of scoring all eight: any mask is a valid code
    (ISO/IEC 18004 §7.8), the scoring only avoids patterns that are slightly harder to read, and it is four fifths
    of the encoder's time, which matters when 30,000 sheets are printed at once."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.version = code.calculate_version()
    code.makeImpl(False, mask)
    size = code.getModuleCount()
    return [[bool(code.isDark(row, col)) for col in range(size)] for row in range(size)]


def draw_qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """The code with its quiet zone in a size × size square whose lower-left corner is (x, y). The modules are
    written as integer rectangles in a scaled frame, a row's dark run as one rectangle: formatting thousands of
    float coordinates per sheet would otherwise take longer than encoding the code."""
    matrix = fast_qr_matrix(data)
    n = len(matrix) + 2 * QUIET_ZONE
    canvas.saveState()
    canvas.setFillGray(1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillGray(0)
    canvas.translate(x, y)
    canvas.scale(size / n, size / n)
    ops: list[str] = []
    for r, line in enumerate(matrix):
        row = n - 1 - (r + QUIET_ZONE)
        c = 0
        while c < len(line):
            if not line[c]:
                c += 1
                continue
            start = c
            while c < len(line) and line[c]:
                c += 1
            ops.append(f"{start + QUIET_ZONE} {row} {c - start} 1 re")
    ops.append("f")
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()


def wrap_text(text: str, *, font_size: float, width: float) -> list[str]:
    """Breaks Chinese (or mixed) text into lines no wider than width; CJK text may break between any two glyphs."""
    font = cjk_font()
    lines: list[str] = []
    for paragraph in (text or "").splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if pdfmetrics.stringWidth(line + ch, font, font_size) > width and line:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


# Glyphs the embedded font lacks, and the nearest ones it has.
_SUBSTITUTES = str.maketrans({"✗": "×", "☐": "□", "☑": "√"})


def printable(text: str) -> str:
    return (text or "").translate(_SUBSTITUTES)
