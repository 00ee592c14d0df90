import pytest

from gongzhi.deliberation.models import Ballot, BallotSheet, Topic
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_demo_courtyard_vote_has_printed_sheets():
    load_deliberation_demo(street=load_demo(residents_lixiong=600).street, password=DEMO_PASSWORD)
    rules = Topic.objects.get(title="花园颐院院落管理制度")
    sheets = BallotSheet.objects.filter(topic=rules)
    assert sheets.exists() and sheets.order_by("seq").first().serial_no == f"T{rules.pk}-00001"
    ballots = Ballot.objects.filter(topic=rules, channel="paper")
    assert ballots.exists()
    assert set(ballots.values_list("serial_no", flat=True)) <= set(sheets.values_list("serial_no", flat=True))
