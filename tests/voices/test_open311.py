"""Open311 GeoReport v2 at /open311/v2/: the spec's own example requests (https://wiki.open311.org/GeoReport_v2),
adapted to our codes and a Chinese phone; the spec's field names and error format; privacy; the staff key page."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.voices.models import Channel, EventKind, Open311Key, Status, Voice, VoiceEvent, VoicePhoto
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.open311 import open311_key_issue, open311_key_revoke
from gongzhi.voices.services.residents import voice_rate
from gongzhi.voices.services.voice_steps import event_append
from gongzhi.voices.services.workflow import voice_close, voice_reply
from tests.conftest import login
from tests.queries import queries

BASE = "/open311/v2/"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
PHONE = "13812345678"


def issue(desk: Any, name: str = "12345 市民热线") -> tuple[Open311Key, str]:
    return open311_key_issue(actor=desk.staff[Role.SECRETARY], community=desk.site.community, name=name)


def spec_post(raw_key: str, **overrides: str) -> dict[str, str]:
    """The spec's example POST: api_key=xyz&service_code=001&lat=…&long=…&email=…&device_id=…&account_id=…
    &first_name=john&last_name=smith&phone=111111111&description=…&media_url=…"""
    data = {
        "api_key": raw_key,
        "service_code": "parking",
        "lat": "30.657401",
        "long": "104.065735",
        "email": "zhang.ming@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "明",
        "last_name": "张",
        "phone": PHONE,
        "description": "小区东门消防通道上长期停着一辆无牌面包车",
        "media_url": "http://example.com/photos/1.jpg",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The spec's lists and the element of each item (<services><service>…, <errors><error>…).
XML_LISTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "endpoints": "endpoint",
    "formats": "format",
    "jurisdictions": "jurisdiction",
}


def body(response: Any) -> Any:
    assert response["Content-Type"] == JSON_TYPE, response["Content-Type"]
    return json.loads(response.content.decode())


def xml_body(response: Any) -> ElementTree.Element:
    assert response["Content-Type"] == XML_TYPE, response["Content-Type"]
    assert response.content.decode().startswith(XML_DECLARATION)
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own answer, read back by the test


def spark(element: ElementTree.Element) -> Any:
    """The JSON an XML element maps to by the spec's Spark convention, every leaf as text (None when empty)."""
    if element.tag in XML_LISTS:
        assert all(child.tag == XML_LISTS[element.tag] for child in element), element.tag
        return [spark(child) for child in element]
    if len(element):
        return {child.tag: spark(child) for child in element}
    return element.text or None


def as_text(value: Any) -> Any:
    """A JSON value as the XML carries it: text, true/false, and an empty element for null or ""."""
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None or value == "" else str(value)


def assert_error(response: Any, status: int, code: str) -> str:
    """The spec's error format: [{"code": <status>, "description": "…"}], or <errors><error><code>… for a .xml
    address; our code in a header."""
    assert response.status_code == status, (response.status_code, response.content.decode())
    if response.request["PATH_INFO"].endswith(".xml"):
        element = xml_body(response)
        assert element.tag == "errors"
        assert [[child.tag for child in error] for error in element] == [["code", "description"]]
        data = [{"code": int(e["code"]), "description": e["description"]} for e in spark(element)]
    else:
        data = body(response)
    assert isinstance(data, list) and len(data) == 1 and set(data[0]) == {"code", "description"}
    assert data[0]["code"] == status
    assert response["X-Gongzhi-Error"] == code
    description: str = data[0]["description"]
    assert description and "<" not in description
    return description


def submit(desk: Any, **kwargs: Any) -> Voice:
    s = desk.site
    defaults: dict[str, Any] = {
        "actor": desk.resident,
        "community": s.community,
        "place": s.buildings[0],
        "category": desk.categories["lighting"],
        "text": "3栋门口路灯坏了一个星期",
        "is_public": True,
    }
    defaults.update(kwargs)
    return voice_submit(**defaults)


# --- the spec's example requests -----------------------------------------------------------------------------


def test_services_json_lists_the_communitys_categories_with_the_specs_fields(desk, other_desk, client):
    c = desk.site.community
    desk.categories["security"].is_active = False
    desk.categories["security"].save()
    data = body(client.get(f"{BASE}services.json", {"jurisdiction_id": c.pk}))
    assert [s["service_code"] for s in data] == ["parking", "lighting", "refuse"]
    assert all(set(s) == SERVICE_FIELDS for s in data)
    assert data[0]["service_name"] == "停车" and data[0]["metadata"] is False and data[0]["type"] == "realtime"
    other = body(client.get(f"{BASE}services.json", {"jurisdiction_id": other_desk.site.community.pk}))
    assert len(other) == 4  # each community its own categories


def test_service_definition_has_no_attributes(desk, client):
    response = client.get(f"{BASE}services/lighting.json", {"jurisdiction_id": desk.site.community.pk})
    assert response.status_code == 200
    assert body(response) == {"service_code": "lighting", "attributes": []}
    unknown = client.get(f"{BASE}services/033.json", {"jurisdiction_id": desk.site.community.pk})
    assert_error(unknown, 404, "unknown_service")


