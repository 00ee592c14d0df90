import pytest

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.people.models import Person
from gongzhi.places import selectors
from gongzhi.places.models import Household, Place, PlaceKind
from gongzhi.places.services import household_create, household_set_grid, place_create
from tests import factories
from tests.queries import queries


@pytest.mark.django_db
def test_paths_follow_the_tree(site):
    unit = site.units[0]
    assert unit.path == f"{site.street.pk}/{site.community.pk}/{site.compound.pk}/{site.buildings[0].pk}/{unit.pk}/"
    assert unit.community_id == site.community.pk
    assert site.community.community_id == site.community.pk


@pytest.mark.django_db
def test_subtree_query_is_one_query_whatever_the_size():
    small = factories.make_community(name="小社区")
    big = factories.make_community(name="大社区", residents_per_household=4)
    for c in (small, big):
        with queries(1):
            n = Household.objects.filter(place_path__under=c.buildings[0].path).count()
        assert n == 8
    with queries(1):
        assert Person.objects.filter(place_path__under=big.buildings[0].path).count() == 32


@pytest.mark.django_db
def test_under_does_not_match_sibling_with_common_digits():
    street = factories.make_street()
    community = place_create(actor=None, parent=street, kind=PlaceKind.COMMUNITY, name="甲")
    # Create enough places that ids share prefixes, e.g. 1x and 1xx.
    made = [place_create(actor=None, parent=community, kind=PlaceKind.COMPOUND, name=f"小区{i}") for i in range(12)]
    first = made[0]
    under = set(Place.objects.filter(path__under=first.path).values_list("pk", flat=True))
    assert under == {first.pk}


@pytest.mark.django_db
def test_wrong_child_kind_and_markup_are_refused(site):
    with pytest.raises(ValidationFailed):
        place_create(actor=None, parent=site.units[0], kind=PlaceKind.BUILDING, name="9栋")
    with pytest.raises(ValidationFailed) as err:
        place_create(actor=None, parent=site.compound, kind=PlaceKind.BUILDING, name="<script>x</script>")
    assert "HTML" in str(err.value.message)
    assert not Place.objects.filter(name__contains="script").exists()


@pytest.mark.django_db
def test_household_area_must_be_positive_decimal(site):
    with pytest.raises(ValidationFailed) as err:
        household_create(actor=None, place=site.units[0], room="999", area="-3")
    assert "面积" in str(err.value.message)
    assert not Household.objects.filter(room="999").exists()


@pytest.mark.django_db
def test_other_community_staff_cannot_add_places(site, other_staff):
    with pytest.raises(PermissionDenied):
        place_create(actor=other_staff["secretary"], parent=site.compound, kind=PlaceKind.BUILDING, name="9栋")
    assert not Place.objects.filter(name="9栋").exists()


@pytest.mark.django_db
def test_moving_a_household_to_another_grid_moves_its_residents(site, staff):
    household = site.households[0]
    household_set_grid(actor=staff["secretary"], household=household, grid=site.grid)
    assert set(Person.objects.filter(household=household).values_list("grid_path", flat=True)) == {site.grid.path}


@pytest.mark.django_db
def test_subtree_counts_constant_queries(staff, site):
    children = selectors.place_children(actor=staff["secretary"], place=site.compound)
    with queries(2):
        counts = selectors.subtree_counts(actor=staff["secretary"], place=site.compound, children=children)
    assert counts[site.buildings[0].pk] == {"households": 8, "residents": 8}
