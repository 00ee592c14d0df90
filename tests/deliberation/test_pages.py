import pytest
from django.utils import timezone

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot, Comment, Topic
from gongzhi.deliberation.services.ballots import ballot_cast
from gongzhi.deliberation.services.topics import (
    comment_post,
    topic_accept,
    topic_decline,
    topic_pin_hot,
    topic_propose,
    topic_publish,
    topic_start_discussion,
    version_add,
)
from tests.conftest import login
from tests.deliberation.conftest import voting_topic
from tests.queries import queries


@pytest.mark.django_db
def test_hall_pins_the_monthly_hot_topic(owners, secretary):
    site = owners.site
    topic = topic_propose(actor=secretary, place=site.community, title="车位停放", summary="每月热议")
    topic_accept(actor=secretary, topic=topic)
    topic_pin_hot(actor=secretary, topic=topic, month=timezone.localdate())
    html = login(owners.accounts[0]).get(f"/c/{site.community.pk}/topics/").content.decode()
    assert 'id="hot-topic"' in html and "车位停放" in html
    assert "车位停放" in login(owners.accounts[0]).get(f"/c/{site.community.pk}/topics/hot/").content.decode()


@pytest.mark.django_db
def test_resident_proposes_through_the_page_and_bad_input_is_refused(owners):
    site, client = owners.site, login(owners.accounts[0])
    url = f"/c/{site.community.pk}/topics/new/"
    bad = client.post(url, {"place": site.buildings[0].pk, "title": "<img src=x onerror=alert(1)>", "summary": "s"})
    assert "HTML" in bad.content.decode() and not Topic.objects.exists()
    other_building = client.post(url, {"place": site.buildings[1].pk, "title": "别楼", "summary": "s"})
    assert other_building.status_code == 404 and not Topic.objects.exists()
    ok = client.post(url, {"place": site.buildings[0].pk, "title": "楼道灯", "summary": "坏了三个月"})
    assert ok.status_code == 302 and Topic.objects.get().title == "楼道灯"


@pytest.mark.django_db
def test_topic_page_shows_timeline_versions_diff_and_comments(owners, secretary, staff):
    site = owners.site
    topic = topic_propose(actor=secretary, place=site.buildings[0], title="安防方案", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="装围栏")
    topic_start_discussion(actor=secretary, topic=topic)
    second = version_add(actor=staff[Role.BUILDING_HEAD], topic=topic, body="装围栏\n装门禁", change_note="加门禁")
    client = login(owners.accounts[0])
    client.post(f"/c/{site.community.pk}/topics/{topic.pk}/comment/", {"body": "门禁好", "version": second.pk})
    html = client.get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert "已列入议程" in html and "讨论中" in html  # the dated timeline
    assert 'class="added">+ 装门禁' in html  # what changed between versions
    assert "门禁好" in html and "针对第2版" in html
    assert Comment.objects.get().version.number == 2


@pytest.mark.django_db
def test_vote_through_the_page_and_repeat_is_refused(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    client = login(owners.accounts[0])
    url = f"/c/{site.community.pk}/topics/{topic.pk}/vote/"
    client.post(url, {"choice": "agree"})
    page = client.post(url, {"choice": "disagree"}, follow=True).content.decode()
    assert "不能重复表决" in page
    assert Ballot.objects.get().choice == "agree"


@pytest.mark.django_db
def test_staff_enter_paper_ballot_and_repeat_serial_is_refused(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    client = login(secretary)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/ballots/"
    first = client.post(
        url, {"channel": "paper", "id_number": site.people[0].id_number, "choice": "agree", "serial_no": "A-0001"}
    )
    assert first.status_code == 302
    again = client.post(
        url, {"channel": "paper", "id_number": site.people[1].id_number, "choice": "agree", "serial_no": "A-0001"}
    )
    assert "该编号的表决票已录入" in again.content.decode()
    same_owner = client.post(
        url, {"channel": "paper", "id_number": site.people[0].id_number, "choice": "agree", "serial_no": "A-0002"}
    )
    assert "不能重复表决" in same_owner.content.decode()
    assert Ballot.objects.count() == 1


@pytest.mark.django_db
def test_voiding_a_ballot_by_a_tampered_id_is_404_and_voids_nothing(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    ballot_cast(actor=owners.accounts[0], topic=topic, choice="agree")
    url = f"/c/{site.community.pk}/topics/{topic.pk}/ballots/"
    client = login(secretary)
    for tampered in ("abc", "1 OR 1=1", "99999999999999999999"):
        assert client.post(url, {"void": tampered, "reason": "录错"}).status_code == 404
    assert Ballot.objects.filter(topic=topic, voided_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_result_page_shows_every_threshold_with_exact_figures(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary, matter="major")
    for account in owners.accounts[:11]:
        ballot_cast(actor=account, topic=topic, choice="agree")
    html = login(owners.accounts[0]).get(f"/c/{site.community.pk}/topics/{topic.pk}/result/").content.decode()
    assert "参与表决人数 11 / 16 人 = 68.75% ≥ 2/3 ✓" in html
    assert "同意人数 11 / 11 人 = 100.00% ≥ 3/4 ✓" in html
    assert "参与表决面积" in html and "m²" in html


@pytest.mark.django_db
def test_topic_page_queries_do_not_grow_with_comments(owners, secretary):
    site = owners.site
    topic = topic_propose(actor=secretary, place=site.community, title="议题", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="方案")
    client = login(owners.accounts[0])
    url = f"/c/{site.community.pk}/topics/{topic.pk}/"
    counts = []
    for n in (1, 10):
        for i in range(n):
            parent = comment_post(actor=owners.accounts[i % 5], topic=topic, body=f"意见{i}")
            comment_post(actor=secretary, topic=topic, body="回复", parent=parent)
        with queries() as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 15


PAGES = ["hall", "topic", "ballots", "result"]


def _url(site, topic, page):
    base = f"/c/{site.community.pk}/topics/"
    return {
        "hall": base,
        "topic": f"{base}{topic.pk}/",
        "ballots": f"{base}{topic.pk}/ballots/",
        "result": f"{base}{topic.pk}/result/",
    }[page]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_other_community_gets_404(owners, secretary, other_staff, page):
    topic = voting_topic(owners.site, secretary)
    assert login(other_staff[Role.SECRETARY]).get(_url(owners.site, topic, page)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(owners, secretary, client, page):
    topic = voting_topic(owners.site, secretary)
    response = client.get(_url(owners.site, topic, page))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_resident_cannot_enter_ballots_or_manage(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    client = login(owners.accounts[0])
    assert client.get(_url(site, topic, "ballots")).status_code == 403
    assert client.post(f"/c/{site.community.pk}/topics/{topic.pk}/step/accept/").status_code == 403
    assert not Ballot.objects.exists()


@pytest.mark.django_db
def test_topic_of_another_building_is_404_for_a_resident(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary, place=site.buildings[1])
    assert login(owners.accounts[0]).get(_url(site, topic, "topic")).status_code == 404


@pytest.mark.django_db
def test_public_page_lists_topics_and_outcomes_without_proposals(owners, secretary, client):
    site = owners.site
    declined = topic_propose(actor=secretary, place=site.community, title="拆除花台", summary="s")
    topic_decline(actor=secretary, topic=declined, reason="花台为居民共建，保留")
    topic_propose(actor=secretary, place=site.community, title="待审的议题", summary="s")
    html = client.get(f"/p/{site.community.pk}/").content.decode()
    assert "拆除花台" in html and "花台为居民共建，保留" in html
    assert "待审的议题" not in html
