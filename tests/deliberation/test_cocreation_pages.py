"""团队共创 pages: the panel in every phase, the POSTs behind it, the staff pages, the permission matrix and the
query count of the topic page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import ActionItem, Cluster, CocreationSession, Dot, Idea
from gongzhi.deliberation.services.cocreation import (
    cluster_create,
    cocreation_configure,
    dot_spend,
    idea_add,
    idea_assign,
)
from gongzhi.deliberation.services.topics import topic_accept, topic_propose, topic_publish
from tests.conftest import login
from tests.deliberation.test_cocreation import cocreation_topic, decided, open_dots, with_clusters
from tests.queries import queries

pytestmark = pytest.mark.django_db


def urls(site, topic) -> dict[str, str]:
    base = f"/c/{site.community.pk}/topics/{topic.pk}/"
    return {
        "topic": base,
        "idea": f"{base}cocreation/ideas/",
        "dot": f"{base}cocreation/dots/",
        "board": f"{base}cocreation/board/",
        "plan": f"{base}cocreation/plan/",
    }


def state() -> tuple:
    return (
        Idea.objects.count(),
        Idea.objects.filter(hidden=True).count(),
        Cluster.objects.count(),
        Dot.objects.filter(withdrawn_at=None).count(),
        ActionItem.objects.count(),
        CocreationSession.objects.filter(dots_per_person=5).count(),
        AuditEvent.objects.count(),
    )


def test_discussion_panel_shows_the_idea_board_and_a_resident_adds_an_idea(owners, secretary):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    client = login(owners.accounts[0])
    u = urls(site, topic)
    html = client.get(u["topic"]).content.decode()
    assert 'id="cocreation"' in html and 'id="idea-form"' in html and "每人 5 个点" in html
    assert 'id="dot-box"' not in html and 'id="cocreation-board-link"' not in html
    page = client.post(u["idea"], {"body": "院子里加几张长椅"}, follow=True).content.decode()
    assert "想法已提交" in page and "院子里加几张长椅" in page
    bad = client.post(u["idea"], {"body": "<script>alert(1)</script>"}, follow=True).content.decode()
    assert "HTML" in bad and Idea.objects.count() == 1
    too_long = client.post(u["idea"], {"body": "长" * 201}, follow=True).content.decode()
    assert "200" in too_long and Idea.objects.count() == 1


def test_voting_panel_shows_dots_left_refuses_overspend_and_takes_back(owners, secretary):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=2, max_per_cluster=None, top=2)
    seats, parking, *_ = with_clusters(topic, secretary)
    idea = idea_add(actor=owners.accounts[1], topic=topic, body="加长椅")
    idea_assign(actor=secretary, idea=idea, cluster=seats)
    open_dots(topic, secretary)
    client = login(owners.accounts[0])
    u = urls(site, topic)
    html = client.get(u["topic"]).content.decode()
    assert 'id="dot-box"' in html and 'data-left="2"' in html and "加长椅" in html
    assert 'id="idea-form"' not in html  # ideas are no longer collected
    response = client.post(u["dot"], {"cluster": seats.pk})
    assert response.status_code == 302 and response["Location"].endswith("#cocreation")
    client.post(u["dot"], {"cluster": parking.pk})
    page = client.post(u["dot"], {"cluster": parking.pk}, follow=True).content.decode()
    assert "2个点已经用完" in page and 'data-left="0"' in page
    assert Dot.objects.filter(withdrawn_at=None).count() == 2
    page = client.post(u["dot"], {"cluster": seats.pk, "op": "take"}, follow=True).content.decode()
    assert "已收回一个点" in page and 'data-left="1"' in page
    # Wrong ids are 404, nothing spent.
    assert client.post(u["dot"], {"cluster": "999999"}).status_code == 404
    assert client.post(u["dot"], {"cluster": "x"}).status_code == 404
    assert Dot.objects.filter(withdrawn_at=None).count() == 1


def test_after_the_decision_the_panel_shows_the_ranking_and_the_plan(owners, secretary):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    seats, parking, *_ = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    dot_spend(actor=owners.accounts[0], topic=topic, cluster=parking)
    topic = decided(topic, secretary)
    client = login(secretary)
    u = urls(site, topic)
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    client.post(u["plan"], {"cluster": parking.pk, "owner": "物业", "due": due})
    page = client.post(u["plan"], {"cluster": seats.pk, "owner": "物业", "due": due}, follow=True).content.decode()
    assert "只有得点最多的类别进入行动计划" in page
    bad_date = client.post(u["plan"], {"owner": "物业", "due": "明天"}, follow=True).content.decode()
    assert "日期格式不对" in bad_date
    item = ActionItem.objects.get()
    client.post(u["plan"], {"item": item.pk, "title": item.title, "owner": "物业", "due": due, "status": "done"})
    html = login(owners.accounts[3]).get(u["topic"]).content.decode()
    assert 'id="ranking"' in html and "投点结果（决议时确定，不再变化）" in html
    assert 'id="action-plan"' in html and "停车秩序" in html and "已完成 1 / 1 项" in html


def test_staff_board_page_sets_enters_clusters_assigns_and_hides(owners, secretary):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    client = login(secretary)
    u = urls(site, topic)
    assert client.get(u["board"]).status_code == 200
    client.post(u["board"], {"op": "settings", "dots_per_person": "3", "max_per_cluster": "", "top": "2"})
    session = CocreationSession.objects.get()
    assert (session.dots_per_person, session.max_per_cluster, session.top) == (3, None, 2)
    page = client.post(
        u["board"], {"op": "settings", "dots_per_person": "30", "max_per_cluster": "", "top": "2"}, follow=True
    ).content.decode()
    assert "每人点数须在1到20之间" in page
    page = client.post(
        u["board"], {"op": "settings", "dots_per_person": "三", "top": "2"}, follow=True
    ).content.decode()
    assert "点数请填写整数" in page
    client.post(u["idea"], {"body": "晾衣架不够", "on_behalf_of": "3栋王阿姨"})
    client.post(u["board"], {"op": "cluster", "name": "晾晒"})
    idea, cluster = Idea.objects.get(), Cluster.objects.get()
    assert idea.source == "offline" and idea.on_behalf_of == "3栋王阿姨"
    client.post(u["board"], {"op": "assign", "idea": idea.pk, "cluster": cluster.pk})
    client.post(u["board"], {"op": "rename", "cluster": cluster.pk, "name": "晾晒与收纳"})
    html = client.get(u["board"]).content.decode()
    assert "晾晒与收纳" in html and "线下收集：3栋王阿姨" in html
    client.post(u["board"], {"op": "hide", "idea": idea.pk, "reason": "重复"})
    idea.refresh_from_db()
    assert idea.hidden and idea.hidden_reason == "重复" and idea.cluster is None
    assert client.post(u["board"], {"op": "assign", "idea": "999999", "cluster": ""}).status_code == 404
    assert client.post(u["board"], {"op": "nonsense"}).status_code == 404


def test_topic_page_query_count_does_not_grow_with_ideas_clusters_and_dots(owners, secretary):
    site = owners.site
    counts = []
    for n in (1, 25):
        topic = cocreation_topic(site, secretary)
        cocreation_configure(actor=secretary, topic=topic, dots_per_person=20, max_per_cluster=None, top=3)
        clusters = [cluster_create(actor=secretary, topic=topic, name=f"类别{i}") for i in range(min(n, 20))]
        for i in range(n):
            idea = idea_add(actor=owners.accounts[i % 10], topic=topic, body=f"想法{i}")
            idea_assign(actor=secretary, idea=idea, cluster=clusters[i % len(clusters)])
        open_dots(topic, secretary)
        for i in range(n):
            dot_spend(actor=owners.accounts[i % 10], topic=topic, cluster=clusters[i % len(clusters)])
        client = login(owners.accounts[0])
        with queries() as ctx:
            assert client.get(urls(site, topic)["topic"]).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 25


def test_staff_pages_query_count_does_not_grow(owners, secretary):
    site = owners.site
    counts = []
    for n in (1, 25):
        topic = cocreation_topic(site, secretary)
        clusters = [cluster_create(actor=secretary, topic=topic, name=f"类别{i}") for i in range(min(n, 20))]
        for i in range(n):
            idea = idea_add(actor=owners.accounts[i % 10], topic=topic, body=f"想法{i}")
            idea_assign(actor=secretary, idea=idea, cluster=clusters[i % len(clusters)])
        client = login(secretary)
        with queries() as ctx:
            assert client.get(urls(site, topic)["board"]).status_code == 200
            assert client.get(urls(site, topic)["plan"]).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# The permission matrix: anonymous, another community, a lower role, the allowed role.

STAFF_PAGES = ["board", "plan"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_matrix(owners, secretary, staff, other_staff, client, page):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    url = urls(site, topic)[page]
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    for lower in (Role.RESIDENT, Role.BUILDING_HEAD, Role.GRID_WORKER, Role.STREET_STAFF):
        assert login(staff[lower]).get(url).status_code == 403, lower
    assert login(staff[Role.SOCIAL_WORKER]).get(url).status_code == 200
    assert login(secretary).get(url).status_code == 200


STAFF_WRITES = {
    "settings": ("board", {"op": "settings", "dots_per_person": "3", "top": "2"}),
    "cluster": ("board", {"op": "cluster", "name": "新类别"}),
    "assign": ("board", {"op": "assign", "idea": "{idea}", "cluster": "{cluster}"}),
    "hide": ("board", {"op": "hide", "idea": "{idea}", "reason": "不文明"}),
    "offline_idea": ("idea", {"body": "代录的想法", "on_behalf_of": "王阿姨"}),
}


def _fill(data: dict, idea: Idea, cluster: Cluster) -> dict:
    return {k: v.format(idea=idea.pk, cluster=cluster.pk) for k, v in data.items()}


@pytest.mark.parametrize("name", sorted(STAFF_WRITES))
def test_staff_writes_are_refused_to_others_and_nothing_changes(owners, secretary, staff, other_staff, client, name):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    (cluster,) = with_clusters(topic, secretary, ["已有"])
    idea = idea_add(actor=owners.accounts[0], topic=topic, body="想法")
    page, data = STAFF_WRITES[name]
    url, data = urls(site, topic)[page], _fill(data, idea, cluster)
    before = state()
    anonymous = client.post(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert login(other_staff[Role.SECRETARY]).post(url, data).status_code == 404
    assert login(staff[Role.RESIDENT]).post(url, data).status_code == 403
    assert login(staff[Role.BUILDING_HEAD]).post(url, data).status_code == 403
    assert state() == before
    assert login(secretary).post(url, data).status_code == 302
    assert state() != before


def test_plan_writes_are_refused_to_others(owners, secretary, staff, other_staff, client):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    (cluster,) = with_clusters(topic, secretary, ["座椅"])
    open_dots(topic, secretary)
    dot_spend(actor=owners.accounts[0], topic=topic, cluster=cluster)
    topic = decided(topic, secretary)
    url = urls(site, topic)["plan"]
    data = {
        "cluster": cluster.pk,
        "owner": "物业",
        "due": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
    }
    assert client.post(url, data)["Location"].startswith("/login/")
    assert login(other_staff[Role.SECRETARY]).post(url, data).status_code == 404
    assert login(staff[Role.RESIDENT]).post(url, data).status_code == 403
    assert login(staff[Role.BUILDING_HEAD]).post(url, data).status_code == 403
    assert not ActionItem.objects.exists()
    assert login(secretary).post(url, data).status_code == 302
    assert ActionItem.objects.count() == 1


def test_participant_writes_matrix(owners, secretary, staff, other_staff, client):
    """Ideas and dots: anonymous to login, another community 404, a role without participation 403, a resident
    of another building (the topic is invisible to them) 404, the resident of the place allowed."""
    site = owners.site
    topic = cocreation_topic(site, secretary, place=site.buildings[0])
    (cluster,) = with_clusters(topic, secretary, ["座椅"])
    u = urls(site, topic)
    outsider = next(
        a
        for a, p in zip(owners.accounts, site.people, strict=True)
        if p.household.place.parent_id != site.buildings[0].pk
    )
    before = state()
    for url, data in ((u["idea"], {"body": "想法"}), (u["dot"], {"cluster": cluster.pk})):
        assert client.post(url, data)["Location"].startswith("/login/")
        assert login(other_staff[Role.SECRETARY]).post(url, data).status_code == 404
        assert login(outsider).post(url, data).status_code == 404
        assert login(staff[Role.STREET_STAFF]).post(url, data).status_code == 403
    assert state() == before
    assert login(staff[Role.RESIDENT]).post(u["idea"], {"body": "想法"}).status_code == 302
    assert Idea.objects.count() == 1
    open_dots(topic, secretary)
    assert login(staff[Role.RESIDENT]).post(u["dot"], {"cluster": cluster.pk}).status_code == 302
    assert Dot.objects.count() == 1


def test_out_of_phase_posts_show_the_reason_and_change_nothing(owners, secretary):
    site = owners.site
    topic = cocreation_topic(site, secretary)
    (cluster,) = with_clusters(topic, secretary, ["座椅"])
    client = login(owners.accounts[0])
    u = urls(site, topic)
    assert "投点尚未开始" in client.post(u["dot"], {"cluster": cluster.pk}, follow=True).content.decode()
    open_dots(topic, secretary)
    assert "现在不是收集想法的阶段" in client.post(u["idea"], {"body": "晚了"}, follow=True).content.decode()
    staff_page = (
        login(secretary)
        .post(u["board"], {"op": "settings", "dots_per_person": "3", "top": "2"}, follow=True)
        .content.decode()
    )
    assert "投点开始后不能再修改设置" in staff_page
    assert (
        "形成决议后才能制定行动计划"
        in login(secretary)
        .post(u["plan"], {"owner": "物业", "due": timezone.localdate().isoformat()}, follow=True)
        .content.decode()
    )
    assert not Dot.objects.exists() and not Idea.objects.exists() and not ActionItem.objects.exists()


def test_cocreation_urls_of_another_procedure_are_404(owners, secretary):
    site = owners.site
    topic = topic_propose(actor=secretary, place=site.compound, title="议题", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="方案")
    client = login(secretary)
    for name in ("board", "plan"):
        assert client.get(urls(site, topic)[name]).status_code == 404
    assert client.post(urls(site, topic)["idea"], {"body": "x"}).status_code == 404