def test_the_specs_example_post_creates_a_private_voice_through_intake(desk, client):
    key, raw = issue(desk)
    response = client.post(f"{BASE}requests.json", spec_post(raw))
    assert response.status_code == 200, response.content
    data = body(response)
    # The spec returns the id or a token, never both; ours is created at once, so the id (the "realtime" type).
    assert len(data) == 1 and list(data[0]) == ["service_request_id", "service_notice", "account_id"]
    voice = Voice.objects.get()
    assert data[0]["service_request_id"] == str(voice.pk)
    assert data[0]["account_id"] is None and f"#{voice.pk}" in data[0]["service_notice"]
    assert voice.channel == Channel.OPEN311 and voice.open311_key == key
    assert voice.reporter is None and voice.entered_by is None
    assert voice.is_public is False  # the spec has no such field: private unless is_public=true is sent
    assert voice.place == desk.site.community and voice.category == desk.categories["parking"]
    assert voice.lat == Decimal("30.657401") and voice.long == Decimal("104.065735")
    assert voice.contact_name == "张明" and voice.contact_phone == PHONE
    assert voice.party == desk.committee  # routed: parking outside the compound falls back to the 居委会
    note = VoiceEvent.objects.get(voice=voice, kind=EventKind.NOTE)
    assert note.is_public is False
    assert "http://example.com/photos/1.jpg" in note.body and "zhang.ming@example.com" in note.body
    assert "tt222111" in note.body and "12345 市民热线" in note.body
    submitted = AuditEvent.objects.get(verb="voice.submit", object_id=str(voice.pk))
    assert submitted.actor_id is None and submitted.after["channel"] == "open311"
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_post_with_an_address_id_and_the_public_extension_field(desk, client):
    _key, raw = issue(desk)
    building = desk.site.buildings[0]
    data = spec_post(raw, lat="", long="", address_id=str(building.pk), is_public="true", service_code="security")
    response = client.post(f"{BASE}requests.json", data)
    assert response.status_code == 200, response.content
    voice = Voice.objects.get()
    assert voice.place == building and voice.is_public is True and voice.lat is None
    assert voice.party == desk.grid_party  # routed by the place the address_id names


@pytest.mark.date_sensitive
def test_description_is_optional_and_may_run_to_the_specs_4000_characters(desk, client):
    _key, raw = issue(desk)
    long_text = "楼道灯" + "长" * 3997
    assert len(long_text) == 4000
    long_id = body(client.post(f"{BASE}requests.json", spec_post(raw, description=long_text)))[0]
    assert Voice.objects.get(pk=long_id["service_request_id"]).text == long_text
    # No description: the spec asks only for the service_code and a location, which the category and place carry.
    bare = client.post(f"{BASE}requests.json", spec_post(raw, description=None, is_public="true"))
    assert bare.status_code == 200, bare.content.decode()
    voice = Voice.objects.get(pk=body(bare)[0]["service_request_id"])
    assert voice.text == "" and voice.category == desk.categories["parking"] and voice.lat is not None
    c = desk.site.community.pk
    row = body(client.get(f"{BASE}requests/{voice.pk}.json", {"jurisdiction_id": c}))[0]
    assert row["description"] is None and row["service_code"] == "parking"
    element = xml_body(client.get(f"{BASE}requests/{voice.pk}.xml", {"jurisdiction_id": c}))
    description = element[0].find("description")
    assert description is not None and description.text is None


@pytest.mark.parametrize(("text", "code"), [("长" * 1001, "bad_text"), ("  ", "text_required")])
def test_every_other_channel_keeps_the_web_forms_limit_and_needs_a_text(desk, text, code):
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, text=text)
    assert exc.value.code == code
    on_behalf = {"actor": desk.staff[Role.SECRETARY], "channel": Channel.HOTLINE, "contact_name": "李四"}
    with pytest.raises(ValidationFailed) as exc:
        submit(desk, text=text, **on_behalf)
    assert exc.value.code == code
    assert Voice.objects.count() == 0
    assert len(submit(desk, text="长" * 1000).text) == 1000


def test_get_requests_with_the_specs_date_range_and_status(desk, client, time_machine):
    # GET requests.json?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open
    time_machine.move_to(datetime.datetime(2010, 6, 1, 10, 0, tzinfo=datetime.UTC))
    inside = submit(desk)
    closed = submit(desk, text="垃圾房门坏了", category=desk.categories["refuse"])
    Voice.objects.filter(pk=closed.pk).update(status=Status.RESOLVED, is_open=False)  # the inbox part closes it
    time_machine.move_to(datetime.datetime(2010, 7, 1, 10, 0, tzinfo=datetime.UTC))
    submit(desk, text="七月的问题")
    c = desk.site.community
    params = {
        "jurisdiction_id": c.pk,
        "start_date": "2010-05-24T00:00:00Z",
        "end_date": "2010-06-24T00:00:00Z",
        "status": "open",
    }
    data = body(client.get(f"{BASE}requests.json", params))
    assert [r["service_request_id"] for r in data] == [str(inside.pk)]
    row = data[0]
    assert set(row) == REQUEST_FIELDS
    assert row["status"] == "open" and row["service_code"] == "lighting" and row["service_name"] == "照明"
    assert row["description"] == "3栋门口路灯坏了一个星期"
    assert row["requested_datetime"] == "2010-06-01T18:00:00+08:00"  # W3C with the offset
    assert row["expected_datetime"] == timezone.localtime(inside.due_at).isoformat(timespec="seconds")
    assert row["expected_datetime"].endswith("+08:00")
    # Most specific first, as the spec asks of address ("address number …, street name, neighborhood …").
    assert row["address"] == f"1栋，花园小区，{c.name}" and row["address_id"] == str(desk.site.buildings[0].pk)
    assert row["agency_responsible"] == "花园物业"
    closed_rows = body(client.get(f"{BASE}requests.json", {**params, "status": "closed"}))
    assert [(r["service_request_id"], r["status"]) for r in closed_rows] == [(str(closed.pk), "closed")]
    both = body(client.get(f"{BASE}requests.json", {**params, "status": "open,closed"}))
    assert len(both) == 2
    by_code = body(client.get(f"{BASE}requests.json", {**params, "status": "", "service_code": "refuse"}))
    assert [r["service_request_id"] for r in by_code] == [str(closed.pk)]


