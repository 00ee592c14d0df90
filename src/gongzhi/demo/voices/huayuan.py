"""花园颐院 (东环路社区), article 001: the 书记 has the grid worker and the building head survey the courtyard household
by household (双找: 找党员, 找需求), and the courtyard's 坝坝会 and 院落夜话 collect suggestions.

The article's 150 suggestions are, exactly: 30 needs found at the door in the 双找 survey + 120 suggestions of the
courtyard meetings entered as voices against their meeting (the demo meetings hold 150 suggestions; those about the
micro-fund or the meetings themselves stay in the minutes, as they are the 院委会's to settle, not a voice to route).

The survey covers all 50 households: 40 visited (6 of them after an earlier "no one home"), 2 declined, 3 still "no one
home", and 5 never knocked at, so that flow 4 has work to do in the demo. Everything is entered through the services
(survey_create, survey_visit_record, voice_submit), with the visit's or the meeting's own time."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.deliberation.models import MeetingStatus, Suggestion
from gongzhi.demo.voices.desk import Desk
from gongzhi.places.models import Household, Place
from gongzhi.voices.models import Channel, Survey, Voice
from gongzhi.voices.services import intake as intake_services
from gongzhi.voices.services import surveys as surveys_services
from gongzhi.voices.services.surveys import NeedInput

__all__ = ["MEETING_VOICES", "NEVER_VISITED", "SURVEY_NEEDS", "load"]

SURVEY_NEEDS = 30
MEETING_VOICES = 120
NEVER_VISITED = 5
STILL_NOBODY_HOME = 3
DECLINED = 2
REVISITED = 6

# Needs heard at the door: (category code, text); each visited household with needs gets one or two.
NEEDS = [
    ("lighting", "楼道感应灯不亮，晚上上下楼看不见"),
    ("parking", "院门口电瓶车乱停，轮椅推不出去"),
    ("refuse", "垃圾桶离窗户太近，夏天气味大"),
    ("elderly", "老伴腿脚不便，希望有人帮忙代买药"),
    ("facilities", "院坝的石凳坏了一条腿"),
    ("security", "单元门锁坏了，外人随便进出"),
    ("greening", "楼前的树枝挡住了阳台采光"),
    ("facilities", "楼道扶手松动，老人扶着不安全"),
    ("elderly", "独居，想参加社区的助餐"),
    ("noise", "隔壁院子晚上跳广场舞声音太大"),
    ("fencing", "院墙有一段裂缝，下雨天怕垮"),
    ("other", "希望院里办一次防诈骗讲座"),
]
# The meetings' suggestion categories → the desk's categories (微基金 and 议事 stay in the minutes).
MEETING_CATEGORY = {
    "停车": "parking",
    "安全": "security",
    "环境": "refuse",
    "公共空间": "facilities",
    "为老服务": "elderly",
    "绿化": "greening",
}
NOTES = ("老两口在家，聊了半小时", "户主是老党员，愿意当楼栋志愿者", "租户，刚搬来", "", "", "家里有行动不便的老人")


def _households(courtyard: Place) -> list[Household]:
    return list(
        Household.objects.filter(place_path__startswith=courtyard.path)
        .select_related("place")
        .order_by("place_path", "room", "id")
    )


def load(*, desk: Desk, courtyard: Place, rng: random.Random) -> tuple[Survey | None, list[Voice]]:
    """Called once by load_voices_demo inside its transaction; returns the survey and the voices it made."""
    secretary = desk.manager
    worker = User.objects.filter(phone="13800000003").first()
    head = User.objects.filter(phone="13800000004").first()
    if worker is None or head is None:
        return None, []
    now = timezone.now()
    starts = timezone.localdate() - datetime.timedelta(days=45)
    survey = surveys_services.survey_create(
        actor=secretary, place=courtyard, title="花园颐院双找入户走访（找党员、找需求）", starts_on=starts
    )
    households = _households(courtyard)
    # The building head's first building is theirs to walk; the grid worker takes the rest of the courtyard.
    head_place = head.role_assignments.values_list("place__path", flat=True).first() or "-"
    worker_grid = worker.role_assignments.values_list("grid__path", flat=True).first() or "-"
    voices: list[Voice] = []
    needs_left = SURVEY_NEEDS
    # The last households in walking order are where the survey has not got to yet.
    walked = households[: len(households) - NEVER_VISITED]
    nobody_home = set(range(len(walked) - STILL_NOBODY_HOME - DECLINED, len(walked) - DECLINED))
    declined = set(range(len(walked) - DECLINED, len(walked)))
    revisit = set(rng.sample(range(len(walked) - STILL_NOBODY_HOME - DECLINED), REVISITED))
    visited = [i for i in range(len(walked)) if i not in nobody_home and i not in declined]
    with_needs = set(rng.sample(visited, 22))  # 22 households: 8 of them with two needs = 30 needs
    two_needs = set(rng.sample(sorted(with_needs), SURVEY_NEEDS - 22))

    def at(day: int) -> datetime.datetime:
        t = timezone.make_aware(datetime.datetime.combine(starts + datetime.timedelta(days=day), datetime.time(9)))
        return min(t + datetime.timedelta(minutes=rng.randrange(0, 10 * 60)), now - datetime.timedelta(hours=2))

    n = 0
    for i, household in enumerate(walked):
        if household.place_path.startswith(head_place):
            actor = head
        else:  # the grid worker, or the 书记 where the courtyard reaches into a neighbouring grid
            actor = worker if household.grid_path.startswith(worker_grid) else secretary
        day = 1 + i * 30 // len(walked)
        if i in revisit or i in nobody_home:
            surveys_services.survey_visit_record(
                actor=actor,
                survey=survey,
                household=household,
                outcome="nobody_home",
                note="敲门无人应答，门上留了联系卡",
                from_paper=True,
                visited_at=at(day),
            )
            if i in nobody_home:
                continue
            day += 7 + rng.randrange(0, 5)
        needs = []
        if i in with_needs and needs_left > 0:
            k = min(2 if i in two_needs else 1, needs_left)
            for j in range(k):
                code, text = NEEDS[(n + j) % len(NEEDS)]
                needs.append(NeedInput(desk.categories[code], text, is_public=(n + j) % 3 != 0))
            n += k
            needs_left -= k
        visit = surveys_services.survey_visit_record(
            actor=actor,
            survey=survey,
            household=household,
            outcome="declined" if i in declined else "visited",
            note="" if i in declined else rng.choice(NOTES),
            needs=needs,
            from_paper=i % 3 == 0,  # a third arrives afterwards from the paper sheets
            visited_at=at(day),
        )
        voices.extend(visit.voices.all())
    voices += _meeting_voices(desk=desk, courtyard=courtyard)
    return survey, voices


def _meeting_voices(*, desk: Desk, courtyard: Place) -> list[Voice]:
    """The held meetings' suggestions, oldest first, entered against their meeting at the meeting's time."""
    rows = list(
        Suggestion.objects.filter(
            meeting__place=courtyard,
            meeting__status=MeetingStatus.HELD,
            category__in=list(MEETING_CATEGORY),
        )
        .select_related("meeting", "entered_by")
        .order_by("meeting__starts_at", "id")[:MEETING_VOICES]
    )
    community = desk.community
    voices = []
    for i, s in enumerate(rows):
        voices.append(
            intake_services.voice_submit(
                actor=s.entered_by or desk.manager,
                community=community,
                place=courtyard,
                category=desk.categories[MEETING_CATEGORY[s.category]],
                text=s.body,
                is_public=True,
                channel=Channel.MEETING,
                contact_name=s.raised_by[:50],
                meeting=s.meeting,
                suggestion=s,
                now=s.meeting.starts_at + datetime.timedelta(minutes=20 + 3 * (i % 30)),
            )
        )
    return voices
