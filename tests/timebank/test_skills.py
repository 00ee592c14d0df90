"""Service types, skills, training and certificates: the default set made once, every bad input refused with its
code and a Chinese message and nothing changed, certificates issued once per live person and skill, and the
chain trained → certified → served whom for staff, in a constant number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.timebank.models.activities import RecordSource, RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.skills import Certificate, ServiceType, Skill, Training, TrainingAttendance
from gongzhi.timebank.selectors.skills import skill_chain
from gongzhi.timebank.services.skills import (
    certificate_revoke,
    has_live_certificate,
    service_type_save,
    service_types_default,
    skill_save,
    training_attend,
    training_create,
)
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import Bank

pytestmark = pytest.mark.django_db


# --- helpers shared by the exchange and stamp tests ------------------------------------------------------------


def types_of(bank: Bank) -> dict[str, ServiceType]:
    return {t.name: t for t in service_types_default(bank.site.community)}


def past_training(bank: Bank, skill: Skill | None, title: str = "理发培训") -> Training:
    now = timezone.now()
    return training_create(
        actor=bank.secretary,
        community=bank.site.community,
        title=title,
        skill=skill,
        trainer="琼花观社工站",
        place=bank.site.compound,
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now - datetime.timedelta(hours=1),
    )


def certify(bank: Bank, person: Person, skill: Skill) -> Certificate:
    training = past_training(bank, skill, title=f"{skill.name}培训")
    training_attend(actor=bank.secretary, training=training, person=person)
    return Certificate.objects.get(person=person, skill=skill, revoked_at__isnull=True)


def snapshot() -> tuple:
    return (
        ServiceType.objects.count(),
        Skill.objects.count(),
        Training.objects.count(),
        TrainingAttendance.objects.count(),
        Certificate.objects.filter(revoked_at__isnull=True).count(),
        AuditEvent.objects.count(),
    )


def approved_record(bank: Bank, helper: Person, helped: Person, service_type: ServiceType, minutes: int = 60) -> Any:
    """An approved record as the activities part leaves it (the chain only reads records)."""
    now = timezone.now()
    record = ServiceRecord.objects.create(
        community=bank.site.community,
        person=helper,
        service_type=service_type,
        source=RecordSource.EXCHANGE,
        content=service_type.name,
        place=bank.site.community,
        place_path=helped.place_path,
        service_date=now.date(),
        started_at=now - datetime.timedelta(minutes=minutes),
        ended_at=now,
        minutes=minutes,
        status=RecordStatus.APPROVED,
    )
    ServiceRecipient.objects.create(community=bank.site.community, record=record, person=helped)
    return record


# --- service types ---------------------------------------------------------------------------------------------


def test_default_service_types_are_made_once_with_their_skills(bank: Bank):
    made = service_types_default(bank.site.community)
    by_name = {t.name: t for t in made}
    assert {
        n: (t.points_per_hour, t.required_skill.name if t.required_skill else None) for n, t in by_name.items()
    } == {
        "保洁/环境整治": (10, None),
        "门前三包": (10, None),
        "助老陪伴": (15, None),
        "代购代办": (10, None),
        "理发": (20, "理发"),
        "助浴": (30, "助浴"),
        "康复理疗": (30, "康复理疗"),
    }
    assert by_name["理发"].assisted_employment and not by_name["代购代办"].assisted_employment
    before = snapshot()
    again = service_types_default(bank.site.community)
    assert snapshot() == before and [t.pk for t in again] == [t.pk for t in made]
    assert AuditEvent.objects.filter(verb="timebank.service_types_default").count() == 1


def test_defaults_keep_what_staff_changed(bank: Bank):
    haircut = types_of(bank)["理发"]
    service_type_save(
        actor=bank.secretary,
        community=bank.site.community,
        name="理发",
        points_per_hour=25,
        required_skill=haircut.required_skill,
        service_type=haircut,
    )
    service_types_default(bank.site.community)
    haircut.refresh_from_db()
    assert haircut.points_per_hour == 25


def test_staff_add_a_service_type_with_one_audit_event(bank: Bank):
    skill = skill_save(actor=bank.secretary, community=bank.site.community, name="按摩")
    row = service_type_save(
        actor=bank.staff[Role.SOCIAL_WORKER],
        community=bank.site.community,
        name="上门按摩",
        points_per_hour=25,
        required_skill=skill,
        assisted_employment=True,
    )
    assert (row.points_per_hour, row.required_skill, row.assisted_employment) == (25, skill, True)
    [event] = AuditEvent.objects.filter(verb="timebank.service_type_save")
    assert event.after["points_per_hour"] == 25 and event.after["required_skill"] == skill.pk


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"name": ""}, "bad_text", "请填写服务类型名称"),
        ({"name": "<script>x</script>"}, "bad_text", "服务类型"),
        ({"points_per_hour": 0}, "bad_points", "每小时积分应为 1 到 200 之间的整数"),
        ({"points_per_hour": 201}, "bad_points", "每小时积分"),
        ({"points_per_hour": "10"}, "bad_points", "每小时积分"),
        ({"name": "理发"}, "service_type_exists", "本社区已有服务类型“理发”"),
    ],
)
def test_bad_service_types_are_refused_and_change_nothing(bank: Bank, kwargs, code, message):
    types_of(bank)
    before = snapshot()
    args = {"name": "陪诊", "points_per_hour": 15, **kwargs}
    with pytest.raises((ValidationFailed, Duplicate)) as exc:
        service_type_save(actor=bank.secretary, community=bank.site.community, **args)
    assert exc.value.code == code and message in str(exc.value.message)
    assert snapshot() == before


def test_service_types_are_for_staff_of_the_community(bank: Bank, other_staff):
    other_skill = Skill.objects.create(community=factories.make_community(name="第三社区").community, name="理发")
    cases = [
        (bank.staff[Role.RESIDENT], PermissionDenied),
        (bank.staff[Role.GRID_WORKER], PermissionDenied),
        (bank.alice_user, PermissionDenied),
        (other_staff[Role.SECRETARY], NotFound),
    ]
    for actor, error in cases:
        with pytest.raises(error):
            service_type_save(actor=actor, community=bank.site.community, name="陪诊", points_per_hour=15)
    with pytest.raises(NotFound):
        service_type_save(
            actor=bank.secretary,
            community=bank.site.community,
            name="陪诊",
            points_per_hour=15,
            required_skill=other_skill,
        )
    with pytest.raises(PermissionDenied):
        service_types_default(bank.site.community, actor=bank.alice_user)
    assert not ServiceType.objects.filter(community=bank.site.community).exists()


def test_service_types_page_for_staff_only(bank: Bank, other_staff):
    url = reverse("timebank:service_types", args=[bank.site.community.pk])
    staff = login(bank.secretary)
    response = staff.post(url, {"do": "defaults"})
    assert response.status_code == 302 and ServiceType.objects.filter(community=bank.site.community).count() == 7
    page = staff.get(url)
    assert page.status_code == 200 and "康复理疗" in page.content.decode()
    bad = staff.post(url, {"do": "type", "t-name": "", "t-points_per_hour": "10"})
    assert bad.status_code == 400 and "请填写服务类型名称" in bad.content.decode()
    ok = staff.post(url, {"do": "type", "t-name": "陪诊", "t-points_per_hour": "15", "t-required_skill": ""})
    assert ok.status_code == 302 and ServiceType.objects.filter(name="陪诊").exists()
    skill = staff.post(url, {"do": "skill", "s-name": "理发"})
    assert skill.status_code == 409 and "本社区已有技能“理发”" in skill.content.decode()
    haircut = ServiceType.objects.get(community=bank.site.community, name="理发")
    form = staff.get(url, {"edit": haircut.pk}).content.decode()
    assert 'value="20"' in form and f'value="{haircut.pk}"' in form
    edit = {"do": "type", "t-name": "理发", "t-points_per_hour": "25", "t-service_type": str(haircut.pk)}
    edit["t-required_skill"] = str(haircut.required_skill_id)
    assert staff.post(url, edit).status_code == 302
    haircut.refresh_from_db()
    assert (haircut.points_per_hour, haircut.is_active, haircut.required_skill.name) == (25, False, "理发")
    assert ServiceType.objects.filter(community=bank.site.community).count() == 8
    assert login(bank.alice_user).get(url).status_code == 403
    assert login(bank.staff[Role.GRID_WORKER]).get(url).status_code == 403
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(other_staff[Role.SECRETARY]).post(url, edit).status_code == 404
    haircut.refresh_from_db()
    assert haircut.points_per_hour == 25


# --- training and certificates ---------------------------------------------------------------------------------


def test_a_passed_training_issues_a_numbered_certificate_once(bank: Bank):
    skill = types_of(bank)["理发"].required_skill
    first = past_training(bank, skill)
    attendance = training_attend(actor=bank.secretary, training=first, person=bank.alice)
    [certificate] = Certificate.objects.filter(person=bank.alice)
    assert (certificate.skill, certificate.training, certificate.revoked_at) == (skill, first, None)
    assert certificate.number.startswith("ZS") and str(attendance.pk) in certificate.number
    assert AuditEvent.objects.get(verb="timebank.training_attend").after["certificate"] == certificate.number
    # A second training of the same skill records the attendance but issues no second live certificate.
    second = past_training(bank, skill, title="理发进阶")
    training_attend(actor=bank.secretary, training=second, person=bank.alice)
    assert Certificate.objects.filter(person=bank.alice).count() == 1
    assert TrainingAttendance.objects.filter(person=bank.alice).count() == 2


def test_a_failed_attendance_or_a_training_without_skill_issues_nothing(bank: Bank):
    skill = types_of(bank)["助浴"].required_skill
    training_attend(actor=bank.secretary, training=past_training(bank, skill), person=bank.bob, passed=False)
    training_attend(actor=bank.secretary, training=past_training(bank, None, "安全讲座"), person=bank.bob)
    assert not Certificate.objects.filter(person=bank.bob).exists()
    assert not has_live_certificate(bank.bob, skill.pk)


def test_bad_attendances_are_refused_and_change_nothing(bank: Bank, other_site):
    skill = types_of(bank)["理发"].required_skill
    training = past_training(bank, skill)
    training_attend(actor=bank.secretary, training=training, person=bank.alice)
    now = timezone.now()
    future = training_create(
        actor=bank.secretary,
        community=bank.site.community,
        title="下周培训",
        skill=skill,
        trainer="",
        place=None,
        starts_at=now + datetime.timedelta(days=7),
        ends_at=now + datetime.timedelta(days=7, hours=2),
    )
    before = snapshot()
    with pytest.raises(Duplicate) as exc:
        training_attend(actor=bank.secretary, training=training, person=bank.alice)
    assert exc.value.code == "already_attended" and "已经登记过这次培训" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        training_attend(actor=bank.secretary, training=future, person=bank.bob)
    assert exc.value.code == "not_started" and "培训还没有开始" in str(exc.value.message)
    with pytest.raises(NotFound):
        training_attend(actor=bank.secretary, training=training, person=other_site.people[0])
    with pytest.raises(PermissionDenied):
        training_attend(actor=bank.staff[Role.BUILDING_HEAD], training=training, person=bank.bob)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"title": ""}, "bad_text", "请填写培训名称"),
        ({"ends_at": "start"}, "bad_span", "结束时间必须晚于开始时间"),
        ({"ends_at": "month"}, "bad_span", "一次培训不能超过 31 天"),
        ({"starts_at": None}, "bad_time", "请填写培训的开始和结束时间"),
    ],
)
def test_bad_trainings_are_refused_and_change_nothing(bank: Bank, kwargs, code, message):
    now = timezone.now()
    args: dict[str, Any] = {"title": "助浴培训", "starts_at": now, "ends_at": now + datetime.timedelta(hours=2)}
    args.update(kwargs)
    if args["ends_at"] == "start":
        args["ends_at"] = now
    elif args["ends_at"] == "month":
        args["ends_at"] = now + datetime.timedelta(days=40)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        training_create(actor=bank.secretary, community=bank.site.community, skill=None, trainer="", place=None, **args)
    assert exc.value.code == code and message in str(exc.value.message)
    assert snapshot() == before


def test_trainings_are_for_staff_of_the_community(bank: Bank, other_site, other_staff):
    now = timezone.now()
    for actor, error in [(bank.alice_user, PermissionDenied), (other_staff[Role.SECRETARY], NotFound)]:
        with pytest.raises(error):
            training_create(
                actor=actor,
                community=bank.site.community,
                title="培训",
                skill=None,
                trainer="",
                place=None,
                starts_at=now,
                ends_at=now + datetime.timedelta(hours=1),
            )
    with pytest.raises(NotFound):
        training_create(
            actor=bank.secretary,
            community=bank.site.community,
            title="培训",
            skill=None,
            trainer="",
            place=other_site.compound,
            starts_at=now,
            ends_at=now + datetime.timedelta(hours=1),
        )
    assert not Training.objects.exists()


def test_revoking_a_certificate_needs_a_reason_and_happens_once(bank: Bank):
    skill = types_of(bank)["理发"].required_skill
    certificate = certify(bank, bank.alice, skill)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        certificate_revoke(actor=bank.secretary, certificate=certificate, reason=" ")
    assert exc.value.code == "reason_required" and "注销证书必须填写原因" in str(exc.value.message)
    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=bank.alice_user, certificate=certificate, reason="自己注销")
    assert snapshot() == before
    certificate_revoke(actor=bank.secretary, certificate=certificate, reason="考核复查未通过")
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revoke_reason == "考核复查未通过"
    assert not has_live_certificate(bank.alice, skill.pk)
    with pytest.raises(Duplicate) as exc:
        certificate_revoke(actor=bank.secretary, certificate=certificate, reason="再次")
    assert exc.value.code == "already_revoked"
    # Retrained, she is certified again with a new number.
    again = certify(bank, bank.alice, skill)
    assert again.pk != certificate.pk and again.number != certificate.number


def test_an_expired_certificate_is_not_live(bank: Bank):
    skill = types_of(bank)["理发"].required_skill
    certificate = certify(bank, bank.alice, skill)
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not has_live_certificate(bank.alice, skill.pk)


# --- pages -----------------------------------------------------------------------------------------------------


def test_skill_page_shows_trainings_and_my_certificates(bank: Bank, other_staff):
    skill = types_of(bank)["理发"].required_skill
    certificate = certify(bank, bank.alice, skill)
    url = reverse("timebank:skill_list", args=[bank.site.community.pk])
    page = login(bank.alice_user).get(url)
    body = page.content.decode()
    assert page.status_code == 200 and certificate.number in body and "理发培训" in body
    assert 'id="training-form"' not in body and 'id="chain-link"' not in body
    assert 'id="training-form"' in login(bank.secretary).get(url).content.decode()
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404


def test_staff_schedule_a_training_from_the_page(bank: Bank):
    skill = types_of(bank)["助浴"].required_skill
    client = login(bank.secretary)
    url = reverse("timebank:training_new", args=[bank.site.community.pk])
    form = {"title": "助浴培训", "skill": str(skill.pk), "trainer": "社工站", "place": str(bank.site.compound.pk)}
    bad = client.post(url, {**form, "starts_at": "2026-12-02T10:00", "ends_at": "2026-12-02T09:00"})
    assert bad.status_code == 400 and "结束时间必须晚于开始时间" in bad.content.decode()
    assert not Training.objects.exists()
    ok = client.post(url, {**form, "starts_at": "2026-12-02T09:00", "ends_at": "2026-12-02T11:00"})
    training = Training.objects.get()
    assert ok.status_code == 302 and ok["Location"].endswith(f"/skills/trainings/{training.pk}/")
    assert (training.skill, training.place) == (skill, bank.site.compound)
    assert login(bank.alice_user).post(url, {**form, "starts_at": "2026-12-02T09:00"}).status_code == 403


def test_attendance_sheet_issues_certificates_for_staff_only(bank: Bank, other_staff):
    skill = types_of(bank)["理发"].required_skill
    training = past_training(bank, skill)
    url = reverse("timebank:training_detail", args=[bank.site.community.pk, training.pk])
    client = login(bank.secretary)
    missing = client.post(url, {"who": "13000000000", "passed": "on"})
    assert missing.status_code == 400 and "本社区没有这个手机号或身份证号的居民" in missing.content.decode()
    ok = client.post(url, {"who": bank.alice.phone, "passed": "on"})
    assert ok.status_code == 302
    certificate = Certificate.objects.get(person=bank.alice)
    sheet = client.get(url).content.decode()
    assert certificate.number in sheet and bank.alice.masked_name in sheet and bank.alice.name not in sheet
    repeat = client.post(url, {"who": bank.alice.id_number, "passed": "on"})
    assert repeat.status_code == 409 and "已经登记过这次培训" in repeat.content.decode()
    resident = login(bank.alice_user)
    assert certificate.number not in resident.get(url).content.decode()
    assert resident.post(url, {"who": bank.bob.phone}).status_code == 403
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    revoke = reverse("timebank:certificate_revoke", args=[bank.site.community.pk, certificate.pk])
    assert resident.post(revoke, {"reason": "x"}).status_code == 403
    assert client.post(revoke, {"reason": "复查未通过"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "复查未通过"


def test_skill_page_queries_do_not_grow_with_trainings(bank: Bank):
    skill = types_of(bank)["理发"].required_skill
    url = reverse("timebank:skill_list", args=[bank.site.community.pk])
    client = login(bank.secretary)
    past_training(bank, skill)
    client.get(url)
    with queries(9) as small:
        client.get(url)
    for i in range(20):
        training = past_training(bank, skill, title=f"培训{i}")
        training_attend(actor=bank.secretary, training=training, person=bank.site.people[i % 8])
    with queries(len(small)):
        assert client.get(url).status_code == 200


# --- the chain -------------------------------------------------------------------------------------------------


def test_the_chain_shows_trained_certified_served_whom(bank: Bank):
    types = types_of(bank)
    haircut, bathing, shopping = types["理发"], types["助浴"], types["代购代办"]
    certify(bank, bank.alice, haircut.required_skill)
    certify(bank, bank.alice, bathing.required_skill)
    approved_record(bank, bank.alice, bank.carol, haircut, minutes=90)
    approved_record(bank, bank.alice, bank.bob, bathing, minutes=30)
    approved_record(bank, bank.alice, bank.carol, shopping)  # not a skilled service: not in the chain
    [row] = skill_chain(actor=bank.secretary, community=bank.site.community)
    assert row.person == bank.alice and row.assisted
    assert sorted(a.training.title for a in row.trainings) == ["助浴培训", "理发培训"]
    assert sorted(c.skill.name for c in row.certificates) == ["助浴", "理发"]
    assert row.minutes == 120 and row.people_served == 2
    page = login(bank.secretary).get(reverse("timebank:chain", args=[bank.site.community.pk])).content.decode()
    assert bank.alice.masked_name in page and bank.carol.masked_name in page and bank.carol.name not in page
    assert "辅助性就业" in page and "2.0 小时" in page


def test_the_chain_is_for_staff(bank: Bank, other_staff):
    url = reverse("timebank:chain", args=[bank.site.community.pk])
    assert login(bank.alice_user).get(url).status_code == 403
    assert login(bank.staff[Role.GRID_WORKER]).get(url).status_code == 403
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        skill_chain(actor=bank.alice_user, community=bank.site.community)


def test_the_chain_takes_the_same_queries_at_any_size(bank: Bank):
    haircut = types_of(bank)["理发"]
    certify(bank, bank.alice, haircut.required_skill)
    approved_record(bank, bank.alice, bank.carol, haircut)
    url = reverse("timebank:chain", args=[bank.site.community.pk])
    client = login(bank.secretary)
    client.get(url)

    def selector_queries() -> int:
        with queries() as ctx:
            for row in skill_chain(actor=bank.secretary, community=bank.site.community):
                _ = row.people_served, [c.skill.name for c in row.certificates], [a.training for a in row.trainings]
        return len(ctx.captured_queries)

    def page_queries() -> int:
        with queries() as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = (selector_queries(), page_queries())
    for person in bank.site.people[1:8]:
        certify(bank, person, haircut.required_skill)
        for _i in range(3):
            approved_record(bank, person, bank.alice, haircut)
    assert (selector_queries(), page_queries()) == small
    assert small[0] <= 6
