"""Decisions at a meeting: rosters, resolutions, recorded votes and on_decide, through the services."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from gongzhi.core import errors
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Body, MemberVote, Status, Topic, VoteCount
from gongzhi.deliberation.selectors.assemblies import adult_cutoff, body_rules, resolution_figures, resolution_votes
from gongzhi.deliberation.services.assemblies import (
    body_create,
    body_member_add,
    body_member_end,
    body_set_rules,
    member_vote_void,
    member_votes_record,
    resolution_create,
    vote_count_record,
    vote_count_void,
)
from gongzhi.deliberation.services.meetings import attendance_record, meeting_mark_held, meeting_schedule
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_propose,
    topic_publish,
    topic_start_discussion,
)
from gongzhi.places.models import PlaceKind
from gongzhi.places.services import place_create
from gongzhi.rules import assembly
from tests import factories
from tests.conftest import login

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def meeting_topic(site, secretary, procedure: str = "council", place=None) -> Topic:
    topic = topic_propose(
        actor=secretary, place=place or site.community, title="社区议事会：停车收费", summary="是否收取临时停车费。"
    )
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure=procedure, body="方案：每小时2元。")
    topic_start_discussion(actor=secretary, topic=topic)
    topic.refresh_from_db()
    return topic


def held_meeting(actor, topic: Topic, *, kind: str | None = None, attendees=(), place=None):
    meeting = meeting_schedule(
        actor=actor,
        place=place or topic.place,
        kind=kind or topic.procedure,
        title="议事会会议",
        starts_at=timezone.now(),
        location="社区会议室",
        topic=topic,
    )
    for person in attendees:
        attendance_record(actor=actor, meeting=meeting, person=person)
    meeting_mark_held(actor=actor, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def council(site, secretary, members) -> Body:
    body = body_create(actor=secretary, place=site.community, kind="council", name="社区议事会")
    for i, person in enumerate(members):
        body_member_add(
            actor=secretary,
            body=body,
            person=person,
            role="convener" if i == 0 else "member",
            since=datetime.date(2024, 1, 1),
        )
    return body


def codes(exc_info) -> str:
    return exc_info.value.code


# --- rosters -----------------------------------------------------------------


def test_body_create_and_members(site, secretary):
    body = council(site, secretary, site.people[:5])
    assert body.members.count() == 5
    assert AuditEvent.objects.filter(verb="body.member_add").count() == 5
    with pytest.raises(errors.Duplicate) as e:
        body_member_add(actor=secretary, body=body, person=site.people[0])
    assert codes(e) == "already_member"
    with pytest.raises(errors.Duplicate) as e:
        body_create(actor=secretary, place=site.community, kind="council", name="又一个")
    assert codes(e) == "body_exists"


def test_body_create_refusals(site, secretary, staff, other_staff):
    with pytest.raises(errors.PermissionDenied):
        body_create(actor=staff[Role.GRID_WORKER], place=site.community, kind="council", name="议事会")
    with pytest.raises(errors.PermissionDenied):
        body_create(actor=other_staff[Role.SECRETARY], place=site.community, kind="council", name="议事会")
    with pytest.raises(errors.ValidationFailed) as e:
        body_create(actor=secretary, place=site.community, kind="village_reps", name="代表会议")
    assert codes(e) == "not_a_village"
    with pytest.raises(errors.ValidationFailed) as e:
        body_create(actor=secretary, place=site.community, kind="senate", name="议事会")
    assert codes(e) == "bad_kind"
    with pytest.raises(errors.ValidationFailed) as e:
        body_create(actor=secretary, place=site.community, kind="council", name="<script>x</script>")
    assert codes(e) == "bad_text"
    with pytest.raises(errors.ValidationFailed) as e:
        body_create(actor=secretary, place=site.community, kind="council", name="  ")
    assert Body.objects.count() == 0


def test_member_outside_the_body_place_is_refused(site, secretary, other_site):
    body = body_create(actor=secretary, place=site.buildings[0], kind="council", name="1栋议事会")
    outsider = next(p for p in site.people if not p.place_path.startswith(site.buildings[0].path))
    with pytest.raises(errors.ValidationFailed) as e:
        body_member_add(actor=secretary, body=body, person=outsider)
    assert codes(e) == "person_outside"
    with pytest.raises(errors.ValidationFailed) as e:
        body_member_add(actor=secretary, body=body, person=other_site.people[0])
    assert codes(e) == "person_outside"
    inside = next(p for p in site.people if p.place_path.startswith(site.buildings[0].path))
    with pytest.raises(errors.ValidationFailed) as e:
        body_member_add(actor=secretary, body=body, person=inside, role="king")
    assert codes(e) == "bad_role"


def test_member_end_keeps_the_row_and_allows_a_new_term(site, secretary):
    body = council(site, secretary, site.people[:1])
    member = body.members.get()
    with pytest.raises(errors.ValidationFailed) as e:
        body_member_end(actor=secretary, member=member, until=datetime.date(2023, 1, 1))
    assert codes(e) == "bad_until"
    body_member_end(actor=secretary, member=member, until=datetime.date(2025, 1, 1), reason="换届")
    with pytest.raises(errors.PhaseClosed) as e:
        body_member_end(actor=secretary, member=member, until=datetime.date(2025, 2, 1))
    assert codes(e) == "already_ended"
    body_member_add(actor=secretary, body=body, person=site.people[0], since=datetime.date(2025, 6, 1))
    assert body.members.count() == 2


def test_council_rules_are_set_and_statutory_ones_are_not(site, secretary):
    from fractions import Fraction

    body = council(site, secretary, site.people[:3])
    two_thirds = assembly.AT_LEAST_TWO_THIRDS
    body_set_rules(actor=secretary, body=body, quorum=two_thirds, majority=assembly.MORE_THAN_HALF)
    body.refresh_from_db()
    assert body_rules(body)[0] == assembly.Share(Fraction(2, 3), strict=False)


def test_adult_cutoff_handles_leap_days():
    assert adult_cutoff(datetime.date(2026, 12, 1)) == datetime.date(2008, 12, 1)
    assert adult_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2010, 2, 28)


# --- a council vote, end to end ------------------------------------------------


def test_council_vote_decides_the_topic(site, secretary):
    members = site.people[:7]
    council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members[:5])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意每小时收费2元")
    assert resolution.topic == topic and resolution.body is not None
    figures = resolution_figures(resolution)
    ids = [m.pk for m in figures.members if m.person_id in {p.pk for p in members[:5]}]
    member_votes_record(
        actor=secretary,
        resolution=resolution,
        votes={ids[0]: "agree", ids[1]: "agree", ids[2]: "agree", ids[3]: "disagree", ids[4]: "abstain"},
    )
    topic_decide(actor=secretary, topic=topic, resolution="临时停车每小时2元。")
    topic.refresh_from_db()
    assert topic.status == Status.DECIDED
    assert topic.result["thresholds"] == ["出席人数 5 / 7 人 = 71.43% > 1/2 ✓", "同意人数 3 / 5 人 = 60.00% > 1/2 ✓"]
    assert topic.result["passed"] and topic.result["outcome"] == "通过"
    # Frozen: a later void is refused.
    vote = MemberVote.objects.filter(resolution=resolution).first()
    with pytest.raises(errors.PhaseClosed) as e:
        member_vote_void(actor=secretary, vote=vote, reason="录错")
    assert codes(e) == "already_decided"


def test_the_api_masks_numbers_typed_into_a_frozen_result(site, secretary):
    """The result is frozen text too (the resolution, the meeting's title): the API masks it like the pages do."""
    members = site.people[:7]
    council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members[:5])
    resolution = resolution_create(
        actor=secretary, meeting=meeting, text="同意收费，异议请联系13912345678，身份证110105194912310021"
    )
    figures = resolution_figures(resolution)
    ids = [m.pk for m in figures.members if m.person_id in {p.pk for p in members[:5]}]
    member_votes_record(actor=secretary, resolution=resolution, votes=dict.fromkeys(ids, "agree"))
    topic_decide(actor=secretary, topic=topic, resolution="通过")
    answer = login(secretary).get(f"/api/communities/{site.community.pk}/topics/{topic.pk}").json()
    body = json.dumps(answer, ensure_ascii=False)
    assert answer["result"]["resolution"]["text"].startswith("同意收费")
    assert "13912345678" not in body and "110105194912310021" not in body


