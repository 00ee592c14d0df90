import pytest
from django.utils import timezone

from gongzhi.deliberation.models import Ballot, ProposalVersion, Status, Topic
from gongzhi.deliberation.selectors.topics import tally
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.people.models import Person

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_demo_topics_from_the_articles():
    street = load_demo(residents_lixiong=600).street
    made = load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    assert made == Topic.objects.count() == 10
    # Every procedure of the 议事厅 has a demo topic (article 004's hot topics are discussions).
    assert set(Topic.objects.values_list("procedure", flat=True)) == {
        "discussion",
        "owners",
        "elevator",
        "cocreation",
        "opinion",
        "council",
        "village_reps",
    }
    hot = Topic.objects.filter(hot_month__isnull=False).order_by("hot_month")
    assert [t.title for t in hot] == ["小区车位停放怎么管", "三线整治：楼道飞线入地", "垃圾房设在哪里"]
    assert hot.last().hot_month == timezone.localdate().replace(day=1)
    security = Topic.objects.get(title="老小区安防方案")
    assert ProposalVersion.objects.filter(topic=security).count() == 3
    rules = Topic.objects.get(title="花园颐院院落管理制度")
    assert rules.status == Status.VOTING
    result = tally(topic=rules)
    assert result.counted == 50 and 30 <= result.ballots <= 40
    assert result.ballots == Ballot.objects.filter(topic=rules).count()
    lift = Topic.objects.get(title="加装电梯")
    assert lift.procedure == "elevator" and lift.place.kind == "unit" and lift.status == Status.VOTING
    assert lift.elevator_plan.total_fen == 36_000_000 and Ballot.objects.filter(topic=lift).exists()
    # Idempotent: a second load adds nothing.
    assert load_deliberation_demo(street=street, password=DEMO_PASSWORD) == 0
    assert Topic.objects.count() == made


@pytest.mark.django_db
def test_public_pages_show_each_procedures_outcome(client):
    street = load_demo(residents_lixiong=600).street
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    cocreation = Topic.objects.get(procedure="cocreation")
    page = client.get(f"/p/{cocreation.community_id}/").content.decode()
    assert "老旧院落公共空间改造" in page and "行动计划完成 1/3 项" in page
    village = Topic.objects.get(procedure="village_reps")
    page = client.get(f"/p/{village.community_id}/").content.decode()
    assert village.title in page and "通过" in page and "未通过" not in page
    names = Person.objects.filter(community_id=village.community_id).values_list("name", flat=True)
    assert names and not [n for n in names if n in page]  # no villager is named on the public page
