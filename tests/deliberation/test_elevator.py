import datetime

import pytest
from django.utils import timezone

from gongzhi.core.errors import PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import ElevatorPlan, Objection, Status
from gongzhi.deliberation.selectors.topics import elevator_view
from gongzhi.deliberation.services.ballots import ballot_cast
from gongzhi.deliberation.services.elevator import elevator_plan_set, objection_answer, objection_file
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_open_voting,
    topic_propose,
    topic_publish,
    topic_start_discussion,
)
from tests.conftest import login

pytestmark = pytest.mark.date_sensitive


def elevator_topic(site, secretary):
    unit = site.units[0]  # 2 floors, 2 flats a floor, areas 81.50 and 82.50
    topic = topic_propose(actor=secretary, place=unit, title="1栋1单元加装电梯", summary="高层老人上下楼不便")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="elevator", body="加装一部电梯，停靠各层")
    topic_start_discussion(actor=secretary, topic=topic)
    topic.refresh_from_db()
    return topic


@pytest.mark.django_db
def test_elevator_is_decided_on_one_unit_with_major_thresholds(site, secretary):
    topic = topic_propose(actor=secretary, place=site.buildings[0], title="整栋加装", summary="s")
    topic_accept(actor=secretary, topic=topic)
    with pytest.raises(ValidationFailed) as err:
        topic_publish(actor=secretary, topic=topic, procedure="elevator", body="方案")
    assert "单元" in str(err.value.message)
    assert elevator_topic(site, secretary).matter == "major"


@pytest.mark.django_db
def test_voting_needs_a_plan_and_the_plan_splits_to_the_fen(owners, secretary):
    site = owners.site
    topic = elevator_topic(site, secretary)
    closes = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(PhaseClosed) as err:
        topic_open_voting(actor=secretary, topic=topic, closes_at=closes)
    assert "方案" in str(err.value.message)
    for bad in ("三十万", "-5", "100.001"):
        with pytest.raises(ValidationFailed):
            elevator_plan_set(actor=secretary, topic=topic, total_yuan=bad)
    assert not ElevatorPlan.objects.exists()
    elevator_plan_set(actor=secretary, topic=topic, total_yuan="300000.01")
    view = elevator_view(actor=owners.accounts[2], topic=topic)
    shares = {r["room"]: r["share"] for r in view.rows}
    assert shares["101"] == shares["102"] == "0.00"  # the ground floor pays nothing by default
    fen = sum(int(s.replace(",", "").replace(".", "")) for s in shares.values())
    assert fen == 30_000_001  # the shares add up to the total, to the fen
    assert [r["room"] for r in view.mine] == ["201"]  # the viewer sees their own share


@pytest.mark.django_db
def test_plan_refuses_a_floor_without_coefficient_and_negative_ones(owners, secretary):
    topic = elevator_topic(owners.site, secretary)
    with pytest.raises(ValidationFailed):
        elevator_plan_set(actor=secretary, topic=topic, total_yuan="1000", coefficients={1: "0"})
    with pytest.raises(ValidationFailed):
        elevator_plan_set(actor=secretary, topic=topic, total_yuan="1000", coefficients={1: "0", 2: "-1"})
    assert not ElevatorPlan.objects.exists()


@pytest.mark.django_db
def test_publicity_objections_answered_never_deleted_and_final_after_window(owners, secretary, time_machine):
    site = owners.site
    time_machine.move_to(timezone.now(), tick=False)
    topic = elevator_topic(site, secretary)
    elevator_plan_set(actor=secretary, topic=topic, total_yuan="200000", publicity_days=10)
    topic_open_voting(actor=secretary, topic=topic, closes_at=timezone.now() + datetime.timedelta(hours=1))
    for account in owners.accounts[:4]:  # the unit's four owners; all agree but the ground floor
        ballot_cast(actor=account, topic=topic, choice="disagree" if account == owners.accounts[0] else "agree")
    low_floor = owners.accounts[0]
    with pytest.raises(PhaseClosed):
        objection_file(actor=low_floor, topic=topic, body="太早")
    time_machine.shift(datetime.timedelta(hours=2))
    topic_decide(actor=secretary, topic=topic, resolution="同意加装")
    topic.refresh_from_db()
    assert topic.status == Status.DECIDED and topic.result["passed"]
    objection = objection_file(actor=low_floor, topic=topic, body="一楼采光受影响，要求补偿")
    with pytest.raises(ValidationFailed):
        objection_answer(actor=secretary, objection=objection, answer="")
    with pytest.raises(PermissionDenied):
        objection_answer(actor=owners.accounts[1], objection=objection, answer="我来答")
    objection_answer(actor=secretary, objection=objection, answer="将协调安装方调整井道位置并补偿")
    html = login(low_floor).get(f"/c/{site.community.pk}/topics/{topic.pk}/result/").content.decode()
    assert "公示中" in html and "异议 1 条" in html
    time_machine.shift(datetime.timedelta(days=10))
    with pytest.raises(PhaseClosed) as err:
        objection_file(actor=low_floor, topic=topic, body="再提")
    assert "公示期" in str(err.value.message)
    assert (
        "公示期满，结果生效"
        in login(low_floor).get(f"/c/{site.community.pk}/topics/{topic.pk}/result/").content.decode()
    )
    assert Objection.objects.count() == 1 and Objection.objects.get().answer.startswith("将协调")


