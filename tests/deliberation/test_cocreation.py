"""团队共创 services: settings, ideas, clusters, dots, the frozen ranking and the action plan."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import ActionItem, Cluster, CocreationSession, Dot, Idea, Status, Topic
from gongzhi.deliberation.selectors.cocreation import action_plan_progress, cocreation_board
from gongzhi.deliberation.services.cocreation import (
    IDEAS_PER_PERSON,
    MAX_CLUSTERS,
    action_item_add,
    action_item_update,
    cluster_create,
    cluster_rename,
    cocreation_configure,
    dot_spend,
    dot_take_back,
    idea_add,
    idea_assign,
    idea_hide,
)
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_open_voting,
    topic_propose,
    topic_publish,
    topic_report,
    topic_start_discussion,
    topic_start_implementing,
)

pytestmark = pytest.mark.django_db


def cocreation_topic(site, secretary, *, place=None) -> Topic:
    """A 团队共创 on the site's compound, published and under discussion (reached through the services)."""
    topic = topic_propose(
        actor=secretary,
        place=place or site.compound,
        title="老旧院落公共空间改造",
        summary="院子怎么用，大家来出主意。",
    )
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="cocreation", body="收集想法、归类、投点、定行动。")
    topic_start_discussion(actor=secretary, topic=topic)
    topic.refresh_from_db()
    return topic


def with_clusters(topic: Topic, secretary, names=("休闲座椅", "停车秩序", "绿化", "照明")) -> list[Cluster]:
    return [cluster_create(actor=secretary, topic=topic, name=n) for n in names]


def open_dots(topic: Topic, secretary, hours: int = 24) -> Topic:
    topic_open_voting(actor=secretary, topic=topic, closes_at=timezone.now() + datetime.timedelta(hours=hours))
    topic.refresh_from_db()
    return topic


def decided(topic: Topic, secretary) -> Topic:
    """Moves past the window's close and records the decision."""
    with time_machine.travel(topic.voting_closes_at + datetime.timedelta(minutes=1), tick=False):
        topic_decide(actor=secretary, topic=topic, resolution="按投点结果制定行动计划。")
    topic.refresh_from_db()
    return topic


def code_of(call) -> str:
    with pytest.raises(ApplicationError) as info:
        call()
    return info.value.code


