"""东环路's names and figures from the article, and the state its build's parts share."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from gongzhi.demo.timebank.book import Book
from gongzhi.demo.timebank.common import Community
from gongzhi.demo.timebank.history import Rows
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.models.activities import ServiceRecord
from gongzhi.timebank.models.ledger import Account
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import Team

VOLUNTEERS = 620
HISTORY_MONTHS = 31  # 2024-05 … 2026-11 when loaded in December 2026
PARTY_ORGS = (
    "新都区税务局",
    "东环路小学",
    "区人民医院东区",
    "东环供电所",
    "区市场监管局",
    "区图书馆",
    "中国银行新都支行",
    "区水务局",
    "区住建局",
    "区文化馆",
    "区邮政分公司",
    "东环派出所",
)
ENTERPRISES = ("东环家政服务部", "新都锦苑物业服务中心", "惠民连锁超市东环店")
SELF_ORGS = (
    ("桂香文艺队", "排练演出，节庆慰问老人"),
    ("东环巧手编织社", "编织义卖，所得捐给慈善超市"),
    ("银发互助会", "低龄老人结对帮扶高龄独居老人"),
    ("和事佬调解队", "调解邻里纠纷"),
    ("绿色家园环保社", "垃圾分类督导和院落绿化"),
    ("邻里守望巡逻队", "夜间院落巡逻"),
    ("墨香书画社", "书画班和春联义写"),
    ("爱心助餐小组", "为高龄老人送餐"),
)
TEAMS = (("东环路党员先锋队", "在职党员和居民党员"), ("助老服务队", "上门探望和代购代办"), ("青年志愿服务队", ""))
GOODS = (
    ("大米（5公斤）", 80, "新都区爱心企业协会", 120),
    ("菜籽油（5升）", 90, "惠民连锁超市东环店", 80),
    ("洗衣液", 40, "东环家政服务部", 100),
    ("抽纸（一提）", 20, "居民捐赠", 150),
    ("鲜鸡蛋（30枚）", 30, "新都区爱心企业协会", 90),
    ("毛巾", 15, "居民捐赠", 120),
    ("雨伞", 35, "桂湖华庭业主委员会", 40),
)
CHAIN = (  # skill, training title, month offset before today, service content
    ("理发", "助残理发技能培训（琼花助残工坊）", 20, "上门理发（助残就业）"),
    ("助浴", "居家助浴技能培训（琼花助残工坊）", 19, "居家助浴（助残就业）"),
    ("康复理疗", "康复理疗基础培训（琼花助残工坊）", 18, "康复理疗（助残就业）"),
)
STAMP_POINTS = ("党群服务中心", "花园颐院", "东环苑", "慈善超市", "书吧", "新都锦苑", "桂湖华庭", "东环新苑")


def months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class Donghuanlu:
    """What the parts of 东环路's build share, in the order they make it: volunteers.py fills the first fields,
    activities.py the records, exchange.py the certified volunteers; spending.py reads them all."""

    c: Community
    caotanglu: Place | None
    rng: random.Random
    rows: Rows
    book: Book
    dh: Place
    u1: Any
    u2: Any
    u3: Any
    start: datetime.date
    t0: datetime.datetime
    places: dict[int, Place]
    courtyards: list[Place]
    compounds: list[Place]
    residents: list[Person]
    by_top: dict[int, list[Person]]
    elderly: list[Person]
    in_service: list[Person]
    me: Person
    disabled: list[Person]
    vols: list[Person]
    adult_vols: list[Person]
    elder_team: Team
    party_team: Team
    helpers: list[Person]
    card_of: dict[int, Account]
    yard_card: dict[int, Account]
    place_of: dict[int, Place] = field(default_factory=dict)
    records: list[ServiceRecord] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    certified: list[tuple[Person, ServiceType]] = field(default_factory=list)

    def earner(self, p: Person, when: datetime.datetime, card: Account | None) -> Account:
        """The account a record's points go to: the card it was served under, or the volunteer's own."""
        return card or self.book.individual(p, at=when)
