"""No 500s from numbers or text: every number a caller sends is bounded before it reaches the database, and text
that no database can store (a lone surrogate, bytes that are not UTF-8, NUL) is a 400 with a Chinese message, in
the body, the query and the path."""

import json

import pytest
from django.test import Client

from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from gongzhi.voices.models import Voice

HUGE = "99999999999999999999"


@pytest.fixture
def bearer(staff) -> Client:
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="x")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def lists(site) -> dict[str, str]:
    c = site.community.pk
    return {
        "households": f"/api/communities/{c}/places/{site.households[0].place_id}/households",
        "people": f"/api/communities/{c}/people",
        "topics": f"/api/communities/{c}/topics",
        "voices": f"/api/communities/{c}/voices",
        "accounts": "/api/timebank/accounts/1",
    }


def invalid(response, where: str, field: str) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid"
    assert (where, field) in {(e["in"], e["field"]) for e in body["extra"]["errors"]}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["households", "people", "topics", "voices", "accounts"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"offset={HUGE}", "offset"),
        ("offset=-1", "offset"),
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
    ],
)
def test_paging_is_bounded(site, bearer, name, query, field):
    invalid(bearer.get(f"{lists(site)[name]}?{query}"), "query", field)


@pytest.mark.django_db
def test_paging_within_bounds_still_works(site, bearer):
    body = bearer.get(f"{lists(site)['people']}?offset=1000000&limit=200").json()
    assert body["results"] == [] and body["count"] == len(site.people)
    assert len(bearer.get(f"{lists(site)['households']}?limit=2").json()) == 2


@pytest.mark.django_db
def test_ids_are_bounded_to_the_database_integer(site, bearer):
    c = site.community.pk
    invalid(bearer.get(f"/api/communities/{HUGE}/voices"), "path", "community_id")
    invalid(bearer.get(f"/api/communities/{c}/people/{HUGE}"), "path", "person_id")
    invalid(bearer.get(f"/api/communities/{c}/people?place={HUGE}"), "query", "place")
    invalid(bearer.get(f"/api/timebank/stats?community={HUGE}"), "query", "community")
    body = {"category": "x", "place": int(HUGE), "text": "路灯坏了"}
    invalid(bearer.post(f"/api/communities/{c}/voices", body, content_type="application/json"), "body", "place")
    assert bearer.get(f"/api/communities/{c}/people/{2**63 - 1}").status_code == 404


def invalid_text(response, where: str) -> dict:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid_text" and body["extra"]["in"] == where
    assert "无效字符" in body["message"]
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["\ud800", "路灯\udfff坏了", "路灯\x00坏了"])
def test_unstorable_text_in_a_body_is_400(site, bearer, text):
    payload = json.dumps({"category": "x", "place": site.compound.pk, "text": text})  # "\ud800" stays an escape
    response = bearer.post(f"/api/communities/{site.community.pk}/voices", payload, content_type="application/json")
    assert invalid_text(response, "body")["extra"]["field"] == "text"
    assert not Voice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF", "%00"])
def test_unstorable_text_in_a_query_or_a_path_is_400(site, bearer, raw):
    c = site.community.pk
    invalid_text(bearer.get(f"/api/communities/{c}/voices?q={raw}"), "query")
    invalid_text(bearer.post(f"/api/communities/{c}/people/{site.people[0].pk}/reveal/{raw}"), "path")
