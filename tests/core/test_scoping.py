import pytest
from django.apps import apps

from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.places.models import Household, Place


def test_every_community_owned_model_is_scoped():
    offenders = []
    for model in apps.get_models():
        if not model.__module__.startswith("gongzhi."):
            continue
        if "community" in {f.name for f in model._meta.get_fields()}:
            manager = model._default_manager
            if not (hasattr(manager, "visible_to") and hasattr(manager, "restrict")):
                offenders.append(model._meta.label)
    assert offenders == []


@pytest.mark.django_db
def test_role_reaches_exactly_its_subtree(site, staff, other_site):
    everyone = Person.objects.filter(community=site.community).count()
    building = site.buildings[0]
    in_building = Person.objects.filter(household__place__parent=building).count()
    in_micro_grid = Person.objects.filter(household__grid=site.micro_grid).count()
    assert Person.objects.visible_to(staff[Role.SECRETARY]).count() == everyone
    assert Person.objects.visible_to(staff[Role.BUILDING_HEAD]).count() == in_building
    assert Person.objects.visible_to(staff[Role.GRID_WORKER]).count() == in_micro_grid
    # Other community, street (aggregates only), property and residents see no resident rows.
    for role in (Role.PROPERTY, Role.STREET_STAFF, Role.RESIDENT):
        assert Person.objects.visible_to(staff[role]).count() == 0
    assert not Person.objects.visible_to(staff[Role.SECRETARY]).filter(community=other_site.community).exists()


@pytest.mark.django_db
def test_property_sees_households_of_its_compound_only(site, staff, other_site):
    visible = Household.objects.visible_to(staff[Role.PROPERTY])
    assert visible.count() == len(site.households)
    assert not visible.filter(community=other_site.community).exists()


@pytest.mark.django_db
def test_anonymous_and_roleless_users_see_nothing(site):
    from django.contrib.auth.models import AnonymousUser

    from tests import factories

    assert Person.objects.visible_to(AnonymousUser()).count() == 0
    assert Place.objects.visible_to(factories.make_user()).count() == 0
