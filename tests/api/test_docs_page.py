"""/api/docs is served from this server: nothing is downloaded at run time, and a city's offline network still
shows it."""

import re

import pytest


@pytest.mark.django_db
def test_the_api_docs_page_loads_swagger_from_this_server(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == []
