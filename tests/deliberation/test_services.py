import datetime

import pytest
from django.utils import timezone

from gongzhi.core.errors import AlreadyVoted, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot, Comment, Status, Topic, TopicEvent
from gongzhi.deliberation.selectors.topics import hot_topic, topic_comments, topic_versions
from gongzhi.deliberation.services.ballots import ballot_cast, ballot_enter_paper, ballot_enter_proxy, ballot_void
from gongzhi.deliberation.services.topics import (
    comment_hide,
    comment_post,
    topic_accept,
    topic_decide,
    topic_decline,
    topic_pin_hot,
    topic_propose,
    topic_publish,
    topic_report,
    topic_start_discussion,
    topic_start_implementing,
    version_add,
)
from tests.deliberation.conftest import voting_topic
from tests.uploads import real_pdf

pytestmark = pytest.mark.date_sensitive


@pytest.mark.django_db
def test_full_lifecycle_is_dated_and_audited(site, secretary):
    topic = topic_propose(actor=secretary, place=site.community, title="三线整治", summary="飞线太多")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="拟入地改造")
    topic_start_discussion(actor=secretary, topic=topic)
    topic_decide(actor=secretary, topic=topic, resolution="分两期入地")
    topic_start_implementing(actor=secretary, topic=topic, note="第一期开工")
    topic_report(actor=secretary, topic=topic, report="一期已完成")
    topic.refresh_from_db()
    steps = list(TopicEvent.objects.filter(topic=topic).values_list("status", flat=True))
    assert steps == ["proposed", "accepted", "published", "discussion", "decided", "implementing", "reported"]
    assert topic.status == Status.REPORTED and topic.report == "一期已完成"
    verbs = set(
        AuditEvent.objects.filter(object_type="deliberation.topic", object_id=str(topic.pk)).values_list(
            "verb", flat=True
        )
    )
    assert {"topic.propose", "topic.accepted", "topic.reported"} <= verbs


@pytest.mark.django_db
def test_out_of_order_step_is_refused_and_changes_nothing(site, secretary):
    topic = topic_propose(actor=secretary, place=site.community, title="垃圾房设置", summary="位置")
    with pytest.raises(PhaseClosed) as err:
        topic_start_discussion(actor=secretary, topic=topic)
    assert "不能进入" in str(err.value.message) and err.value.code == "bad_step"
    topic.refresh_from_db()
    assert topic.status == Status.PROPOSED and TopicEvent.objects.filter(topic=topic).count() == 1


@pytest.mark.django_db
def test_decline_needs_a_public_reason(site, secretary):
    topic = topic_propose(actor=secretary, place=site.community, title="x议题", summary="s")
    with pytest.raises(ValidationFailed):
        topic_decline(actor=secretary, topic=topic, reason="  ")
    topic_decline(actor=secretary, topic=topic, reason="属于物业合同范围，转物业处理")
    topic.refresh_from_db()
    assert topic.status == Status.DECLINED and "物业" in topic.decline_reason


@pytest.mark.django_db
def test_resident_sees_topics_of_their_places_only(owners, secretary, staff):
    site = owners.site
    resident = owners.accounts[0]  # lives in building 1
    whole = topic_propose(actor=secretary, place=site.community, title="全社区议题", summary="s")
    mine = topic_propose(actor=secretary, place=site.buildings[0], title="本楼议题", summary="s")
    other = topic_propose(actor=secretary, place=site.buildings[1], title="别楼议题", summary="s")
    for t in (whole, mine, other):
        topic_accept(actor=secretary, topic=t)
    pending = topic_propose(actor=secretary, place=site.community, title="待审议题", summary="s")
    visible = set(Topic.objects.visible_to(resident).values_list("title", flat=True))
    assert visible == {"全社区议题", "本楼议题"}
    assert pending.title in set(Topic.objects.visible_to(staff[Role.SOCIAL_WORKER]).values_list("title", flat=True))


@pytest.mark.django_db
def test_resident_proposes_for_own_building_not_another(owners):
    site, resident = owners.site, owners.accounts[0]
    topic = topic_propose(actor=resident, place=site.buildings[0], title="楼道灯坏了", summary="请修")
    assert topic.status == Status.PROPOSED and Topic.objects.visible_to(resident).filter(pk=topic.pk).exists()
    with pytest.raises(PermissionDenied):
        topic_propose(actor=resident, place=site.buildings[1], title="别楼的事", summary="s")
    assert not Topic.objects.filter(title="别楼的事").exists()


@pytest.mark.django_db
def test_comments_only_while_open_and_without_markup(owners, secretary):
    site, resident = owners.site, owners.accounts[0]
    topic = topic_propose(actor=secretary, place=site.community, title="议题", summary="s")
    with pytest.raises(PhaseClosed):
        comment_post(actor=resident, topic=topic, body="太早了")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="方案")
    with pytest.raises(ValidationFailed) as err:
        comment_post(actor=resident, topic=topic, body="<script>alert(1)</script>")
    assert "HTML" in str(err.value.message)
    comment = comment_post(actor=resident, topic=topic, body="同意，建议加装监控")
    reply = comment_post(actor=secretary, topic=topic, body="已记录", parent=comment)
    assert [c.pk for c in topic_comments(topic=topic)] == [comment.pk]
    assert list(topic_comments(topic=topic)[0].replies.all()) == [reply]


@pytest.mark.django_db
def test_moderation_hides_with_a_reason_and_keeps_the_text(owners, secretary):
    site, resident = owners.site, owners.accounts[0]
    topic = topic_propose(actor=secretary, place=site.community, title="议题", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="方案")
    comment = comment_post(actor=resident, topic=topic, body="广告：低价装修")
    with pytest.raises(ValidationFailed):
        comment_hide(actor=secretary, comment=comment, reason="")
    with pytest.raises(PermissionDenied):
        comment_hide(actor=resident, comment=comment, reason="我想删")
    comment_hide(actor=secretary, comment=comment, reason="广告")
    comment.refresh_from_db()
    assert comment.hidden and comment.body == "广告：低价装修"


@pytest.mark.django_db
def test_building_head_revises_the_proposal_round_after_round(owners, secretary, staff):
    site = owners.site
    topic = topic_propose(actor=secretary, place=site.buildings[0], title="安防方案", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="装围栏")
    version_add(actor=staff[Role.BUILDING_HEAD], topic=topic, body="装围栏\n修路灯", change_note="加路灯")
    version_add(actor=staff[Role.BUILDING_HEAD], topic=topic, body="装围栏\n修路灯\n装门禁", change_note="加门禁")
    assert [v.number for v in topic_versions(topic=topic)] == [1, 2, 3]
    with pytest.raises(PermissionDenied):
        version_add(actor=owners.accounts[0], topic=topic, body="我的版本", change_note="x")


