"""The 台账 file format and reading the first sheet of a workbook; knows nothing of the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import openpyxl
from django.utils.translation import gettext as _

from gongzhi.people.errors import Code
from gongzhi.people.models import Relation

# Column headers are part of the file format, so they are not translated.
NAME, ID_NUMBER, PHONE, BUILDING, UNIT, ROOM, AREA, RELATION, TAGS = (
    "姓名",
    "身份证号",
    "手机号",
    "楼栋",
    "单元",
    "房号",
    "面积",
    "身份",
    "标签",
)
COLUMNS = (NAME, ID_NUMBER, PHONE, BUILDING, UNIT, ROOM, AREA, RELATION, TAGS)
REQUIRED_COLUMNS = (NAME, ID_NUMBER, BUILDING, ROOM, RELATION)
HEAD, MEMBER, TENANT, OWNER = "户主", "家庭成员", "租户", "产权人"
RELATION_WORDS = {HEAD: Relation.HEAD, MEMBER: Relation.MEMBER, TENANT: Relation.TENANT, OWNER: Relation.NONE}

_HEADER_NOISE = re.compile(r"[\s*＊]|[(（][^)）]*[)）]")
# "3", "3栋", "3号楼", "03幢", "第3组" all name building 3; "2" and "2单元" name unit 2.
_NUMBERED = re.compile(r"^第?0*(\d+)\s*(?:号楼|栋|幢|座|号|单元|村民小组|组)?$")


class SheetError(Exception):
    """The workbook cannot be read as a 台账 at all (as opposed to bad rows)."""

    def __init__(self, message: str, code: str = Code.BAD_TYPE):
        super().__init__(message)
        self.message = message
        self.code = code


# ---------------------------------------------------------------------------------------------------------------
# Reading the sheet


def _header_key(value: Any) -> str:
    return _HEADER_NOISE.sub("", str(value)) if value is not None else ""


def cell_text(value: Any) -> str:
    """A cell as text; Excel stores typed-in numbers (rooms, phones) as floats."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def place_alias(name: str) -> str:
    match = _NUMBERED.match(name.strip())
    return match.group(1) if match else name.strip()


def unreadable() -> SheetError:
    return SheetError(_("无法读取该Excel文件，请确认文件未损坏且为 .xlsx 格式"))


@contextmanager
def open_sheet(fileobj: IO[bytes]) -> Iterator[tuple[dict[str, int], int, Iterator[tuple[int, tuple[Any, ...]]]]]:
    """Yields (column → index, estimated row count, numbered rows after the header) of the first sheet."""
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError... for damaged files
        raise unreadable() from exc
    try:
        if not workbook.worksheets:
            raise unreadable()
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = next(rows, ())
        except Exception as exc:
            raise unreadable() from exc
        columns: dict[str, int] = {}
        for index, value in enumerate(header):
            columns.setdefault(_header_key(value), index)
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise SheetError(
                _("缺少必填列：%(columns)s（第1行应为列名）") % {"columns": "、".join(missing)},
                code=Code.MISSING_COLUMNS,
            )
        try:
            estimate = max(0, int(sheet.max_row or 0) - 1)
        except Exception:  # an unsized sheet has no <dimension>; the progress bar then waits for the end
            estimate = 0
        yield {c: columns[c] for c in COLUMNS if c in columns}, estimate, enumerate(rows, start=2)
    finally:
        workbook.close()
