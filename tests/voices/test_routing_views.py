"""The routing, parties, categories and calendar pages: the permission matrix, forms, bad input, query counts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.roles import Role
from gongzhi.voices.models import CalendarDay, Category, Party, PartyKind, PartyMember, Route
from tests import factories
from tests.conftest import login
from tests.queries import queries

PAGES = ["voices:routes", "voices:parties", "voices:categories"]


def url(name, desk, *args):
    return reverse(name, args=[desk.site.community.pk, *args])


@pytest.mark.parametrize("name", PAGES)
def test_permission_matrix(desk, other_desk, name):
    target = url(name, desk)
    anonymous = Client().get(target)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert login(other_desk.staff[Role.SECRETARY]).get(target).status_code == 404
    for role in (Role.GRID_WORKER, Role.PROPERTY, Role.RESIDENT, Role.BUILDING_HEAD):
        response = login(desk.staff[role]).get(target)
        assert response.status_code == 403, role
        assert "只有社区书记或社工" in response.content.decode()
    for role in (Role.SECRETARY, Role.SOCIAL_WORKER):
        assert login(desk.staff[role]).get(target).status_code == 200


@pytest.mark.parametrize("name", ["voices:party", "voices:category"])
def test_permission_matrix_of_the_edit_pages(desk, other_desk, name):
    obj = desk.property if name == "voices:party" else desk.categories["parking"]
    target = url(name, desk, obj.pk)
    assert Client().get(target).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).get(target).status_code == 404
    for role in (Role.GRID_WORKER, Role.PROPERTY, Role.RESIDENT):
        assert login(desk.staff[role]).get(target).status_code == 403
        assert login(desk.staff[role]).post(target, {"name": "改了"}).status_code == 403
    assert login(desk.staff[Role.SECRETARY]).get(target).status_code == 200
    obj.refresh_from_db()
    assert obj.name != "改了"


def test_route_delete_matrix(desk, other_desk):
    route = Route.objects.filter(community=desk.site.community).first()
    target = url("voices:route_delete", desk, route.pk)
    assert Client().post(target).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).post(target).status_code == 404
    assert login(desk.staff[Role.PROPERTY]).post(target).status_code == 403
    assert Route.objects.filter(pk=route.pk).exists()
    assert login(desk.staff[Role.SOCIAL_WORKER]).post(target).status_code == 302
    assert not Route.objects.filter(pk=route.pk).exists()


def test_a_lower_role_cannot_post_either(desk):
    s = desk.site
    response = login(desk.staff[Role.GRID_WORKER]).post(
        url("voices:routes", desk), {"place": s.compound.pk, "party": desk.grid_party.pk}
    )
    assert response.status_code == 403
    assert not Route.objects.filter(place=s.compound, category=None).exists()


def test_routes_page_lists_adds_changes_and_deletes(desk):
    s, client = desk.site, login(desk.staff[Role.SECRETARY])
    html = client.get(url("voices:routes", desk)).content.decode()
    assert "花园物业" in html and "全部类别" in html and html.count('id="route-') >= 4
    response = client.post(
        url("voices:routes", desk),
        {"place": s.buildings[1].pk, "category": desk.categories["refuse"].pk, "party": desk.property.pk},
    )
    assert response.status_code == 302
    route = Route.objects.get(place=s.buildings[1], category=desk.categories["refuse"])
    assert route.party == desk.property and route.updated_by == desk.staff[Role.SECRETARY]
    client.post(
        url("voices:routes", desk),
        {"place": s.buildings[1].pk, "category": desk.categories["refuse"].pk, "party": desk.grid_party.pk},
    )
    route.refresh_from_db()
    assert route.party == desk.grid_party
    assert client.get(url("voices:route_delete", desk, route.pk)).status_code == 405
    assert client.post(url("voices:route_delete", desk, route.pk)).status_code == 302
    assert not Route.objects.filter(pk=route.pk).exists()


def test_routes_preview_shows_the_party(desk):
    s, client = desk.site, login(desk.staff[Role.SECRETARY])
    response = client.get(
        url("voices:routes", desk), {"try_place": s.units[0].pk, "try_category": desk.categories["security"].pk}
    )
    assert "第一网格网格员" in response.content.decode().split('id="route-preview"')[1][:200]
    response = client.get(
        url("voices:routes", desk), {"try_place": s.units[0].pk, "try_category": desk.categories["refuse"].pk}
    )
    assert "居委会" in response.content.decode().split('id="route-preview"')[1][:200]


def test_other_communitys_objects_are_404_on_the_pages(desk, other_desk):
    s, client = desk.site, login(desk.staff[Role.SECRETARY])
    other_route = Route.objects.filter(community=other_desk.site.community).first()
    assert client.post(url("voices:route_delete", desk, other_route.pk)).status_code == 404
    assert Route.objects.filter(pk=other_route.pk).exists()
    for data in [
        {"place": other_desk.site.compound.pk, "party": desk.property.pk},
        {"place": s.compound.pk, "party": other_desk.property.pk},
        {"place": s.compound.pk, "party": desk.property.pk, "category": other_desk.categories["refuse"].pk},
    ]:
        assert client.post(url("voices:routes", desk), data).status_code == 404
    assert client.get(url("voices:party", desk, other_desk.property.pk)).status_code == 404
    assert client.get(url("voices:category", desk, other_desk.categories["refuse"].pk)).status_code == 404
    assert client.get(url("voices:routes", desk), {"try_place": other_desk.site.compound.pk}).status_code == 404
    assert not Route.objects.filter(community=s.community, place=s.compound, category=None).exists()


def test_parties_page_creates_and_refuses_bad_input(desk):
    client = login(desk.staff[Role.SECRETARY])
    html = client.get(url("voices:parties", desk)).content.decode()
    assert "花园物业" in html and "居委会" in html
    response = client.post(
        url("voices:parties", desk),
        {"name": "供电所", "kind": PartyKind.UTILITY, "supervisor": desk.committee.pk, "contact": "95598"},
    )
    assert response.status_code == 302
    assert Party.objects.get(name="供电所").supervisor == desk.committee
    for data, message in [
        ({"name": "", "kind": PartyKind.UTILITY}, "请填写责任方名称"),
        ({"name": "供电所", "kind": PartyKind.UTILITY}, "已有同名的责任方"),
        ({"name": "<script>x</script>", "kind": PartyKind.UTILITY}, "error-name"),
    ]:
        response = client.post(url("voices:parties", desk), data)
        assert response.status_code == 200 and message in response.content.decode()
    assert Party.objects.filter(community=desk.site.community).count() == 4


def test_party_page_edits_refuses_a_cycle_and_manages_members(desk):
    client = login(desk.staff[Role.SECRETARY])
    page = url("voices:party", desk, desk.committee.pk)
    assert client.get(page).status_code == 200
    response = client.post(page, {"name": "居委会", "kind": PartyKind.COMMITTEE, "supervisor": desk.property.pk})
    assert response.status_code == 200 and "督办关系不能形成循环" in response.content.decode()
    desk.committee.refresh_from_db()
    assert desk.committee.supervisor_id is None
    response = client.post(page, {"name": "社区居委会", "kind": PartyKind.COMMITTEE, "is_active": "on"})
    assert response.status_code == 302
    desk.committee.refresh_from_db()
    assert desk.committee.name == "社区居委会" and desk.committee.is_active

    head = desk.staff[Role.BUILDING_HEAD]
    response = client.post(page, {"action": "member_add", "phone": head.phone, "is_lead": ""})
    assert response.status_code == 302
    assert PartyMember.objects.filter(party=desk.committee, user=head).exists()
    html = client.get(page).content.decode()
    assert head.phone not in html and f"{head.phone[:3]}****{head.phone[-4:]}" in html  # masked
    outsider = factories.make_user()
    for raw in (outsider.phone, "13900000000", "不是号码"):
        response = client.post(page, {"action": "member_add", "phone": raw})
        assert response.status_code == 200 and "该用户在本社区没有角色" in response.content.decode()
    assert PartyMember.objects.filter(party=desk.committee).count() == 2
    member = PartyMember.objects.get(party=desk.committee, user=head)
    other_member = PartyMember.objects.get(party=desk.property)
    assert client.post(page, {"action": "member_remove", "member": other_member.pk}).status_code == 404
    assert client.post(page, {"action": "member_remove", "member": member.pk}).status_code == 302
    assert not PartyMember.objects.filter(pk=member.pk).exists()
    assert PartyMember.objects.filter(pk=other_member.pk).exists()


def test_categories_page_creates_edits_and_refuses_bad_input(desk):
    client = login(desk.staff[Role.SECRETARY])
    html = client.get(url("voices:categories", desk)).content.decode()
    assert "停车" in html and "5 个工作日" in html
    response = client.post(
        url("voices:categories", desk),
        {"code": "fence", "name": "围栏", "deadline_days": 4, "remind_days_before": 1},
    )
    assert response.status_code == 302
    fence = Category.objects.get(code="fence")
    for data, message in [
        ({"code": "fence", "name": "围栏", "deadline_days": 4, "remind_days_before": 1}, "该编码已被使用"),
        ({"code": "x", "name": "x", "deadline_days": 0, "remind_days_before": 0}, "办理时限应为1至60个工作日"),
        ({"code": "y", "name": "y", "deadline_days": 2, "remind_days_before": 2}, "提前提醒的天数应小于办理时限"),
    ]:
        response = client.post(url("voices:categories", desk), data)
        assert response.status_code == 200 and message in response.content.decode()
    assert Category.objects.filter(community=desk.site.community).count() == 5
    page = url("voices:category", desk, fence.pk)
    assert client.get(page).status_code == 200
    response = client.post(page, {"name": "围栏护栏", "deadline_days": 6, "remind_days_before": 2})
    assert response.status_code == 302
    fence.refresh_from_db()
    assert fence.name == "围栏护栏" and fence.deadline_days == 6 and not fence.is_active and fence.code == "fence"


def test_the_calendar_page(desk, other_desk):
    CalendarDay.objects.create(date=date(2026, 10, 1), is_workday=False, name="国庆节")
    target = reverse("voices:calendar")
    assert Client().get(target).status_code == 302
    assert login(desk.staff[Role.RESIDENT]).get(target).status_code == 403
    for role in (Role.SECRETARY, Role.GRID_WORKER, Role.PROPERTY):
        response = login(desk.staff[role]).get(target, {"year": 2026})
        assert response.status_code == 200
        html = response.content.decode()
        assert "国庆节" in html and 'id="calendar-set"' not in html
    # Staff may read, not write.
    response = login(desk.staff[Role.SECRETARY]).post(target, {"date": "2026-12-25", "is_workday": "0", "name": "x"})
    assert response.status_code == 403
    assert not CalendarDay.objects.filter(date=date(2026, 12, 25)).exists()
    root = factories.make_user()
    root.is_superuser = True
    root.save()
    client = login(root)
    assert 'id="calendar-set"' in client.get(target, {"year": 2026}).content.decode()
    assert client.post(target, {"date": "2026-12-25", "is_workday": "1", "name": "调休"}).status_code == 302
    assert CalendarDay.objects.get(date=date(2026, 12, 25)).is_workday
    response = client.post(target, {"date": "not a date", "is_workday": "1"})
    assert response.status_code == 200 and "error-date" in response.content.decode()
    assert client.post(target, {"action": "clear", "date": "2026-12-25"}).status_code == 302
    assert not CalendarDay.objects.filter(date=date(2026, 12, 25)).exists()


def _grow(desk, rows):
    c, actor = desk.site.community, desk.staff[Role.SECRETARY]
    Route.objects.filter(community=c).delete()
    PartyMember.objects.filter(community=c).delete()
    Party.objects.filter(community=c).update(supervisor=None)
    Party.objects.filter(community=c).delete()
    Category.objects.filter(community=c).delete()
    places = [desk.site.community, desk.site.compound, *desk.site.buildings, *desk.site.units]
    sup = None
    for i in range(rows):
        party = Party.objects.create(community=c, name=f"责任方{i}", kind=PartyKind.PROPERTY, supervisor=sup)
        PartyMember.objects.create(community=c, party=party, user=actor)
        cat = Category.objects.create(community=c, code=f"c{i}", name=f"类别{i}")
        place = places[i % len(places)]
        Route.objects.create(
            community=c, place=place, place_path=place.path, category=cat, party=party, updated_by=actor
        )
        sup = party


# The user, grants, communities and nav, then each page's own reads (its rows with their relations in one go).
QUERIES = {"voices:routes": 8, "voices:parties": 6, "voices:categories": 5}


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize("name", PAGES)
def test_list_pages_query_counts_do_not_grow(desk, name, rows):
    _grow(desk, rows)
    client = login(desk.staff[Role.SECRETARY])
    client.get(url(name, desk))  # warm the session
    with queries(QUERIES[name]):
        response = client.get(url(name, desk))
    assert response.status_code == 200
    html = response.content.decode()
    marker = {"voices:routes": "route", "voices:parties": "party", "voices:categories": "category"}[name]
    assert len(re.findall(rf'id="{marker}-\d+"', html)) == rows
