"""The volunteer lifecycle: registration (a minor's guardian consent), recruitment, teams, awards, and the pages'
permissions (another community 404, a lower role 403) and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.people.services import person_create
from gongzhi.rules.volunteer_age import latest_birth_date
from gongzhi.timebank.models.volunteers import (
    Award,
    RecruitmentApplication,
    Team,
    TeamKind,
    TeamMember,
    Volunteer,
    VolunteerStatus,
)
from gongzhi.timebank.services.volunteers import (
    award_add,
    recruitment_apply,
    recruitment_close,
    recruitment_save,
    team_member_add,
    team_save,
    volunteer_register,
    volunteer_status_set,
)
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import user_of


def ninety_days_ago() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=90)


pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def minor(site: factories.Community, years: int = 15):
    # Turned `years` yesterday (a day earlier than the last birth date of that age).
    birth = latest_birth_date(timezone.localdate(), years) - datetime.timedelta(days=1)
    return person_create(
        actor=None,
        community=site.community,
        name="李小明",
        id_number=factories.next_id_number(birth=birth),
        household=site.households[3],
    )


def register(staff, site, person, **kw):
    return volunteer_register(actor=staff[Role.SECRETARY], community=site.community, person=person, **kw)


# --- registration ----------------------------------------------------------------------------------------------


def test_register_numbers_volunteers_and_audits(site, staff):
    a = register(staff, site, site.people[0], service_areas="助老")
    b = register(staff, site, site.people[1])
    assert a.number != b.number and a.status == VolunteerStatus.ACTIVE and a.registered_by == staff[Role.SECRETARY]
    assert a.guardian_consent_at is None
    assert AuditEvent.objects.filter(verb="timebank.volunteer_register").count() == 2


def test_duplicate_registration_is_refused(site, staff):
    register(staff, site, site.people[0])
    events = AuditEvent.objects.count()
    with pytest.raises(Duplicate) as exc:
        register(staff, site, site.people[0])
    assert exc.value.code == "already_registered" and "已经注册" in str(exc.value.message)
    assert Volunteer.objects.count() == 1 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({}, "guardian_name"),
        ({"guardian_name": "李大明", "guardian_phone": "13800138000"}, "guardian_consent"),
        ({"guardian_name": "李大明", "guardian_phone": "", "guardian_consent": True}, "guardian_phone"),
        ({"guardian_name": "李大明", "guardian_phone": "12345678901", "guardian_consent": True}, "guardian_phone"),
        ({"guardian_name": "李大明", "guardian_phone": "1380013800", "guardian_consent": True}, "guardian_phone"),
        ({"guardian_name": "<b>李</b>", "guardian_phone": "13800138000", "guardian_consent": True}, "guardian_name"),
    ],
)
def test_a_minor_without_consent_is_refused_and_nothing_is_created(site, staff, kw, field):
    child = minor(site)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        register(staff, site, child, **kw)
    assert exc.value.extra.get("field") == field
    if field != "guardian_name" or kw:
        assert exc.value.code in ("guardian_consent_required", "bad_text")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.message))
    assert not Volunteer.objects.exists() and AuditEvent.objects.count() == events


def test_a_minor_without_consent_gets_the_code(site, staff):
    with pytest.raises(ValidationFailed) as exc:
        register(staff, site, minor(site))
    assert exc.value.code == "guardian_consent_required" and "监护人" in str(exc.value.message)


def test_bad_guardian_phone_message(site, staff):
    with pytest.raises(ValidationFailed) as exc:
        register(staff, site, minor(site), guardian_name="李大明", guardian_phone="110", guardian_consent=True)
    assert exc.value.code == "guardian_consent_required" and "手机号" in str(exc.value.message)


def test_a_minor_with_consent_is_registered(site, staff):
    v = register(
        staff,
        site,
        minor(site),
        guardian_name="李大明",
        guardian_phone="138-0013-8000",
        guardian_relation="父亲",
        guardian_consent=True,
    )
    assert v.guardian_phone == "13800138000" and v.guardian_consent_at is not None and v.guardian_relation == "父亲"


def test_the_eighteenth_birthday_is_adult(site, staff):
    # On the 18th birthday itself no guardian is needed (rules.volunteer_age).
    birth = latest_birth_date(timezone.localdate(), 18)
    person = person_create(
        actor=None,
        community=site.community,
        name="王成年",
        id_number=factories.next_id_number(birth=birth),
        household=site.households[2],
    )
    assert register(staff, site, person).guardian_consent_at is None


def test_register_permissions(site, staff, other_site, other_staff):
    with pytest.raises(NotFound):
        volunteer_register(actor=other_staff[Role.SECRETARY], community=site.community, person=site.people[0])
    with pytest.raises(PermissionDenied):
        volunteer_register(actor=staff[Role.GRID_WORKER], community=site.community, person=site.people[0])
    with pytest.raises(NotFound):  # a person of another community
        register(staff, site, other_site.people[0])
    assert not Volunteer.objects.exists()


def test_status_set(site, staff):
    v = register(staff, site, site.people[0])
    volunteer_status_set(actor=staff[Role.SOCIAL_WORKER], volunteer=v, status=VolunteerStatus.SUSPENDED)
    v.refresh_from_db()
    assert v.status == VolunteerStatus.SUSPENDED
    with pytest.raises(ValidationFailed):
        volunteer_status_set(actor=staff[Role.SECRETARY], volunteer=v, status="gone")
    with pytest.raises(PermissionDenied):
        volunteer_status_set(actor=staff[Role.BUILDING_HEAD], volunteer=v, status=VolunteerStatus.ACTIVE)


# --- recruitment -----------------------------------------------------------------------------------------------


def test_recruitment_apply_once_then_register_from_it(site, staff):
    post = recruitment_save(
        actor=staff[Role.SECRETARY], community=site.community, title="助老志愿者", description="每周陪伴老人", needed=5
    )
    resident = user_of(site.people[0])
    application = recruitment_apply(actor=resident, recruitment=post, note="周末有空")
    with pytest.raises(Duplicate) as exc:
        recruitment_apply(actor=resident, recruitment=post)
    assert exc.value.code == "already_applied"
    v = register(staff, site, site.people[0], application=application)
    application.refresh_from_db()
    assert application.volunteer == v
    recruitment_close(actor=staff[Role.SECRETARY], recruitment=post)
    with pytest.raises(ValidationFailed) as closed:
        recruitment_apply(actor=user_of(site.people[1]), recruitment=post)
    assert closed.value.code == "recruitment_closed"
    assert RecruitmentApplication.objects.count() == 1


def test_recruitment_bad_input(site, staff):
    with pytest.raises(ValidationFailed):
        recruitment_save(actor=staff[Role.SECRETARY], community=site.community, title="", description="x")
    with pytest.raises(ValidationFailed):
        recruitment_save(
            actor=staff[Role.SECRETARY], community=site.community, title="<script>x</script>", description="x"
        )
    with pytest.raises(ValidationFailed) as exc:
        recruitment_save(
            actor=staff[Role.SECRETARY],
            community=site.community,
            title="t",
            description="d",
            opens_on=datetime.date(2026, 5, 2),
            closes_on=datetime.date(2026, 5, 1),
        )
    assert exc.value.code == "bad_period"
    with pytest.raises(PermissionDenied):
        recruitment_save(actor=staff[Role.RESIDENT], community=site.community, title="t", description="d")


def test_a_resident_of_another_community_cannot_apply(site, staff, other_site):
    post = recruitment_save(actor=staff[Role.SECRETARY], community=site.community, title="t", description="d")
    with pytest.raises(NotFound):
        recruitment_apply(actor=user_of(other_site.people[0]), recruitment=post)


# --- teams and awards ------------------------------------------------------------------------------------------


def test_teams_members_and_awards(site, staff):
    secretary = staff[Role.SECRETARY]
    v = register(staff, site, site.people[0])
    team = team_save(actor=secretary, community=site.community, name="夕阳红", kind=TeamKind.SELF_ORG)
    with pytest.raises(Duplicate):
        team_save(actor=secretary, community=site.community, name="夕阳红")
    team_member_add(actor=secretary, team=team, volunteer=v)
    with pytest.raises(Duplicate):
        team_member_add(actor=secretary, team=team, volunteer=v)
    assert TeamMember.objects.count() == 1 and Team.objects.get().kind == TeamKind.SELF_ORG
    award = award_add(
        actor=secretary,
        volunteer=v,
        title="优秀志愿者",
        awarded_on=ninety_days_ago(),
        issuer="街道办",
    )
    assert award.volunteer == v
    with pytest.raises(ValidationFailed) as exc:
        award_add(
            actor=secretary,
            volunteer=v,
            title="",
            awarded_on=ninety_days_ago(),
            issuer="x",
        )
    assert "表彰名称" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as future:
        award_add(actor=secretary, volunteer=v, title="t", awarded_on=datetime.date(2999, 1, 1), issuer="x")
    assert future.value.code == "future_date"
    assert Award.objects.count() == 1


# --- pages -----------------------------------------------------------------------------------------------------


def test_volunteer_list_masks_and_filters(site, staff):
    v = register(staff, site, site.people[0])
    register(staff, site, site.people[1])
    team = team_save(actor=staff[Role.SECRETARY], community=site.community, name="环境队")
    team_member_add(actor=staff[Role.SECRETARY], team=team, volunteer=v)
    client = login(staff[Role.SOCIAL_WORKER])
    url = reverse("timebank:volunteer_list", args=[site.community.pk])
    page = client.get(url).content.decode()
    person = site.people[0]
    assert person.masked_name in page and person.name not in page
    assert person.masked_phone in page and person.phone not in page
    filtered = client.get(url, {"team": team.pk}).content.decode()
    assert filtered.count('class="volunteer-row"') == 1


def test_page_permissions(site, staff, other_staff):
    v = register(staff, site, site.people[0])
    cid = site.community.pk
    staff_only = [
        reverse("timebank:volunteer_list", args=[cid]),
        reverse("timebank:volunteer_new", args=[cid]),
        reverse("timebank:volunteer_detail", args=[cid, v.pk]),
    ]
    for url in staff_only:
        assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404, url
        assert login(staff[Role.RESIDENT]).get(url).status_code == 403, url
        assert login(staff[Role.SECRETARY]).get(url).status_code == 200, url
    for url in (reverse("timebank:recruitment_list", args=[cid]), reverse("timebank:team_list", args=[cid])):
        assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404, url
        assert login(staff[Role.RESIDENT]).get(url).status_code == 200, url
    assert (
        login(staff[Role.RESIDENT])
        .post(reverse("timebank:team_list", args=[cid]), {"name": "x", "kind": "team"})
        .status_code
        == 403
    )
    assert not Team.objects.exists()


def test_register_page_shows_the_chinese_error_and_creates_nothing(site, staff):
    child = minor(site)
    client = login(staff[Role.SECRETARY])
    response = client.post(reverse("timebank:volunteer_new", args=[site.community.pk]), {"id_number": child.id_number})
    assert response.status_code == 400 and "监护人" in response.content.decode()
    assert not Volunteer.objects.exists()
    ok = client.post(
        reverse("timebank:volunteer_new", args=[site.community.pk]),
        {
            "id_number": child.id_number,
            "guardian_name": "李大明",
            "guardian_phone": "13800138000",
            "guardian_consent": "on",
        },
    )
    assert ok.status_code == 302 and Volunteer.objects.count() == 1
    again = client.post(
        reverse("timebank:volunteer_new", args=[site.community.pk]), {"id_number": site.people[5].id_number[:-1]}
    )
    assert again.status_code == 404


def test_resident_applies_on_the_page(site, staff):
    post = recruitment_save(actor=staff[Role.SECRETARY], community=site.community, title="清洁", description="d")
    resident = user_of(site.people[0])
    client = login(resident)
    page = client.get(reverse("timebank:recruitment_list", args=[site.community.pk])).content.decode()
    assert "清洁" in page
    url = reverse("timebank:recruitment_action", args=[site.community.pk, post.pk, "apply"])
    assert client.post(url, {"note": "我来"}).status_code == 302
    again = client.post(url, {"note": "我来"})
    assert again.status_code == 409 and "已经报名" in again.content.decode()
    assert RecruitmentApplication.objects.count() == 1
    recruitment_close(actor=staff[Role.SECRETARY], recruitment=post)
    assert "清洁" not in client.get(reverse("timebank:recruitment_list", args=[site.community.pk])).content.decode()


def _volunteers(site, staff, n):
    for i in range(n):
        person = factories.make_person(site.community, site.households[i % len(site.households)], name=f"志愿者{i}")
        v = register(staff, site, person)
        if i % 2:
            team = Team.objects.filter(community=site.community).first() or team_save(
                actor=staff[Role.SECRETARY], community=site.community, name="队"
            )
            team_member_add(actor=staff[Role.SECRETARY], team=team, volunteer=v)


def test_volunteer_list_query_count_is_constant(site, staff):
    client = login(staff[Role.SECRETARY])
    url = reverse("timebank:volunteer_list", args=[site.community.pk])
    _volunteers(site, staff, 2)
    client.get(url)

    with queries() as small:
        assert client.get(url).status_code == 200
    _volunteers(site, staff, 30)
    with queries(len(small)):
        page = client.get(url)
    assert page.content.decode().count('class="volunteer-row"') == 25
