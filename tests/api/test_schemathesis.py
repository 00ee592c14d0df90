"""Fuzzing every operation of /api/openapi.json with schemathesis, through the Django app (WSGI, no server), with a
secretary's bearer token: no answer is a server error, and every answer (status, content type, body) is one the
schema documents. Valid and invalid inputs both (positive and negative generation); the examples are derived
deterministically so that a failure reproduces, and few enough per operation to keep the file at about a minute
with -n 2. It runs on SQLite and on PostgreSQL alike (PostgreSQL is where NUL in text used to fail)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from gongzhi.core.api_schema import DB_ID_MAX
from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create

# Per operation, in each of the phases schemathesis runs (explicit examples, boundary coverage, random fuzzing).
MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def aim_at_real_rows(case, site) -> None:
    """Random ids almost never exist, so every answer would be a 404 before the endpoint reads its paging or body:
    an id that is valid (in range) is replaced by a row of the test community, except the largest, which keeps
    the 404s in the run. Schemathesis sends some values already as text; they stay text."""
    real = {
        "community_id": site.community.pk,
        "community": site.community.pk,
        "place_id": site.households[0].place_id,
        "person_id": site.people[0].pk,
    }
    for values in (case.path_parameters, case.query):
        for name, value in list((values or {}).items()):
            as_int = (
                value if isinstance(value, int) else int(value) if isinstance(value, str) and value.isdigit() else 0
            )
            if name in real and not isinstance(value, bool) and 1 <= as_int < DB_ID_MAX:
                values[name] = str(real[name]) if isinstance(value, str) else real[name]


@pytest.fixture
def keep_the_test_connection():
    """The WSGI app closes the database connection after each request (close_old_connections), which on
    PostgreSQL loses the test's transaction; Django's own test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(staff) -> dict[str, str]:
    _token, plain = api_token_create(actor=None, user=staff[Role.SECRETARY], name="schemathesis")
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_as_documented(case, bearer, site, keep_the_test_connection):
    aim_at_real_rows(case, site)
    response = case.call(headers=bearer)
    case.validate_response(response, checks=CHECKS)