@pytest.mark.django_db
def test_owner_votes_once_online(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    ballot_cast(actor=owners.accounts[0], topic=topic, choice="agree")
    with pytest.raises(AlreadyVoted) as err:
        ballot_cast(actor=owners.accounts[0], topic=topic, choice="disagree")
    assert "不能重复表决" in str(err.value.message)
    assert Ballot.objects.filter(topic=topic).count() == 1


@pytest.mark.django_db
def test_vote_outside_the_window_or_the_place_is_refused(owners, secretary, time_machine):
    site = owners.site
    time_machine.move_to(timezone.now(), tick=False)
    topic = voting_topic(site, secretary, place=site.buildings[0], hours=2)
    outsider = next(
        a
        for a, p in zip(owners.accounts, site.people, strict=True)
        if p.household.place.parent_id != site.buildings[0].pk
    )
    with pytest.raises(PermissionDenied):
        ballot_cast(actor=outsider, topic=topic, choice="agree")
    time_machine.shift(datetime.timedelta(hours=3))
    with pytest.raises(PhaseClosed) as err:
        ballot_cast(actor=owners.accounts[0], topic=topic, choice="agree")
    assert "不在表决时间内" in str(err.value.message)
    assert not Ballot.objects.filter(topic=topic).exists()


@pytest.mark.django_db
def test_paper_ballot_serial_is_used_once_and_proxy_needs_evidence(owners, secretary):
    from django.core.files.uploadedfile import SimpleUploadedFile

    site = owners.site
    topic = voting_topic(site, secretary)
    ballot_enter_paper(actor=secretary, topic=topic, voter=site.people[0], choice="agree", serial_no="NO-001")
    with pytest.raises(ValidationFailed) as err:
        ballot_enter_paper(actor=secretary, topic=topic, voter=site.people[1], choice="agree", serial_no="NO-001")
    assert "已录入" in str(err.value.message)
    with pytest.raises(ValidationFailed) as err:
        ballot_enter_proxy(
            actor=secretary, topic=topic, voter=site.people[2], choice="agree", proxy_name="李代理", evidence=None
        )
    assert "委托书" in str(err.value.message)
    with pytest.raises(ValidationFailed) as err:
        ballot_enter_proxy(
            actor=secretary,
            topic=topic,
            voter=site.people[2],
            choice="agree",
            proxy_name="李代理",
            evidence=SimpleUploadedFile("a.exe", b"MZ\x90\x00"),
        )
    assert err.value.code == "bad_type"
    pdf = SimpleUploadedFile("委托书.pdf", real_pdf())
    ballot = ballot_enter_proxy(
        actor=secretary, topic=topic, voter=site.people[2], choice="disagree", proxy_name="李代理", evidence=pdf
    )
    assert ballot.channel == "proxy" and ballot.evidence
    assert Ballot.objects.filter(topic=topic).count() == 2
    assert AuditEvent.objects.filter(verb="ballot.proxy", on_behalf_of=f"person:{site.people[2].pk}").exists()


@pytest.mark.django_db
def test_void_needs_a_reason_and_lets_the_owner_vote_again(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    ballot = ballot_cast(actor=owners.accounts[0], topic=topic, choice="agree")
    with pytest.raises(ValidationFailed):
        ballot_void(actor=secretary, ballot=ballot, reason="")
    ballot_void(actor=secretary, ballot=ballot, reason="业主本人声明误投")
    ballot_cast(actor=owners.accounts[0], topic=topic, choice="disagree")
    assert Ballot.objects.filter(topic=topic, voided_at__isnull=True).get().choice == "disagree"
    assert Ballot.objects.filter(topic=topic).count() == 2


@pytest.mark.django_db
def test_tally_and_decision_after_the_window(owners, secretary, time_machine):
    site = owners.site
    time_machine.move_to(timezone.now(), tick=False)
    topic = voting_topic(site, secretary, hours=1)
    for account in owners.accounts[:12]:
        ballot_cast(actor=account, topic=topic, choice="agree")
    with pytest.raises(PhaseClosed):
        topic_decide(actor=secretary, topic=topic, resolution="通过")
    time_machine.shift(datetime.timedelta(hours=2))
    topic_decide(actor=secretary, topic=topic, resolution="重新划线")
    topic.refresh_from_db()
    result = topic.result
    assert result["quorum_met"] and result["passed"] and result["participating_owners"] == 12
    assert result["total_owners"] == len(site.households)
    assert result["thresholds"][1].startswith("参与表决人数 12 / 16 人 = 75.00% ≥ 2/3 ✓")


@pytest.mark.django_db
def test_hot_topic_one_per_month(site, secretary):
    month = timezone.localdate()
    first = topic_propose(actor=secretary, place=site.community, title="车位停放", summary="s")
    second = topic_propose(actor=secretary, place=site.community, title="垃圾房", summary="s")
    with pytest.raises(PhaseClosed):
        topic_pin_hot(actor=secretary, topic=first, month=month)
    for t in (first, second):
        topic_accept(actor=secretary, topic=t)
    topic_pin_hot(actor=secretary, topic=first, month=month)
    topic_pin_hot(actor=secretary, topic=second, month=month)
    assert hot_topic(actor=secretary, community=site.community, month=month).pk == second.pk
    assert Topic.objects.filter(hot_month__isnull=False).count() == 1


@pytest.mark.django_db
def test_other_community_and_lower_roles_cannot_manage(owners, secretary, other_staff, staff):
    site = owners.site
    topic = topic_propose(actor=secretary, place=site.community, title="议题", summary="s")
    for actor in (other_staff[Role.SECRETARY], staff[Role.BUILDING_HEAD], owners.accounts[0]):
        with pytest.raises(PermissionDenied):
            topic_accept(actor=actor, topic=topic)
    topic.refresh_from_db()
    assert topic.status == Status.PROPOSED
    assert Comment.objects.count() == 0
