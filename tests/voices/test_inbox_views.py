"""The inbox pages and the voices API: a permission matrix per page and endpoint (anonymous, another community, a
lower role, the allowed role, out-of-scope objects), the action forms, and constant query counts on the lists."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gongzhi.core.audit import bump_version
from gongzhi.core.models import AuditEvent, SensitiveAccess
from gongzhi.core.roles import Role
from gongzhi.voices.models import Channel, CustomStatus, Voice, VoiceEvent
from gongzhi.voices.services.residents import voice_me_too
from gongzhi.voices.services.workflow import voice_close
from tests.conftest import login
from tests.queries import queries
from tests.voices.test_workflow import submit


def base(desk) -> str:
    return f"/c/{desk.site.community.pk}/voices"


@pytest.fixture
def voices(desk):
    """A parking voice in building 1 (→ 物业, in the micro-grid), a private refuse voice in building 2 (→ 居委会,
    outside it) and a public refuse voice in building 2."""
    s = desk.site
    return {
        "parking": submit(desk, contact_phone="13812345678"),
        "refuse": submit(desk, text="2栋垃圾房满了", category="refuse", place=s.buildings[1]),
        "public": submit(desk, text="2栋路灯不亮", category="refuse", place=s.buildings[1], is_public=True),
    }


def ids_on(html: str) -> set[int]:
    import re

    return {int(m) for m in re.findall(r'data-voice="(\d+)"', html)}


# --------------------------------------------------------------------------------------------------------------
# The inbox list


def test_inbox_permission_matrix(desk, other_desk, voices):
    url = f"{base(desk)}/inbox/"
    assert Client().get(url).status_code == 302  # anonymous → login
    assert login(other_desk.staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(desk.resident).get(url).status_code == 403
    assert login(desk.staff[Role.STREET_STAFF]).get(url).status_code == 403
    seen = {}
    for role in (Role.SECRETARY, Role.SOCIAL_WORKER, Role.PROPERTY, Role.GRID_WORKER, Role.BUILDING_HEAD):
        response = login(desk.staff[role]).get(url)
        assert response.status_code == 200, role
        seen[role] = ids_on(response.content.decode())
    everything = {v.pk for v in voices.values()}
    assert seen[Role.SECRETARY] == seen[Role.SOCIAL_WORKER] == everything
    # 物业 sees what is assigned to it, not the public voice it could read as a community member.
    assert seen[Role.PROPERTY] == {voices["parking"].pk}
    assert seen[Role.GRID_WORKER] == seen[Role.BUILDING_HEAD] == {voices["parking"].pk}


def test_inbox_filters_counts_and_support(desk, voices):
    secretary = login(desk.staff[Role.SECRETARY])
    url = f"{base(desk)}/inbox/"
    Voice.objects.filter(pk=voices["refuse"].pk).update(support_count=4)
    html = secretary.get(url).content.decode()
    assert "4人反映" in html and 'id="count-open">3<' in html
    assert ids_on(secretary.get(url, {"category": desk.categories["parking"].pk}).content.decode()) == {
        voices["parking"].pk
    }
    assert ids_on(secretary.get(url, {"party": desk.committee.pk}).content.decode()) == {
        voices["refuse"].pk,
        voices["public"].pk,
    }
    assert ids_on(secretary.get(url, {"grid": desk.site.micro_grid.pk}).content.decode()) == {voices["parking"].pk}
    assert ids_on(secretary.get(url, {"q": "垃圾房"}).content.decode()) == {voices["refuse"].pk}
    assert ids_on(secretary.get(url, {"q": f"#{voices['public'].pk}"}).content.decode()) == {voices["public"].pk}
    order = secretary.get(url, {"order": "support"}).content.decode()
    assert order.index(f'data-voice="{voices["refuse"].pk}"') < order.index(f'data-voice="{voices["parking"].pk}"')
    voice_close(actor=desk.staff[Role.SECRETARY], voice=voices["public"], body="已修好")
    assert ids_on(secretary.get(url, {"state": "closed"}).content.decode()) == {voices["public"].pk}
    assert ids_on(secretary.get(url, {"state": "resolved"}).content.decode()) == {voices["public"].pk}
    # Overdue: due in the past and still open.
    Voice.objects.filter(pk=voices["parking"].pk).update(due_at="2020-01-01T00:00:00Z")
    # The inbox's counts are cached per data version; a bare UPDATE skips the version bump a service's commit does.
    bump_version(desk.site.community.pk)
    html = secretary.get(url, {"overdue": "1"}).content.decode()
    assert ids_on(html) == {voices["parking"].pk} and 'id="count-overdue">1<' in html and "overdue" in html


def _make_voices(desk, n: int) -> None:
    s = desk.site
    for i in range(n):
        submit(
            desk,
            text=f"第{i}条：路灯不亮",
            category=("parking", "lighting", "refuse", "security")[i % 4],
            place=(s.buildings[0], s.buildings[1], s.units[0], s.compound)[i % 4],
            is_public=i % 2 == 0,
        )


@pytest.mark.parametrize("size", [1, 25])
def test_inbox_costs_the_same_queries_with_1_and_25_rows(desk, size):
    _make_voices(desk, size)
    client = login(desk.staff[Role.SECRETARY])
    url = f"{base(desk)}/inbox/"
    with queries(INBOX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200 and len(ids_on(response.content.decode())) == size


INBOX_QUERIES = 13  # the page, its counts, repeated-complaint groups and filter choices; not per row


@pytest.mark.parametrize("size", [1, 25])
def test_api_list_costs_the_same_queries_with_1_and_25_rows(desk, size):
    _make_voices(desk, size)
    client = login(desk.staff[Role.SECRETARY])
    with queries(API_QUERIES):
        response = client.get(f"/api/communities/{desk.site.community.pk}/voices")
    assert response.status_code == 200 and response.json()["count"] == size


API_QUERIES = 6  # a manager of the community: no party lookup, the rows are just the community's


# --------------------------------------------------------------------------------------------------------------
# The handling page and its actions


def test_handle_permission_matrix(desk, other_desk, voices):
    parking, refuse, public = voices["parking"], voices["refuse"], voices["public"]
    url = lambda v: f"{base(desk)}/{v.pk}/handle/"  # noqa: E731
    assert Client().get(url(parking)).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).get(url(parking)).status_code == 404
    assert login(desk.resident).get(url(parking)).status_code == 403  # their own voice, not theirs to handle
    prop = login(desk.staff[Role.PROPERTY])
    assert prop.get(url(refuse)).status_code == 404  # not assigned to 物业, not public: invisible
    assert prop.get(url(public)).status_code == 403  # readable as a community member, not theirs to handle
    assert prop.get(url(parking)).status_code == 200
    assert login(desk.staff[Role.GRID_WORKER]).get(url(refuse)).status_code == 404
    assert login(desk.staff[Role.SECRETARY]).get(f"{base(desk)}/999999/handle/").status_code == 404


def test_handle_page_shows_identity_to_staff_with_a_masked_phone(desk, voices):
    html = login(desk.staff[Role.PROPERTY]).get(f"{base(desk)}/{voices['parking'].pk}/handle/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert desk.resident.phone not in html
    assert 'id="reply-form"' in html and 'id="close-form"' in html
    # Managing forms are for staff only.
    assert 'id="merge-form"' not in html and 'id="reject-form"' not in html and 'id="assign-form"' not in html
    html = login(desk.staff[Role.SECRETARY]).get(f"{base(desk)}/{voices['parking'].pk}/handle/").content.decode()
    assert 'id="merge-form"' in html and 'id="reject-form"' in html and 'id="promote-form"' in html


def test_reply_note_and_close_through_the_page(desk, voices):
    voice = voices["parking"]
    client = login(desk.staff[Role.PROPERTY])
    act = f"{base(desk)}/{voice.pk}/handle"
    response = client.post(f"{act}/reply/", {"body": "已联系车主挪车"})
    assert response.status_code == 302
    client.post(f"{act}/reply/", {"body": "车主是3栋的，内部记录", "visibility": "internal"})
    html = client.get(f"{act}/").content.decode()
    assert "已联系车主挪车" in html and "车主是3栋的" in html and "内部" in html
    # The resident's page and the API show the public reply, never the internal note.
    api = login(desk.resident).get(f"/api/communities/{desk.site.community.pk}/voices/{voice.pk}").json()
    bodies = [e["body"] for e in api["timeline"]]
    assert "已联系车主挪车" in bodies and not any("内部记录" in b for b in bodies)
    assert client.post(f"{act}/close/", {"body": "已处理完毕"}).status_code == 302
    voice.refresh_from_db()
    assert voice.status == "resolved" and not voice.is_open


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("reply", {"body": ""}, "请填写答复内容"),
        ("reply", {"body": "<script>alert(1)</script>"}, "答复"),
        ("close", {"body": " "}, "办结须填写答复"),
        ("status", {"status": "nonsense"}, "请选择有效的状态"),
        ("assign", {"party": "", "reason": ""}, "请选择责任方"),
        ("merge", {"into_number": ""}, "请选择或填写要合并到的诉求编号"),
        ("merge", {"into_number": "999999"}, "没有找到"),
        ("promote", {"title": ""}, "请填写议题"),
        ("reject", {"reason": ""}, "不予受理须写明理由"),
    ],
)
def test_bad_action_input_shows_the_message_and_changes_nothing(desk, voices, action, data, message):
    voice = voices["parking"]
    client = login(desk.staff[Role.SECRETARY])
    events, audits = VoiceEvent.objects.count(), AuditEvent.objects.count()
    response = client.post(f"{base(desk)}/{voice.pk}/handle/{action}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert VoiceEvent.objects.count() == events and AuditEvent.objects.count() == audits
    voice.refresh_from_db()
    assert voice.status == "pending" and voice.is_open and voice.party == desk.property


def test_reassign_needs_a_reason_on_the_page(desk, voices):
    voice = voices["parking"]
    client = login(desk.staff[Role.SECRETARY])
    url = f"{base(desk)}/{voice.pk}/handle/assign/"
    response = client.post(url, {"party": desk.committee.pk, "reason": ""})
    assert response.status_code == 400 and "改派须写明理由" in response.content.decode()
    assert client.post(url, {"party": desk.committee.pk, "reason": "不属物业范围"}).status_code == 302
    voice.refresh_from_db()
    assert voice.party == desk.committee


def test_actions_are_refused_to_those_who_may_not(desk, other_desk, voices):
    parking, refuse, public = voices["parking"], voices["refuse"], voices["public"]
    act = lambda v, a: f"{base(desk)}/{v.pk}/handle/{a}/"  # noqa: E731
    assert Client().post(act(parking, "reply"), {"body": "x"}).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).post(act(parking, "reply"), {"body": "x"}).status_code == 404
    assert login(desk.resident).post(act(parking, "reply"), {"body": "x"}).status_code == 403
    prop = login(desk.staff[Role.PROPERTY])
    assert prop.post(act(refuse, "close"), {"body": "x"}).status_code == 404
    assert prop.post(act(public, "close"), {"body": "x"}).status_code == 403
    assert prop.post(act(parking, "reject"), {"reason": "不归我们"}).status_code == 403
    assert prop.post(act(parking, "merge"), {"into_number": refuse.pk}).status_code == 403
    assert login(desk.staff[Role.SECRETARY]).post(act(parking, "nonsense"), {}).status_code == 404
    assert VoiceEvent.objects.filter(kind__in=["replied", "closed", "rejected", "merged"]).count() == 0


def test_merge_and_promote_through_the_page(desk, voices):
    from gongzhi.deliberation.models import Topic

    client = login(desk.staff[Role.SECRETARY])
    refuse, public = voices["refuse"], voices["public"]
    from tests import factories

    voice_me_too(actor=factories.make_user(Role.RESIDENT, household=desk.site.households[10]), voice=public)
    response = client.post(f"{base(desk)}/{public.pk}/handle/merge/", {"into": refuse.pk, "reason": "同一处"})
    assert response.status_code == 302 and response["Location"].endswith(f"/{refuse.pk}/handle/")
    public.refresh_from_db()
    assert public.merged_into == refuse
    response = client.post(f"{base(desk)}/{refuse.pk}/handle/promote/", {"title": "2栋垃圾房改造", "summary": ""})
    topic = Topic.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/topics/{topic.pk}/")
    # The topic page lists the voice it came from (the other way of the link).
    html = client.get(f"/c/{desk.site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="topic-voices"' in html and f"/voices/{refuse.pk}/handle/" in html and "2人反映" in html
    # A resident of the building reading the topic sees the count but not someone else's private voice.
    from gongzhi.deliberation.services.topics import topic_accept
    from tests import factories

    topic_accept(actor=desk.staff[Role.SECRETARY], topic=topic)  # a proposed topic is for staff only
    neighbour = factories.make_user(Role.RESIDENT, household=desk.site.households[9])
    html = login(neighbour).get(f"/c/{desk.site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="topic-voices"' in html and "由 1 条居民诉求转来" in html and f"/voices/{refuse.pk}/" not in html


# --------------------------------------------------------------------------------------------------------------
# Entering a voice on someone's behalf, meeting suggestions, custom statuses


def test_enter_permission_matrix_and_hotline_entry(desk, other_desk):
    url = f"{base(desk)}/enter/"
    assert Client().get(url).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(desk.resident).get(url).status_code == 403
    assert login(desk.staff[Role.PROPERTY]).get(url).status_code == 403
    client = login(desk.staff[Role.SOCIAL_WORKER])
    person = desk.site.people[3]
    html = client.get(url, {"q": person.name}).content.decode()
    assert person.masked_phone in html and person.phone not in html and person.id_number not in html
    data = {
        "channel": Channel.COUNTER,
        "category": desk.categories["refuse"].pk,
        "place": desk.site.compound.pk,
        "text": "窗口来访：垃圾清运不及时",
        "contact_phone": "028-83900001",
        "person": person.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    voice = Voice.objects.get()
    assert voice.channel == "counter" and voice.reporter_person == person and voice.contact_name == person.name
    assert voice.entered_by == desk.staff[Role.SOCIAL_WORKER]
    assert AuditEvent.objects.get(verb="voice.submit").on_behalf_of == person.name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": ""}, "请填写您要反映的问题"),
        ({"text": "<script>x</script>"}, "内容"),
        ({"contact_phone": "123"}, "联系电话应为11位手机号"),
    ],
)
def test_bad_entry_changes_nothing(desk, change, message):
    data = {
        "channel": Channel.HOTLINE,
        "category": desk.categories["refuse"].pk,
        "place": desk.site.compound.pk,
        "text": "电话反映",
        "contact_name": "李大爷",
        **change,
    }
    response = login(desk.staff[Role.SECRETARY]).post(f"{base(desk)}/enter/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Voice.objects.count() == 0


def test_from_meeting_page(desk, other_desk):
    from django.utils import timezone

    from gongzhi.deliberation.models import Meeting, Suggestion

    s = desk.site
    secretary = desk.staff[Role.SECRETARY]
    meeting = Meeting.objects.create(
        community=s.community,
        place=s.compound,
        place_path=s.compound.path,
        kind="bazaba",
        title="花园小区坝坝会",
        starts_at=timezone.now(),
        location="小区广场",
        convened_by=secretary,
    )
    suggestion = Suggestion.objects.create(
        community=s.community, meeting=meeting, body="车棚需要加装充电桩", raised_by="刘叔", entered_by=secretary
    )
    url = f"{base(desk)}/from-meeting/{meeting.pk}/"
    assert Client().get(url).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(desk.resident).get(url).status_code == 403
    client = login(secretary)
    assert "车棚需要加装充电桩" in client.get(url).content.decode()
    response = client.post(url, {"suggestion": suggestion.pk, "category": ""})
    assert response.status_code == 400 and "请选择类别" in response.content.decode()
    response = client.post(url, {"suggestion": suggestion.pk, "category": desk.categories["parking"].pk})
    assert response.status_code == 302
    voice = Voice.objects.get()
    assert voice.suggestion == suggestion and voice.meeting == meeting and voice.channel == "meeting"
    html = client.get(url).content.decode()
    assert f"/voices/{voice.pk}/handle/" in html
    entry = client.get(f"{base(desk)}/enter/").content.decode()
    assert f"/voices/from-meeting/{meeting.pk}/" in entry and "1条建议，已登记1条" in entry
    response = client.post(url, {"suggestion": suggestion.pk, "category": desk.categories["parking"].pk})
    assert response.status_code == 400 and "该建议已登记为诉求" in response.content.decode()
    assert Voice.objects.count() == 1


def test_statuses_page(desk, other_desk):
    url = f"{base(desk)}/statuses/"
    assert Client().get(url).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(desk.resident).get(url).status_code == 403
    assert login(desk.staff[Role.PROPERTY]).get(url).status_code == 403
    assert login(desk.staff[Role.GRID_WORKER]).get(url).status_code == 403
    client = login(desk.staff[Role.SECRETARY])
    assert client.post(url, {"code": "owners", "name": "待业委会研究", "is_open": "1"}).status_code == 302
    response = client.post(url, {"code": "pending", "name": "重复", "is_open": "1"})
    assert response.status_code == 400 and "该编码是系统内置状态" in response.content.decode()
    assert list(CustomStatus.objects.values_list("code", "is_open")) == [("owners", True)]
    assert "待业委会研究" in client.get(url).content.decode()


# --------------------------------------------------------------------------------------------------------------
# The API


def test_api_list_permission_matrix(desk, other_desk, voices):
    url = f"/api/communities/{desk.site.community.pk}/voices"
    assert Client().get(url).status_code == 401
    response = login(other_desk.staff[Role.SECRETARY]).get(url)
    assert response.status_code == 404 and response.json()["code"] == "not_found"

    def ids(user) -> set[int]:
        return {row["id"] for row in login(user).get(url).json()["results"]}

    assert ids(desk.staff[Role.SECRETARY]) == {v.pk for v in voices.values()}
    assert ids(desk.staff[Role.PROPERTY]) == {voices["parking"].pk}
    assert ids(desk.resident) == {v.pk for v in voices.values()}  # all three are the resident's own
    neighbour = login(_neighbour(desk))
    assert {row["id"] for row in neighbour.get(url).json()["results"]} == set()
    body = login(desk.staff[Role.SECRETARY]).get(url).content.decode()
    assert "13812345678" not in body and desk.resident.phone not in body and "138****" not in body


def _neighbour(desk):
    from tests import factories

    return factories.make_user(Role.RESIDENT, household=desk.site.households[6])


def test_api_detail_permission_matrix(desk, other_desk, voices):
    url = lambda v: f"/api/communities/{desk.site.community.pk}/voices/{v.pk}"  # noqa: E731
    assert Client().get(url(voices["public"])).status_code == 401
    assert login(other_desk.staff[Role.SECRETARY]).get(url(voices["public"])).status_code == 404
    neighbour = login(_neighbour(desk))
    assert neighbour.get(url(voices["public"])).status_code == 200  # public
    assert neighbour.get(url(voices["refuse"])).json()["code"] == "not_found"
    assert login(desk.staff[Role.PROPERTY]).get(url(voices["refuse"])).status_code == 404
    detail = login(desk.staff[Role.PROPERTY]).get(url(voices["parking"])).json()
    assert [e["kind"] for e in detail["timeline"]] == ["submitted", "assigned"]
    assert detail["party"] == "花园物业" and detail["timeline"][1]["by"] == "花园物业"


def test_api_post_files_a_voice_and_bad_input_is_an_error_body(desk, other_desk):
    url = f"/api/communities/{desk.site.community.pk}/voices"
    payload = {"category": "lighting", "place": desk.site.buildings[0].pk, "text": "楼道灯坏了", "is_public": True}
    assert Client().post(url, json.dumps(payload), content_type="application/json").status_code == 401
    client = login(desk.resident)
    response = client.post(url, json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["party"] == "花园物业" and created["status"] == "pending" and created["is_public"]
    assert Voice.objects.get(pk=created["id"]).reporter == desk.resident
    for change, code in [
        ({"text": ""}, "text_required"),
        ({"text": "<script>alert(1)</script>"}, "bad_text"),
        ({"text": "长" * 1001}, "bad_text"),
        ({"category": "nonsense"}, "bad_category"),
        ({"place": other_desk.site.compound.pk}, "bad_place"),
    ]:
        response = client.post(url, json.dumps({**payload, **change}), content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == code, change
        assert response.json()["message"]
    other = login(other_desk.resident).post(url, json.dumps(payload), content_type="application/json")
    assert other.status_code == 404
    assert Voice.objects.count() == 1


def test_reveal_phone_is_logged_and_refused_to_the_property(desk, other_desk, voices):
    from gongzhi.core.models import SensitiveAccess

    voice = voices["parking"]
    url = f"{base(desk)}/{voice.pk}/handle/reveal-phone/"
    assert Client().post(url).status_code == 302
    assert login(other_desk.staff[Role.SECRETARY]).post(url).status_code == 404
    assert login(desk.resident).post(url).status_code == 403
    prop = login(desk.staff[Role.PROPERTY])
    assert 'id="btn-reveal-phone"' not in prop.get(f"{base(desk)}/{voice.pk}/handle/").content.decode()
    assert prop.post(url).status_code == 403  # 物业 handles it but may not see the full number
    assert SensitiveAccess.objects.count() == 0
    client = login(desk.staff[Role.SECRETARY])
    assert 'id="btn-reveal-phone"' in client.get(f"{base(desk)}/{voice.pk}/handle/").content.decode()
    response = client.post(url, {"purpose": "回访"})
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    access = SensitiveAccess.objects.get()
    assert access.field == "phone" and access.object_id == str(voice.pk) and access.actor == desk.staff[Role.SECRETARY]
    assert AuditEvent.objects.filter(verb="voice.reveal_phone").count() == 1
    assert client.get(url).status_code == 405


def test_repeated_complaints_are_grouped_with_their_count(desk):
    s = desk.site
    room = [submit(desk, text=f"垃圾房第{i}次满了", category="refuse", place=s.buildings[1]) for i in range(3)]
    Voice.objects.filter(pk=room[0].pk).update(support_count=3)
    submit(desk, text="单独一条", category="parking", place=s.buildings[0])
    client = login(desk.staff[Role.SECRETARY])
    html = client.get(f"{base(desk)}/inbox/").content.decode()
    assert 'id="inbox-groups"' in html and "3条，5人反映" in html
    assert html.count('class="group"') == 1
    url = f"{base(desk)}/inbox/?state=open&place={s.buildings[1].pk}&category={desk.categories['refuse'].pk}"
    assert ids_on(client.get(url).content.decode()) == {v.pk for v in room}
    # 物业 is not assigned refuse: no group for them.
    assert 'id="inbox-groups"' not in login(desk.staff[Role.PROPERTY]).get(f"{base(desk)}/inbox/").content.decode()


def test_numbers_typed_into_a_voice_are_masked_everywhere_and_revealed_to_a_handler_only_through_a_logged_view(desk):
    voice = submit(desk, text="车主电话13987654321，身份证110105194912310021，请联系挪车")
    client = login(desk.staff[Role.SECRETARY])
    listing = client.get(f"{base(desk)}/inbox/").content.decode()
    assert "139****4321" in listing and "13987654321" not in listing
    api = client.get(f"/api/communities/{desk.site.community.pk}/voices").content.decode()
    assert "139****4321" in api and "13987654321" not in api
    detail = client.get(f"/api/communities/{desk.site.community.pk}/voices/{voice.pk}").content.decode()
    assert "13987654321" not in detail
    page = client.get(f"{base(desk)}/{voice.pk}/handle/").content.decode()
    assert "139****4321" in page and "13987654321" not in page and 'id="btn-reveal-text"' in page
    assert not SensitiveAccess.objects.exists()
    shown = client.post(f"{base(desk)}/{voice.pk}/handle/reveal-text/").content.decode()
    assert "13987654321" in shown and "110105194912310021" in shown
    assert sorted(SensitiveAccess.objects.values_list("field", flat=True)) == ["text.id_number", "text.phone"]
    # A grid worker may reveal phones but not ID numbers; 物业 neither, and is refused.
    worker = login(desk.staff[Role.GRID_WORKER]).post(f"{base(desk)}/{voice.pk}/handle/reveal-text/")
    assert "13987654321" in worker.content.decode() and "110***********0021" in worker.content.decode()
    prop = login(desk.staff[Role.PROPERTY])
    assert 'id="btn-reveal-text"' not in prop.get(f"{base(desk)}/{voice.pk}/handle/").content.decode()
    assert prop.post(f"{base(desk)}/{voice.pk}/handle/reveal-text/").status_code == 403
    assert SensitiveAccess.objects.count() == 3


def test_the_voices_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/communities/{community_id}/voices"])
    assert "get" in paths["/api/communities/{community_id}/voices/{voice_id}"]