def test_quorum_not_met_is_recorded_as_void_decision(site, secretary):
    members = site.people[:7]
    council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members[:3])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    present = sorted(resolution_figures(resolution).present_ids)
    member_votes_record(actor=secretary, resolution=resolution, votes=dict.fromkeys(present, "agree"))
    topic_decide(actor=secretary, topic=topic, resolution="会议未达法定人数。")
    topic.refresh_from_db()
    assert not topic.result["quorum_met"] and not topic.result["passed"]
    assert topic.result["outcome"] == "会议未达法定人数，决定无效"
    assert topic.result["thresholds"][0] == "出席人数 3 / 7 人 = 42.86% > 1/2 ✗"


def test_decide_needs_a_held_meeting_with_a_recorded_vote(site, secretary):
    council(site, secretary, site.people[:3])
    topic = meeting_topic(site, secretary)
    with pytest.raises(errors.PhaseClosed) as e:
        topic_decide(actor=secretary, topic=topic, resolution="决议")
    assert codes(e) == "no_meeting_vote"
    meeting = held_meeting(secretary, topic, attendees=site.people[:3])
    resolution_create(actor=secretary, meeting=meeting, text="同意")
    with pytest.raises(errors.PhaseClosed) as e:  # a resolution without votes is not a decision
        topic_decide(actor=secretary, topic=topic, resolution="决议")
    assert codes(e) == "no_meeting_vote"
    topic.refresh_from_db()
    assert topic.status == Status.DISCUSSION and topic.result is None


