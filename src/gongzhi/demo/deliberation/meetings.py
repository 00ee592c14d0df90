"""Demo meetings: 花园颐院 坝坝会 and 院落夜话 with their minutes and suggestions (article 001).

Twenty meetings over the past ten months collect 150 suggestions, as the article's courtyard did; one 院落夜话 on the
courtyard rules is still to come. Everything goes through the services, as the staff would enter it.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.deliberation.models import (
    Attendance,
    AttendanceMethod,
    Meeting,
    MeetingKind,
    Suggestion,
    SuggestionStatus,
    Topic,
)
from gongzhi.deliberation.services.meetings import attendance_record, meeting_schedule, minutes_record, suggestion_add
from gongzhi.demo import bulk
from gongzhi.people.models import Person
from gongzhi.places.models import Place

__all__ = ["MEETINGS", "SUGGESTIONS_PER_MEETING", "load"]

MEETINGS = 20
SUGGESTIONS_PER_MEETING = 150 // MEETINGS  # 7, and the remainder goes to the first meetings
ATTENDEES = (9, 14, 18, 11, 22)  # turnout varies with the weather and the subject

SUBJECTS = [
    ("院落停车怎么排", "停车"),
    ("楼道堆物清理", "环境"),
    ("院坝晾衣架的位置", "公共空间"),
    ("院落微基金怎么用", "微基金"),
    ("夜间照明和安全", "安全"),
    ("垃圾分类投放点", "环境"),
    ("老人助餐和探访", "为老服务"),
    ("院落绿化认养", "绿化"),
]
IDEAS = [
    ("车辆进出院门请登记，外来车辆限时停放", "停车"),
    ("在院坝东侧画出电瓶车集中充电区", "安全"),
    ("楼道里的旧家具周末统一清运", "环境"),
    ("院坝增设两排晾衣架，避开消防通道", "公共空间"),
    ("微基金每季度公开一次收支", "微基金"),
    ("院门口的路灯坏了，请尽快修理", "安全"),
    ("垃圾桶旁边加一个洗手池", "环境"),
    ("独居老人每周有人上门看看", "为老服务"),
    ("花坛由各楼栋轮流认养浇水", "绿化"),
    ("院坝的石凳加装靠背，方便老人", "公共空间"),
    ("快递柜移到院门内侧", "公共空间"),
    ("禁止在院内燃放烟花", "安全"),
    ("开展一次消防演练", "安全"),
    ("周末组织小朋友参加院落清扫", "环境"),
    ("把议事结果贴在院门公示栏", "议事"),
]
MINUTES = (
    "时间：{at}\n地点：院坝\n主持：院委会\n\n"
    "一、议题：{subject}。\n"
    "二、到会居民 {n} 人，先后有多位居民发言，提出建议 {k} 条（见建议清单）。\n"
    "三、商定：由院委会整理意见，一周内在公示栏公布处理办法；需要全体业主决定的事项，转为议题表决。"
)


def _paper_ledger(
    meeting: Meeting, recorder: User, attendees: list[Person], ideas: list[tuple[str, str]], *, answered: bool
) -> None:
    """Older meetings arrive as their paper 台账 (sign-in sheet, suggestion list) in one insert each: a service call
    per row would make the demo load take seconds for rows nobody edits."""
    bulk.insert(
        Attendance,
        [
            Attendance(
                community_id=meeting.community_id,
                meeting=meeting,
                person=p,
                household_id=p.household_id,
                name=p.name,
                method=AttendanceMethod.QR if p.pk % 3 else AttendanceMethod.STAFF,
                recorded_by=recorder,
            )
            for p in attendees
        ],
    )
    bulk.insert(
        Suggestion,
        [
            Suggestion(
                community_id=meeting.community_id,
                meeting=meeting,
                body=body,
                category=category,
                raised_by=f"{1 + j % 6}栋住户",
                status=(SuggestionStatus.ADOPTED if j % 3 else SuggestionStatus.ANSWERED)
                if answered
                else SuggestionStatus.PENDING,
                response=("已采纳，院委会本月落实" if j % 3 else "已答复：物业已排期处理") if answered else "",
                responded_by=recorder if answered else None,
                responded_at=meeting.starts_at + datetime.timedelta(days=7) if answered else None,
                entered_by=recorder,
            )
            for j, (body, category) in enumerate(ideas)
        ],
    )


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
    donghuan = communities.get("东环路社区")
    courtyard = Place.objects.filter(community=donghuan, name="花园颐院").first() if donghuan else None
    staff = User.objects.filter(phone="13800000001").first()  # 东环路书记
    if courtyard is None or staff is None:
        return
    worker = User.objects.filter(phone="13800000002").first()  # 东环路社工
    residents = list(
        Person.objects.filter(community=donghuan, place_path__startswith=courtyard.path, household__isnull=False)
        .order_by("id")
        .only("id", "name", "household_id", "place_path", "community_id")
    )
    now = timezone.now()
    first_day = (now - datetime.timedelta(days=300)).replace(hour=19, minute=30, second=0, microsecond=0)
    suggestions_left = 150
    for i in range(MEETINGS):
        subject = SUBJECTS[i % len(SUBJECTS)][0]
        kind = MeetingKind.BAZABA if i % 2 == 0 else MeetingKind.NIGHT_TALK
        starts_at = first_day + datetime.timedelta(days=15 * i)
        meeting = meeting_schedule(
            actor=staff,
            place=courtyard,
            kind=kind,
            title=f"{subject}（第{i + 1}次{'坝坝会' if kind == MeetingKind.BAZABA else '院落夜话'}）",
            starts_at=starts_at,
            location="花园颐院院坝" if kind == MeetingKind.BAZABA else "花园颐院活动室",
        )
        recorder = worker if worker is not None and i % 3 == 1 else staff
        n = min(ATTENDEES[i % len(ATTENDEES)], len(residents))
        offset = (i * 7) % max(len(residents), 1)
        attendees = (residents[offset:] + residents[:offset])[:n]
        k = min(SUGGESTIONS_PER_MEETING + (1 if i < 150 - SUGGESTIONS_PER_MEETING * MEETINGS else 0), suggestions_left)
        suggestions_left -= k
        ideas = [IDEAS[(i * 3 + j) % len(IDEAS)] for j in range(k)]
        if i == MEETINGS - 1:  # the latest meeting is entered item by item, as staff do on the night
            for person in attendees:
                attendance_record(actor=recorder, meeting=meeting, person=person)
            for j, (body, category) in enumerate(ideas):
                suggestion_add(
                    actor=recorder, meeting=meeting, body=body, category=category, raised_by=f"{1 + (i + j) % 6}栋住户"
                )
        else:
            _paper_ledger(meeting, recorder, attendees, ideas, answered=i < MEETINGS - 4)
        minutes_record(
            actor=recorder,
            meeting=meeting,
            minutes=MINUTES.format(
                at=timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"), subject=subject, n=n, k=k
            ),
        )
    rules = Topic.objects.filter(community=donghuan, title="花园颐院院落管理制度").first()
    meeting_schedule(
        actor=staff,
        place=courtyard,
        kind=MeetingKind.NIGHT_TALK,
        title="院落夜话：院落管理制度答疑",
        starts_at=(now + datetime.timedelta(days=3)).replace(hour=19, minute=30, second=0, microsecond=0),
        location="花园颐院活动室",
        topic=rules,
    )