def audits(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


# Settings


def test_staff_set_the_dots_before_voting_and_bad_settings_are_refused(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    session = cocreation_configure(actor=secretary, topic=topic, dots_per_person=3, max_per_cluster=2, top=2)
    assert (session.dots_per_person, session.max_per_cluster, session.top) == (3, 2, 2)
    assert audits("cocreation.configure") == 1
    for n, cap, k in [(0, None, 3), (21, None, 3), (5, 6, 3), (5, None, 0), (5, None, 11)]:
        assert (
            code_of(
                lambda n=n, cap=cap, k=k: cocreation_configure(
                    actor=secretary, topic=topic, dots_per_person=n, max_per_cluster=cap, top=k
                )
            )
            == "bad_settings"
        )
    session.refresh_from_db()
    assert session.dots_per_person == 3 and audits("cocreation.configure") == 1


def test_settings_are_locked_once_voting_opens_and_only_staff_set_them(owners, secretary, staff):
    topic = cocreation_topic(owners.site, secretary)
    with pytest.raises(PermissionDenied):
        cocreation_configure(
            actor=staff[Role.BUILDING_HEAD], topic=topic, dots_per_person=3, max_per_cluster=None, top=3
        )
    with_clusters(topic, secretary)
    open_dots(topic, secretary)
    assert (
        code_of(
            lambda: cocreation_configure(actor=secretary, topic=topic, dots_per_person=9, max_per_cluster=None, top=3)
        )
        == "settings_locked"
    )


def test_a_topic_of_another_procedure_has_no_cocreation(owners, secretary):
    topic = topic_propose(actor=secretary, place=owners.site.compound, title="议题", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="方案")
    assert code_of(lambda: idea_add(actor=owners.accounts[0], topic=topic, body="想法")) == "not_cocreation"
    assert code_of(lambda: cluster_create(actor=secretary, topic=topic, name="类")) == "not_cocreation"


# Ideas


def test_residents_add_ideas_and_bad_text_is_refused(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    resident = owners.accounts[0]
    idea = idea_add(actor=resident, topic=topic, body="  院子里加几张长椅  ")
    assert idea.body == "院子里加几张长椅" and idea.source == "online" and idea.author == resident
    assert audits("idea.add") == 1
    bad = {
        "<script>alert(1)</script>": "bad_text",
        "<b>粗体</b>": "bad_text",
        "长" * 201: "bad_text",
        "   ": "idea_required",
    }
    for body, code in bad.items():
        assert code_of(lambda body=body: idea_add(actor=resident, topic=topic, body=body)) == code
    assert Idea.objects.count() == 1 and audits("idea.add") == 1


def test_a_resident_may_add_at_most_twenty_ideas(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    for i in range(IDEAS_PER_PERSON):
        idea_add(actor=owners.accounts[1], topic=topic, body=f"想法{i}")
    assert code_of(lambda: idea_add(actor=owners.accounts[1], topic=topic, body="再一个")) == "too_many_ideas"


def test_staff_enter_an_offline_idea_on_someones_behalf_audited_as_such(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    idea = idea_add(actor=secretary, topic=topic, body="晾衣架不够", on_behalf_of="3栋王阿姨")
    assert idea.source == "offline" and idea.on_behalf_of == "3栋王阿姨" and idea.author == secretary
    event = AuditEvent.objects.get(verb="idea.enter_offline")
    assert event.on_behalf_of == "3栋王阿姨" and event.actor_id == secretary.pk
    # A resident cannot enter ideas in someone else's name.
    with pytest.raises(PermissionDenied):
        idea_add(actor=owners.accounts[0], topic=topic, body="代录", on_behalf_of="邻居")
    assert code_of(lambda: idea_add(actor=secretary, topic=topic, body="x", on_behalf_of="<i>x</i>")) == ("bad_text")


def test_ideas_only_from_the_topics_audience(owners, secretary, staff, other_staff):
    site = owners.site
    topic = cocreation_topic(site, secretary, place=site.buildings[0])
    outsider = next(
        a
        for a, p in zip(owners.accounts, site.people, strict=True)
        if p.household.place.parent_id != site.buildings[0].pk
    )
    for actor in (outsider, staff[Role.STREET_STAFF], other_staff[Role.SECRETARY]):
        with pytest.raises(PermissionDenied):
            idea_add(actor=actor, topic=topic, body="想法")
    assert not Idea.objects.exists()


def test_ideas_are_collected_only_while_published_or_discussed(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    with_clusters(topic, secretary)
    open_dots(topic, secretary)
    assert code_of(lambda: idea_add(actor=owners.accounts[0], topic=topic, body="晚了")) == "ideas_closed"


def test_staff_hide_an_idea_with_a_reason_and_the_text_is_kept(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    (seats,) = with_clusters(topic, secretary, ["休闲座椅"])
    idea = idea_add(actor=owners.accounts[0], topic=topic, body="某某家占了车位")
    idea_assign(actor=secretary, idea=idea, cluster=seats)
    assert code_of(lambda: idea_hide(actor=secretary, idea=idea, reason="")) == "reason_required"
    with pytest.raises(PermissionDenied):
        idea_hide(actor=owners.accounts[1], idea=idea, reason="不文明")
    hidden = idea_hide(actor=secretary, idea=idea, reason="涉及个人信息")
    assert hidden.hidden and hidden.hidden_reason == "涉及个人信息" and hidden.body == "某某家占了车位"
    assert hidden.cluster is None
    assert code_of(lambda: idea_assign(actor=secretary, idea=hidden, cluster=seats)) == "idea_hidden"


# Clusters


def test_staff_create_rename_and_assign_clusters_an_idea_in_at_most_one(owners, secretary, staff):
    topic = cocreation_topic(owners.site, secretary)
    seats, parking = with_clusters(topic, secretary, ["休闲座椅", "停车"])
    assert [seats.position, parking.position] == [1, 2]
    idea = idea_add(actor=owners.accounts[0], topic=topic, body="加长椅")
    idea_assign(actor=secretary, idea=idea, cluster=seats)
    idea_assign(actor=secretary, idea=idea, cluster=parking)
    idea.refresh_from_db()
    assert idea.cluster == parking  # moved, not copied
    idea_assign(actor=secretary, idea=idea, cluster=None)
    idea.refresh_from_db()
    assert idea.cluster is None
    renamed = cluster_rename(actor=secretary, cluster=seats, name="座椅与遮阳")
    assert renamed.name == "座椅与遮阳" and audits("cluster.rename") == 1
    assert code_of(lambda: cluster_create(actor=secretary, topic=topic, name="停车")) == "duplicate_cluster"
    assert code_of(lambda: cluster_rename(actor=secretary, cluster=seats, name="停车")) == "duplicate_cluster"
    assert code_of(lambda: cluster_create(actor=secretary, topic=topic, name="")) == "name_required"
    assert code_of(lambda: cluster_create(actor=secretary, topic=topic, name="<a>x</a>")) == "bad_text"
    for actor in (owners.accounts[0], staff[Role.BUILDING_HEAD]):
        with pytest.raises(PermissionDenied):
            cluster_create(actor=actor, topic=topic, name="新类")
        with pytest.raises(PermissionDenied):
            idea_assign(actor=actor, idea=idea, cluster=seats)


def test_clusters_are_capped_and_only_in_their_phase(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    for i in range(MAX_CLUSTERS):
        cluster_create(actor=secretary, topic=topic, name=f"类别{i}")
    assert code_of(lambda: cluster_create(actor=secretary, topic=topic, name="多一个")) == "too_many_clusters"

    early = topic_propose(actor=secretary, place=owners.site.compound, title="早", summary="s")
    topic_accept(actor=secretary, topic=early)
    topic_publish(actor=secretary, topic=early, procedure="cocreation", body="b")
    assert code_of(lambda: cluster_create(actor=secretary, topic=early, name="太早")) == "clusters_closed"


def test_an_idea_cannot_go_into_another_topics_cluster(owners, secretary):
    a = cocreation_topic(owners.site, secretary)
    b = cocreation_topic(owners.site, secretary)
    (foreign,) = with_clusters(b, secretary, ["别的"])
    idea = idea_add(actor=owners.accounts[0], topic=a, body="想法")
    with pytest.raises(NotFound):
        idea_assign(actor=secretary, idea=idea, cluster=foreign)


# Dots


def test_a_participant_spends_at_most_n_dots_and_takes_one_back(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=3, max_per_cluster=None, top=2)
    seats, parking, *_ = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    resident = owners.accounts[0]
    for cluster in (seats, seats, parking):
        dot_spend(actor=resident, topic=topic, cluster=cluster)
    with pytest.raises(ValidationFailed) as info:
        dot_spend(actor=resident, topic=topic, cluster=parking)
    assert info.value.code == "no_dots_left" and "3个点已经用完" in str(info.value.message)
    assert Dot.objects.filter(participant=resident, withdrawn_at=None).count() == 3
    taken = dot_take_back(actor=resident, topic=topic, cluster=seats)
    assert taken.withdrawn_at is not None
    dot_spend(actor=resident, topic=topic, cluster=parking)
    # The ledger keeps the withdrawn dot.
    assert Dot.objects.filter(participant=resident).count() == 4
    assert Dot.objects.filter(participant=resident, withdrawn_at=None).count() == 3
    assert audits("dot.spend") == 4 and audits("dot.take_back") == 1
    board = cocreation_board(actor=resident, topic=topic)
    assert board.spent == 3 and board.left == 0
    assert [c.mine for c in board.clusters] == [1, 2, 0, 0]


def test_the_cap_per_cluster_and_take_back_without_a_dot(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=5, max_per_cluster=2, top=3)
    seats, parking, *_ = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    resident = owners.accounts[0]
    dot_spend(actor=resident, topic=topic, cluster=seats)
    dot_spend(actor=resident, topic=topic, cluster=seats)
    assert code_of(lambda: dot_spend(actor=resident, topic=topic, cluster=seats)) == "cluster_full"
    assert code_of(lambda: dot_take_back(actor=resident, topic=topic, cluster=parking)) == "no_dot_here"


def test_dots_only_inside_the_window_before_during_after(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    (seats,) = with_clusters(topic, secretary, ["休闲座椅"])
    resident = owners.accounts[0]
    assert code_of(lambda: dot_spend(actor=resident, topic=topic, cluster=seats)) == "dots_not_open"
    opens = timezone.now() + datetime.timedelta(hours=1)
    topic_open_voting(actor=secretary, topic=topic, opens_at=opens, closes_at=opens + datetime.timedelta(hours=2))
    topic.refresh_from_db()
    assert code_of(lambda: dot_spend(actor=resident, topic=topic, cluster=seats)) == "dots_not_open"
    with time_machine.travel(opens + datetime.timedelta(minutes=5), tick=False):
        dot_spend(actor=resident, topic=topic, cluster=seats)
    with time_machine.travel(opens + datetime.timedelta(hours=2), tick=False):
        assert code_of(lambda: dot_spend(actor=resident, topic=topic, cluster=seats)) == "dots_closed"
        assert code_of(lambda: dot_take_back(actor=resident, topic=topic, cluster=seats)) == "dots_closed"
    assert Dot.objects.filter(withdrawn_at=None).count() == 1


def test_only_the_audience_spends_dots_and_only_on_this_topics_clusters(owners, secretary, staff, other_staff):
    site = owners.site
    topic = cocreation_topic(site, secretary, place=site.buildings[0])
    (seats,) = with_clusters(topic, secretary, ["休闲座椅"])
    other = cocreation_topic(site, secretary)
    (foreign,) = with_clusters(other, secretary, ["别的"])
    open_dots(topic, secretary)
    outsider = next(
        a
        for a, p in zip(owners.accounts, site.people, strict=True)
        if p.household.place.parent_id != site.buildings[0].pk
    )
    for actor in (outsider, staff[Role.STREET_STAFF], other_staff[Role.SECRETARY]):
        with pytest.raises(PermissionDenied):
            dot_spend(actor=actor, topic=topic, cluster=seats)
    with pytest.raises(NotFound):
        dot_spend(actor=owners.accounts[0], topic=topic, cluster=foreign)
    assert not Dot.objects.exists()


# Decision and ranking


def test_decide_freezes_the_ranking_and_it_never_changes(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=3, max_per_cluster=None, top=2)
    seats, parking, green, light = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    a, b, c = owners.accounts[:3]
    for actor, cluster in [(a, green), (a, green), (a, green), (b, parking), (c, parking), (b, seats), (c, light)]:
        dot_spend(actor=actor, topic=topic, cluster=cluster)
    # Before the window closes there is no decision.
    assert code_of(lambda: topic_decide(actor=secretary, topic=topic, resolution="r")) == "voting_open"
    topic = decided(topic, secretary)
    assert topic.status == Status.DECIDED
    result = topic.result
    assert result["participants"] == 3 and result["dots"] == 7 and result["top"] == 2
    rows = [(r["name"], r["dots"], r["supporters"], r["rank"], r["top"], r["decided_by"]) for r in result["ranking"]]
    assert rows == [
        ("绿化", 3, 1, 1, True, "dots"),
        ("停车秩序", 2, 2, 2, True, "dots"),
        ("休闲座椅", 1, 1, 3, False, "order"),
        ("照明", 1, 1, 4, False, "last"),
    ]
    frozen = dict(result)
    # Nothing on the board can change after the decision, and the kept ranking stays as it was.
    assert code_of(lambda: cluster_create(actor=secretary, topic=topic, name="新")) == "clusters_closed"
    assert code_of(lambda: dot_spend(actor=a, topic=topic, cluster=seats)) == "dots_closed"
    topic_start_implementing(actor=secretary, topic=topic)
    topic.refresh_from_db()
    assert topic.result == frozen


def test_ranking_counts_dots_first_then_supporters_then_board_order(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    seats, parking, green, light = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    a, b, c = owners.accounts[:3]
    # 绿化 3 dots from one person; 停车秩序 3 dots from three people; 休闲座椅 and 照明 one each from one person.
    for actor, cluster in [(a, green), (a, green), (a, green), (a, parking), (b, parking), (c, parking)]:
        dot_spend(actor=actor, topic=topic, cluster=cluster)
    dot_spend(actor=b, topic=topic, cluster=light)
    dot_spend(actor=c, topic=topic, cluster=seats)
    topic = decided(topic, secretary)
    rows = [(r["name"], r["dots"], r["supporters"], r["top"], r["decided_by"]) for r in topic.result["ranking"]]
    assert rows == [
        ("停车秩序", 3, 3, True, "supporters"),
        ("绿化", 3, 1, True, "dots"),
        ("休闲座椅", 1, 1, True, "order"),
        ("照明", 1, 1, False, "last"),
    ]


def test_a_withdrawn_dot_does_not_count_in_the_ranking(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    seats, parking = with_clusters(topic, secretary, ["座椅", "停车"])
    open_dots(topic, secretary)
    dot_spend(actor=owners.accounts[0], topic=topic, cluster=seats)
    dot_take_back(actor=owners.accounts[0], topic=topic, cluster=seats)
    dot_spend(actor=owners.accounts[0], topic=topic, cluster=parking)
    topic = decided(topic, secretary)
    assert [(r["name"], r["dots"]) for r in topic.result["ranking"]] == [("停车", 1), ("座椅", 0)]


def test_cocreation_cannot_be_decided_without_a_dot_vote(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    with_clusters(topic, secretary)
    assert code_of(lambda: topic_decide(actor=secretary, topic=topic, resolution="r")) == "no_dot_vote"
    topic.refresh_from_db()
    assert topic.status == Status.DISCUSSION and topic.result is None


def test_cocreation_cannot_be_decided_without_clusters(owners, secretary):
    topic = open_dots(cocreation_topic(owners.site, secretary), secretary)
    with time_machine.travel(topic.voting_closes_at + datetime.timedelta(minutes=1), tick=False):
        assert code_of(lambda: topic_decide(actor=secretary, topic=topic, resolution="r")) == "no_clusters"


# Action plan


def _decided_with_plan_clusters(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=5, max_per_cluster=None, top=2)
    clusters = with_clusters(topic, secretary)
    open_dots(topic, secretary)
    dot_spend(actor=owners.accounts[0], topic=topic, cluster=clusters[0])
    dot_spend(actor=owners.accounts[0], topic=topic, cluster=clusters[0])
    dot_spend(actor=owners.accounts[1], topic=topic, cluster=clusters[1])
    dot_spend(actor=owners.accounts[2], topic=topic, cluster=clusters[2])
    return decided(topic, secretary), clusters


def test_staff_turn_top_clusters_into_actions_and_update_their_progress(owners, secretary, staff):
    topic, (seats, parking, green, _light) = _decided_with_plan_clusters(owners, secretary)
    due = timezone.localdate() + datetime.timedelta(days=30)
    item = action_item_add(actor=secretary, topic=topic, cluster=seats, title="", owner="楼栋长韩师傅", due=due)
    assert item.title == "休闲座椅" and item.status == "planned" and audits("action_item.add") == 1
    assert (
        code_of(lambda: action_item_add(actor=secretary, topic=topic, cluster=green, title="", owner="物业", due=due))
        == "not_top"
    )
    action_item_add(actor=secretary, topic=topic, cluster=None, title="公布进展", owner="居委会", due=due)
    bad = [
        ({"owner": ""}, "owner_required"),
        ({"owner": "<b>物业</b>"}, "bad_text"),
        ({"due": None}, "due_required"),
        ({"due": timezone.localdate() - datetime.timedelta(days=1)}, "bad_due"),
    ]
    for change, code in bad:
        args = {"title": "x", "owner": "物业", "due": due, **change}
        assert code_of(lambda args=args: action_item_add(actor=secretary, topic=topic, cluster=parking, **args)) == code
    with pytest.raises(PermissionDenied):
        action_item_add(actor=staff[Role.BUILDING_HEAD], topic=topic, cluster=seats, title="", owner="x", due=due)
    topic_start_implementing(actor=secretary, topic=topic)
    updated = action_item_update(
        actor=secretary, item=item, title=item.title, owner="物业", due=item.due, status="in_progress"
    )
    assert updated.status == "in_progress" and updated.owner == "物业"
    event = AuditEvent.objects.filter(verb="action_item.update").get()
    assert event.before == {"owner": "楼栋长韩师傅", "status": "planned"}
    assert event.after == {"owner": "物业", "status": "in_progress"}
    # Saving without a change writes nothing.
    action_item_update(actor=secretary, item=item, title=item.title, owner="物业", due=item.due, status="in_progress")
    assert audits("action_item.update") == 1
    assert (
        code_of(lambda: action_item_update(actor=secretary, item=item, title="x", owner="x", due=due, status="lost"))
        == "bad_status"
    )
    with pytest.raises(PermissionDenied):
        action_item_update(actor=owners.accounts[0], item=item, title="x", owner="x", due=due, status="done")
    topic_report(actor=secretary, topic=topic, report="已完成")
    assert (
        code_of(lambda: action_item_update(actor=secretary, item=item, title="x", owner="x", due=due, status="done"))
        == "plan_closed"
    )
    assert ActionItem.objects.count() == 2


def test_no_action_plan_before_the_decision(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    (seats,) = with_clusters(topic, secretary, ["座椅"])
    due = timezone.localdate() + datetime.timedelta(days=3)
    assert (
        code_of(lambda: action_item_add(actor=secretary, topic=topic, cluster=seats, title="", owner="物业", due=due))
        == "plan_closed"
    )


def test_the_session_row_is_made_once(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    with_clusters(topic, secretary)
    cocreation_configure(actor=secretary, topic=topic, dots_per_person=4, max_per_cluster=None, top=3)
    assert CocreationSession.objects.filter(topic=topic).count() == 1


def test_phase_closed_is_the_error_for_steps_out_of_phase(owners, secretary):
    topic = cocreation_topic(owners.site, secretary)
    with pytest.raises(PhaseClosed):
        dot_spend(actor=owners.accounts[0], topic=topic, cluster=with_clusters(topic, secretary, ["a"])[0])


def test_action_plan_progress_for_the_public_report(owners, secretary):
    topic, (seats, parking, *_rest) = _decided_with_plan_clusters(owners, secretary)
    due = timezone.localdate() + datetime.timedelta(days=9)
    first = action_item_add(actor=secretary, topic=topic, cluster=seats, title="", owner="物业", due=due)
    action_item_add(actor=secretary, topic=topic, cluster=parking, title="", owner="物业", due=due)
    action_item_update(actor=secretary, item=first, title=first.title, owner="物业", due=due, status="done")
    assert action_plan_progress(topic_ids=[topic.pk, 0]) == {topic.pk: (1, 2)}