def test_votes_only_from_serving_members_who_signed_in(site, secretary):
    members = site.people[:4]
    body = council(site, secretary, members)
    body_member_end(actor=secretary, member=body.members.get(person=members[3]), until=datetime.date(2025, 1, 1))
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=[members[0], members[1], members[3]])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    by_person = {m.person_id: m.pk for m in body.members.all()}
    with pytest.raises(errors.ValidationFailed) as e:
        member_votes_record(actor=secretary, resolution=resolution, votes={by_person[members[2].pk]: "agree"})
    assert codes(e) == "not_signed_in"
    with pytest.raises(errors.ValidationFailed) as e:
        member_votes_record(actor=secretary, resolution=resolution, votes={by_person[members[3].pk]: "agree"})
    assert codes(e) == "not_a_member"
    with pytest.raises(errors.ValidationFailed) as e:
        member_votes_record(actor=secretary, resolution=resolution, votes={by_person[members[0].pk]: "yes"})
    assert codes(e) == "bad_choice"
    with pytest.raises(errors.ValidationFailed) as e:
        member_votes_record(actor=secretary, resolution=resolution, votes={})
    assert codes(e) == "no_votes"
    # All or nothing: one bad entry records none.
    with pytest.raises(errors.ValidationFailed):
        member_votes_record(
            actor=secretary,
            resolution=resolution,
            votes={by_person[members[0].pk]: "agree", by_person[members[2].pk]: "agree"},
        )
    assert MemberVote.objects.count() == 0
    figures = resolution_figures(resolution)
    assert (figures.counts.members, figures.counts.present) == (3, 2)


