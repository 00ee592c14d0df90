"""Write-only `.xlsx` 台账 workbooks (openpyxl) whose text cells can never turn into formulas."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


class Book:
    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self.bold = Font(bold=True)

    def sheet(self, title: str, header: Sequence[str] | None, widths: Sequence[int]) -> Any:
        """A sheet with its column widths and, when given, a bold frozen header row."""
        sheet = self.workbook.create_sheet(title=title)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if header:
            sheet.freeze_panes = "A2"
            sheet.append([self.bold_cell(sheet, text) for text in header])
        return sheet

    def bold_cell(self, sheet: Any, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = self.bold
        return cell

    @staticmethod
    def row(sheet: Any, values: Iterable[Any]) -> None:
        sheet.append([Book.cell(sheet, v) for v in values])

    @staticmethod
    def cell(sheet: Any, value: Any) -> Any:
        # A resident who writes "=HYPERLINK(...)" (or a party so named) must not become a live formula in Excel.
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"
            return text
        return value

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()
