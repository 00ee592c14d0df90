"""Exports: masking per reveal permission, the access log, Party list refusal, no query per row."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AuditEvent, SensitiveAccess
from gongzhi.core.roles import Role
from gongzhi.core.scoping import grants_for
from gongzhi.people.exporting import (
    HOUSEHOLD_COLUMNS,
    PEOPLE_COLUMNS,
    households_workbook,
    party_members_workbook,
    people_workbook,
)
from gongzhi.people.models import Ownership, Person, Relation
from gongzhi.people.services import ownership_add, person_set_tags
from gongzhi.places.models import Household
from tests import factories
from tests.people import sheets
from tests.queries import queries


@pytest.fixture
def tagged(site):
    """The first resident of 1栋 carries 党员, 残疾 and 独居; a second one in 2栋 is a Party member too."""
    first, other = site.people[0], site.people[8]
    tags = {key: factories.builtin_tag(key) for key in ("party", "disability", "living_alone")}
    person_set_tags(actor=None, person=first, tags=list(tags.values()))
    person_set_tags(actor=None, person=other, tags=[tags["party"]])
    return first, other


def test_secretary_gets_full_values_and_the_export_is_logged(site, staff, tagged):
    secretary = staff[Role.SECRETARY]
    first, _other = tagged
    people = Person.objects.visible_to(secretary).filter(pk=first.pk)
    rows = sheets.read(people_workbook(actor=secretary, community=site.community, people=people, purpose="走访"))
    assert rows[0] == PEOPLE_COLUMNS
    assert rows[1] == [
        first.name,
        first.get_sex_display(),
        first.birth_date.isoformat(),
        first.id_number,
        first.phone,
        "1栋",
        "1单元",
        "101",
        "户主",
        "党员、独居、残疾",
    ]
    logged = SensitiveAccess.objects.filter(actor=secretary, object_type="people.person_export")
    assert sorted(logged.values_list("field", flat=True)) == [
        "export:disability",
        "export:id_number",
        "export:party",
        "export:phone",
    ]
    assert set(logged.values_list("object_id", "purpose", "community_id")) == {("1", "走访", site.community.pk)}
    event = AuditEvent.objects.get(verb="person.export")
    assert (event.actor_id, event.object_id, event.community_id) == (secretary.pk, "1", site.community.pk)


def test_building_head_gets_masked_id_and_no_sensitive_tags(site, staff, tagged):
    head = staff[Role.BUILDING_HEAD]
    people = Person.objects.visible_to(head).filter(community=site.community)
    assert people.count() == 8  # only 1栋
    rows = sheets.read(people_workbook(actor=head, community=site.community, people=people))
    assert len(rows) == 9
    first, _other = tagged
    row = next(r for r in rows[1:] if r[3] == first.masked_id_number and r[7] == "101" and r[6] == "1单元")
    assert row[3] != first.id_number and "*" in row[3]
    assert row[4] == first.phone  # building heads may see phone numbers (Action.REVEAL_PHONE)
    assert row[9] == "独居"
    assert not any(first.id_number in str(cell) for r in rows for cell in r)
    fields = list(SensitiveAccess.objects.filter(actor=head).values_list("field", flat=True))
    assert fields == ["export:phone"]


def test_role_without_reveal_rights_gets_everything_masked_and_no_access_rows(site, staff, tagged):
    # The function masks by permission even for a role the views never let export.
    prop = staff[Role.PROPERTY]
    first, _other = tagged
    rows = sheets.read(people_workbook(actor=prop, community=site.community, people=Person.objects.filter(pk=first.pk)))
    assert rows[1][3] == first.masked_id_number
    assert rows[1][4] == first.masked_phone != first.phone
    assert rows[1][9] == "独居"
    assert not SensitiveAccess.objects.filter(actor=prop).exists()
    assert AuditEvent.objects.filter(verb="person.export", actor_id=prop.pk).count() == 1


def test_people_from_another_community_are_never_exported(site, other_site, staff):
    secretary = staff[Role.SECRETARY]
    rows = sheets.read(
        people_workbook(
            actor=secretary, community=site.community, people=Person.objects.filter(community=other_site.community)
        )
    )
    assert rows == [PEOPLE_COLUMNS]
    assert not SensitiveAccess.objects.filter(actor=secretary).exists()


def test_text_that_looks_like_a_formula_stays_text(site, staff):
    person = factories.make_person(site.community, site.households[1], name="=1+2", relation=Relation.MEMBER)
    data = people_workbook(
        actor=staff[Role.SECRETARY], community=site.community, people=Person.objects.filter(pk=person.pk)
    )
    assert sheets.read(data)[1][0] == "=1+2"
    assert sheets.cell_types(data)[1][0] == "s"


def test_party_export_refused_for_a_social_worker(site, staff, tagged):
    with pytest.raises(PermissionDenied):
        party_members_workbook(actor=staff[Role.SOCIAL_WORKER], community=site.community)
    assert not SensitiveAccess.objects.exists()
    assert not AuditEvent.objects.filter(verb="person.export").exists()


def test_party_export_for_the_secretary(site, staff, tagged):
    secretary = staff[Role.SECRETARY]
    first, other = tagged
    rows = sheets.read(party_members_workbook(actor=secretary, community=site.community))
    assert sorted(r[3] for r in rows[1:]) == sorted([first.id_number, other.id_number])
    logged = SensitiveAccess.objects.filter(actor=secretary, object_type="people.party_export")
    assert sorted(logged.values_list("field", flat=True)) == [
        "export:disability",
        "export:id_number",
        "export:party",
        "export:phone",
    ]
    assert set(logged.values_list("object_id", flat=True)) == {"2"}


def test_party_export_of_a_secretary_of_another_community_is_refused(site, other_staff, tagged):
    with pytest.raises(PermissionDenied):
        party_members_workbook(actor=other_staff[Role.SECRETARY], community=site.community)


@pytest.mark.parametrize("workbook", ["people", "households"])
def test_query_count_does_not_grow_with_rows(site, staff, workbook):
    secretary = staff[Role.SECRETARY]
    for household in site.households:
        for _ in range(3):
            factories.make_person(
                site.community, household, relation=Relation.MEMBER, tags=[factories.builtin_tag("living_alone")]
            )
    ownership_add(actor=None, household=site.households[0], person=site.people[0])
    grants_for(secretary)  # loaded once per request in real use

    def run(n):
        with queries() as ctx:
            if workbook == "people":
                pks = list(Person.objects.filter(community=site.community).values_list("pk", flat=True)[:n])
                assert len(pks) == n
                people_workbook(actor=secretary, community=site.community, people=Person.objects.filter(pk__in=pks))
            else:
                pks = list(Household.objects.filter(community=site.community).values_list("pk", flat=True)[:n])
                households_workbook(
                    actor=secretary, community=site.community, households=Household.objects.filter(pk__in=pks)
                )
        return len(ctx.captured_queries)

    small, large = (run(5), run(50)) if workbook == "people" else (run(2), run(16))
    assert small == large


def test_households_workbook(site, staff, tagged):
    secretary = staff[Role.SECRETARY]
    household = site.households[0]
    factories.make_person(site.community, household, name="张小明", relation=Relation.MEMBER)
    ownership_add(actor=None, household=household, person=site.people[0])
    ownership_add(actor=None, household=household, person=site.people[1])
    rows = sheets.read(
        households_workbook(
            actor=secretary, community=site.community, households=Household.objects.visible_to(secretary)
        )
    )
    assert rows[0] == HOUSEHOLD_COLUMNS
    assert len(rows) == 1 + len(site.households)
    head = site.people[0]
    # One table (core.permissions.EXPORT_COLUMNS) for every export: the 书记 gets the household head's name as the
    # people register gives it to her, in full; a building head (no export right) gets it masked in both.
    assert rows[1] == ["1栋", "1单元", "101", 1, 81.5, site.micro_grid.name, head.name, 2, 2]
    assert rows[-1][:3] == ["2栋", "2单元", "202"] and rows[-1][5] == site.grid.name and rows[-1][8] == 0
    assert Ownership.objects.filter(household=household).count() == 2
    assert AuditEvent.objects.filter(verb="household.export", actor_id=secretary.pk, object_id="16").exists()
    assert not SensitiveAccess.objects.filter(actor=secretary).exists()
    people_rows = sheets.read(people_workbook(actor=secretary, community=site.community, people=Person.objects.all()))
    assert head.name in [r[0] for r in people_rows]
    building_head = staff[Role.BUILDING_HEAD]
    for book in (
        households_workbook(actor=building_head, community=site.community, households=Household.objects.all()),
        people_workbook(actor=building_head, community=site.community, people=Person.objects.all()),
    ):
        cells = [cell for r in sheets.read(book) for cell in r]
        assert head.name not in cells and head.masked_name in cells
