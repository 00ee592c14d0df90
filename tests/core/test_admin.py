import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from tests.conftest import login


@pytest.mark.django_db
def test_admin_lists_only_own_community_residents(site, staff, other_site):
    html = login(staff[Role.SECRETARY]).get("/admin/people/person/").content.decode()
    assert site.people[0].masked_id_number in html
    assert other_site.people[0].masked_id_number not in html
    # Full ID numbers never appear in the admin.
    assert site.people[0].id_number not in html


@pytest.mark.django_db
def test_admin_object_of_other_community_is_not_found(site, staff, other_site):
    response = login(staff[Role.SECRETARY]).get(f"/admin/people/person/{other_site.people[0].pk}/change/")
    # Django's admin answers an object outside its queryset by going back to the index, as for a missing id.
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert other_site.people[0].name not in response.content.decode()


@pytest.mark.django_db
def test_audit_events_are_read_only_in_admin(site, staff):
    client = login(staff[Role.SECRETARY])
    event = AuditEvent.objects.filter(community_id=site.community.pk).first()
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    response = client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BUILDING_HEAD, Role.GRID_WORKER, Role.RESIDENT])
def test_lower_roles_have_no_admin(site, staff, role):
    response = login(staff[role]).get("/admin/people/person/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_social_worker_cannot_read_the_audit_trail(site, staff):
    response = login(staff[Role.SOCIAL_WORKER]).get("/admin/core/auditevent/")
    assert response.status_code == 403
