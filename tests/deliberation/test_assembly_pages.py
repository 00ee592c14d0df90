"""Pages of decisions at a meeting: permission matrix, bad input with its message, constant query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Body, BodyMember, MemberVote, Resolution, Status
from gongzhi.deliberation.selectors.assemblies import resolution_figures
from gongzhi.deliberation.services import topics as topics_services
from gongzhi.deliberation.services.assemblies import member_votes_record, resolution_create
from tests import factories
from tests.conftest import login
from tests.deliberation.test_assemblies import council, held_meeting, meeting_topic
from tests.queries import queries

pytestmark = pytest.mark.django_db


def decided_setup(site, secretary, n: int, *, decide: bool = False):
    members = site.people[:n]
    body = council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members)
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意收费")
    present = sorted(resolution_figures(resolution).present_ids)
    member_votes_record(actor=secretary, resolution=resolution, votes=dict.fromkeys(present, "agree"))
    if decide:
        topics_services.topic_decide(actor=secretary, topic=topic, resolution="通过")
        topic.refresh_from_db()
    return body, topic, meeting, resolution


def status(client: Client, url: str, data: dict | None = None) -> int:
    return (client.post(url, data or {}) if data is not None else client.get(url)).status_code


# --- permission matrix -------------------------------------------------------


def test_bodies_page_matrix(site, staff, other_staff, secretary):
    url = f"/c/{site.community.pk}/bodies/"
    assert status(Client(), url) == 302 and "/login" in Client().get(url)["Location"]
    assert status(login(other_staff[Role.SECRETARY]), url) == 404
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.STREET_STAFF):
        # The register of bodies is a page of the community they see: 403.
        assert status(login(staff[role]), url) == 403, role
        assert status(login(staff[role]), url, {"kind": "council", "name": "议事会"}) == 403, role
    assert status(login(other_staff[Role.SECRETARY]), url, {"kind": "council", "name": "议事会"}) == 404
    assert not Body.objects.exists()
    assert status(login(secretary), url) == 200
    made = login(secretary).post(url, {"kind": "council", "name": "社区议事会"})
    body = Body.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"/bodies/{body.pk}/")
    assert "社区议事会" in login(staff[Role.SOCIAL_WORKER]).get(url).content.decode()


def test_body_page_matrix(site, staff, other_staff, secretary):
    body = council(site, secretary, site.people[:2])
    url = f"/c/{site.community.pk}/bodies/{body.pk}/"
    person = site.people[5]
    add = {"op": "add", "id_number": person.id_number, "role": "member"}
    assert status(Client(), url) == 302
    assert status(login(other_staff[Role.SECRETARY]), url) == 404
    assert status(login(other_staff[Role.SECRETARY]), url, add) == 404
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.BUILDING_HEAD):
        # A body is an object they cannot see: 404, as for a missing id.
        assert status(login(staff[role]), url) == 404, role
        assert status(login(staff[role]), url, add) == 404, role
    assert BodyMember.objects.count() == 2
    html = login(secretary).get(url).content.decode()
    assert site.people[0].masked_name in html and site.people[0].name not in html  # masked in the list
    assert site.people[0].id_number not in html
    assert status(login(secretary), url, add) == 302
    assert BodyMember.objects.count() == 3


def test_body_page_bad_input(site, secretary):
    body = council(site, secretary, site.people[:1])
    url = f"/c/{site.community.pk}/bodies/{body.pk}/"
    client = login(secretary)
    again = client.post(url, {"op": "add", "id_number": site.people[0].id_number, "role": "member"}, follow=True)
    assert "该居民已是本议事机构的成员" in again.content.decode()
    unknown = client.post(url, {"op": "add", "id_number": "110101199001011234", "role": "member"}, follow=True)
    assert "本社区没有登记该身份证号的居民" in unknown.content.decode()
    member = BodyMember.objects.get()
    early = client.post(url, {"op": "end", "member": member.pk, "until": "2020-01-01"}, follow=True)
    assert "任职终止日期须晚于起始日期" in early.content.decode()
    script = client.post(url, {"op": "end", "member": member.pk, "until": "2025-01-01", "reason": "<script>"})
    assert script.status_code == 302
    member.refresh_from_db()
    assert member.until is None
    assert client.post(url, {"op": "end", "member": 999999, "until": "2025-01-01"}).status_code == 404
    assert client.post(url, {"op": "nonsense"}).status_code == 404
    rules = client.post(url, {"op": "rules", "quorum": "two_thirds", "majority": "half"}, follow=True)
    assert "议事规则已保存" in rules.content.decode()
    body.refresh_from_db()
    assert (body.quorum_numerator, body.quorum_denominator, body.quorum_strict) == (2, 3, False)


def test_resolution_new_matrix(site, staff, other_staff, secretary):
    council(site, secretary, site.people[:3])
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=site.people[:3])
    url = f"/c/{site.community.pk}/topics/{topic.pk}/resolutions/new/"
    data = {"meeting": meeting.pk, "text": "同意"}
    assert status(Client(), url, data) == 302 and not Resolution.objects.exists()
    assert status(login(other_staff[Role.SECRETARY]), url, data) == 404
    assert status(login(staff[Role.RESIDENT]), url, data) == 403
    assert status(login(staff[Role.BUILDING_HEAD]), url, data) == 403
    assert not Resolution.objects.exists()
    assert status(login(secretary), url, {"meeting": 999999, "text": "同意"}) == 404
    bad = login(secretary).post(url, {"meeting": meeting.pk, "text": "<img src=x>"}, follow=True)
    assert "HTML" in bad.content.decode() and not Resolution.objects.exists()
    ok = login(secretary).post(url, data)
    resolution = Resolution.objects.get()
    assert ok.status_code == 302 and ok["Location"].endswith(f"/resolutions/{resolution.pk}/")
    assert status(login(secretary), url) == 405  # POST only


def test_resolution_page_matrix_and_vote_entry(site, staff, other_staff, secretary):
    members = site.people[:4]
    council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members[:3])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意收费")
    url = f"/c/{site.community.pk}/resolutions/{resolution.pk}/"
    ids = {m.person_id: m.pk for m in BodyMember.objects.all()}
    votes = {"op": "votes", f"vote_{ids[members[0].pk]}": "agree"}
    assert status(Client(), url) == 302
    assert status(login(other_staff[Role.SECRETARY]), url) == 404
    assert status(login(other_staff[Role.SECRETARY]), url, votes) == 404
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.BUILDING_HEAD):
        assert status(login(staff[role]), url) == 404, role
        assert status(login(staff[role]), url, votes) == 404, role
    assert not MemberVote.objects.exists()
    client = login(secretary)
    html = client.get(url).content.decode()
    assert "出席人数 3 / 4 人 = 75.00% &gt; 1/2 ✓" in html
    assert "未签到" in html
    absent = client.post(url, {"op": "votes", f"vote_{ids[members[3].pk]}": "agree"}, follow=True)
    assert "未签到，不能记录为出席表决" in absent.content.decode()
    bad = client.post(url, {"op": "votes", f"vote_{ids[members[0].pk]}": "maybe"}, follow=True)
    assert "表决意见应为同意、反对或弃权" in bad.content.decode()
    empty = client.post(url, {"op": "votes"}, follow=True)
    assert "请至少记录一名成员的表决意见" in empty.content.decode()
    assert not MemberVote.objects.exists()
    done = client.post(
        url,
        {"op": "votes", f"vote_{ids[members[0].pk]}": "agree", f"vote_{ids[members[1].pk]}": "disagree"},
        follow=True,
    )
    assert "表决已记录" in done.content.decode() and MemberVote.objects.count() == 2
    vote = MemberVote.objects.get(member_id=ids[members[1].pk])
    no_reason = client.post(url, {"op": "void", "vote": vote.pk, "reason": ""}, follow=True)
    assert "请写明作废原因" in no_reason.content.decode()
    client.post(url, {"op": "void", "vote": vote.pk, "reason": "录错"})
    vote.refresh_from_db()
    assert vote.voided_at is not None
    assert "录错" in client.get(url).content.decode()
    assert client.post(url, {"op": "void", "vote": 999999, "reason": "x"}).status_code == 404


def test_result_page_matrix(site, staff, other_staff, secretary):
    _body, topic, _meeting, _resolution = decided_setup(site, secretary, 5, decide=True)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/result/"
    assert status(Client(), url) == 302
    assert status(login(other_staff[Role.SECRETARY]), url) == 404
    html = login(staff[Role.RESIDENT]).get(url).content.decode()
    assert "出席人数 5 / 5 人 = 100.00% &gt; 1/2 ✓" in html
    assert "同意人数 5 / 5 人 = 100.00% &gt; 1/2 ✓" in html
    assert 'id="outcome"><b>通过' in html
    assert site.people[0].masked_name not in html  # no names on the public result
    assert topic.status == Status.DECIDED


def test_result_page_live_before_the_decision(site, secretary, staff):
    _body, topic, _meeting, _resolution = decided_setup(site, secretary, 3)
    html = login(staff[Role.RESIDENT]).get(f"/c/{site.community.pk}/topics/{topic.pk}/result/").content.decode()
    assert "实时统计" in html and "出席人数 3 / 3 人" in html
    empty = meeting_topic(site, secretary)
    html = login(secretary).get(f"/c/{site.community.pk}/topics/{empty.pk}/result/").content.decode()
    assert "尚未记录会议表决" in html


def test_panel_for_staff_and_residents(site, secretary, staff):
    _body, topic, _meeting, resolution = decided_setup(site, secretary, 3)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/"
    staff_html = login(secretary).get(url).content.decode()
    assert 'id="assembly"' in staff_html and 'id="assembly-decide"' in staff_html
    assert f'id="record-{resolution.pk}"' in staff_html
    assert "出席人数 3 / 3 人 = 100.00% &gt; 1/2 ✓" in staff_html
    resident_html = login(staff[Role.RESIDENT]).get(url).content.decode()
    assert 'id="assembly"' in resident_html and "出席人数 3 / 3 人" in resident_html
    assert 'id="assembly-decide"' not in resident_html and "record-" not in resident_html
    # Deciding from the panel's form goes through topic_decide.
    done = login(secretary).post(f"/c/{site.community.pk}/topics/{topic.pk}/step/decide/", {"resolution": "通过"})
    assert done.status_code == 302
    topic.refresh_from_db()
    assert topic.status == Status.DECIDED and topic.result["passed"]


def test_panel_refuses_deciding_without_a_vote(site, secretary):
    topic = meeting_topic(site, secretary)
    html = login(secretary).get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="no-meeting"' in html and 'id="assembly-decide"' not in html
    page = login(secretary).post(
        f"/c/{site.community.pk}/topics/{topic.pk}/step/decide/", {"resolution": "通过"}, follow=True
    )
    assert "请先在已召开的会议上记录本议题的表决" in page.content.decode()
    topic.refresh_from_db()
    assert topic.status == Status.DISCUSSION


# --- constant query counts -------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["body", "resolution", "topic", "result", "bodies"])
def test_query_counts_do_not_grow_with_members(db, page):
    counts = []
    for n in (1, 25):
        # Two residents per household: 32 people, so a roster of 25 fits.
        site = factories.make_community(name=f"社区{n}{page}", residents_per_household=2)
        secretary = factories.staff_of(site)[Role.SECRETARY]
        body, topic, _meeting, resolution = decided_setup(site, secretary, n)
        c = site.community.pk
        url = {
            "body": f"/c/{c}/bodies/{body.pk}/",
            "resolution": f"/c/{c}/resolutions/{resolution.pk}/",
            "topic": f"/c/{c}/topics/{topic.pk}/",
            "result": f"/c/{c}/topics/{topic.pk}/result/",
            "bodies": f"/c/{c}/bodies/",
        }[page]
        client = login(secretary)
        client.get(url)  # warm the per-community caches
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts


STAFF_ONLY = {Role.SECRETARY, Role.SOCIAL_WORKER}


def test_every_role_on_every_page(site, staff, other_staff, secretary):
    """The full matrix: rosters and vote entry are for community staff; the result is for the topic's audience."""
    body, topic, _meeting, resolution = decided_setup(site, secretary, 3)
    c = site.community.pk
    pages = {
        "bodies": (f"/c/{c}/bodies/", STAFF_ONLY),
        "body": (f"/c/{c}/bodies/{body.pk}/", STAFF_ONLY),
        "resolution": (f"/c/{c}/resolutions/{resolution.pk}/", STAFF_ONLY),
        "result": (f"/c/{c}/topics/{topic.pk}/result/", set(staff)),
        "topic": (f"/c/{c}/topics/{topic.pk}/", set(staff)),
    }
    for name, (url, allowed) in pages.items():
        assert Client().get(url).status_code == 302, name
        assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404, name
        for role, user in staff.items():
            code = login(user).get(url).status_code
            if role in allowed:
                assert code == 200, (name, role, code)
            else:
                # A list of the community they see refuses with 403; an object they cannot see is a 404.
                assert code == (403 if name == "bodies" else 404), (name, role, code)
