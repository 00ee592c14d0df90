"""The routing table, parties, members, categories and the calendar: who may change them, and bad input."""

from __future__ import annotations

from datetime import date

import pytest

from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.voices.models import CalendarDay, Category, Party, PartyKind, PartyMember, Route
from gongzhi.voices.services import deadlines
from gongzhi.voices.services.deadlines import calendar_day_clear, calendar_day_set, calendar_exceptions, holidays_load
from gongzhi.voices.services.routing import (
    category_create,
    category_update,
    party_create,
    party_member_add,
    party_member_remove,
    party_update,
    route_delete,
    route_for,
    route_set,
)
from tests import factories
from tests.queries import queries

pytestmark = pytest.mark.date_sensitive


def secretary(desk):
    return desk.staff[Role.SECRETARY]


def test_route_set_adds_then_changes_the_one_row(desk):
    s, actor = desk.site, secretary(desk)
    unit = s.units[0]
    assert (
        route_for(community_id=s.community.pk, category_id=desk.categories["refuse"].pk, place_path=unit.path)
        == desk.committee
    )
    route = route_set(
        actor=actor,
        community=s.community,
        place=s.buildings[0],
        category=desk.categories["refuse"],
        party=desk.property,
    )
    assert (
        route_for(community_id=s.community.pk, category_id=desk.categories["refuse"].pk, place_path=unit.path)
        == desk.property
    )
    again = route_set(
        actor=actor,
        community=s.community,
        place=s.buildings[0],
        category=desk.categories["refuse"],
        party=desk.grid_party,
    )
    assert again.pk == route.pk and again.party == desk.grid_party
    assert Route.objects.filter(place=s.buildings[0], category=desk.categories["refuse"]).count() == 1
    assert AuditEvent.objects.filter(verb="voice.route_set").count() == 2


def test_a_default_row_for_any_category(desk):
    s = desk.site
    route_set(actor=secretary(desk), community=s.community, place=s.buildings[1], category=None, party=desk.grid_party)
    cat = desk.categories["refuse"]
    assert route_for(community_id=s.community.pk, category_id=cat.pk, place_path=s.buildings[1].path) == (
        desk.grid_party
    )
    # A named category deeper up still loses to the deeper "any" row; at the same depth the named one wins.
    assert (
        route_for(
            community_id=s.community.pk, category_id=desk.categories["parking"].pk, place_path=s.buildings[1].path
        )
        == desk.grid_party
    )


def test_route_delete(desk):
    s = desk.site
    route = Route.objects.get(category=desk.categories["security"])
    route_delete(actor=secretary(desk), route=route)
    assert not Route.objects.filter(pk=route.pk).exists()
    assert (
        route_for(community_id=s.community.pk, category_id=desk.categories["security"].pk, place_path=s.units[0].path)
        == desk.committee
    )


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.PROPERTY, Role.RESIDENT, Role.BUILDING_HEAD])
def test_lower_roles_cannot_edit_the_table(desk, role):
    s = desk.site
    with pytest.raises(PermissionDenied):
        route_set(actor=desk.staff[role], community=s.community, place=s.compound, category=None, party=desk.property)
    with pytest.raises(PermissionDenied):
        party_create(actor=desk.staff[role], community=s.community, name="新物业", kind=PartyKind.PROPERTY)
    with pytest.raises(PermissionDenied):
        category_create(actor=desk.staff[role], community=s.community, code="fence", name="围栏", deadline_days=3)
    assert not Route.objects.filter(place=s.compound, category=None).exists()
    assert not Party.objects.filter(name="新物业").exists()


