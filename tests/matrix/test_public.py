"""The exempt routes that anyone may call (tests/matrix/test_completeness.py, EXEMPT): what anonymous gets."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.refusals import assert_refused

pytestmark = pytest.mark.django_db


def test_login_page_and_api_description_are_public():
    client = Client()
    assert client.get(reverse("core:login")).status_code == 200
    assert client.get(reverse("api:openapi-json")).status_code == 200
    assert client.get(reverse("api:openapi-view")).status_code == 200
    assert client.post(reverse("core:logout")).status_code == 302


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_anonymous_callers(site, fmt):
    client, j = Client(), f"?jurisdiction_id={site.community.pk}"
    assert client.get(reverse("open311:discovery", kwargs={"fmt": fmt})).status_code == 200
    assert client.get(reverse("open311:services", kwargs={"fmt": fmt}) + j).status_code == 200
    assert client.get(reverse("open311:requests", kwargs={"fmt": fmt}) + j).status_code == 200
    missing = {"service": {"service_code": "nope"}, "request": {"request_id": "999999"}, "token": {"token": "nope"}}
    for name, kwargs in missing.items():
        assert_refused(client.get(reverse(f"open311:{name}", kwargs={**kwargs, "fmt": fmt}) + j), 404, context=name)
    assert_refused(client.get(f"/open311/v2/nowhere.{fmt}"), 404)
