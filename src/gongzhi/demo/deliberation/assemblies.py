"""Demo: a 秦巷村 villagers' representatives meeting (article 000) deciding a topic by the votes of those present,
and a 东环路社区 议事会 whose vote is recorded but not yet turned into a decision, so the decide step can be tried.

秦巷村 has 24 自然村 and 41 村民小组 in the article; the demo builds four of them (about a hundred households) to
stay light. Its 村民议事厅 is the old pawnshop; meetings there are offline and informal, over tea, so attendance and
votes are entered by staff afterwards. Every name and number is synthetic.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign, user_create
from gongzhi.deliberation.models import Meeting, Resolution, Topic
from gongzhi.deliberation.selectors.assemblies import adult_cutoff, resolution_figures
from gongzhi.deliberation.services.assemblies import (
    body_create,
    body_member_add,
    member_votes_record,
    resolution_create,
)
from gongzhi.deliberation.services.meetings import attendance_record, meeting_mark_held, meeting_schedule
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_propose,
    topic_publish,
    topic_start_discussion,
)
from gongzhi.demo.people.build import build_community
from gongzhi.demo.people.specs import CommunitySpec, NaturalVillageSpec
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import Place, PlaceKind

__all__ = ["QINXIANG", "QINXIANG_STAFF_PHONE", "load"]

QINXIANG = "秦巷村"
QINXIANG_STAFF_PHONE = "13800000012"
REPRESENTATIVES = 19


def _qinxiang_spec() -> CommunitySpec:
    return CommunitySpec(
        natural_villages=(
            NaturalVillageSpec(name="秦巷", groups=(18, 16)),
            NaturalVillageSpec(name="当铺巷", groups=(17,)),
            NaturalVillageSpec(name="河口庄", groups=(15, 14)),
            NaturalVillageSpec(name="北圩", groups=(16,)),
        ),
        residents_per_household=2.9,
        party_rate=0.06,
        rented_rate=0.02,
        region_code="321012",
        migrant_share=0.04,
        address="共治示范街道秦巷村村民委员会（村民议事厅设在老当铺）",
        contact_phone="028-83962006",
    )


def _spread(people: list[Person], n: int) -> list[Person]:
    """n people spread evenly over the list (ordered by place), so every 村民小组 has representatives."""
    if len(people) <= n:
        return people
    return [people[i * len(people) // n] for i in range(n)]


def _topic(actor: User, place: Place, *, title: str, summary: str, body: str, procedure: str) -> Topic:
    topic = topic_propose(actor=actor, place=place, title=title, summary=summary)
    topic_accept(actor=actor, topic=topic)
    topic_publish(actor=actor, topic=topic, procedure=procedure, body=body)
    topic_start_discussion(actor=actor, topic=topic)
    topic.refresh_from_db()
    return topic


def _held(
    actor: User,
    topic: Topic,
    *,
    title: str,
    location: str,
    starts_at: datetime.datetime,
    attendees: list[Person],
    guests: tuple[str, ...] = (),
) -> Meeting:
    meeting: Meeting = meeting_schedule(
        actor=actor,
        place=topic.place,
        kind=topic.procedure,
        title=title,
        starts_at=starts_at,
        location=location,
        topic=topic,
    )
    for person in attendees:
        attendance_record(actor=actor, meeting=meeting, person=person)
    for name in guests:
        attendance_record(actor=actor, meeting=meeting, name=name)
    meeting_mark_held(actor=actor, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def _vote(actor: User, meeting: Meeting, *, text: str, choices: list[str]) -> Resolution:
    resolution = resolution_create(actor=actor, meeting=meeting, text=text)
    figures = resolution_figures(resolution)
    present = [m.pk for m in figures.members if m.pk in figures.present_ids]
    member_votes_record(actor=actor, resolution=resolution, votes=dict(zip(present, choices, strict=False)))
    return resolution


def _qinxiang(*, street: Place, password: str) -> None:
    village = Place.objects.filter(parent=street, name=QINXIANG).first() or build_community(
        street=street, name=QINXIANG, kind=PlaceKind.VILLAGE, spec=_qinxiang_spec()
    )
    staff = User.objects.filter(phone=QINXIANG_STAFF_PHONE).first() or user_create(
        actor=None,
        phone=QINXIANG_STAFF_PHONE,
        password=password,
        display_name="秦巷村书记（演示）",
        community_id=village.pk,
    )
    role_assign(actor=None, user=staff, role=Role.SECRETARY, place=village)

    now = timezone.now()
    adults = list(
        Person.objects.filter(
            community=village, relation=Relation.HEAD, birth_date__lte=adult_cutoff(timezone.localdate())
        ).order_by("place_path", "id")
    )
    reps = body_create(actor=staff, place=village, kind="village_reps", name="秦巷村村民代表会议")
    chosen = _spread(adults, REPRESENTATIVES)
    for i, person in enumerate(chosen):
        body_member_add(
            actor=staff,
            body=reps,
            person=person,
            role="convener" if i == 0 else "member",
            since=datetime.date(now.year - 1, 1, 1),
        )
    topic = _topic(
        staff,
        village,
        title="老当铺改建村民议事厅的使用与管理",
        summary="老当铺修缮后改作村民议事厅，开放时间、谁来管理、水电费谁出，请村民代表会议议定。",
        body="一、每天8:00至21:00免费开放，议事、喝茶、读报都可以；\n二、各村民小组长按月轮流管理，钥匙登记领用；\n"
        "三、水电费由村集体承担，损坏照价赔偿；\n四、每季度在议事厅公开村务。",
        procedure="village_reps",
    )
    meeting = _held(
        staff,
        topic,
        title="村民代表会议：村民议事厅的使用与管理",
        location="村民议事厅（老当铺）",
        starts_at=(now - datetime.timedelta(days=3)).replace(hour=11, minute=0, second=0, microsecond=0),
        # 15 of the 19 representatives came, over tea; a town official sat in and does not count.
        attendees=chosen[:15],
        guests=("镇农经站干部",),
    )
    _vote(
        staff,
        meeting,
        text="同意议事厅开放与管理办法（四条）",
        choices=["agree"] * 12 + ["disagree"] * 2 + ["abstain"],
    )
    topic_decide(
        actor=staff,
        topic=topic,
        resolution="村民议事厅每天8:00至21:00免费开放，村民小组长按月轮流管理，水电费由村集体承担，每季度公开村务。",
    )


def _donghuan_council(donghuan: Place) -> None:
    zou = User.objects.get(phone="13800000001")  # 东环路书记
    council = body_create(actor=zou, place=donghuan, kind="council", name="东环路社区议事会")
    members = _spread(
        list(
            Person.objects.filter(
                community=donghuan, relation=Relation.HEAD, birth_date__lte=adult_cutoff(timezone.localdate())
            ).order_by("place_path", "id")
        ),
        9,
    )
    for i, person in enumerate(members):
        body_member_add(
            actor=zou,
            body=council,
            person=person,
            role="convener" if i == 0 else "member",
            since=datetime.date(2024, 3, 1),
        )
    topic = _topic(
        zou,
        donghuan,
        title="社区书吧延长开放时间",
        summary="上班族晚上才有空，建议书吧和数字化学习室延长到晚上九点。",
        body="方案：周一至周五书吧开放到21:00，由志愿者值守，时间银行按小时计积分。",
        procedure="council",
    )
    meeting = _held(
        zou,
        topic,
        title="社区议事会：书吧开放时间",
        location="党群服务中心二楼会议室",
        starts_at=(timezone.now() - datetime.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0),
        attendees=members[:7],
    )
    _vote(zou, meeting, text="同意书吧工作日开放到21:00", choices=["agree"] * 5 + ["disagree", "abstain"])


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
    _qinxiang(street=street, password=password)
    if "东环路社区" in communities:
        _donghuan_council(communities["东环路社区"])
