import pytest

from gongzhi.core.errors import Duplicate, PermissionDenied, ValidationFailed
from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.people.services import person_create, person_reveal, person_set_tags
from tests import factories


def _create(site, actor=None, **kw):
    data = {
        "name": "王小红",
        "id_number": factories.next_id_number(),
        "phone": "13912345678",
        "household": site.households[0],
    }
    data.update(kw)
    return person_create(actor=actor, community=site.community, **data)


@pytest.mark.django_db
def test_birth_date_and_sex_come_from_the_id_number(site):
    person = _create(site, id_number="11010519491231002X")
    assert str(person.birth_date) == "1949-12-31" and person.sex == "F"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105194912310021", "校验位"),
        ("id_number", "110105194913310028", "出生日期"),
        ("id_number", "1101051949123100", "18位"),
        ("phone", "12345678901", "手机号"),
        ("phone", "1391234567", "手机号"),
        ("name", "<img src=x onerror=alert(1)>", "HTML"),
        ("name", "", "姓名不能为空"),
    ],
)
def test_bad_input_gives_chinese_message_and_changes_nothing(site, field, value, message):
    before = Person.objects.count()
    with pytest.raises(ValidationFailed) as err:
        _create(site, **{field: value})
    assert message in str(err.value.message)
    assert err.value.extra["field"] == field
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_duplicate_person_is_refused(site):
    existing = site.people[0]
    before = Person.objects.count()
    with pytest.raises(Duplicate) as err:
        _create(site, id_number=existing.id_number)
    assert "已在本社区登记" in str(err.value.message) and Person.objects.count() == before


@pytest.mark.django_db
def test_same_person_may_live_in_two_communities(site, other_site):
    existing = site.people[0]
    moved = person_create(
        actor=None,
        community=other_site.community,
        name=existing.name,
        id_number=existing.id_number,
        household=other_site.households[0],
    )
    assert moved.pk != existing.pk


@pytest.mark.django_db
def test_lower_role_and_other_community_cannot_write(site, staff, other_staff):
    before = Person.objects.count()
    with pytest.raises(PermissionDenied):
        _create(site, actor=staff[Role.BUILDING_HEAD])
    with pytest.raises(PermissionDenied):
        _create(site, actor=other_staff[Role.SECRETARY])
    assert Person.objects.count() == before
    assert _create(site, actor=staff[Role.GRID_WORKER]).pk


@pytest.mark.django_db
def test_social_worker_cannot_set_party_tag(site, staff):
    person = site.people[0]
    with pytest.raises(PermissionDenied):
        person_set_tags(actor=staff[Role.SOCIAL_WORKER], person=person, tags=[factories.builtin_tag("party")])
    assert not person.person_tags.exists()
    person_set_tags(actor=staff[Role.SECRETARY], person=person, tags=[factories.builtin_tag("party")])
    assert person.person_tags.count() == 1


@pytest.mark.django_db
def test_reveal_of_unknown_field_is_404(site, staff):
    from gongzhi.core.errors import NotFound

    with pytest.raises(NotFound):
        person_reveal(actor=staff[Role.SECRETARY], person=site.people[0], field="password")
