"""The demo opinion map: 瀝雄's 电动自行车充电与停放 with a few hundred synthetic voters in clear groups."""

import pytest

from gongzhi.core.models import User
from gongzhi.deliberation.models import OpinionStatement, Status, Topic
from gongzhi.deliberation.selectors.opinion import map_summary
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.deliberation.opinion import STATEMENTS, VOTER_PHONE_PREFIX
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.logins import demo_logins
from gongzhi.demo.people.specs import DEMO_PASSWORD

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_demo_opinion_map_has_groups_and_consensus():
    street = load_demo(residents_lixiong=600).street
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    topic = Topic.objects.get(title="小区电动自行车充电与停放")
    assert topic.procedure == "opinion" and topic.status == Status.DISCUSSION
    assert topic.community.name == "瀝雄社区"
    states = list(OpinionStatement.objects.filter(topic=topic).values_list("status", flat=True))
    assert states.count("approved") == len(STATEMENTS) == 25
    assert states.count("pending") == 1 and states.count("rejected") == 1
    summary = map_summary(topic=topic)
    assert summary["participants"] >= 150 and summary["clustered"] >= 150  # 320 with the full 30,000 residents
    assert 2 <= summary["k"] <= 3 and min(g["size"] for g in summary["groups"]) >= 20
    assert len(summary["consensus"]) >= 2
    voters = User.objects.filter(phone__startswith=VOTER_PHONE_PREFIX)
    assert voters.count() == summary["participants"]
    assert not any(u.has_usable_password() for u in voters[:20])  # voters only: nobody signs in as them
    assert not any(row["phone"].startswith(VOTER_PHONE_PREFIX) for row in demo_logins())
