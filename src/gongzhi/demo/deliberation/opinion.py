"""Demo opinion map: 瀝雄's 电动自行车充电与停放, with 25 statements and a few hundred synthetic voters.

The voters fall into three camps (safety first; convenience first; cost and the property company's fees) plus
undecided ones, each answering most statements with some noise, so the map shows clear groups and a few
statements every group agrees with. The topic and its statements go through the services. The voters are
accounts with no usable password (nobody logs in as them, and hashing hundreds of passwords would slow the
load down), made in bulk with their answers, and the load writes one summary audit event for them.
"""

from __future__ import annotations

import random

from django.contrib.auth.hashers import make_password

from gongzhi.core import audit
from gongzhi.core.models import RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import OpinionVote, StatementStatus
from gongzhi.deliberation.services.opinion import statement_add, statement_moderate
from gongzhi.deliberation.services.topics import topic_accept, topic_propose, topic_publish, topic_start_discussion
from gongzhi.demo import bulk
from gongzhi.demo.deliberation.topics import LIXIONG_HEAD_PHONE
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import Place

__all__ = ["STATEMENTS", "VOTERS", "VOTER_PHONE_PREFIX", "load"]

VOTERS = 320
# Outside the demo logins' 1380000xxxx, so the login page does not list the voters.
VOTER_PHONE_PREFIX = "197"

# Text, then the leaning of each camp: (safety first, convenience first, cost first); 1 agree, -1 disagree,
# 0 divided.
STATEMENTS: list[tuple[str, tuple[int, int, int]]] = [
    ("电动自行车一律不准进楼道和电梯", (1, -1, 0)),
    ("应在小区地面集中建设充电棚", (1, -1, 1)),
    ("发现在家里充电的应当劝阻并上报物业", (1, -1, -1)),
    ("充电棚应安装烟感报警和自动灭火装置", (1, 0, 1)),
    ("飞线充电应该立即拆除", (1, -1, 0)),
    ("充电棚离楼太远，老人推车不方便", (-1, 1, 0)),
    ("应允许在地下车库设电动车充电区", (-1, 1, 0)),
    ("每栋楼下都要有充电点", (-1, 1, 1)),
    ("不应强制所有电动车都去充电棚充电", (-1, 1, 0)),
    ("集中充电棚应当24小时开放", (0, 1, -1)),
    ("充电费用应按电表实价收取，不能加价", (0, 0, 1)),
    ("充电设施可以交给物业运营", (1, 1, -1)),
    ("建充电棚的钱应从小区公共收益中出", (-1, 0, 1)),
    ("物业应当每季度公开充电收费和支出", (0, 0, 1)),
    ("包月充电比按次收费更合理", (0, 1, -1)),
    ("消防安全比停车方便更重要", (1, 1, 1)),
    ("楼道里不能堆放电动车和杂物", (1, 1, 1)),
    ("充电棚选址应先征求附近住户的意见", (1, 1, 1)),
    ("超时占用充电位应该收费", (1, -1, 0)),
    ("社区应组织电动车和电池安全知识讲座", (1, 0, 0)),
    ("外卖、快递车辆不能占用小区充电位", (0, 0, 0)),
    ("共享电动车不应进入小区", (0, 0, 0)),
    ("可以把闲置的自行车棚改建成充电棚", (0, 1, 1)),
    ("老化的电池应鼓励以旧换新，社区给补贴", (0, 0, 1)),
    ("充电桩应同时支持扫码和投币", (0, 0, 0)),
]
# Shares of the voters: the three camps and the undecided.
CAMPS = [0.42, 0.30, 0.18, 0.10]


def _stance(rng: random.Random, lean: int) -> int:
    """A voter's answer given their camp's leaning: mostly with it, sometimes passing, sometimes against."""
    draw = rng.random()
    if lean == 0:
        return 1 if draw < 0.38 else -1 if draw < 0.76 else 0
    return lean if draw < 0.8 else 0 if draw < 0.9 else -lean


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
    lixiong = communities.get("瀝雄社区")
    if lixiong is None:
        return
    tan = User.objects.get(phone="13800000008")  # 瀝雄书记
    rng = random.Random(2026)
    topic = topic_propose(
        actor=tan,
        place=lixiong,
        title="小区电动自行车充电与停放",
        summary="楼道充电、飞线充电有火灾隐患，充电棚又不够用。请对下面的观点表态，也可以提出新的观点。",
    )
    topic_accept(actor=tan, topic=topic)
    topic_publish(
        actor=tan,
        topic=topic,
        procedure="opinion",
        body="民意征集：每条观点选择同意、不同意或跳过。征集结束后，社区根据意见地图拟定充电与停放方案。",
    )
    seeded = [statement_add(actor=tan, topic=topic, text=text) for text, _lean in STATEMENTS]
    topic_start_discussion(actor=tan, topic=topic)

    # Residents' own statements: one waiting for moderation, one rejected with the reason its author sees.

    head = User.objects.filter(phone=LIXIONG_HEAD_PHONE).first()
    if head is not None:
        statement_add(actor=head, topic=topic, text="老旧小区可以在单元门口装智能充电柜")
        rejected = statement_add(actor=head, topic=topic, text="让电动车都停到小区外面去")
        statement_moderate(actor=tan, statement=rejected, approve=False, reason="小区外是市政道路，不能停放，无法执行")

    households = list(
        Person.objects.filter(community=lixiong, relation=Relation.HEAD, household__isnull=False)
        .order_by("id")
        .values_list("household_id", flat=True)[:VOTERS]
    )
    unusable = make_password(None)
    voters = bulk.insert(
        User,
        [
            User(phone=f"{VOTER_PHONE_PREFIX}{i:08d}", display_name=f"瀝雄居民{i + 1}", password=unusable)
            for i in range(len(households))
        ],
        batch_size=500,
    )
    bulk.insert(
        RoleAssignment,
        [
            RoleAssignment(user=u, role=Role.RESIDENT, community=lixiong, household_id=h)
            for u, h in zip(voters, households, strict=True)
        ],
        batch_size=500,
    )
    statements = {s.pk: s for s in seeded if s.status == StatementStatus.APPROVED}
    leans = {s.pk: lean for s, (_text, lean) in zip(seeded, STATEMENTS, strict=True)}
    votes = []
    for voter in voters:
        camp = rng.choices(range(len(CAMPS)), weights=CAMPS)[0]
        answered = rng.uniform(0.55, 1.0)  # some answer every card, some stop after half
        for pk in statements:
            if rng.random() > answered:
                continue
            lean = leans[pk][camp] if camp < 3 else 0
            votes.append(
                OpinionVote(
                    community_id=lixiong.pk,
                    topic=topic,
                    statement_id=pk,
                    voter=voter,
                    stance=_stance(rng, lean),
                    entered_by=voter,
                )
            )
    bulk.insert(OpinionVote, votes, batch_size=2000)
    audit.record(
        actor=None,
        verb="opinion.demo_votes",
        obj=topic,
        community_id=lixiong.pk,
        after={"voters": len(voters), "votes": len(votes), "synthetic": True},
    )
