import pytest

from gongzhi.core.roles import Role
from tests import factories
from tests.conftest import login
from tests.queries import queries


@pytest.mark.django_db
def test_street_staff_see_every_community_in_figures_without_names(site, staff):
    neighbour = factories.make_community(street=site.street, name="邻居社区", residents_per_household=2)
    client = login(staff[Role.STREET_STAFF])
    response = client.get("/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/s/{site.street.pk}/"
    assert site.community.name in html and neighbour.community.name in html
    assert f"<td>{len(neighbour.people)}</td>" in html and f"<td>{len(site.people)}</td>" in html
    assert site.people[0].masked_name not in html and neighbour.people[0].masked_name not in html


@pytest.mark.django_db
def test_street_page_costs_the_same_queries_for_more_communities(site, staff):
    client = login(staff[Role.STREET_STAFF])
    counts = []
    for extra in (0, 3):
        for i in range(extra):
            factories.make_community(street=site.street, name=f"新社区{i}")
        from django.core.cache import cache

        cache.clear()
        with queries() as ctx:
            assert client.get(f"/s/{site.street.pk}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECRETARY, Role.SOCIAL_WORKER, Role.BUILDING_HEAD, Role.RESIDENT])
def test_street_page_is_for_street_staff_only(site, staff, role):
    assert login(staff[role]).get(f"/s/{site.street.pk}/").status_code == 404


@pytest.mark.django_db
def test_other_street_staff_cannot_open_this_street(site, other_staff):
    assert login(other_staff[Role.STREET_STAFF]).get(f"/s/{site.street.pk}/").status_code == 404


@pytest.mark.django_db
def test_street_staff_browse_the_tree_with_counts_but_no_rows(site, staff):
    client = login(staff[Role.STREET_STAFF])
    home = client.get(f"/c/{site.community.pk}/").content.decode()
    assert site.compound.name in home and f"{len(site.households)}户" in home
    assert client.get(f"/c/{site.community.pk}/households/{site.households[0].pk}/").status_code == 404
    assert client.get(f"/c/{site.community.pk}/people/").status_code == 403


@pytest.mark.django_db
def test_resident_lands_on_own_data(site, staff):
    assert login(staff[Role.RESIDENT]).get("/")["Location"] == "/me/"


@pytest.mark.django_db
def test_staff_land_on_their_community(site, staff):
    assert login(staff[Role.SOCIAL_WORKER]).get("/")["Location"] == f"/c/{site.community.pk}/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_street_page(site, client):
    response = client.get(f"/s/{site.street.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_street_page_links_the_time_bank_pages_street_staff_may_open(site, staff):
    client = login(staff[Role.STREET_STAFF])
    html = client.get(f"/s/{site.street.pk}/").content.decode()
    for link in ("street-timebank-stats-link", "street-settlement-link", "street-timebank-settings-link"):
        assert f'id="{link}"' in html
    for path in ("timebank/stats/", "timebank/settlement/", "timebank/settings/"):
        assert f'href="/s/{site.street.pk}/{path}"' in html
        assert client.get(f"/s/{site.street.pk}/{path}").status_code == 200