@pytest.mark.django_db
def test_topic_page_shows_my_share_and_residents_cannot_set_the_plan(owners, secretary, staff):
    site = owners.site
    topic = elevator_topic(site, secretary)
    elevator_plan_set(actor=secretary, topic=topic, total_yuan="200000")
    client = login(owners.accounts[3])
    html = client.get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="my-share"' in html and "202" in html and 'id="share-table"' in html
    response = client.post(f"/c/{site.community.pk}/topics/{topic.pk}/step/plan/", {"total_yuan": "1"})
    assert response.status_code == 403
    assert ElevatorPlan.objects.get().total_fen == 20_000_000
    with pytest.raises(PermissionDenied):
        elevator_plan_set(actor=staff[Role.BUILDING_HEAD], topic=topic, total_yuan="1")


@pytest.mark.django_db
def test_other_community_cannot_see_the_elevator_topic(owners, secretary, other_staff):
    topic = elevator_topic(owners.site, secretary)
    assert (
        login(other_staff[Role.SECRETARY]).get(f"/c/{owners.site.community.pk}/topics/{topic.pk}/").status_code == 404
    )


@pytest.mark.django_db
def test_plan_form_has_one_field_per_floor_prefilled_with_the_default_table(owners, secretary):
    site = owners.site
    topic = elevator_topic(site, secretary)
    html = login(secretary).get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'name="coef_1" id="id_coef_1" value="0"' in html and 'name="coef_2" id="id_coef_2" value="0.5"' in html
    assert 'name="coef_3"' not in html  # the unit has two floors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"coef_1": "0", "coef_2": "-1"}, "第2层的分摊系数不能为负数"),
        ({"coef_1": "0", "coef_2": "一点五"}, "第2层的分摊系数应为数字"),
        ({"coef_1": "0", "coef_2": "1e3"}, "第2层的分摊系数应为数字"),
        ({"coef_1": "0", "coef_2": ""}, "分摊系数表缺少第2层"),
        ({"coef_1": "", "coef_2": "1"}, "请填写第1层的分摊系数"),
        ({"coef_1": "0", "coef_2": "<b>1</b>"}, "第2层的分摊系数应为数字"),
    ],
)
def test_plan_step_refuses_bad_floor_values_and_saves_nothing(owners, secretary, fields, message):
    site = owners.site
    topic = elevator_topic(site, secretary)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/step/plan/"
    page = login(secretary).post(url, {"total_yuan": "1000", **fields}, follow=True).content.decode()
    assert message in page
    assert not ElevatorPlan.objects.exists()


@pytest.mark.django_db
def test_plan_step_saves_the_typed_floor_values(owners, secretary):
    site = owners.site
    topic = elevator_topic(site, secretary)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/step/plan/"
    login(secretary).post(url, {"total_yuan": "1000", "coef_1": " 0 ", "coef_2": "1.25", "publicity_days": "7"})
    plan = ElevatorPlan.objects.get()
    assert plan.coefficients == {"1": "0", "2": "1.25"} and plan.publicity_days == 7 and plan.total_fen == 100_000


@pytest.mark.django_db
def test_community_table_prefills_new_plans_and_is_audited(owners, secretary, staff, other_staff):
    from gongzhi.core.audit import AuditEvent
    from gongzhi.deliberation.models.topics import ElevatorCoefficients

    site = owners.site
    url = f"/c/{site.community.pk}/topics/elevator-coefficients/"
    client = login(secretary)
    assert 'id="id_coef_6" value="1.4"' in client.get(url).content.decode()  # the default table until one is saved
    for fields, code in (
        ({"coef_1": "0", "coef_2": "-0.5"}, "negative_coefficient"),
        ({"coef_1": "0", "coef_2": "abc"}, "bad_coefficients"),
        ({"coef_1": "0", "coef_3": "1"}, "missing_floor"),
        ({}, "missing_floor"),
    ):
        page = client.post(url, fields).content.decode()
        assert f'data-code="{code}"' in page, fields
    assert not ElevatorCoefficients.objects.exists()
    assert client.post(url, {"coef_1": "0", "coef_2": "0.3", "coef_3": "0.9"}).status_code == 302
    assert ElevatorCoefficients.objects.get().coefficients == {"1": "0", "2": "0.3", "3": "0.9"}
    assert AuditEvent.objects.filter(verb="elevator.coefficients").count() == 1
    topic = elevator_topic(site, secretary)
    html = client.get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="id_coef_2" value="0.3"' in html
    elevator_plan_set(actor=secretary, topic=topic, total_yuan="1000")  # no fields: the community's table
    assert ElevatorPlan.objects.get().coefficients == {"1": "0", "2": "0.3"}
    assert login(staff[Role.BUILDING_HEAD]).post(url, {"coef_1": "0"}).status_code == 403
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    assert ElevatorCoefficients.objects.get().coefficients == {"1": "0", "2": "0.3", "3": "0.9"}
