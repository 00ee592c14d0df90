"""Runs every case of tests/matrix/cases.py: anonymous, another community, a lower role, the allowed role."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import AuditEvent
from tests.matrix.cases import CASES, Case
from tests.matrix.world import World
from tests.refusals import REFUSALS, assert_anonymous_refused, assert_refused

pytestmark = pytest.mark.django_db


def _request(case: Case, world: World, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    url = reverse(case.route, kwargs=case.args(world)) + case.query.format(dh=world.c("dh"), lx=world.c("lx"))
    data = case.data(world) if case.data else {}
    if case.is_api and case.method != "get":
        return getattr(client, case.method)(url, json.dumps(data), content_type="application/json")
    return getattr(client, case.method)(url, data)


def _runs() -> list:
    runs = []
    for case in CASES:
        runs.append(pytest.param(case, "anonymous", id=f"{case.id}-anonymous"))
        runs.append(pytest.param(case, "other", id=f"{case.id}-other"))
        if case.lower is not None:
            runs.append(pytest.param(case, "lower", id=f"{case.id}-lower"))
        if case.allowed is not None:
            runs.append(pytest.param(case, "allowed", id=f"{case.id}-allowed"))
    return runs


@pytest.mark.parametrize(("case", "column"), _runs())
def test_matrix(world, case: Case, column: str):
    audited = AuditEvent.objects.count()
    _check(world, case, column)
    if case.method != "get" and _refused(case, column):
        # A refused write changes nothing: every service writes one audit event, and none was written.
        assert AuditEvent.objects.count() == audited


def _refused(case: Case, column: str) -> bool:
    if column == "anonymous":
        return case.anonymous is None or case.anonymous >= 400
    return {"other": case.other, "lower": case.refused, "allowed": case.ok or 0}[column] >= 400


def _check(world: World, case: Case, column: str) -> None:
    if column == "anonymous":
        response = _request(case, world)
        if case.anonymous is None:
            assert_anonymous_refused(response, api=case.is_api, context=case.id)
        elif case.anonymous in REFUSALS:
            assert_refused(response, case.anonymous, context=(case.id, "anonymous"))
        else:  # a public page's own answer
            assert response.status_code == case.anonymous, (case.id, "anonymous", response.status_code)
        return
    actor = {"other": case.other_actor, "lower": case.lower, "allowed": case.allowed}[column]
    expected = {"other": case.other, "lower": case.refused, "allowed": case.ok}[column]
    response = _request(case, world, world.user(case.community, actor))
    if expected in REFUSALS:
        assert_refused(response, expected, context=(case.id, actor))
    else:  # allowed; a street-wide page's own answer to another community; a business answer (test_completeness)
        assert response.status_code == expected, (case.id, actor, response.status_code)
