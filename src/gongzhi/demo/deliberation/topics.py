"""Demo 议事厅 content from the articles: 瀝雄's monthly hot topics and its security plan revised by building
heads (article 004), and 花园颐院's courtyard rules put to the owners (article 001). Built through the services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign, user_create
from gongzhi.deliberation.models import Topic
from gongzhi.deliberation.services.ballots import ballot_enter_paper
from gongzhi.deliberation.services.elevator import elevator_plan_set
from gongzhi.deliberation.services.sheets import ballot_enter_by_serial, sheet_issue
from gongzhi.deliberation.services.topics import (
    comment_post,
    topic_accept,
    topic_decide,
    topic_open_voting,
    topic_pin_hot,
    topic_propose,
    topic_publish,
    topic_report,
    topic_start_discussion,
    version_add,
)
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind

LIXIONG_HEAD_PHONE = "13800000011"


def _month(today: datetime.date, back: int) -> datetime.date:
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return datetime.date(year, month, 1)


def _through(actor: User, topic: Topic, *, body: str, procedure: str = "discussion") -> Topic:
    topic_accept(actor=actor, topic=topic)
    topic_publish(
        actor=actor, topic=topic, procedure=procedure, body=body, matter="ordinary" if procedure == "owners" else ""
    )
    topic_start_discussion(actor=actor, topic=topic)
    return topic


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, before the other parts (they find this
    part's building head by LIXIONG_HEAD_PHONE)."""
    lixiong, donghuan = communities["瀝雄社区"], communities["东环路社区"]
    tan = User.objects.get(phone="13800000008")  # 瀝雄书记
    zou = User.objects.get(phone="13800000001")  # 东环路书记
    today = timezone.localdate()

    old_compound = Place.objects.filter(community=lixiong, kind=PlaceKind.COMPOUND).order_by("path").first()
    building = (
        Place.objects.filter(community=lixiong, kind=PlaceKind.BUILDING, path__startswith=old_compound.path)
        .order_by("path")
        .first()
        if old_compound
        else None
    )
    head = user_create(actor=None, phone=LIXIONG_HEAD_PHONE, password=password, display_name="韩楼长")
    if building is not None:
        role_assign(actor=None, user=head, role=Role.BUILDING_HEAD, place=building)

    parking = _through(
        tan,
        topic_propose(actor=tan, place=lixiong, title="小区车位停放怎么管", summary="晚上车位不够，消防通道被占。"),
        body="方案：划定临时车位，消防通道设禁停标识。",
    )
    topic_pin_hot(actor=tan, topic=parking, month=_month(today, 2))
    comment_post(actor=tan, topic=parking, body="请各楼长收集本楼住户的意见。")
    topic_decide(actor=tan, topic=parking, resolution="划定夜间临时车位120个，消防通道全天禁停。")
    topic_report(actor=tan, topic=parking, report="车位已划线，消防通道占用投诉下降。")

    cables = _through(
        tan,
        topic_propose(
            actor=tan, place=lixiong, title="三线整治：楼道飞线入地", summary="电力、通信、有线电视线路杂乱。"
        ),
        body="方案：分期入地，先做老旧小区。",
    )
    topic_pin_hot(actor=tan, topic=cables, month=_month(today, 1))
    topic_decide(actor=tan, topic=cables, resolution="分两期实施，第一期覆盖老旧小区。")

    refuse = _through(
        tan,
        topic_propose(actor=tan, place=lixiong, title="垃圾房设在哪里", summary="新垃圾房选址，兼顾卫生与方便。"),
        body="候选：东门停车场旁、北门绿地角。",
    )
    topic_pin_hot(actor=tan, topic=refuse, month=today)
    comment_post(actor=head, topic=refuse, body="东门离住宅楼太近，夏天有味，建议北门。")

    if old_compound is not None:
        security = _through(
            tan,
            topic_propose(
                actor=tan, place=old_compound, title="老小区安防方案", summary="围栏失修、路灯损坏、入室盗窃时有发生。"
            ),
            body="第一版：修复围栏。",
        )
        version_add(actor=head, topic=security, body="修复围栏\n更换损坏路灯", change_note="居民提出晚上太黑，加路灯")
        version_add(
            actor=head, topic=security, body="修复围栏\n更换损坏路灯\n单元门加装门禁", change_note="楼长议事后加门禁"
        )

    unit = (
        Place.objects.filter(community=lixiong, kind=PlaceKind.UNIT, path__startswith=old_compound.path)
        .order_by("path")
        .first()
        if old_compound
        else None
    )
    if unit is not None:
        # 青羊北路-style: a six-floor stairwell, funded by renovation money and the owners, split by floor.
        lift = _through(
            tan,
            topic_propose(
                actor=tan, place=unit, title="加装电梯", summary="高层老人上下楼不便，本单元业主申请加装电梯。"
            ),
            body="资金：老旧小区改造补助 + 业主自筹；一楼不分摊，楼层越高系数越大；电梯维保由物业负责。",
            procedure="elevator",
        )
        elevator_plan_set(actor=tan, topic=lift, total_yuan="360000")
        topic_open_voting(actor=tan, topic=lift, closes_at=timezone.now() + datetime.timedelta(days=14))
        unit_owners = (
            Person.objects.filter(community=lixiong, ownerships__place_path__startswith=unit.path)
            .distinct()
            .order_by("id")
        )
        for i, owner in enumerate(unit_owners[:6]):
            try:
                ballot_enter_paper(actor=tan, topic=lift, voter=owner, choice="agree", serial_no=f"DT-{i + 1:03d}")
            except PermissionDenied:
                continue

    courtyard = Place.objects.filter(community=donghuan, name="花园颐院").first()
    if courtyard is not None:
        rules = _through(
            zou,
            topic_propose(
                actor=zou, place=courtyard, title="花园颐院院落管理制度", summary="院委会起草的院落公约，请业主表决。"
            ),
            body="一、门前三包；二、车辆有序停放；三、公共空间共建共享；四、院落微基金公开。",
            procedure="owners",
        )
        topic_open_voting(actor=zou, topic=rules, closes_at=timezone.now() + datetime.timedelta(days=7))
        # The sheets are printed, one per household, and about 70% have come back ticked and been entered by serial.
        sheets = sheet_issue(actor=zou, topic=rules)
        for i, sheet in enumerate(sheets):
            if i % 10 in (7, 8, 9):
                continue
            ballot_enter_by_serial(
                actor=zou, topic=rules, serial=sheet.serial_no, choice="disagree" if i % 9 == 0 else "agree"
            )
