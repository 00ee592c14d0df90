"""Every role × the people and places pages, on a small community built by the factories: each role that may open
a page gets 200, each other role exactly 403 or 404 (invisible means 404). tests/matrix/cases.py checks each route's
lowest allowed role and one lower role; this file checks all seven roles, and the secretary of a community built
apart. Anonymous on these pages is the cases' own column (test_matrix.py)."""

from __future__ import annotations

import pytest

from gongzhi.core.roles import Role
from tests.conftest import login
from tests.refusals import assert_refused


def pages(site) -> dict[str, str]:
    c, person, household = site.community.pk, site.people[0], site.households[0]
    return {
        "community_home": f"/c/{c}/",
        "place": f"/c/{c}/places/{site.buildings[0].pk}/",
        "household": f"/c/{c}/households/{household.pk}/",
        "people": f"/c/{c}/people/",
        "person": f"/c/{c}/people/{person.pk}/",
        "people_export": f"/c/{c}/people/export.xlsx",
        "household_export": f"/c/{c}/households/export.xlsx",
        "party_export": f"/c/{c}/party-members/export.xlsx",
        "imports": f"/c/{c}/imports/",
        "corrections": f"/c/{c}/corrections/",
        "tags": f"/c/{c}/tags/",
        "register": f"/c/{c}/households/{household.pk}/register/",
        "api_places": f"/api/communities/{c}/places",
        "api_people": f"/api/communities/{c}/people",
        "api_person": f"/api/communities/{c}/people/{person.pk}",
    }


# Which role may open which page (community staff; the rest are denied).
ALLOWED = {
    "community_home": {
        Role.SECRETARY,
        Role.SOCIAL_WORKER,
        Role.GRID_WORKER,
        Role.BUILDING_HEAD,
        Role.PROPERTY,
        Role.STREET_STAFF,
        Role.RESIDENT,
    },
    "place": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.BUILDING_HEAD, Role.PROPERTY, Role.STREET_STAFF},
    "household": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.PROPERTY},
    "people": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD},
    "person": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD},
    "people_export": {Role.SECRETARY, Role.SOCIAL_WORKER},
    "household_export": {Role.SECRETARY, Role.SOCIAL_WORKER},
    "party_export": {Role.SECRETARY},
    "imports": {Role.SECRETARY, Role.SOCIAL_WORKER},
    "corrections": {Role.SECRETARY, Role.SOCIAL_WORKER},
    "tags": {Role.SECRETARY, Role.SOCIAL_WORKER},
    "register": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER},
    "api_places": {
        Role.SECRETARY,
        Role.SOCIAL_WORKER,
        Role.GRID_WORKER,
        Role.BUILDING_HEAD,
        Role.PROPERTY,
        Role.STREET_STAFF,
        Role.RESIDENT,
    },
    "api_people": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD},
    "api_person": {Role.SECRETARY, Role.SOCIAL_WORKER, Role.GRID_WORKER, Role.BUILDING_HEAD},
}
ROLES = [
    Role.SECRETARY,
    Role.SOCIAL_WORKER,
    Role.GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.PROPERTY,
    Role.STREET_STAFF,
    Role.RESIDENT,
]
# Every other role is refused with exactly one answer (docs/ARCHITECTURE.md, "Scoping"): 404 where the object is
# not visible to the role at all (a missing id looks the same), 403 where the role sees the community or the object
# but may not open this page. A page lists its 404 roles; the rest of its refusals are 403.
NOT_VISIBLE = {
    "place": {Role.GRID_WORKER, Role.RESIDENT},  # a building outside the grid; residents see no tree
    "household": {Role.STREET_STAFF, Role.RESIDENT},  # street staff get figures only, no rows
    "person": {Role.PROPERTY, Role.STREET_STAFF, Role.RESIDENT},
    "api_person": {Role.PROPERTY, Role.STREET_STAFF, Role.RESIDENT},
    "register": {Role.STREET_STAFF, Role.RESIDENT},  # the household itself is invisible to them
}


def refusal(page: str, role: Role) -> int:
    return 404 if role in NOT_VISIBLE.get(page, ()) else 403


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_other_community_gets_404(site, other_staff, page):
    assert_refused(login(other_staff[Role.SECRETARY]).get(pages(site)[page]), 404, context=page)


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(site, staff, page, role):
    # The matrix covers the lower roles: each page checks who may and who may not. (The first household sits in the
    # grid worker's micro-grid, so the grid worker may open it and its people.)
    response = login(staff[role]).get(pages(site)[page])
    if role in ALLOWED[page]:
        assert response.status_code == 200, (page, role, response.status_code)
    else:
        assert_refused(response, refusal(page, role), context=(page, role))


@pytest.mark.django_db
def test_out_of_scope_object_is_404_not_403(site, staff):
    """A building head asking for a resident of the other building gets the same 404 as a missing id."""
    outside = next(p for p in site.people if p.household.place.parent_id != site.buildings[0].pk)
    client = login(staff[Role.BUILDING_HEAD])
    assert_refused(client.get(f"/c/{site.community.pk}/people/{outside.pk}/"), 404)
    assert_refused(client.get(f"/c/{site.community.pk}/people/999999/"), 404)
    assert_refused(client.get(f"/api/communities/{site.community.pk}/people/{outside.pk}"), 404)
