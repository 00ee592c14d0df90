"""Meeting 台账 as .xlsx: the register of a community's meetings, and one meeting's workbook (basics and minutes,
sign-in, suggestions). Attendees appear by name and household only: never an ID number or a phone.

Callers pass rows already scoped to what the actor records; headers are a file format, not UI text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment

from gongzhi.core.columns import export_columns
from gongzhi.core.models import User
from gongzhi.core.usertext import masked
from gongzhi.core.xlsx import Book
from gongzhi.deliberation.models import Attendance, Meeting, Suggestion

__all__ = ["meeting_register_workbook", "meeting_workbook"]

REGISTER_COLUMNS = ["日期", "时间", "会议类型", "范围", "会议主题", "地点", "签到人数", "建议条数", "状态"]
REGISTER_WIDTHS = [12, 8, 14, 16, 30, 20, 10, 10, 10]
ATTENDANCE_COLUMNS = ["序号", "姓名", "所在", "房号", "签到方式", "签到时间"]
ATTENDANCE_WIDTHS = [6, 12, 20, 8, 14, 18]
SUGGESTION_COLUMNS = ["序号", "建议", "提出人", "类别", "处理状态", "答复", "转为议题"]
SUGGESTION_WIDTHS = [6, 50, 12, 12, 10, 40, 24]


def _where(attendance: Attendance) -> str:
    household = attendance.household
    if household is None:
        return "来宾" if attendance.person_id is None else ""
    place = household.place
    parent = place.parent if place.kind == "unit" else None
    return f"{parent.name}{place.name}" if parent else place.name


def _local(meeting: Meeting) -> Any:
    return timezone.localtime(meeting.starts_at)


def meeting_register_workbook(*, meetings: Iterable[Meeting]) -> bytes:
    """One row per meeting; the meetings come annotated with n_attendance and n_suggestions."""
    book = Book()
    sheet = book.sheet("会议台账", REGISTER_COLUMNS, REGISTER_WIDTHS)
    for m in meetings:
        at = _local(m)
        book.row(
            sheet,
            [
                at.strftime("%Y-%m-%d"),
                at.strftime("%H:%M"),
                m.get_kind_display(),
                m.place.name,
                masked(m.title),
                masked(m.location),
                getattr(m, "n_attendance", 0),
                getattr(m, "n_suggestions", 0),
                m.get_status_display(),
            ],
        )
    return book.to_bytes()


def meeting_workbook(
    *, actor: User, meeting: Meeting, attendances: Sequence[Attendance], suggestions: Sequence[Suggestion]
) -> bytes:
    """One meeting's sheets; who signed in is named as core.columns gives names to the actor."""
    columns = export_columns(actor, meeting.community)
    book = Book()
    info = book.sheet("基本信息", None, [14, 80])
    at = _local(meeting)
    for label, value in [
        ("会议主题", masked(meeting.title)),
        ("会议类型", meeting.get_kind_display()),
        ("范围", meeting.place.name),
        ("时间", at.strftime("%Y-%m-%d %H:%M")),
        ("地点", masked(meeting.location)),
        ("状态", meeting.get_status_display()),
        ("相关议题", masked(meeting.topic.title) if meeting.topic else ""),
        ("签到人数", len(attendances)),
        ("建议条数", len(suggestions)),
    ]:
        book.row(info, [label, value])
    minutes_cell = WriteOnlyCell(info, value=masked(meeting.minutes))
    minutes_cell.alignment = Alignment(wrap_text=True, vertical="top")
    minutes_cell.data_type = "s"
    info.append([WriteOnlyCell(info, value="会议纪要"), minutes_cell])

    signin = book.sheet("签到", ATTENDANCE_COLUMNS, ATTENDANCE_WIDTHS)
    for number, a in enumerate(attendances, start=1):
        book.row(
            signin,
            [
                number,
                columns.name(a.name),
                _where(a),
                a.household.room if a.household else "",
                a.get_method_display(),
                timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
            ],
        )

    sheet = book.sheet("建议", SUGGESTION_COLUMNS, SUGGESTION_WIDTHS)
    for number, s in enumerate(suggestions, start=1):
        book.row(
            sheet,
            [
                number,
                masked(s.body),
                columns.name(s.raised_by) if s.raised_by else "",
                s.category,
                s.get_status_display(),
                masked(s.response),
                masked(s.topic.title) if s.topic else "",
            ],
        )
    return book.to_bytes()
