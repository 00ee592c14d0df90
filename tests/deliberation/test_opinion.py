"""民意征集 opinion maps: statements and their moderation, votes, phases, the map and its freezing at the decision."""

from __future__ import annotations

from unittest import mock

import pytest

from gongzhi.core.errors import ApplicationError, PhaseClosed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import OpinionStatement, OpinionVote, StatementStatus, Topic
from gongzhi.deliberation.selectors.opinion import map_summary, opinion_map_view, opinion_panel
from gongzhi.deliberation.services.opinion import (
    PENDING_MAX,
    questionnaire_enter,
    statement_add,
    statement_moderate,
    statement_vote,
)
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_propose,
    topic_publish,
    topic_start_discussion,
)
from gongzhi.rules import opinion_map
from tests import factories

pytestmark = pytest.mark.django_db

SEEDS = [
    "充电桩应该装在地面停车场",
    "电动车不能进楼道",
    "充电费用应该由物业统一收取",
    "地下车库可以改成电动车停放区",
    "每栋楼下都要有充电点",
    "超时占用充电位应该收费",
    "消防安全比停车方便更重要",
]


def opinion_topic(site, secretary, *, place=None, status: str = "discussion", seeds=SEEDS) -> Topic:
    """An opinion-map topic taken through the lifecycle by the services, with staff-seeded statements."""
    topic = topic_propose(
        actor=secretary, place=place or site.community, title="电动自行车充电与停放", summary="楼道充电有火灾隐患。"
    )
    if status == "proposed":
        return topic
    topic_accept(actor=secretary, topic=topic)
    if status == "accepted":
        return topic
    topic_publish(actor=secretary, topic=topic, procedure="opinion", body="请对每条观点表态。")
    for text in seeds:
        statement_add(actor=secretary, topic=topic, text=text)
    if status in ("discussion", "decided"):
        topic_start_discussion(actor=secretary, topic=topic)
    if status == "decided":
        topic_decide(actor=secretary, topic=topic, resolution="在地面停车场建设集中充电棚。")
    topic.refresh_from_db()
    return topic


def residents(site, n: int) -> list:
    return [factories.make_user(Role.RESIDENT, household=site.households[i % len(site.households)]) for i in range(n)]


def statements(topic) -> list[OpinionStatement]:
    return list(OpinionStatement.objects.filter(topic=topic).order_by("id"))


def two_camps(topic, voters) -> None:
    """Half agree with the first three statements and disagree with the next three, half the other way round;
    everyone agrees with the last one."""
    seeded = statements(topic)
    for i, voter in enumerate(voters):
        camp = i % 2
        for j, statement in enumerate(seeded):
            last = j == len(seeded) - 1
            stance = "agree" if last or (j < 3) == (camp == 0) else "disagree"
            statement_vote(actor=voter, statement=statement, stance=stance)


def fails(code: str, call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    return caught.value


# Statements and moderation


def test_staff_seed_approved_and_residents_wait_for_moderation(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    assert {s.status for s in statements(topic)} == {StatementStatus.APPROVED}
    resident = staff[Role.RESIDENT]
    mine = statement_add(actor=resident, topic=topic, text="  充电棚要有监控  ")
    assert mine.status == StatementStatus.PENDING and mine.text == "充电棚要有监控" and not mine.seeded
    assert AuditEvent.objects.filter(verb="opinion.statement", object_id=str(mine.pk)).count() == 1
    fails("not_approved", statement_vote, actor=resident, statement=mine, stance="agree")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("<script>alert(1)</script>", "bad_text"),
        ('<img src=x onerror="alert(1)">', "bad_text"),
        ("长" * 141, "too_long"),
        ("   ", "empty"),
        ("！？。，", "empty"),
        ("电动车 不能进楼道！", "duplicate_statement"),
        ("电动车不能进楼道", "duplicate_statement"),
    ],
)
def test_bad_statements_are_refused_and_nothing_changes(site, secretary, staff, text, code):
    topic = opinion_topic(site, secretary)
    before = (OpinionStatement.objects.count(), AuditEvent.objects.count())
    fails(code, statement_add, actor=staff[Role.RESIDENT], topic=topic, text=text)
    assert (OpinionStatement.objects.count(), AuditEvent.objects.count()) == before