def test_a_vote_is_corrected_by_voiding_and_recording_again(site, secretary, staff):
    members = site.people[:3]
    council(site, secretary, members)
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic, attendees=members)
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    member_id = sorted(resolution_figures(resolution).present_ids)[0]
    (vote,) = member_votes_record(actor=secretary, resolution=resolution, votes={member_id: "agree"})
    with pytest.raises(errors.AlreadyVoted) as e:
        member_votes_record(actor=secretary, resolution=resolution, votes={member_id: "disagree"})
    assert codes(e) == "already_recorded"
    with pytest.raises(errors.ValidationFailed) as e:
        member_vote_void(actor=secretary, vote=vote, reason="")
    assert codes(e) == "reason_required"
    with pytest.raises(errors.PermissionDenied):
        member_vote_void(actor=staff[Role.BUILDING_HEAD], vote=vote, reason="录错")
    member_vote_void(actor=secretary, vote=vote, reason="录错了，实为反对")
    with pytest.raises(errors.PhaseClosed) as e:
        member_vote_void(actor=secretary, vote=vote, reason="再作废")
    assert codes(e) == "already_void"
    member_votes_record(actor=secretary, resolution=resolution, votes={member_id: "disagree"})
    history = resolution_votes(resolution=resolution)
    assert [(v.choice, v.voided_at is not None) for v in history] == [("agree", True), ("disagree", False)]
    assert resolution_figures(resolution).counts.disagree == 1


def test_resolution_create_refusals(site, secretary, staff):
    council(site, secretary, site.people[:3])
    topic = meeting_topic(site, secretary)
    scheduled = meeting_schedule(
        actor=secretary,
        place=site.community,
        kind="council",
        title="下周议事会",
        starts_at=timezone.now() + datetime.timedelta(days=7),
        location="会议室",
        topic=topic,
    )
    with pytest.raises(errors.PhaseClosed) as e:
        resolution_create(actor=secretary, meeting=scheduled, text="同意")
    assert codes(e) == "meeting_not_held"
    talk = held_meeting(secretary, topic, kind="bazaba")
    with pytest.raises(errors.ValidationFailed) as e:
        resolution_create(actor=secretary, meeting=talk, text="同意")
    assert codes(e) == "not_a_deciding_meeting"
    meeting = held_meeting(secretary, topic)
    with pytest.raises(errors.PermissionDenied):
        resolution_create(actor=staff[Role.GRID_WORKER], meeting=meeting, text="同意")
    with pytest.raises(errors.ValidationFailed) as e:
        resolution_create(actor=secretary, meeting=meeting, text="<b>同意</b>")
    assert codes(e) == "bad_text"
    other = meeting_topic(site, secretary)
    with pytest.raises(errors.ValidationFailed) as e:
        resolution_create(actor=secretary, meeting=meeting, text="同意", topic=other)
    assert codes(e) == "topic_not_of_meeting"


def test_council_meeting_without_a_body_is_refused(site, secretary):
    topic = meeting_topic(site, secretary)
    meeting = held_meeting(secretary, topic)
    with pytest.raises(errors.ValidationFailed) as e:
        resolution_create(actor=secretary, meeting=meeting, text="同意")
    assert codes(e) == "no_body"


# --- a villagers' meeting: counts checked against attendance -----------------------


@pytest.fixture
def village(db):
    street = factories.make_street("乡镇")
    village = place_create(actor=None, parent=street, kind=PlaceKind.VILLAGE, name="测试村")
    hamlet = place_create(actor=None, parent=village, kind=PlaceKind.NATURAL_VILLAGE, name="东庄")
    group = place_create(actor=None, parent=hamlet, kind=PlaceKind.VILLAGER_GROUP, name="第一村民小组")
    from gongzhi.places.services import household_create

    households = [household_create(actor=None, place=group, room=f"{i + 1}号") for i in range(6)]
    people = [factories.make_person(village, h) for h in households]
    secretary = factories.make_user(Role.SECRETARY, place=village)
    return village, households, people, secretary


def villagers_topic(village, secretary) -> Topic:
    topic = topic_propose(actor=secretary, place=village, title="村道硬化", summary="出资修路。")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="villagers", body="方案")
    topic_start_discussion(actor=secretary, topic=topic)
    topic.refresh_from_db()
    return topic