@pytest.mark.date_sensitive
def test_get_requests_defaults_to_the_last_90_days(desk, client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 1, 10, 0, tzinfo=datetime.UTC))
    old = submit(desk, text="一月的问题")
    time_machine.move_to(datetime.datetime(2026, 5, 1, 10, 0, tzinfo=datetime.UTC))
    recent = submit(desk, text="五月的问题")
    data = body(client.get(f"{BASE}requests.json", {"jurisdiction_id": desk.site.community.pk}))
    assert [r["service_request_id"] for r in data] == [str(recent.pk)]
    by_id = body(
        client.get(
            f"{BASE}requests.json",
            {"jurisdiction_id": desk.site.community.pk, "service_request_id": f"{old.pk},{recent.pk}"},
        )
    )
    assert {r["service_request_id"] for r in by_id} == {str(old.pk), str(recent.pk)}  # ids ignore the dates


@pytest.mark.date_sensitive
def test_a_date_range_spans_at_most_90_days(desk, client, time_machine):
    time_machine.move_to(datetime.datetime(2010, 1, 1, 2, 0, tzinfo=datetime.UTC))  # 10:00 in Shanghai
    first = submit(desk, text="一月一日的问题")
    time_machine.move_to(datetime.datetime(2010, 3, 31, 2, 0, tzinfo=datetime.UTC))
    last = submit(desk, text="三月三十一日的问题")
    time_machine.move_to(datetime.datetime(2010, 4, 1, 2, 0, tzinfo=datetime.UTC))
    after = submit(desk, text="四月一日的问题")
    params = {"jurisdiction_id": desk.site.community.pk}

    def ids(**dates: str) -> list[str]:
        return [r["service_request_id"] for r in body(client.get(f"{BASE}requests.json", {**params, **dates}))]

    # 1 January to 31 March: 90 days counting both, the longest range there is.
    assert ids(start_date="2010-01-01", end_date="2010-03-31") == [str(last.pk), str(first.pk)]
    assert ids(start_date="2010-01-01T00:00:00+08:00", end_date="2010-03-31T00:00:00+08:00") == [str(first.pk)]
    # A lone start_date covers the 90 days from it, as a lone end_date covers the 90 days before it.
    assert ids(start_date="2010-01-01T00:00:00+08:00") == [str(last.pk), str(first.pk)]
    assert ids(end_date="2010-04-01") == [str(after.pk), str(last.pk)]
    too_long = client.get(f"{BASE}requests.json", {**params, "start_date": "2010-01-01", "end_date": "2010-04-01"})
    assert "90" in assert_error(too_long, 400, "date_range_too_long")


def test_get_requests_returns_at_most_the_limit_newest_first(desk, client, monkeypatch):
    from gongzhi.voices.selectors import open311 as selectors

    assert selectors.MAX_REQUESTS == 1000
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 3)
    made = [submit(desk, text=f"第{i}个问题") for i in range(5)]
    data = body(client.get(f"{BASE}requests.json", {"jurisdiction_id": desk.site.community.pk}))
    assert [r["service_request_id"] for r in data] == [str(v.pk) for v in reversed(made)][:3]


def test_get_one_request_and_a_token(desk, client):
    _key, raw = issue(desk)
    post = body(client.post(f"{BASE}requests.json", spec_post(raw, is_public="true")))[0]
    c = desk.site.community.pk
    # GET requests/638344.json
    one = body(client.get(f"{BASE}requests/{post['service_request_id']}.json", {"jurisdiction_id": c}))
    assert len(one) == 1 and set(one[0]) == REQUEST_FIELDS
    assert one[0]["service_request_id"] == post["service_request_id"] and one[0]["lat"] == 30.657401
    assert one[0]["address"] == desk.site.community.name and one[0]["media_url"] is None
    # GET tokens/123456.json: we never hand out a token, but the endpoint answers for the voice's own one.
    raw_token = Voice.objects.get(pk=post["service_request_id"]).token
    token = body(client.get(f"{BASE}tokens/{raw_token}.json", {"jurisdiction_id": c}))
    assert token == [{"service_request_id": post["service_request_id"], "token": raw_token}]
    assert_error(client.get(f"{BASE}tokens/123456.json", {"jurisdiction_id": c}), 404, "unknown_token")
    assert_error(client.get(f"{BASE}requests/638344.json", {"jurisdiction_id": c}), 404, "unknown_request")


