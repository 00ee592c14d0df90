"""One error shape under /api/: every failure answers {code, message, extra} with a Chinese message, whoever made
it (a service, ninja's validation and authentication, Django's URL resolver, a bug). Open311 keeps its own."""

import pytest
from django.test import Client

from gongzhi.core.errors import Throttled
from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from gongzhi.places import selectors as place_selectors

SHAPE = {"code", "message", "extra"}


def shaped(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE and body["code"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


@pytest.fixture
def bearer(staff) -> Client:
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="x")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


@pytest.mark.django_db
def test_validation_errors_are_400_invalid_with_the_fields(site, bearer):
    body = shaped(bearer.get(f"/api/communities/{site.community.pk}/people?limit=abc&offset=-1"), 400, "invalid")
    fields = {(e["in"], e["field"]): e for e in body["extra"]["errors"]}
    assert fields[("query", "limit")]["type"] == "int_parsing"
    assert fields[("query", "offset")]["message"] == "不能小于 0"


@pytest.mark.django_db
def test_a_body_that_misses_a_field_names_it(site, bearer):
    response = bearer.post(
        f"/api/communities/{site.community.pk}/voices", {"text": "x"}, content_type="application/json"
    )
    body = shaped(response, 400, "invalid")
    assert {("body", "category"), ("body", "place")} <= {(e["in"], e["field"]) for e in body["extra"]["errors"]}


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_400(site, bearer):
    shaped(
        bearer.post(f"/api/communities/{site.community.pk}/voices", "{", content_type="application/json"),
        400,
        "invalid",
    )


@pytest.mark.django_db
def test_anonymous_and_bad_tokens_get_401_not_a_csrf_failure(site):
    url = f"/api/communities/{site.community.pk}/voices"
    shaped(Client().get(url), 401, "not_authenticated")
    anonymous = Client(enforce_csrf_checks=True)
    shaped(anonymous.post(url, "{}", content_type="application/json"), 401, "not_authenticated")
    bad_token = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer no")
    shaped(bad_token.post(url, "{}", content_type="application/json"), 401, "token_invalid")


@pytest.mark.django_db
def test_a_session_post_without_csrf_is_403_csrf_failed(site, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.SECRETARY])
    response = client.post(f"/api/communities/{site.community.pk}/people/{site.people[0].pk}/reveal/id_number")
    shaped(response, 403, "csrf_failed")


@pytest.mark.django_db
def test_forbidden_and_not_found(site, staff, bearer):
    _token, plain = api_token_create(actor=None, user=staff[Role.PROPERTY], name="x")
    shaped(
        Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get(f"/api/communities/{site.community.pk}/people"),
        403,
        "forbidden",
    )
    shaped(bearer.get(f"/api/communities/{site.community.pk}/people/2147483647"), 404, "not_found")
    shaped(bearer.get("/api/no/such/path"), 404, "not_found")
    shaped(bearer.get("/api/"), 404, "not_found")  # ninja's root view raises Http404 outside its handlers


@pytest.mark.django_db
def test_a_method_not_allowed_is_405_with_allow(site, bearer):
    response = bearer.delete(f"/api/communities/{site.community.pk}/people")
    shaped(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_throttled_is_429_with_retry_after(site, bearer, monkeypatch):
    def too_many(**kwargs):
        raise Throttled(retry_after=60)

    monkeypatch.setattr(place_selectors, "communities_for", too_many)
    response = bearer.get("/api/communities")
    shaped(response, 429, "throttled")
    assert response["Retry-After"] == "60"


@pytest.mark.django_db
def test_a_bug_is_500_server_error_without_traceback_even_in_debug(site, bearer, monkeypatch, settings):
    settings.DEBUG = True

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(place_selectors, "communities_for", broken)
    response = bearer.get("/api/communities")
    shaped(response, 500, "server_error")
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


@pytest.mark.django_db
def test_open311_keeps_its_own_error_format(site):
    response = Client().get("/open311/v2/requests/999999.json")
    assert response.status_code in (400, 404)
    body = response.json()
    assert isinstance(body, list) and {"code", "description"} <= set(body[0])
