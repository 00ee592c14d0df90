"""Builds .xlsx files in memory for import tests, and reads exported ones back."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = ["姓名", "身份证号", "手机号", "楼栋", "单元", "房号", "面积", "身份", "标签"]


def xlsx_bytes(rows: Iterable[Sequence[Any]], header: Sequence[Any] | None = HEADER) -> bytes:
    """A one-sheet workbook: the header in row 1, then the rows (Excel row n is rows[n - 2])."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(
    rows: Iterable[Sequence[Any]], header: Sequence[Any] | None = HEADER, name: str = "台账.xlsx"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, xlsx_bytes(rows, header), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def person_row(
    id_number: str,
    *,
    name: str = "李四光",
    phone: str = "",
    building: Any = "1栋",
    unit: Any = "1单元",
    room: Any = "101",
    area: Any = None,
    relation: str = "家庭成员",
    tags: str = "",
) -> list[Any]:
    """One row in HEADER order."""
    return [name, id_number, phone, building, unit, room, area, relation, tags]


def read(data: bytes) -> list[list[Any]]:
    """All rows of the first sheet of an exported workbook, header included."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def cell_types(data: bytes) -> list[list[str]]:
    """openpyxl's data type of every cell ("s" text, "n" number, "f" formula)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [[cell.data_type for cell in row] for row in workbook.worksheets[0].iter_rows()]