def test_status_notes_are_the_latest_public_reply_or_the_public_reason(desk, client):
    replied = submit(desk)
    # The inbox part's services write these; the shared timeline helper stands in for them here.
    event_append(voice=replied, kind=EventKind.REPLIED, actor=None, body="已报修，明天更换灯泡")
    event_append(voice=replied, kind=EventKind.NOTE, actor=None, body="内部：电工老王", is_public=False)
    rejected = submit(desk, text="要求在小区里建游泳池", category=desk.categories["refuse"])
    Voice.objects.filter(pk=rejected.pk).update(
        status=Status.REJECTED, is_open=False, public_reason="不属于社区职责范围，已转区体育局"
    )
    silent = submit(desk, text="没有答复的问题")
    data = {
        r["service_request_id"]: r
        for r in body(client.get(f"{BASE}requests.json", {"jurisdiction_id": desk.site.community.pk}))
    }
    assert data[str(replied.pk)]["status_notes"] == "已报修，明天更换灯泡"
    assert data[str(rejected.pk)]["status_notes"] == "不属于社区职责范围，已转区体育局"
    assert data[str(rejected.pk)]["status"] == "closed"
    assert data[str(silent.pk)]["status_notes"] is None
    assert "电工老王" not in json.dumps(data, ensure_ascii=False)


def test_updated_datetime_is_the_last_change_a_caller_can_see_and_a_closed_requests_close(desk, client, time_machine):
    """Not `updated_at`, which any write touches (the reminder sweep, the demo's load): the latest public event
    of an open request, and for a closed one the time it was closed, as the spec says, a later rating or not."""
    start, secretary = timezone.now(), desk.staff[Role.SECRETARY]
    replied = submit(desk)
    closed = submit(desk, text="垃圾房门坏了", category=desk.categories["refuse"], actor=desk.resident)
    silent = submit(desk, text="没有答复的问题")
    time_machine.move_to(start + datetime.timedelta(hours=1))
    voice_reply(actor=secretary, voice=replied, body="已报修，明天更换灯泡")
    time_machine.move_to(start + datetime.timedelta(hours=2))
    voice_close(actor=secretary, voice=closed, body="已修好")
    time_machine.move_to(start + datetime.timedelta(hours=3))
    voice_reply(actor=secretary, voice=replied, body="内部：电工老王", is_public=False)
    voice_rate(actor=desk.resident, voice=closed, rating=5)
    time_machine.move_to(start + datetime.timedelta(hours=4))
    Voice.objects.filter(community=desk.site.community).update(updated_at=timezone.now())  # e.g. a bulk load

    def w3c(value: datetime.datetime | None) -> str:
        assert value is not None
        return timezone.localtime(value).isoformat(timespec="seconds")

    rows = {
        r["service_request_id"]: r
        for r in body(client.get(f"{BASE}requests.json", {"jurisdiction_id": desk.site.community.pk}))
    }
    reply = VoiceEvent.objects.get(voice=replied, kind=EventKind.REPLIED, is_public=True)
    closed.refresh_from_db()
    assert rows[str(replied.pk)]["updated_datetime"] == w3c(reply.created_at)
    assert rows[str(closed.pk)]["status"] == "closed"
    assert rows[str(closed.pk)]["updated_datetime"] == w3c(closed.closed_at)
    assert VoiceEvent.objects.filter(voice=closed, kind=EventKind.RATED, created_at__gt=closed.closed_at).exists()
    assert rows[str(silent.pk)]["updated_datetime"] == w3c(silent.created_at)
    assert rows[str(silent.pk)]["updated_datetime"] == rows[str(silent.pk)]["requested_datetime"]


def test_media_url_points_at_the_first_photo_of_a_public_voice(desk, client):
    voice = submit(desk)
    photo = VoicePhoto.objects.create(
        community=voice.community, voice=voice, image="voices/x.jpg", content_type="image/jpeg", size=10
    )
    VoicePhoto.objects.create(
        community=voice.community, voice=voice, image="voices/y.jpg", content_type="image/jpeg", size=10
    )
    row = body(client.get(f"{BASE}requests/{voice.pk}.json", {"jurisdiction_id": desk.site.community.pk}))[0]
    assert row["media_url"] == f"http://testserver/c/{voice.community_id}/voices/{voice.pk}/photos/{photo.pk}/"


# --- XML, the spec's required format -------------------------------------------------------------------------


def test_every_endpoint_answers_in_xml_with_the_same_data_as_in_json(desk, client):
    replied = submit(desk)
    event_append(voice=replied, kind=EventKind.REPLIED, actor=None, body="已报修，明天更换灯泡")
    _key, raw = issue(desk)
    mine = body(client.post(f"{BASE}requests.json", spec_post(raw)))[0]["service_request_id"]
    c = desk.site.community.pk
    cases = [
        ("discovery", {}, "discovery"),
        ("services", {"jurisdiction_id": c}, "services"),
        ("services/lighting", {"jurisdiction_id": c}, "service_definition"),
        ("requests", {"jurisdiction_id": c}, "service_requests"),
        ("requests", {"jurisdiction_id": c, "api_key": raw, "status": "open"}, "service_requests"),
        (f"requests/{replied.pk}", {"jurisdiction_id": c}, "service_requests"),
        (f"requests/{mine}", {"jurisdiction_id": c, "api_key": raw}, "service_requests"),
        (f"tokens/{replied.token}", {"jurisdiction_id": c}, "service_requests"),
    ]
    for path, params, root in cases:
        as_json = body(client.get(f"{BASE}{path}.json", params))
        response = client.get(f"{BASE}{path}.xml", params)
        assert response.status_code == 200, (path, response.content.decode())
        element = xml_body(response)
        assert element.tag == root, path
        assert spark(element) == as_text(as_json), path
    services = xml_body(client.get(f"{BASE}services.xml", {"jurisdiction_id": c}))
    first = services.find("service")
    assert first is not None and first.findtext("service_code") == "parking" and first.findtext("metadata") == "false"
    requests = xml_body(client.get(f"{BASE}requests.xml", {"jurisdiction_id": c}))
    assert [r.findtext("service_request_id") for r in requests] == [str(replied.pk)]
    assert requests[0].findtext("status_notes") == "已报修，明天更换灯泡"
    assert [child.tag for child in requests[0]] == list(
        body(client.get(f"{BASE}requests.json", {"jurisdiction_id": c}))[0]
    )


