"""The demo 团队共创 of 瀝雄's old compound: built through the services, decided, with a plan in progress."""

import pytest

from gongzhi.core.models import User
from gongzhi.deliberation.models import ActionItem, Cluster, Dot, Idea, Status, Topic
from gongzhi.demo.deliberation.cocreation import TITLE
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from tests.conftest import login

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_demo_cocreation_is_decided_with_a_ranking_and_a_three_item_plan():
    street = load_demo(residents_lixiong=600).street
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    topic = Topic.objects.get(title=TITLE)
    assert topic.procedure == "cocreation" and topic.status == Status.IMPLEMENTING
    assert topic.place.kind == "compound"
    assert Idea.objects.filter(topic=topic).count() == 15
    assert Idea.objects.filter(topic=topic, source="offline").count() == 5
    assert Cluster.objects.filter(topic=topic).count() == 5
    assert not Idea.objects.filter(topic=topic, cluster=None).exists()
    result = topic.result
    assert result["participants"] == 13 and result["dots"] == Dot.objects.filter(topic=topic).count() == 62
    assert [r["name"] for r in result["ranking"] if r["top"]] == ["照明与安全", "休闲座椅与遮阳", "停车与通道"]
    items = ActionItem.objects.filter(topic=topic)
    assert sorted(i.status for i in items) == ["done", "in_progress", "planned"]
    assert {i.owner for i in items} == {"社区居委会", "楼栋长韩师傅", "物业"}
    # The building head and the secretary see it on the topic page.
    for phone in ("13800000011", "13800000008"):
        html = login(User.objects.get(phone=phone)).get(f"/c/{topic.community_id}/topics/{topic.pk}/").content.decode()
        assert 'id="ranking"' in html and 'id="action-plan"' in html and "楼栋长韩师傅" in html
