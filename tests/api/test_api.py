import pytest
from django.test import Client

from gongzhi.core.models import SensitiveAccess
from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from gongzhi.people.models import Person
from tests import factories
from tests.conftest import login


@pytest.mark.django_db
def test_openapi_schema_lists_the_endpoints():
    schema = Client().get("/api/openapi.json").json()
    assert "/api/communities/{community_id}/people" in schema["paths"]
    assert "/api/communities/{community_id}/places" in schema["paths"]


@pytest.mark.django_db
def test_token_auth_for_integrations(site, staff):
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="天府市民云")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    body = client.get(f"/api/communities/{site.community.pk}/people?limit=5").json()
    assert body["count"] == len(site.people) and len(body["results"]) == 5
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get("/api/communities").status_code == 401


@pytest.mark.django_db
def test_people_api_is_masked(site, staff):
    person = site.people[0]
    body = login(staff[Role.SECRETARY]).get(f"/api/communities/{site.community.pk}/people/{person.pk}").json()
    assert body["id_number"] == person.masked_id_number and body["name"] == person.masked_name
    assert person.id_number not in str(body)


@pytest.mark.django_db
def test_reveal_through_api_is_logged(site, staff):
    person = site.people[0]
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="台账系统")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").post(
        f"/api/communities/{site.community.pk}/people/{person.pk}/reveal/id_number"
    )
    assert response.json()["value"] == person.id_number
    assert SensitiveAccess.objects.filter(field="id_number", object_id=str(person.pk)).count() == 1


@pytest.mark.django_db
def test_api_errors_have_code_and_chinese_message(site, staff):
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="x")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    before = Person.objects.count()
    response = client.post(
        f"/api/communities/{site.community.pk}/people",
        {
            "name": "王五",
            "id_number": "110105194912310021",
            "household_id": site.households[0].pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_id_number" and "校验位" in response.json()["message"]
    assert Person.objects.count() == before
    ok = client.post(
        f"/api/communities/{site.community.pk}/people",
        {
            "name": "王五",
            "id_number": factories.next_id_number(),
            "household_id": site.households[0].pk,
        },
        content_type="application/json",
    )
    assert ok.status_code == 201 and Person.objects.count() == before + 1


@pytest.mark.django_db
def test_api_cannot_create_in_other_community_household(site, other_site, staff):
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="x")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").post(
        f"/api/communities/{site.community.pk}/people",
        {"name": "王五", "id_number": factories.next_id_number(), "household_id": other_site.households[0].pk},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_api_lower_role_cannot_create(site, staff):
    _token, plain = api_token_create(actor=None, user=staff[Role.BUILDING_HEAD], name="x")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").post(
        f"/api/communities/{site.community.pk}/people",
        {"name": "王五", "id_number": factories.next_id_number(), "household_id": site.households[0].pk},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_session_post_without_csrf_is_refused(site, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.SECRETARY])
    response = client.post(f"/api/communities/{site.community.pk}/people/{site.people[0].pk}/reveal/id_number")
    assert response.status_code == 403, response.status_code
    assert not SensitiveAccess.objects.exists()


@pytest.mark.django_db
def test_create_api_token_command_prints_a_working_token(site, staff):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_token", phone=staff[Role.SECRETARY].phone, name="天府市民云", stdout=out)
    plain = out.getvalue().splitlines()[0]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get("/api/communities")
    assert response.status_code == 200 and response.json()[0]["id"] == site.community.pk


def test_no_page_loads_assets_from_another_host():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "src" / "gongzhi"
    offenders = [
        str(p)
        for p in templates.rglob("*.html")
        if any(marker in p.read_text(encoding="utf-8") for marker in ('src="http', 'href="http', "src='http", "//cdn"))
    ]
    assert offenders == []