def test_a_post_to_requests_xml_answers_in_xml(desk, client):
    _key, raw = issue(desk)
    response = client.post(f"{BASE}requests.xml", spec_post(raw))
    assert response.status_code == 200, response.content.decode()
    element = xml_body(response)
    voice = Voice.objects.get()
    assert element.tag == "service_requests" and [r.tag for r in element] == ["request"]
    assert [child.tag for child in element[0]] == ["service_request_id", "service_notice", "account_id"]
    assert element[0].findtext("service_request_id") == str(voice.pk)
    assert f"#{voice.pk}" in (element[0].findtext("service_notice") or "")
    account = element[0].find("account_id")
    assert account is not None and account.text is None
    refused = client.post(f"{BASE}requests.xml", spec_post(raw, service_code="001"))
    assert_error(refused, 404, "unknown_service")
    assert Voice.objects.count() == 1


def test_xml_stays_well_formed_whatever_characters_the_text_holds(desk, client):
    voice = submit(desk, text="路灯\x0b坏了\x1f三天 & <5 个 ]]> 😀")
    row = xml_body(client.get(f"{BASE}requests/{voice.pk}.xml", {"jurisdiction_id": desk.site.community.pk}))[0]
    # XML 1.0 has no control characters: they are replaced, never left to break the document.
    assert row.findtext("description") == "路灯\ufffd坏了\ufffd三天 & <5 个 ]]> 😀"


# --- bad input: the spec's error format, and nothing changes -----------------------------------------------------


def _nothing_changed(key: Open311Key) -> None:
    assert Voice.objects.count() == 0
    assert VoiceEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="voice.submit").exists()
    key.refresh_from_db()
    assert key.last_used_at is None


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"api_key": None}, 403, "key_required"),
        ({"api_key": "xyz"}, 403, "bad_key"),
        ({"service_code": ""}, 400, "service_code_required"),
        ({"service_code": "001"}, 404, "unknown_service"),
        ({"description": None, "service_code": ""}, 400, "service_code_required"),
        ({"description": None, "lat": "", "long": ""}, 400, "location_required"),
        ({"description": "<script>alert(1)</script>路灯坏了"}, 400, "bad_text"),
        ({"description": "长" * 4001}, 400, "bad_text"),
        ({"phone": "111111111"}, 400, "bad_phone"),
        ({"lat": "", "long": ""}, 400, "location_required"),
        ({"lat": "north"}, 400, "bad_location"),
        ({"lat": "95"}, 400, "bad_location"),
        ({"long": ""}, 400, "bad_location"),
        ({"address_id": "999999"}, 400, "bad_address_id"),
        ({"address_id": "99999999999999999999"}, 400, "bad_address_id"),
        ({"address_id": "3栋"}, 400, "bad_address_id"),
        ({"email": "not-an-email"}, 400, "bad_email"),
        ({"media_url": "javascript:alert(1)"}, 400, "bad_media_url"),
        ({"first_name": "<b>明</b>"}, 400, "bad_text"),
        ({"is_public": "maybe"}, 400, "bad_flag"),
        ({"jurisdiction_id": "424242"}, 404, "unknown_jurisdiction"),
    ],
)
def test_bad_posts_get_the_specs_error_and_change_nothing(desk, client, change, status, code):
    key, raw = issue(desk)
    description = assert_error(client.post(f"{BASE}requests.json", spec_post(raw, **change)), status, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in description), description  # Chinese by default
    _nothing_changed(key)


def test_a_revoked_key_and_a_key_of_another_community_are_refused(desk, other_desk, client):
    key, raw = issue(desk)
    open311_key_revoke(actor=desk.staff[Role.SECRETARY], key=key)
    assert_error(client.post(f"{BASE}requests.json", spec_post(raw)), 403, "key_revoked")
    _nothing_changed(key)
    other_key, other_raw = issue(other_desk)
    post = spec_post(other_raw, jurisdiction_id=str(desk.site.community.pk))
    assert_error(client.post(f"{BASE}requests.json", post), 403, "key_other_community")
    assert Voice.objects.count() == 0
    # Another community's place as the address is refused even with that community's own key.
    post = spec_post(other_raw, address_id=str(desk.site.buildings[0].pk))
    assert_error(client.post(f"{BASE}requests.json", post), 400, "bad_address_id")
    assert Voice.objects.count() == 0
    other_key.refresh_from_db()
    assert other_key.last_used_at is None


J = {"jurisdiction_id": "<community>"}
RANGE = "date_range_too_long"


