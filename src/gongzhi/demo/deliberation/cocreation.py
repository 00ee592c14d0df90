"""Demo 团队共创 session (article 004: an old compound of 瀝雄): 老旧院落公共空间改造, decided, with its action plan.

Fifteen ideas (some typed in by residents, some collected at a 坝坝会 and entered by the secretary on their
behalf) are grouped into five clusters; a dozen residents and the building head spend their dots; the ranking
is frozen at the decision and the top three clusters become actions with an owner and a date. Everything goes
through the services except the voting window, which the demo closes right after the last dot instead of a
week later. The residents who vote have accounts with no usable password: nobody logs in as them, and hashing a
password for each would slow the load down.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.core.services import role_assign
from gongzhi.deliberation.models import Idea, Topic
from gongzhi.deliberation.services.cocreation import (
    action_item_add,
    action_item_update,
    cluster_create,
    cocreation_configure,
    dot_spend,
    idea_add,
    idea_assign,
)
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_open_voting,
    topic_propose,
    topic_publish,
    topic_start_discussion,
    topic_start_implementing,
)
from gongzhi.demo import bulk
from gongzhi.demo.deliberation.topics import LIXIONG_HEAD_PHONE
from gongzhi.people.models import Person, Relation
from gongzhi.places.models import Place, PlaceKind

__all__ = ["CLUSTERS", "PARTICIPANT_PHONE_PREFIX", "TITLE", "load"]

TITLE = "老旧院落公共空间改造"
# Outside the demo logins' 1380000xxxx, so the login page does not list these residents.
PARTICIPANT_PHONE_PREFIX = "1960000"

# Cluster → its ideas: (text, who said it at the 坝坝会, or "" when a resident typed it in online).
CLUSTERS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "休闲座椅与遮阳",
        [
            ("大榕树下加几张带靠背的长椅", ""),
            ("老人晒太阳的地方搭个遮阳棚", "2栋李婆婆"),
            ("座椅旁边放个放拐杖的架子", ""),
        ],
    ),
    (
        "停车与通道",
        [
            ("电动车乱停堵住了消防通道", ""),
            ("划出固定的自行车停放区", "院委会黄叔"),
            ("夜里外来车辆占院子，装个道闸", ""),
        ],
    ),
    (
        "照明与安全",
        [
            ("院子东角太黑，加两盏路灯", ""),
            ("楼道声控灯经常不亮", "3栋陈阿姨"),
            ("在院门口装监控", ""),
        ],
    ),
    (
        "儿童与老人活动",
        [
            ("给小孩留一块安全的玩耍地", ""),
            ("放一张乒乓球台", ""),
            ("空地铺上防滑地面，方便老人跳广场舞", "1栋周姐"),
        ],
    ),
    (
        "绿化与卫生",
        [
            ("闲置花坛改成居民认领的种菜角", ""),
            ("垃圾桶移到远离窗户的地方", "4栋赵伯"),
            ("定期清理下水道口的落叶", ""),
        ],
    ),
]
# Each participant's dots, by cluster index: residents weigh seating and safety, the building head lighting.
DOTS: list[list[int]] = [
    [0, 0, 2, 2, 1],
    [0, 2, 2, 1, 4],
    [1, 1, 1, 0, 0],
    [0, 0, 0, 3, 2],
    [2, 2, 0, 1, 4],
    [1, 2, 0, 3],
    [0, 2, 2, 4, 4],
    [3, 3, 0, 1, 2],
    [0, 1, 2],
    [2, 2, 3, 0, 4],
    [0, 3, 1, 1, 2],
    [4, 4, 0, 2, 2],
]
HEAD_DOTS = [2, 2, 2, 0, 1]
# (cluster index, action, owner, days from today, progress)
PLAN: list[tuple[int, str, str, int, str]] = [
    (0, "大榕树下安装6张带靠背长椅和遮阳棚", "社区居委会", 45, "in_progress"),
    (2, "院子东角加装两盏路灯，楼道声控灯全部检修", "楼栋长韩师傅", 20, "done"),
    (1, "施划电动车、自行车停放区，消防通道设禁停标识", "物业", 30, "planned"),
]


def _participants(community: Place, compound: Place) -> list[User]:
    """Household heads of the compound, each given an account without a usable password and a resident role."""
    heads = list(
        Person.objects.filter(
            community=community,
            relation=Relation.HEAD,
            household__isnull=False,
            household__place_path__startswith=compound.path,
            account__isnull=True,
        )
        .select_related("household")
        .order_by("id")[: len(DOTS)]
    )
    unusable = make_password(None)
    users = []
    for i, person in enumerate(heads):
        phone = f"{PARTICIPANT_PHONE_PREFIX}{i + 1:04d}"
        user = User.objects.filter(phone=phone).first() or bulk.create(
            User, phone=phone, display_name=person.name, password=unusable
        )
        role_assign(actor=None, user=user, role=Role.RESIDENT, household=person.household)
        users.append(user)
    return users


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist."""
    lixiong = communities.get("瀝雄社区")
    if lixiong is None:
        return
    compound = Place.objects.filter(community=lixiong, kind=PlaceKind.COMPOUND).order_by("path").first()
    if compound is None or Topic.objects.filter(community=lixiong, title=TITLE).exists():
        return

    tan = User.objects.get(phone="13800000008")  # 瀝雄书记
    head = User.objects.filter(phone=LIXIONG_HEAD_PHONE).first()
    topic = topic_propose(
        actor=tan,
        place=compound,
        title=TITLE,
        summary="院子里的空地、花坛和车棚年久失修。先收集大家的想法，归类后每人投点，得点最多的几类写进行动计划。",
    )
    topic_accept(actor=tan, topic=topic)
    topic_publish(
        actor=tan,
        topic=topic,
        procedure="cocreation",
        body="团队共创：一、收集想法（网上提交或在坝坝会上说）；二、社区把想法归类；三、每人5个点投给最重要的类别；"
        "四、得点最多的3类制定行动计划，写明负责人和完成期限。",
    )
    cocreation_configure(actor=tan, topic=topic, dots_per_person=5, max_per_cluster=None, top=3)
    participants = _participants(lixiong, compound)
    authors = [*participants, *([head] if head else [])] or [tan]
    ideas: list[list[Idea]] = []
    n = 0
    for _name, entries in CLUSTERS:
        made = []
        for text, said_by in entries:
            if said_by:
                made.append(idea_add(actor=tan, topic=topic, body=text, on_behalf_of=said_by))
            else:
                made.append(idea_add(actor=authors[n % len(authors)], topic=topic, body=text))
                n += 1
        ideas.append(made)
    topic_start_discussion(actor=tan, topic=topic)
    clusters = [cluster_create(actor=tan, topic=topic, name=name) for name, _entries in CLUSTERS]
    for cluster, made in zip(clusters, ideas, strict=True):
        for idea in made:
            idea_assign(actor=tan, idea=idea, cluster=cluster)

    topic_open_voting(actor=tan, topic=topic, closes_at=timezone.now() + datetime.timedelta(days=7))
    ballots = [*zip(participants, DOTS, strict=False), *([(head, HEAD_DOTS)] if head else [])]
    for voter, picks in ballots:
        for index in picks:
            dot_spend(actor=voter, topic=topic, cluster=clusters[index])
    # The demo's week of voting ends now: the window is closed so that the decision can be shown.
    bulk.update_where(Topic.objects.filter(pk=topic.pk), voting_closes_at=timezone.now())
    topic.refresh_from_db()
    topic_decide(
        actor=tan, topic=topic, resolution="按投点结果，座椅遮阳、照明安全、停车通道三类列入行动计划，年内完成。"
    )
    topic.refresh_from_db()
    today = timezone.localdate()
    items = [
        action_item_add(
            actor=tan,
            topic=topic,
            cluster=clusters[index],
            title=title,
            owner=owner,
            due=today + datetime.timedelta(days=days),
        )
        for index, title, owner, days, _status in PLAN
    ]
    topic_start_implementing(actor=tan, topic=topic, note="第一批座椅已订购")
    for item, (*_rest, status) in zip(items, PLAN, strict=True):
        if status != item.status:
            action_item_update(actor=tan, item=item, title=item.title, owner=item.owner, due=item.due, status=status)