def test_villagers_meeting_counts(village):
    place, _households, people, secretary = village
    topic = villagers_topic(place, secretary)
    meeting = held_meeting(secretary, topic, attendees=people[:4])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意村道硬化")
    assert resolution.body is None
    with pytest.raises(errors.ValidationFailed) as e:
        vote_count_record(actor=secretary, resolution=resolution, agree=4, disagree=1, abstain=0)
    assert codes(e) == "votes_exceed_present"
    with pytest.raises(errors.ValidationFailed) as e:
        vote_count_record(actor=secretary, resolution=resolution, agree=-1, disagree=0, abstain=0)
    assert codes(e) == "bad_count"
    with pytest.raises(errors.ValidationFailed) as e:
        member_votes_record(actor=secretary, resolution=resolution, votes={1: "agree"})
    assert codes(e) == "not_a_member_vote"
    count = vote_count_record(actor=secretary, resolution=resolution, agree=2, disagree=1, abstain=1)
    with pytest.raises(errors.AlreadyVoted) as e:
        vote_count_record(actor=secretary, resolution=resolution, agree=3, disagree=1, abstain=0)
    assert codes(e) == "already_recorded"
    vote_count_void(actor=secretary, count=count, reason="重新清点")
    vote_count_record(actor=secretary, resolution=resolution, agree=3, disagree=1, abstain=0)
    assert VoteCount.objects.filter(resolution=resolution).count() == 2
    topic_decide(actor=secretary, topic=topic, resolution="村道硬化，村民按户出资。")
    topic.refresh_from_db()
    assert topic.result["thresholds"] == [
        "到会村民（十八周岁以上） 4 / 6 人 = 66.67% > 1/2 ✓",
        "到会户代表 4 / 6 户 = 66.67% ≥ 2/3 ✓",
        "同意人数 3 / 4 人 = 75.00% > 1/2 ✓",
    ]
    assert topic.result["passed"]


def test_villagers_guests_do_not_count(village):
    place, _households, people, secretary = village
    topic = villagers_topic(place, secretary)
    meeting = held_meeting(secretary, topic, attendees=people[:2])
    attendance_record(actor=secretary, meeting=meeting, name="镇干部")
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    figures = resolution_figures(resolution)
    assert figures.attendance == 3 and figures.counts.present == 2
    assert not figures.result.quorum_met


def test_village_reps_only_in_a_village_and_statutory(village):
    place, _households, people, secretary = village
    body = body_create(actor=secretary, place=place, kind="village_reps", name="测试村村民代表会议")
    with pytest.raises(errors.ValidationFailed) as e:
        body_set_rules(actor=secretary, body=body, quorum=assembly.MORE_THAN_HALF, majority=assembly.MORE_THAN_HALF)
    assert codes(e) == "statutory_rules"
    for person in people:
        body_member_add(actor=secretary, body=body, person=person, since=datetime.date(2024, 1, 1))
    topic = topic_propose(actor=secretary, place=place, title="议事厅使用", summary="说明")
    topic_accept(actor=secretary, topic=topic)
    topic_publish(actor=secretary, topic=topic, procedure="village_reps", body="方案")
    topic_start_discussion(actor=secretary, topic=topic)
    topic.refresh_from_db()
    meeting = held_meeting(secretary, topic, attendees=people[:4])
    resolution = resolution_create(actor=secretary, meeting=meeting, text="同意")
    present = sorted(resolution_figures(resolution).present_ids)
    member_votes_record(
        actor=secretary, resolution=resolution, votes={present[0]: "agree", present[1]: "agree", present[2]: "agree"}
    )
    topic_decide(actor=secretary, topic=topic, resolution="通过")
    topic.refresh_from_db()
    assert topic.result["thresholds"][0] == "出席人数 4 / 6 人 = 66.67% ≥ 2/3 ✓"
    assert topic.result["passed"]