@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        ("services.json", {}, 400, "jurisdiction_required"),
        ("services.json", {"jurisdiction_id": "424242"}, 404, "unknown_jurisdiction"),
        ("services.json", {"jurisdiction_id": "东环路"}, 404, "unknown_jurisdiction"),
        ("services.json", {"jurisdiction_id": "99999999999999999999"}, 404, "unknown_jurisdiction"),
        ("requests/99999999999999999999.json", J, 404, "unknown_request"),
        ("services/parking.json", {}, 400, "jurisdiction_required"),
        ("requests.json", {}, 400, "jurisdiction_required"),
        ("requests.json", {**J, "start_date": "2010-13-45"}, 400, "bad_date"),
        ("requests.json", {**J, "end_date": "yesterday"}, 400, "bad_date"),
        ("requests.json", {**J, "start_date": "2010-06-24T00:00:00Z", "end_date": "2010-05-24"}, 400, "bad_date"),
        ("requests.json", {**J, "status": "pending"}, 400, "bad_status"),
        ("requests.json", {**J, "start_date": "2010-01-01T00:00:00Z", "end_date": "2010-04-01T00:00:01Z"}, 400, RANGE),
        ("requests.json", {**J, "start_date": "2010-01-01", "end_date": "2010-04-01"}, 400, RANGE),
        ("requests.xml", {**J, "start_date": "2009-01-01", "end_date": "2010-01-01"}, 400, RANGE),
        ("requests.json", {**J, "service_request_id": "1,abc"}, 400, "bad_request_id"),
        ("requests.json", {**J, "api_key": "xyz"}, 403, "bad_key"),
        ("requests/abc.json", J, 404, "unknown_request"),
        ("requests/1.json", {}, 400, "jurisdiction_required"),
        ("tokens/abc.json", {}, 400, "jurisdiction_required"),
        ("services.xml", {}, 400, "jurisdiction_required"),
        ("requests.xml", {**J, "status": "pending"}, 400, "bad_status"),
        ("requests/1.xml", J, 404, "unknown_request"),
        ("tokens/abc.xml", J, 404, "unknown_token"),
        ("services/033.xml", J, 404, "unknown_service"),
        ("nothing.json", J, 404, "unknown_endpoint"),
        ("nothing.xml", J, 404, "unknown_endpoint"),
        ("requests.csv", J, 404, "unknown_endpoint"),
    ],
)
def test_bad_gets_get_the_specs_error(desk, client, url, params, status, code):
    params = {k: desk.site.community.pk if v == "<community>" else v for k, v in params.items()}
    assert_error(client.get(f"{BASE}{url}", params), status, code)


def test_wrong_method_and_english_callers(desk, client):
    response = client.put(f"{BASE}services.json")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    as_xml = client.delete(f"{BASE}requests.xml")
    assert_error(as_xml, 405, "method_not_allowed")
    assert as_xml["Allow"] == "GET, POST"
    english = client.get(
        f"{BASE}requests/999.json",
        {"jurisdiction_id": desk.site.community.pk},
        headers={"accept-language": "en-US,en;q=0.9"},
    )
    assert assert_error(english, 404, "unknown_request") == "Record not found, or you may not view it."
    assert english["Content-Language"] == "en"
    chinese = client.get(f"{BASE}requests/999.json", {"jurisdiction_id": desk.site.community.pk})
    assert assert_error(chinese, 404, "unknown_request") == "未找到该记录，或您无权查看"


def test_the_post_needs_no_csrf_token(desk):
    _key, raw = issue(desk)
    response = Client(enforce_csrf_checks=True).post(f"{BASE}requests.json", spec_post(raw))
    assert response.status_code == 200, response.content


def test_discovery_names_the_jurisdictions(desk, other_desk, client):
    data = body(client.get(f"{BASE}discovery.json"))
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    ids = {j["jurisdiction_id"] for j in data["jurisdictions"]}
    assert {str(desk.site.community.pk), str(other_desk.site.community.pk)} <= ids
    assert str(desk.site.street.pk) not in ids


def test_the_api_docs_point_to_open311(db, client):
    """/api/docs shows the schema's description: it names Open311 beside the OpenAPI operations."""
    description = client.get("/api/openapi.json").json()["info"]["description"]
    assert "Open311 GeoReport v2" in description
    assert "(/open311/v2/discovery.xml)" in description and "(/open311/v2/discovery.json)" in description
    assert client.get("/open311/v2/discovery.xml").status_code == 200


# --- privacy -------------------------------------------------------------------------------------------------------


def test_private_and_merged_voices_never_show_and_no_identity_anywhere(desk, client):
    public = submit(desk, contact_name="李四", contact_phone="13711112222")
    private = submit(desk, is_public=False, text="我家楼上漏水，请联系我", contact_phone="13733334444")
    merged = submit(desk, text="路灯又坏了")
    Voice.objects.filter(pk=merged.pk).update(merged_into=public, status=Status.MERGED, is_open=False)
    c = desk.site.community.pk
    listing = client.get(f"{BASE}requests.json", {"jurisdiction_id": c, "status": "open,closed"})
    assert [r["service_request_id"] for r in body(listing)] == [str(public.pk)]
    by_id = body(client.get(f"{BASE}requests.json", {"jurisdiction_id": c, "service_request_id": f"{private.pk}"}))
    assert by_id == []
    assert_error(client.get(f"{BASE}requests/{private.pk}.json", {"jurisdiction_id": c}), 404, "unknown_request")
    assert_error(client.get(f"{BASE}requests/{merged.pk}.json", {"jurisdiction_id": c}), 404, "unknown_request")
    everything = (
        listing.content.decode()
        + client.get(f"{BASE}requests/{public.pk}.json", {"jurisdiction_id": c}).content.decode()
    )
    for secret in ("李四", "13711112222", "13733334444", desk.resident.phone, desk.resident.display_name, "漏水"):
        assert secret not in everything, secret
    for field in ("phone", "first_name", "last_name", "email", "contact", "reporter", "token", "device_id"):
        assert f'"{field}' not in everything, field


