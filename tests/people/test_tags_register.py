import pytest

from gongzhi.core.roles import Role
from gongzhi.people.models import Person, PersonTag, Tag
from gongzhi.people.services import person_set_tags
from tests import factories
from tests.conftest import login


@pytest.mark.django_db
def test_staff_add_a_community_tag(site, staff):
    client = login(staff[Role.SOCIAL_WORKER])
    response = client.post(f"/c/{site.community.pk}/tags/", {"name": "种菜能人", "sensitive_as": ""})
    assert response.status_code == 302
    assert Tag.objects.filter(community=site.community, name="种菜能人").exists()
    assert "种菜能人" in client.get(f"/c/{site.community.pk}/tags/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "message"), [("<b>x</b>", "HTML"), ("党员", "已有同名标签")])
def test_bad_tag_names_are_refused(site, staff, name, message):
    before = Tag.objects.count()
    response = login(staff[Role.SECRETARY]).post(f"/c/{site.community.pk}/tags/", {"name": name})
    assert message in response.content.decode()
    assert Tag.objects.count() == before


@pytest.mark.django_db
def test_social_worker_cannot_create_a_party_category_tag(site, staff):
    response = login(staff[Role.SOCIAL_WORKER]).post(
        f"/c/{site.community.pk}/tags/", {"name": "预备党员", "sensitive_as": "party"}
    )
    assert "无权" in response.content.decode()
    assert not Tag.objects.filter(name="预备党员").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BUILDING_HEAD, Role.GRID_WORKER])
def test_lower_roles_cannot_manage_tags(site, staff, role):
    response = login(staff[role]).post(f"/c/{site.community.pk}/tags/", {"name": "x"})
    assert response.status_code == 403
    assert not Tag.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_other_community_cannot_manage_tags(site, other_staff):
    assert login(other_staff[Role.SECRETARY]).get(f"/c/{site.community.pk}/tags/").status_code == 404


@pytest.mark.django_db
def test_editing_tags_keeps_sensitive_tags_the_editor_cannot_see(site, staff):
    person = site.people[0]
    party, veteran, alone = (factories.builtin_tag(k) for k in ("party", "veteran", "living_alone"))
    person_set_tags(actor=None, person=person, tags=[party, veteran])
    login(staff[Role.SOCIAL_WORKER]).post(f"/c/{site.community.pk}/people/{person.pk}/tags/", {"tags": [str(alone.pk)]})
    assert set(PersonTag.objects.filter(person=person).values_list("tag__key", flat=True)) == {"party", "living_alone"}


@pytest.mark.django_db
def test_building_head_cannot_edit_tags(site, staff):
    person = site.people[0]
    response = login(staff[Role.BUILDING_HEAD]).post(
        f"/c/{site.community.pk}/people/{person.pk}/tags/", {"tags": [str(factories.builtin_tag("veteran").pk)]}
    )
    assert response.status_code == 403
    assert not PersonTag.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_register_resident_from_household(site, staff):
    household = site.households[2]
    response = login(staff[Role.GRID_WORKER]).post(
        f"/c/{site.community.pk}/households/{household.pk}/register/",
        {"name": "周大妈", "id_number": factories.next_id_number(), "phone": "13512345678", "relation": "member"},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="周大妈")
    assert person.household_id == household.pk and person.place_path == household.place_path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105194912310021", "校验位"),
        ("phone", "10012345678", "手机号"),
        ("name", "<script>alert(1)</script>", "HTML"),
    ],
)
def test_register_bad_input_shows_field_message_and_saves_nothing(site, staff, field, value, message):
    household = site.households[2]
    data = {"name": "周大妈", "id_number": factories.next_id_number(), "phone": "13512345678", "relation": "member"}
    data[field] = value
    before = Person.objects.count()
    response = login(staff[Role.SOCIAL_WORKER]).post(
        f"/c/{site.community.pk}/households/{household.pk}/register/", data
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-field="{field}"' in html and message in html
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_register_duplicate_person_is_refused(site, staff):
    existing = site.people[0]
    response = login(staff[Role.SOCIAL_WORKER]).post(
        f"/c/{site.community.pk}/households/{site.households[2].pk}/register/",
        {"name": existing.name, "id_number": existing.id_number, "phone": "", "relation": "member"},
    )
    assert "已在本社区登记" in response.content.decode()
    assert Person.objects.filter(id_number=existing.id_number).count() == 1


@pytest.mark.django_db
def test_property_cannot_register_residents(site, staff):
    response = login(staff[Role.PROPERTY]).get(f"/c/{site.community.pk}/households/{site.households[2].pk}/register/")
    assert response.status_code == 403
