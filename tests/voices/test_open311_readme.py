"""The README's Open311 examples, run against the demo's data: every `curl` line of its Open311 section goes
through Django's test client, so the README cannot again name a jurisdiction that does not exist or POST a
request the spec refuses.

The demo is loaded as `make demo` loads it, into a database that is not fresh (other tests ran first, and
PostgreSQL sequences do not roll back), so a community's id is not what a fresh `make demo` gives it. The README's
ids are checked the way they hold on a fresh database, relative to the street (id 1 there), and then mapped onto
this database's ids before the lines run."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from django.test import Client

from gongzhi.core.models import User
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.demo.voices.load import load_voices_demo
from gongzhi.places.models import COMMUNITY_KINDS, Place
from gongzhi.voices.models import Channel, Voice
from gongzhi.voices.services.open311 import open311_key_issue

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
SERVER = "http://127.0.0.1:8000"
# "东环路社区 is 2": the ids the README promises for a fresh `make demo`.
ID_CLAIM = re.compile(r"([\u4e00-\u9fff]+(?:社区|村)) is (\d+)")
KEY_PLACEHOLDER = "…"


def open311_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Open311\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def curl_lines(section: str) -> list[list[str]]:
    """The `curl` commands of the section's shell blocks, split as the shell would."""
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.startswith("curl ")]


def request_of(argv: list[str]) -> tuple[str, str, str | None]:
    """(method, url, form body) of a curl command; a flag the test does not know fails it, so that the README
    stays within what is checked here."""
    url, data = None, None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-d", "--data"):
            data = next(args)
        elif arg.startswith("-"):
            raise AssertionError(f"curl flag {arg} is not understood by this test: {argv}")
        else:
            assert url is None, argv
            url = arg
    assert url is not None and url.startswith(f"{SERVER}/open311/v2/"), argv
    return ("POST" if data is not None else "GET"), url, data


def with_ids(pairs: list[tuple[str, str]], ids: dict[str, str]) -> dict[str, str]:
    """The parameters with each jurisdiction_id the README names replaced by this database's id."""
    out = dict(pairs)
    if "jurisdiction_id" in out:
        assert out["jurisdiction_id"] in ids, f"jurisdiction_id={out['jurisdiction_id']} is not one the README names"
        out["jurisdiction_id"] = ids[out["jurisdiction_id"]]
    return out


@pytest.fixture
def demo() -> Place:
    """The street with its communities and 社情民意, loaded as `make demo` does. The 议事厅 and 时间银行 parts are
    left out: they load after the communities, so they cannot move the ids the README names."""
    street = load_demo(residents_lixiong=300).street
    load_voices_demo(street=street, password=DEMO_PASSWORD)
    return street


def test_the_readmes_open311_examples_work_against_the_demo(demo):
    section = open311_section()
    claims = ID_CLAIM.findall(section)
    assert {name for name, _ in claims} >= {"东环路社区"}, claims
    client = Client()
    discovery = json.loads(client.get("/open311/v2/discovery.json").content)
    listed = {j["jurisdiction_id"]: j["name"] for j in discovery["jurisdictions"]}
    ids: dict[str, str] = {}
    for name, readme_id in claims:
        community = Place.objects.get(parent=demo, kind__in=COMMUNITY_KINDS, name=name)
        # On a fresh database the street is 1 and the communities follow it in the order the demo builds them.
        assert community.pk - demo.pk + 1 == int(readme_id), (name, community.pk, demo.pk)
        assert listed[str(community.pk)] == name  # where the README tells readers to look
        ids[readme_id] = str(community.pk)

    lines = curl_lines(section)
    assert len(lines) >= 4 and any("-d" in argv for argv in lines), lines
    secretary = User.objects.get(phone="13800000001")  # the README's demo login for issuing a key
    for argv in lines:
        method, url, data = request_of(argv)
        parts = urlsplit(url)
        if method == "POST":
            assert data is not None
            form = with_ids(parse_qsl(data), ids)
            community = Place.objects.get(pk=form.get("jurisdiction_id"))
            assert form.get("api_key") == KEY_PLACEHOLDER, "the README shows where the key goes, not a key"
            form["api_key"] = open311_key_issue(actor=secretary, community=community, name="README")[1]
            response = client.post(parts.path, urlencode(form), content_type="application/x-www-form-urlencoded")
        else:
            response = client.get(parts.path, with_ids(parse_qsl(parts.query), ids))
        assert response.status_code == 200, (argv, response.content.decode())
        content: Any
        if parts.path.endswith(".xml"):
            assert response["Content-Type"] == "text/xml; charset=utf-8"
            content = list(ElementTree.fromstring(response.content))  # noqa: S314 - our own answer
        else:
            assert response["Content-Type"] == "application/json; charset=utf-8"
            content = json.loads(response.content)
        assert content, (argv, "an example that shows nothing")
        if method == "POST":
            voice = Voice.objects.get(pk=content[0]["service_request_id"])
            assert voice.channel == Channel.OPEN311 and voice.community_id == community.pk
            assert voice.text == form.get("description", "")