def test_another_community_cannot_touch_this_one(desk, other_desk):
    s = desk.site
    with pytest.raises(PermissionDenied):
        route_set(
            actor=secretary(other_desk), community=s.community, place=s.compound, category=None, party=desk.property
        )
    # A party, place or category of another community is invisible here.
    with pytest.raises(NotFound):
        route_set(
            actor=secretary(desk), community=s.community, place=s.compound, category=None, party=other_desk.property
        )
    with pytest.raises(NotFound):
        route_set(
            actor=secretary(desk),
            community=s.community,
            place=other_desk.site.compound,
            category=None,
            party=desk.property,
        )
    with pytest.raises(NotFound):
        route_set(
            actor=secretary(desk),
            community=s.community,
            place=s.compound,
            category=other_desk.categories["refuse"],
            party=desk.property,
        )
    with pytest.raises(PermissionDenied):
        route_delete(actor=secretary(other_desk), route=Route.objects.filter(community=s.community).first())


def test_an_inactive_party_is_refused(desk):
    party_update(actor=secretary(desk), party=desk.grid_party, is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        route_set(
            actor=secretary(desk),
            community=desk.site.community,
            place=desk.site.compound,
            category=None,
            party=desk.grid_party,
        )
    assert exc.value.code == "party_inactive"


def test_party_create_and_bad_input(desk):
    s, actor = desk.site, secretary(desk)
    party = party_create(
        actor=actor,
        community=s.community,
        name="供电所",
        kind=PartyKind.UTILITY,
        supervisor=desk.committee,
        contact="95598",
    )
    assert party.supervisor == desk.committee and party.community_id == s.community.pk
    for kwargs, code in [
        ({"name": "  ", "kind": PartyKind.UTILITY}, "name_required"),
        ({"name": "<b>x</b>", "kind": PartyKind.UTILITY}, "bad_text"),
        ({"name": "自来水", "kind": "nope"}, "bad_kind"),
        ({"name": "供电所", "kind": PartyKind.UTILITY}, "party_name_taken"),
    ]:
        with pytest.raises((ValidationFailed, Duplicate)) as exc:
            party_create(actor=actor, community=s.community, **kwargs)
        assert exc.value.code == code
    assert Party.objects.filter(community=s.community).count() == 4


def test_no_supervisor_cycles(desk):
    actor = secretary(desk)
    with pytest.raises(ValidationFailed) as exc:
        party_update(actor=actor, party=desk.committee, supervisor=desk.property)
    assert exc.value.code == "supervisor_cycle"
    with pytest.raises(ValidationFailed) as exc:
        party_update(actor=actor, party=desk.committee, supervisor=desk.committee)
    assert exc.value.code == "supervisor_cycle"
    desk.committee.refresh_from_db()
    assert desk.committee.supervisor_id is None
    # A longer chain: 物业 → 居委会 → 街道, then 街道 under 物业 would close the loop.
    street = party_create(
        actor=actor, community=desk.site.community, name="街道城管科", kind=PartyKind.STREET_DEPARTMENT
    )
    party_update(actor=actor, party=desk.committee, supervisor=street)
    with pytest.raises(ValidationFailed) as exc:
        party_update(actor=actor, party=street, supervisor=desk.property)
    assert exc.value.code == "supervisor_cycle"
    party_update(actor=actor, party=desk.property, supervisor=None)
    desk.property.refresh_from_db()
    assert desk.property.supervisor_id is None


def test_members_must_hold_a_role_in_the_community(desk, other_desk):
    actor = secretary(desk)
    outsider = other_desk.resident
    with pytest.raises(ValidationFailed) as exc:
        party_member_add(actor=actor, party=desk.property, user=outsider)
    assert exc.value.code == "member_not_in_community"
    no_role = factories.make_user()
    with pytest.raises(ValidationFailed):
        party_member_add(actor=actor, party=desk.property, user=no_role)
    member = party_member_add(actor=actor, party=desk.property, user=desk.staff[Role.BUILDING_HEAD])
    with pytest.raises(Duplicate) as exc:
        party_member_add(actor=actor, party=desk.property, user=desk.staff[Role.BUILDING_HEAD])
    assert exc.value.code == "already_member"
    party_member_remove(actor=actor, member=member)
    assert not PartyMember.objects.filter(pk=member.pk).exists()
    assert AuditEvent.objects.filter(verb__startswith="voice.party_member").count() == 2


def test_category_create_update_and_bad_input(desk):
    s, actor = desk.site, secretary(desk)
    cat = category_create(
        actor=actor, community=s.community, code="Fence", name="围栏", deadline_days=4, remind_days_before=2
    )
    assert cat.code == "fence" and cat.deadline_days == 4
    for kwargs, code in [
        ({"code": "fence", "name": "围栏2", "deadline_days": 3}, "category_code_taken"),
        ({"code": "有空格 的", "name": "x", "deadline_days": 3}, "bad_code"),
        ({"code": "ok", "name": "", "deadline_days": 3}, "name_required"),
        ({"code": "ok", "name": "x", "deadline_days": 0}, "bad_deadline"),
        ({"code": "ok", "name": "x", "deadline_days": 61}, "bad_deadline"),
        ({"code": "ok", "name": "x", "deadline_days": 3, "remind_days_before": 3}, "bad_remind"),
    ]:
        with pytest.raises((ValidationFailed, Duplicate)) as exc:
            category_create(actor=actor, community=s.community, **kwargs)
        assert exc.value.code == code, kwargs
    assert Category.objects.filter(community=s.community).count() == 5
    category_update(actor=actor, category=cat, deadline_days=10, is_active=False)
    cat.refresh_from_db()
    assert cat.deadline_days == 10 and not cat.is_active and cat.remind_days_before == 2
    with pytest.raises(ValidationFailed) as exc:
        category_update(actor=actor, category=cat, remind_days_before=10)
    assert exc.value.code == "bad_remind"
    cat.refresh_from_db()
    assert cat.remind_days_before == 2


def test_the_calendar_is_for_superusers_only(desk):
    day = date(2026, 12, 25)
    with pytest.raises(PermissionDenied):
        calendar_day_set(actor=secretary(desk), date=day, is_workday=False, name="x")
    assert not CalendarDay.objects.exists()
    root = factories.make_user()
    root.is_superuser = True
    calendar_day_set(actor=root, date=day, is_workday=False, name="测试")
    calendar_day_set(actor=root, date=day, is_workday=True, name="调休")
    assert CalendarDay.objects.get(date=day).is_workday
    assert calendar_exceptions()[day] is True
    with pytest.raises(ValidationFailed) as exc:
        calendar_day_set(actor=root, date="2026-12-26", is_workday=True, name="")
    assert exc.value.code == "bad_date"
    calendar_day_clear(actor=root, date=day)
    assert day not in calendar_exceptions()


def test_holidays_load_is_idempotent(db):
    assert holidays_load() == 39
    assert holidays_load() == 39
    assert CalendarDay.objects.count() == 39
    assert CalendarDay.objects.get(date=date(2026, 9, 20)).is_workday
    assert not CalendarDay.objects.get(date=date(2026, 10, 1)).is_workday


def test_load_holidays_command(db):
    from django.core.management import call_command

    call_command("load_holidays")
    assert CalendarDay.objects.count() == 39


def test_the_calendar_is_read_once_per_version(db):
    calendar_exceptions()
    with queries(0):
        calendar_exceptions()
    CalendarDay.objects.create(date=date(2026, 12, 30), is_workday=False, name="另一进程写入")
    from django.core.cache import cache

    cache.delete(deadlines.CALENDAR_VERSION_KEY)  # as another process's bump would change it
    with queries(1):
        assert date(2026, 12, 30) in calendar_exceptions()


def test_the_process_copy_of_the_calendar_expires(db, monkeypatch):
    calendar_exceptions()
    monkeypatch.setattr(deadlines, "CALENDAR_MAX_AGE", 0.0)
    with queries(1):
        calendar_exceptions()
