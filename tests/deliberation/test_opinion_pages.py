"""民意征集 pages: the answer card without JavaScript and with htmx, the map, moderation, paper entry; the
permission matrix of every page and POST; query counts that do not grow with votes or statements."""

from __future__ import annotations

import re

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import OpinionStatement, OpinionVote, StatementStatus
from gongzhi.deliberation.services.opinion import statement_add
from gongzhi.deliberation.services.topics import topic_decide, topic_propose
from tests import factories
from tests.conftest import login
from tests.deliberation.test_opinion import SEEDS, opinion_topic, residents, statements, two_camps
from tests.queries import queries

pytestmark = pytest.mark.django_db


def base(site, topic) -> str:
    return f"/c/{site.community.pk}/topics/{topic.pk}/opinion/"


PAGES = {"answer": "", "map": "map/", "moderate": "moderate/", "paper": "paper/"}


def test_resident_answers_card_after_card_without_javascript(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    client = login(staff[Role.RESIDENT])
    url = base(site, topic)
    page = client.get(url).content.decode()
    assert "已回答 0 / 7" in page and 'id="stance-agree"' in page and 'id="stance-pass"' in page
    seen = []
    for _ in SEEDS:
        statement = int(page.split('data-statement="')[1].split('"')[0])
        seen.append(statement)
        response = client.post(f"{url}vote/", {"statement": statement, "stance": "agree", "next": "answer"})
        assert response.status_code == 302 and response["Location"] == url
        page = client.get(url).content.decode()
    assert sorted(seen) == sorted(s.pk for s in statements(topic))  # each card once
    assert "已回答 7 / 7" in page and 'id="all-answered"' in page
    assert OpinionVote.objects.filter(voter=staff[Role.RESIDENT]).count() == 7


def test_htmx_swaps_only_the_card(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    client = login(staff[Role.RESIDENT])
    first = statements(topic)[0]
    response = client.post(
        f"{base(site, topic)}vote/", {"statement": first.pk, "stance": "disagree"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div class="card opinion-card"')
    assert "<html" not in html and "已回答 1 / 7" in html


def test_topic_page_shows_the_panel_and_a_statement_can_be_added(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    client = login(staff[Role.RESIDENT])
    html = client.get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="opinion-panel"' in html and 'id="opinion-card"' in html and 'id="opinion-moderate-link"' not in html
    response = client.post(f"{base(site, topic)}statements/", {"text": "充电棚要装监控", "next": "topic"}, follow=True)
    page = response.content.decode()
    assert "审核通过后大家就能作答" in page and "充电棚要装监控" in page and "待审核" in page
    bad = client.post(f"{base(site, topic)}statements/", {"text": "<script>x</script>"}, follow=True)
    assert "HTML" in bad.content.decode()
    assert OpinionStatement.objects.filter(status=StatementStatus.PENDING).count() == 1
    staff_html = login(secretary).get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert "待审核 1 条" in staff_html


def test_moderation_page_approves_rejects_and_seeds(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    resident = staff[Role.RESIDENT]
    first = statement_add(actor=resident, topic=topic, text="充电棚要装监控")
    second = statement_add(actor=resident, topic=topic, text="骂人的话")
    client = login(secretary)
    url = f"{base(site, topic)}moderate/"
    assert "充电棚要装监控" in client.get(url).content.decode()
    client.post(url, {"statement": first.pk, "decision": "approve"})
    missing_reason = client.post(url, {"statement": second.pk, "decision": "reject", "reason": ""}, follow=True)
    assert "不通过须写明理由" in missing_reason.content.decode()
    client.post(url, {"statement": second.pk, "decision": "reject", "reason": "不文明用语"})
    client.post(url, {"seed": "1", "text": "充电价格应当公示"})
    assert client.post(url, {"statement": 999999, "decision": "approve"}).status_code == 404
    states = dict(OpinionStatement.objects.values_list("text", "status"))
    assert states["充电棚要装监控"] == "approved" and states["骂人的话"] == "rejected"
    assert states["充电价格应当公示"] == "approved"
    mine = login(resident).get(base(site, topic)).content.decode()
    assert "不文明用语" in mine  # the author sees why


def test_map_page_shows_groups_their_statements_and_the_consensus(site, secretary):
    topic = opinion_topic(site, secretary)
    voters = residents(site, 20)
    two_camps(topic, voters)
    html = login(voters[0]).get(f"{base(site, topic)}map/").content.decode()
    assert 'id="map-participants">20<' in html and 'id="map-groups">2<' in html
    assert 'id="group-A"' in html and 'id="group-B"' in html and "10 人" in html
    assert "本组 100% 同意" in html
    assert SEEDS[6] in html.split('id="consensus"')[1]
    assert 'id="opinion-scatter"' in html
    assert sum(int(n) for n in re.findall(r'data-n="(\d+)"', html)) == 20  # every voter, on one dot or another
    assert "意见相近" in html and 'id="my-point"' in html


def test_decided_map_says_it_is_frozen(site, secretary):
    topic = opinion_topic(site, secretary)
    two_camps(topic, residents(site, 20))
    topic_decide(actor=secretary, topic=topic, resolution="建设集中充电棚。")
    html = login(secretary).get(f"{base(site, topic)}map/").content.decode()
    assert 'id="map-frozen"' in html and 'id="group-B"' in html


def test_paper_page_enters_a_questionnaire(site, secretary):
    topic = opinion_topic(site, secretary)
    first, second = statements(topic)[:2]
    person = site.people[2]
    client = login(secretary)
    url = f"{base(site, topic)}paper/"
    assert SEEDS[0] in client.get(url).content.decode()
    response = client.post(url, {"id_number": person.id_number, f"s{first.pk}": "agree", f"s{second.pk}": "pass"})
    assert response.status_code == 302
    assert sorted(OpinionVote.objects.filter(person=person).values_list("stance", flat=True)) == [0, 1]
    unknown = client.post(url, {"id_number": factories.next_id_number(), f"s{first.pk}": "agree"})
    assert "没有登记该身份证号" in unknown.content.decode()
    empty = client.post(url, {"id_number": person.id_number})
    assert "问卷上没有作答" in empty.content.decode()


def test_opinion_pages_of_another_procedure_are_404(site, secretary):
    topic = topic_propose(actor=secretary, place=site.community, title="议题", summary="s")
    client = login(secretary)
    for suffix in PAGES.values():
        assert client.get(f"{base(site, topic)}{suffix}").status_code == 404


# Permission matrix: anonymous, another community, a lower role, the allowed role.


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_is_sent_to_login(site, secretary, client, page):
    topic = opinion_topic(site, secretary)
    response = client.get(f"{base(site, topic)}{PAGES[page]}")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("page", sorted(PAGES))
def test_other_community_gets_404(site, secretary, other_staff, page):
    topic = opinion_topic(site, secretary)
    assert login(other_staff[Role.SECRETARY]).get(f"{base(site, topic)}{PAGES[page]}").status_code == 404


@pytest.mark.parametrize(("page", "status"), [("answer", 200), ("map", 200), ("moderate", 403), ("paper", 403)])
def test_resident_sees_answering_and_the_map_but_not_staff_pages(site, secretary, staff, page, status):
    topic = opinion_topic(site, secretary)
    assert login(staff[Role.RESIDENT]).get(f"{base(site, topic)}{PAGES[page]}").status_code == status


@pytest.mark.parametrize("page", sorted(PAGES))
def test_staff_see_every_page(site, secretary, staff, page):
    topic = opinion_topic(site, secretary)
    for role in (Role.SECRETARY, Role.SOCIAL_WORKER):
        assert login(staff[role]).get(f"{base(site, topic)}{PAGES[page]}").status_code == 200


def test_resident_of_another_building_gets_404(site, secretary):
    topic = opinion_topic(site, secretary, place=site.buildings[0])
    outsider = factories.make_user(Role.RESIDENT, household=site.households[-1])
    assert login(outsider).get(base(site, topic)).status_code == 404


def posts(site, topic) -> dict[str, tuple[str, dict]]:
    first = statements(topic)[0]
    url = base(site, topic)
    return {
        "vote": (f"{url}vote/", {"statement": first.pk, "stance": "agree"}),
        "statement": (f"{url}statements/", {"text": "新的观点"}),
        "moderate": (f"{url}moderate/", {"statement": first.pk, "decision": "reject", "reason": "测试"}),
        "seed": (f"{url}moderate/", {"seed": "1", "text": "工作人员的观点"}),
        "paper": (f"{url}paper/", {"id_number": site.people[0].id_number, f"s{first.pk}": "agree"}),
    }


def state() -> tuple:
    return (
        OpinionVote.objects.count(),
        OpinionStatement.objects.count(),
        OpinionStatement.objects.filter(status=StatementStatus.REJECTED).count(),
        AuditEvent.objects.count(),
    )


# The lower role for each POST: street staff see the topic but may not take part; residents may not manage.
LOWER = {"vote": Role.STREET_STAFF, "statement": Role.STREET_STAFF, "moderate": Role.RESIDENT, "seed": Role.RESIDENT}
LOWER["paper"] = Role.BUILDING_HEAD


@pytest.mark.parametrize("name", sorted(LOWER))
def test_anonymous_cannot_post(site, secretary, client, name):
    topic = opinion_topic(site, secretary)
    url, data = posts(site, topic)[name]
    before = state()
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert state() == before


@pytest.mark.parametrize("name", sorted(LOWER))
def test_other_community_cannot_post(site, secretary, other_staff, name):
    topic = opinion_topic(site, secretary)
    url, data = posts(site, topic)[name]
    before = state()
    assert login(other_staff[Role.SECRETARY]).post(url, data).status_code == 404
    assert state() == before


@pytest.mark.parametrize("name", sorted(LOWER))
def test_lower_role_cannot_post(site, secretary, staff, name):
    topic = opinion_topic(site, secretary)
    url, data = posts(site, topic)[name]
    before = state()
    assert login(staff[LOWER[name]]).post(url, data).status_code == 403
    assert state() == before


@pytest.mark.parametrize("name", sorted(LOWER))
def test_allowed_role_posts(site, secretary, staff, name):
    topic = opinion_topic(site, secretary)
    url, data = posts(site, topic)[name]
    allowed = staff[Role.RESIDENT] if name in ("vote", "statement") else secretary
    before = state()
    assert login(allowed).post(url, data).status_code == 302
    assert state() != before


def test_posting_a_statement_of_another_topic_is_404(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    other = opinion_topic(site, secretary, seeds=["另一个议题的观点"])
    foreign = statements(other)[0]
    response = login(staff[Role.RESIDENT]).post(
        f"{base(site, topic)}vote/", {"statement": foreign.pk, "stance": "agree"}
    )
    assert response.status_code == 404 and not OpinionVote.objects.exists()
    client = login(staff[Role.RESIDENT])
    for bad in ("9" * 30, "-1", "1.5", "abc", ""):
        assert client.post(f"{base(site, topic)}vote/", {"statement": bad, "stance": "agree"}).status_code == 404
    assert login(secretary).post(f"{base(site, topic)}moderate/", {"statement": "9" * 30}).status_code == 404


def test_after_the_decision_the_page_offers_no_buttons_and_posts_are_refused(site, secretary, staff):
    topic = opinion_topic(site, secretary, status="decided")
    client = login(staff[Role.RESIDENT])
    html = client.get(base(site, topic)).content.decode()
    assert 'id="stance-agree"' not in html and 'id="add-statement"' not in html
    first = statements(topic)[0]
    page = client.post(f"{base(site, topic)}vote/", {"statement": first.pk, "stance": "agree"}, follow=True)
    assert "当前阶段不能作答" in page.content.decode() and not OpinionVote.objects.exists()


# Query counts: constant in the number of statements and votes.


def _bulk(topic, voters, n_statements: int, secretary) -> None:
    """Rows built directly (as a factory would) so the larger size stays fast; the services are tested above."""
    existing = statements(topic)
    extra = [
        OpinionStatement(
            community_id=topic.community_id,
            topic=topic,
            text=f"补充观点{i}",
            text_key=f"补充观点{i}",
            status=StatementStatus.APPROVED,
            author=secretary,
            seeded=True,
        )
        for i in range(max(0, n_statements - len(existing)))
    ]
    OpinionStatement.objects.bulk_create(extra)
    every = statements(topic)
    OpinionVote.objects.bulk_create(
        OpinionVote(
            community_id=topic.community_id,
            topic=topic,
            statement=s,
            voter=v,
            stance=(1 if (i + j) % 3 else -1) if i % 2 else (-1 if (i + j) % 3 else 1),
            entered_by=v,
        )
        for i, v in enumerate(voters)
        for j, s in enumerate(every)
    )


@pytest.mark.parametrize("page", ["map/", "", "moderate/", "topic"])
def test_query_counts_do_not_grow_with_votes_and_statements(site, secretary, page):
    from django.core.cache import cache

    counts = []
    for n_voters, n_statements in ((1, 1), (25, 25)):
        topic = opinion_topic(site, secretary, seeds=[f"{n_voters}号议题观点"])
        _bulk(topic, residents(site, n_voters), n_statements, secretary)
        url = f"/c/{site.community.pk}/topics/{topic.pk}/" if page == "topic" else f"{base(site, topic)}{page}"
        client = login(secretary)
        cache.clear()  # the first view computes the map
        with queries() as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 20


def test_a_cached_map_costs_no_query(site, secretary):
    topic = opinion_topic(site, secretary)
    two_camps(topic, residents(site, 10))
    client = login(secretary)
    url = f"{base(site, topic)}map/"
    counts = []
    for _ in range(2):
        with queries() as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[0] - 2  # neither the statements nor the votes are read