def test_a_key_also_sees_its_own_private_requests_but_never_their_contact(desk, client):
    key, raw = issue(desk)
    _other, other_raw = issue(desk, name="城管App")
    mine = body(client.post(f"{BASE}requests.json", spec_post(raw)))[0]["service_request_id"]
    theirs = body(client.post(f"{BASE}requests.json", spec_post(other_raw, description="别家的私密诉求")))[0]
    c = desk.site.community.pk
    assert body(client.get(f"{BASE}requests.json", {"jurisdiction_id": c})) == []  # anonymous: private
    response = client.get(f"{BASE}requests.json", {"jurisdiction_id": c, "api_key": raw})
    rows = body(response)
    assert [r["service_request_id"] for r in rows] == [mine]
    assert rows[0]["media_url"] is None  # the photo pages are not public for a private voice
    one = client.get(f"{BASE}requests/{mine}.json", {"jurisdiction_id": c, "api_key": raw})
    assert one.status_code == 200
    hidden = client.get(f"{BASE}requests/{theirs['service_request_id']}.json", {"jurisdiction_id": c, "api_key": raw})
    assert_error(hidden, 404, "unknown_request")
    text = response.content.decode() + one.content.decode()
    for secret in (PHONE, "张明", "zhang.ming@example.com", "tt222111", "example.com/photos"):
        assert secret not in text, secret
    key.refresh_from_db()
    assert key.last_used_at is not None


ID_NUMBER = "11010519491231002X"
TYPED = f"3栋门口路灯坏了，请打{PHONE}找我，身份证{ID_NUMBER}"
TYPED_MASKED = "3栋门口路灯坏了，请打138****5678找我，身份证110***********002X"


def test_typed_phones_and_id_numbers_are_masked_for_every_caller(desk, client):
    """Anonymous callers and a key reading its own private request get the text as /api/ and the public list
    show it: phones and ID numbers typed into the description, a public reply or a public reason are masked."""
    public = submit(desk, text=TYPED)
    event_append(voice=public, kind=EventKind.REPLIED, actor=None, body=f"电工电话13711112222，工号{ID_NUMBER}")
    rejected = submit(desk, text=f"我的身份证{ID_NUMBER}被冒用", category=desk.categories["refuse"])
    Voice.objects.filter(pk=rejected.pk).update(
        status=Status.REJECTED, is_open=False, public_reason=f"请致电派出所13900001111，证件{ID_NUMBER}"
    )
    _key, raw = issue(desk)
    mine = body(client.post(f"{BASE}requests.json", spec_post(raw, description=TYPED)))[0]["service_request_id"]
    c = desk.site.community.pk
    listing = client.get(f"{BASE}requests.json", {"jurisdiction_id": c})
    one = client.get(f"{BASE}requests/{public.pk}.json", {"jurisdiction_id": c})
    keyed = client.get(f"{BASE}requests/{mine}.json", {"jurisdiction_id": c, "api_key": raw})
    rows = {r["service_request_id"]: r for r in body(listing) + body(one) + body(keyed)}
    assert rows[str(public.pk)]["description"] == TYPED_MASKED
    assert rows[str(public.pk)]["status_notes"] == "电工电话137****2222，工号110***********002X"
    assert rows[str(rejected.pk)]["description"] == "我的身份证110***********002X被冒用"
    assert rows[str(rejected.pk)]["status_notes"] == "请致电派出所139****1111，证件110***********002X"
    assert rows[mine]["description"] == TYPED_MASKED
    as_xml = [
        client.get(f"{BASE}requests.xml", {"jurisdiction_id": c}),
        client.get(f"{BASE}requests/{mine}.xml", {"jurisdiction_id": c, "api_key": raw}),
    ]
    xml_rows = {r["service_request_id"]: r for response in as_xml for r in spark(xml_body(response))}
    assert xml_rows[str(public.pk)]["description"] == TYPED_MASKED
    assert xml_rows[str(public.pk)]["status_notes"] == "电工电话137****2222，工号110***********002X"
    assert xml_rows[str(rejected.pk)]["status_notes"] == "请致电派出所139****1111，证件110***********002X"
    assert xml_rows[mine]["description"] == TYPED_MASKED
    everything = "".join(r.content.decode() for r in (listing, one, keyed, *as_xml))
    for secret in (PHONE, ID_NUMBER, "13711112222", "13900001111", "19491231"):
        assert secret not in everything, secret


# --- query counts ----------------------------------------------------------------------------------------------


def _listing_queries(desk: Any, n: int, raw: str | None) -> int:

    for i in range(n - Voice.objects.filter(community=desk.site.community).count()):
        place = desk.site.buildings[i % 2] if i % 3 else desk.site.units[i % 4]
        voice = submit(desk, place=place, text=f"第{i}个问题")
        event_append(voice=voice, kind=EventKind.REPLIED, actor=None, body=f"第{i}个答复")
    params: dict[str, Any] = {"jurisdiction_id": desk.site.community.pk}
    if raw:
        params["api_key"] = raw
    client = Client()
    cache.clear()
    with queries() as ctx:
        response = client.get(f"{BASE}requests.json", params)
    assert response.status_code == 200 and len(body(response)) == n
    return len(ctx.captured_queries)


