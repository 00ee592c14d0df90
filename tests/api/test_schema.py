"""The published schema (/api/openapi.json) tells the truth: it is a valid OpenAPI document, no two schemas share a
name (so none overwrites another), every operation documents its errors in the one error shape, the
Idempotency-Key header is there where it is read, enum filters are enums and a topic's result is typed."""

from collections import defaultdict
from enum import Enum

import pytest
from django.test import Client
from ninja import Schema
from openapi_spec_validator import validate

import gongzhi.api  # noqa: F401  (every router and schema is imported with it)


@pytest.fixture(scope="module")
def schema() -> dict:
    return Client().get("/api/openapi.json").json()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def test_the_published_schema_is_valid_openapi(schema):
    validate(schema)


def test_no_two_schemas_or_enums_share_a_name():
    # Components are keyed by class name: a second EventOut silently replaced the first in the document.
    by_name: dict[str, set[str]] = defaultdict(set)
    # Enums of the API modules only: the models' TextChoices (voices' and topics' Status) never reach the schema.
    api_enums = {e for e in all_subclasses(Enum) if ".api" in e.__module__ or e.__module__.endswith("api_schema")}
    for cls in all_subclasses(Schema) | api_enums:
        if cls.__module__.startswith("gongzhi."):
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_a_topics_timeline_and_a_voices_timeline_are_their_own_schemas(schema):
    components = schema["components"]["schemas"]
    topic_event = components["TopicDetailOut"]["properties"]["timeline"]["items"]["$ref"].rsplit("/", 1)[1]
    voice_event = components["VoiceDetailOut"]["properties"]["timeline"]["items"]["$ref"].rsplit("/", 1)[1]
    assert set(components[topic_event]["properties"]) == {"status", "at", "note"}
    assert {"kind", "body", "from_status", "to_status"} <= set(components[voice_event]["properties"])


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    for path, method, op in operations(schema):
        errors = {code: r for code, r in op["responses"].items() if code >= "400"}
        assert {"400", "401", "500"} <= set(errors), (method, path)
        for response in errors.values():
            assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut"), (method, path)
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message", "extra"}


def test_not_found_and_conflicts_are_documented_where_they_happen(schema):
    paths = schema["paths"]
    assert "404" in paths["/api/communities/{community_id}/people/{person_id}"]["get"]["responses"]
    assert {"403", "404", "409"} <= set(
        paths["/api/communities/{community_id}/topics/{topic_id}/ballot"]["post"]["responses"]
    )
    assert "409" in paths["/api/timebank/accounts/{account_id}/gift"]["post"]["responses"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/timebank/items/{item_id}/redeem",
        "/api/timebank/accounts/{account_id}/gift",
        "/api/timebank/transactions/{transaction_id}/reverse",
    ],
)
def test_the_idempotency_key_header_is_documented_where_it_is_read(schema, path):
    params = schema["paths"][path]["post"]["parameters"]
    assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in params)


def enum_of(schema: dict, param_schema: dict) -> list[str]:
    for option in [param_schema, *param_schema.get("anyOf", []), *param_schema.get("allOf", [])]:
        if "enum" in option:
            return option["enum"]
        if "$ref" in option:
            return schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]["enum"]
    return []


@pytest.mark.parametrize(
    ("path", "method", "name", "some"),
    [
        ("/api/communities/{community_id}/topics", "get", "status", {"voting", "decided"}),
        ("/api/communities/{community_id}/voices", "get", "order", {"new", "due"}),
        ("/api/communities/{community_id}/people/{person_id}/reveal/{field}", "post", "field", {"id_number", "phone"}),
    ],
)
def test_enum_filters_are_enums(schema, path, method, name, some):
    param = next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)
    assert some <= set(enum_of(schema, param["schema"]))


def test_a_topics_result_is_typed(schema):
    components = schema["components"]["schemas"]
    result = components["TopicDetailOut"]["properties"]["result"]
    refs = {o["$ref"].rsplit("/", 1)[1] for o in result["anyOf"] if "$ref" in o}
    assert refs == {"OwnerVoteResultOut", "AssemblyResultOut", "CocreationResultOut", "OpinionResultOut"}
    assert components["OwnerVoteResultOut"]["properties"]["passed"]["type"] == "boolean"
