"""The assemblies demo: 秦巷村's representatives meeting decided with its exact figures, 东环路's council pending."""

import pytest

from gongzhi.core.models import User
from gongzhi.deliberation.models import Body, Status, Topic
from gongzhi.demo.deliberation.assemblies import QINXIANG, QINXIANG_STAFF_PHONE
from gongzhi.demo.deliberation.load import load_deliberation_demo
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.places.models import Place, PlaceKind
from tests.conftest import login

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_demo_representatives_meeting_and_council():
    street = load_demo(residents_lixiong=600).street
    load_deliberation_demo(street=street, password=DEMO_PASSWORD)
    village = Place.objects.get(parent=street, name=QINXIANG)
    assert village.kind == PlaceKind.VILLAGE
    assert Place.objects.filter(community=village, kind=PlaceKind.NATURAL_VILLAGE).count() == 4
    reps = Body.objects.get(community=village, kind="village_reps")
    assert reps.members.count() == 19
    topic = Topic.objects.get(title="老当铺改建村民议事厅的使用与管理")
    assert topic.status == Status.DECIDED and topic.procedure == "village_reps"
    assert topic.result["thresholds"] == [
        "出席人数 15 / 19 人 = 78.95% ≥ 2/3 ✓",
        "同意人数 12 / 15 人 = 80.00% > 1/2 ✓",
    ]
    assert topic.result["attendance"] == 16 and topic.result["passed"]
    council = Topic.objects.get(title="社区书吧延长开放时间")
    assert council.status == Status.DISCUSSION and council.procedure == "council"
    staff = User.objects.get(phone=QINXIANG_STAFF_PHONE)
    assert staff.check_password(DEMO_PASSWORD)
    html = login(staff).get(f"/c/{village.pk}/topics/{topic.pk}/result/").content.decode()
    assert "出席人数 15 / 19 人 = 78.95% ≥ 2/3 ✓" in html
    zou = User.objects.get(phone="13800000001")
    page = login(zou).get(f"/c/{council.community_id}/topics/{council.pk}/").content.decode()
    assert 'id="assembly-decide"' in page and "出席人数 7 / 9 人 = 77.78% &gt; 1/2 ✓" in page
    # Idempotent.
    assert load_deliberation_demo(street=street, password=DEMO_PASSWORD) == 0
    assert Place.objects.filter(parent=street, name=QINXIANG).count() == 1