def test_140_characters_are_allowed(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    assert len(statement_add(actor=staff[Role.RESIDENT], topic=topic, text="长" * 140).text) == 140


def test_a_resident_may_have_five_statements_waiting(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    resident = staff[Role.RESIDENT]
    for i in range(PENDING_MAX):
        statement_add(actor=resident, topic=topic, text=f"第{i}条建议")
    fails("too_many_pending", statement_add, actor=resident, topic=topic, text="第六条建议")


def test_who_may_submit(site, secretary, staff, other_staff):
    topic = opinion_topic(site, secretary, place=site.buildings[0])
    other_building = factories.make_user(Role.RESIDENT, household=site.households[-1])
    fails("forbidden", statement_add, actor=other_building, topic=topic, text="别楼的意见")
    fails("forbidden", statement_add, actor=other_staff[Role.SECRETARY], topic=topic, text="别社区")
    fails("forbidden", statement_add, actor=staff[Role.STREET_STAFF], topic=topic, text="街道")
    assert statement_add(actor=staff[Role.BUILDING_HEAD], topic=topic, text="楼长的意见").status == "pending"


def test_moderation_rejects_with_a_reason_the_author_sees(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    resident = staff[Role.RESIDENT]
    pending = statement_add(actor=resident, topic=topic, text="把电动车都赶出小区")
    fails("forbidden", statement_moderate, actor=resident, statement=pending, approve=True)
    fails("forbidden", statement_moderate, actor=staff[Role.BUILDING_HEAD], statement=pending, approve=True)
    fails("reason_required", statement_moderate, actor=secretary, statement=pending, approve=False)
    fails(
        "bad_text",
        statement_moderate,
        actor=secretary,
        statement=pending,
        approve=False,
        reason="<b>不行</b>",
    )
    statement_moderate(actor=secretary, statement=pending, approve=False, reason="与议题无关的人身攻击")
    panel = opinion_panel(actor=resident, topic=topic)
    assert [(s.status, s.reject_reason) for s in panel.mine] == [("rejected", "与议题无关的人身攻击")]
    fails("already_moderated", statement_moderate, actor=secretary, statement=pending, approve=False, reason="x")
    event = AuditEvent.objects.filter(verb="opinion.reject").get()
    assert event.before["status"] == "pending" and event.after["status"] == "rejected"


def test_approved_statement_becomes_votable(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    resident = staff[Role.RESIDENT]
    pending = statement_add(actor=resident, topic=topic, text="充电棚要有监控")
    statement_moderate(actor=secretary, statement=pending, approve=True)
    fails("already_moderated", statement_moderate, actor=secretary, statement=pending, approve=True)
    vote = statement_vote(actor=resident, statement=pending, stance="agree")
    assert vote.stance == 1 and vote.voter == resident


# Votes


def test_a_later_vote_replaces_the_earlier_one_and_both_are_audited(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    resident, statement = staff[Role.RESIDENT], statements(topic)[0]
    statement_vote(actor=resident, statement=statement, stance="agree")
    statement_vote(actor=resident, statement=statement, stance="pass")
    assert list(OpinionVote.objects.values_list("stance", flat=True)) == [0]
    events = list(AuditEvent.objects.filter(verb="opinion.vote").order_by("seq"))
    assert [e.before for e in events] == [None, {"stance": 1}]
    assert [e.after["stance"] for e in events] == [1, 0]


def test_bad_stance_and_outsiders_are_refused(site, secretary, staff, other_staff):
    topic = opinion_topic(site, secretary, place=site.buildings[0])
    statement = statements(topic)[0]
    fails("bad_stance", statement_vote, actor=staff[Role.RESIDENT], statement=statement, stance="yes")
    fails("bad_stance", statement_vote, actor=staff[Role.RESIDENT], statement=statement, stance="1")
    outsider = factories.make_user(Role.RESIDENT, household=site.households[-1])
    fails("forbidden", statement_vote, actor=outsider, statement=statement, stance="agree")
    fails("forbidden", statement_vote, actor=other_staff[Role.RESIDENT], statement=statement, stance="agree")
    fails("forbidden", statement_vote, actor=staff[Role.STREET_STAFF], statement=statement, stance="agree")
    assert not OpinionVote.objects.exists()


def test_other_procedures_have_no_statements(site, secretary):
    topic = topic_propose(actor=secretary, place=site.community, title="议题", summary="s")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="discussion", body="方案")
    fails("not_opinion", statement_add, actor=secretary, topic=topic, text="观点")


# Phases


@pytest.mark.parametrize("status", ["proposed", "accepted"])
def test_before_publication_nothing_can_be_added(site, secretary, status):
    # The procedure is fixed when the topic is published: before that it is not yet an opinion map.
    topic = opinion_topic(site, secretary, status=status)
    error = fails("not_opinion", statement_add, actor=secretary, topic=topic, text="太早了")
    assert isinstance(error, PhaseClosed)


def test_during_publication_and_discussion_residents_take_part(site, secretary, staff):
    topic = opinion_topic(site, secretary, status="published")
    resident = staff[Role.RESIDENT]
    statement_vote(actor=resident, statement=statements(topic)[0], stance="agree")
    topic_start_discussion(actor=secretary, topic=topic)
    statement_vote(actor=resident, statement=statements(topic)[1], stance="disagree")
    statement_add(actor=resident, topic=topic, text="讨论中的新观点")
    assert OpinionVote.objects.count() == 2


def test_after_the_decision_nothing_changes(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    resident = staff[Role.RESIDENT]
    pending = statement_add(actor=resident, topic=topic, text="晚到的观点")
    topic_decide(actor=secretary, topic=topic, resolution="建设集中充电棚。")
    first = statements(topic)[0]
    fails("phase_closed", statement_vote, actor=resident, statement=first, stance="agree")
    fails("phase_closed", statement_add, actor=resident, topic=topic, text="决议后的观点")
    fails("phase_closed", statement_moderate, actor=secretary, statement=pending, approve=True)
    person = site.people[0]
    fails(
        "phase_closed",
        questionnaire_enter,
        actor=secretary,
        topic=topic,
        person=person,
        answers={first.pk: "agree"},
    )


# The map


def test_two_camps_make_two_groups_with_their_statements_and_a_consensus(site, secretary):
    topic = opinion_topic(site, secretary)
    two_camps(topic, residents(site, 20))
    summary = map_summary(topic=topic)
    assert summary["participants"] == 20 and summary["k"] == 2
    assert [g["size"] for g in summary["groups"]] == [10, 10]
    texts = {r["text"] for g in summary["groups"] for r in g["representative"]}
    assert texts & set(SEEDS[:3]) and texts & set(SEEDS[3:6])
    best = summary["groups"][0]["representative"][0]
    assert best["agree_pct"] == 100 and best["seen"] == 10
    assert [c["text"] for c in summary["consensus"]] == [SEEDS[6]]
    assert summary["consensus"][0]["agree_pct"] == 100
    points = summary["points"]
    assert sum(n for _x, _y, _g, n, _r in points) == 20
    assert all(0 <= x <= 1000 and 0 <= y <= 1000 and g in (0, 1) for x, y, g, _n, _r in points)


def test_the_viewer_sees_their_own_group(site, secretary):
    topic = opinion_topic(site, secretary)
    voters = residents(site, 20)
    two_camps(topic, voters)
    view = opinion_map_view(actor=voters[0], topic=topic)
    assert view.my_group is not None and view.my_point is not None
    other = opinion_map_view(actor=voters[1], topic=topic)
    assert other.my_group is not None and other.my_group["index"] != view.my_group["index"]
    assert opinion_map_view(actor=secretary, topic=topic).my_group is None


def test_a_statement_moderated_out_after_votes_keeps_its_votes_but_leaves_the_map(site, secretary):
    topic = opinion_topic(site, secretary)
    two_camps(topic, residents(site, 20))
    consensus = statements(topic)[-1]
    statement_moderate(actor=secretary, statement=consensus, approve=False, reason="表述有歧义")
    summary = map_summary(topic=topic)
    assert summary["consensus"] == [] and summary["statements"] == 6
    assert all(r["id"] != consensus.pk for g in summary["groups"] for r in g["representative"])
    assert OpinionVote.objects.filter(statement=consensus).count() == 20
    assert summary["k"] == 2


def test_the_map_is_cached_until_a_vote_or_a_moderation(site, secretary, staff, django_capture_on_commit_callbacks):
    topic = opinion_topic(site, secretary)
    voters = residents(site, 8)
    two_camps(topic, voters)
    first = statements(topic)[0]
    with mock.patch.object(opinion_map, "run", wraps=opinion_map.run) as run:
        map_summary(topic=topic)
        map_summary(topic=topic)
        assert run.call_count == 1
        with django_capture_on_commit_callbacks(execute=True):
            statement_vote(actor=voters[0], statement=first, stance="pass")
        map_summary(topic=topic)
        assert run.call_count == 2
        with django_capture_on_commit_callbacks(execute=True):
            pending = statement_add(actor=staff[Role.RESIDENT], topic=topic, text="新观点")
        map_summary(topic=topic)
        with django_capture_on_commit_callbacks(execute=True):
            statement_moderate(actor=secretary, statement=pending, approve=False, reason="重复")
        map_summary(topic=topic)
        with django_capture_on_commit_callbacks(execute=True):
            questionnaire_enter(actor=secretary, topic=topic, person=site.people[0], answers={first.pk: "agree"})
        summary = map_summary(topic=topic)
        assert run.call_count == 5 and summary["participants"] == 9
        # Until a write commits, the cached map stands: readers never see answers that may yet roll back.
        with django_capture_on_commit_callbacks(execute=False):
            statement_vote(actor=voters[1], statement=first, stance="pass")
            map_summary(topic=topic)
        assert run.call_count == 5


def test_few_voters_give_no_groups_and_no_error(site, secretary, staff):
    topic = opinion_topic(site, secretary)
    statement_vote(actor=staff[Role.RESIDENT], statement=statements(topic)[0], stance="agree")
    summary = map_summary(topic=topic)
    assert summary["participants"] == 1 and summary["k"] < 2 and summary["groups"][0]["representative"] == []
    empty = opinion_topic(site, secretary, seeds=["唯一的观点"])
    assert map_summary(topic=empty)["participants"] == 0


def test_the_decision_freezes_the_map(site, secretary):
    topic = opinion_topic(site, secretary)
    voters = residents(site, 20)
    two_camps(topic, voters)
    live = map_summary(topic=topic)
    topic_decide(actor=secretary, topic=topic, resolution="建设集中充电棚。")
    topic.refresh_from_db()
    assert topic.result["procedure"] == "opinion"
    assert topic.result["groups"] == live["groups"] and topic.result["consensus"] == live["consensus"]
    assert "members" not in topic.result  # who is in which group is not kept in the public record
    # Votes written past the services (a repair, a late import) do not move the recorded outcome.
    OpinionVote.objects.filter(topic=topic).update(stance=0)
    view = opinion_map_view(actor=voters[0], topic=topic)
    assert view.frozen and view.summary["groups"] == live["groups"]


# Paper questionnaires


def test_staff_enter_a_paper_questionnaire_on_behalf_of_a_resident(site, secretary):
    topic = opinion_topic(site, secretary)
    first, second = statements(topic)[:2]
    person = site.people[0]
    questionnaire_enter(
        actor=secretary, topic=topic, person=person, answers={first.pk: "agree", second.pk: ""}, sheet_no="Q-001"
    )
    vote = OpinionVote.objects.get()
    assert vote.person == person and vote.voter is None and vote.entered_by == secretary
    event = AuditEvent.objects.get(verb="opinion.paper")
    assert event.on_behalf_of == f"person:{person.pk}" and event.after == {
        "answers": {str(first.pk): 1},
        "sheet_no": "Q-001",
    }
    questionnaire_enter(actor=secretary, topic=topic, person=person, answers={first.pk: "disagree"})
    assert OpinionVote.objects.get().stance == -1
    assert AuditEvent.objects.filter(verb="opinion.paper").order_by("-seq").first().before == {str(first.pk): 1}


def test_paper_answers_of_a_resident_with_an_account_are_theirs(site, secretary):
    from gongzhi.people.services import person_account_create

    topic = opinion_topic(site, secretary)
    person = site.people[0]
    account = person_account_create(actor=None, person=person, password=factories.PASSWORD)
    first = statements(topic)[0]
    statement_vote(actor=account, statement=first, stance="agree")
    questionnaire_enter(actor=secretary, topic=topic, person=person, answers={first.pk: "pass"})
    assert list(OpinionVote.objects.values_list("voter_id", "person_id", "stance")) == [(account.pk, None, 0)]


def test_paper_entry_is_refused_for_bad_input_and_lower_roles(site, secretary, staff, other_site):
    topic = opinion_topic(site, secretary, place=site.buildings[0])
    first = statements(topic)[0]
    person = site.people[0]
    pending = statement_add(actor=staff[Role.RESIDENT], topic=topic, text="待审核的观点")
    enter = questionnaire_enter
    fails("forbidden", enter, actor=staff[Role.BUILDING_HEAD], topic=topic, person=person, answers={first.pk: "agree"})
    fails("no_answers", enter, actor=secretary, topic=topic, person=person, answers={first.pk: ""})
    fails("bad_stance", enter, actor=secretary, topic=topic, person=person, answers={first.pk: "maybe"})
    fails("not_approved", enter, actor=secretary, topic=topic, person=person, answers={pending.pk: "agree"})
    fails("not_found", enter, actor=secretary, topic=topic, person=person, answers={999999: "agree"})
    fails("not_in_audience", enter, actor=secretary, topic=topic, person=site.people[-1], answers={first.pk: "agree"})
    stranger = other_site.people[0]
    fails("not_in_audience", enter, actor=secretary, topic=topic, person=stranger, answers={first.pk: "agree"})
    assert not OpinionVote.objects.exists()