@pytest.mark.parametrize("with_key", [False, True])
def test_requests_json_costs_the_same_queries_at_1_and_at_25(desk, with_key):
    raw = issue(desk)[1] if with_key else None
    at_1 = _listing_queries(desk, 1, raw)
    _listing_queries(desk, 25, raw)
    cache.clear()
    with queries(at_1):
        params: dict[str, Any] = {"jurisdiction_id": desk.site.community.pk, **({"api_key": raw} if raw else {})}
        assert len(body(Client().get(f"{BASE}requests.json", params))) == 25


# --- the staff key page ------------------------------------------------------------------------------------------


def keys_url(desk: Any) -> str:
    return f"/c/{desk.site.community.pk}/voices/open311/keys/"


def test_key_page_permission_matrix(desk, other_desk, client):
    url = keys_url(desk)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client.post(url, {"name": "x"}).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).get(url).status_code == 404
    for role in (Role.GRID_WORKER, Role.BUILDING_HEAD, Role.PROPERTY, Role.RESIDENT):
        assert login(desk.staff[role]).get(url).status_code == 403, role
        assert login(desk.staff[role]).post(url, {"name": "x"}).status_code == 403, role
    for role in (Role.SECRETARY, Role.SOCIAL_WORKER):
        assert login(desk.staff[role]).get(url).status_code == 200, role
    assert Open311Key.objects.count() == 0


def test_issuing_shows_the_key_once_and_keeps_only_its_hash(desk, client):
    secretary = login(desk.staff[Role.SECRETARY])
    response = secretary.post(keys_url(desk), {"name": "12345 市民热线"})
    assert response.status_code == 200
    key = Open311Key.objects.get()
    raw = response.context["raw_key"]
    html = response.content.decode()
    assert raw in html and 'id="issued-key"' in html
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and key.prefix == raw[:8]
    assert raw not in {key.key_hash, key.name} and len(raw) >= 32
    assert key.created_by == desk.staff[Role.SECRETARY] and key.community == desk.site.community
    assert AuditEvent.objects.filter(verb="open311_key.issue", object_id=str(key.pk)).count() == 1
    again = secretary.get(keys_url(desk)).content.decode()
    assert raw not in again and f"{key.prefix}…" in again and "12345 市民热线" in again
    assert f"<code>{desk.site.community.pk}</code>" in again  # the jurisdiction_id to give the integrator
    assert 'href="http://testserver/open311/v2/discovery.xml"' in again and "只提供 JSON" not in again


@pytest.mark.parametrize(("name", "code"), [("", "name_required"), ("<script>x</script>", "bad_text")])
def test_a_bad_key_name_changes_nothing(desk, name, code):
    with pytest.raises(ValidationFailed) as exc:
        issue(desk, name=name)
    assert exc.value.code == code
    response = login(desk.staff[Role.SECRETARY]).post(keys_url(desk), {"name": name})
    assert response.status_code == 400 and "error-box" in response.content.decode()
    assert Open311Key.objects.count() == 0 and not AuditEvent.objects.filter(verb="open311_key.issue").exists()


def test_revoke_matrix_and_a_second_revoke(desk, other_desk, client):
    key, raw = issue(desk)
    other_key, _ = issue(other_desk)
    url = f"{keys_url(desk)}{key.pk}/revoke/"
    assert client.post(url).status_code == 302 and client.post(url)["Location"].startswith("/login")
    assert login(other_desk.staff[Role.SECRETARY]).post(url).status_code == 404
    for role in (Role.GRID_WORKER, Role.PROPERTY, Role.RESIDENT):
        assert login(desk.staff[role]).post(url).status_code == 403, role
    secretary = login(desk.staff[Role.SECRETARY])
    assert secretary.get(url).status_code == 405
    assert secretary.post(f"{keys_url(desk)}{other_key.pk}/revoke/").status_code == 404  # out of scope
    key.refresh_from_db()
    other_key.refresh_from_db()
    assert key.revoked_at is None and other_key.revoked_at is None
    response = secretary.post(url, follow=True)
    assert response.status_code == 200 and "已撤销" in response.content.decode()
    key.refresh_from_db()
    revoked_at = key.revoked_at
    assert revoked_at is not None
    assert AuditEvent.objects.filter(verb="open311_key.revoke", object_id=str(key.pk)).count() == 1
    second = secretary.post(url, follow=True)
    assert "该密钥已撤销" in second.content.decode()
    key.refresh_from_db()
    assert key.revoked_at == revoked_at
    assert AuditEvent.objects.filter(verb="open311_key.revoke").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        open311_key_revoke(actor=desk.staff[Role.SECRETARY], key=key)
    assert exc.value.code == "already_revoked"
    with pytest.raises(PermissionDenied):
        open311_key_revoke(actor=desk.staff[Role.SECRETARY], key=other_key)
    assert_error(
        client.get(f"{BASE}requests.json", {"jurisdiction_id": desk.site.community.pk, "api_key": raw}),
        403,
        "key_revoked",
    )


def test_key_page_costs_the_same_queries_at_1_and_at_25_keys(desk):
    secretary = login(desk.staff[Role.SECRETARY])
    issue(desk)
    secretary.get(keys_url(desk))  # warm templates and the session

    cache.clear()
    with queries() as ctx:
        assert secretary.get(keys_url(desk)).status_code == 200
    for i in range(24):
        issue(desk, name=f"接入方{i}")
    cache.clear()
    with queries(len(ctx.captured_queries)):
        html = secretary.get(keys_url(desk)).content.decode()
    assert html.count('<tr id="key-') == 25
