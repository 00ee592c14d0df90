"""议事厅 API: topics with their timeline and outcome, and online ballots, for integrations such as a city app."""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from gongzhi.core.api_schema import Id, Paging, errors
from gongzhi.core.http import actor_of
from gongzhi.core.usertext import masked, masked_tree
from gongzhi.deliberation.models import Topic
from gongzhi.deliberation.models.topics import Status as TopicStatuses
from gongzhi.deliberation.selectors.topics import live_tally, topic_get, topic_list, topic_timeline, topic_versions
from gongzhi.deliberation.services.ballots import ballot_cast
from gongzhi.deliberation.services.topics import VOTING_PROCEDURES
from gongzhi.places import selectors as place_selectors

router = Router(tags=["deliberation"])

# The lifecycle's steps as an enum in the schema (a filter, so integrators see the values they may pass).
TopicStatus = StrEnum("TopicStatus", {s.name: s.value for s in TopicStatuses})  # type: ignore[misc]


class TopicOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    procedure: str
    matter: str
    place_id: int
    place_name: str
    hot_month: datetime.date | None
    voting_opens_at: datetime.datetime | None
    voting_closes_at: datetime.datetime | None
    created_at: datetime.datetime


class TopicPage(Schema):
    count: int
    results: list[TopicOut]


class TopicEventOut(Schema):
    """A step of the topic's timeline (named apart from voices' VoiceEventOut: one name, one schema)."""

    status: str
    at: datetime.datetime
    note: str


class OwnerVoteResultOut(Schema):
    """An owners' vote (民法典第二百七十八条, also 加装电梯): areas in m² as exact decimal strings."""

    matter: str
    quorum_met: bool
    passed: bool
    total_area: str
    total_owners: int
    participating_area: str
    participating_owners: int
    agree_area: str
    agree_owners: int
    thresholds: list[str] = Field(description="Each threshold with its figures and ✓/✗")
    households: int
    counted: int
    ballots: int


class AssemblyMeetingOut(Schema):
    id: int
    title: str
    starts_at: str
    location: str


class AssemblyResolutionOut(Schema):
    id: int
    text: str


class AssemblyCountsOut(Schema):
    members: int
    present: int
    agree: int
    disagree: int
    abstain: int
    not_voting: int
    households: int
    households_represented: int


class AssemblyResultOut(Schema):
    """A resolution of a 议事会 or 村民(代表)会议 (村民委员会组织法), frozen at the decision."""

    kind: str
    meeting: AssemblyMeetingOut
    resolution: AssemblyResolutionOut
    body: str
    counts: AssemblyCountsOut
    attendance: int
    thresholds: list[str]
    quorum_any: bool
    quorum_met: bool
    passed: bool
    outcome: str


class CocreationRankOut(Schema):
    cluster: int
    name: str
    dots: int
    supporters: int
    rank: int
    top: bool
    decided_by: str


class CocreationResultOut(Schema):
    """团队共创: the ranking of the clusters by dots, frozen at the decision."""

    procedure: Literal["cocreation"]
    dots_per_person: int
    max_per_cluster: int
    top: int
    participants: int
    dots: int
    ranking: list[CocreationRankOut]
    frozen_at: str | None = None


class OpinionResultOut(Schema):
    """民意征集: the opinion map's figures, groups and statements frozen at the decision (no memberships)."""

    model_config = ConfigDict(extra="allow")

    procedure: Literal["opinion"]


TopicResultOut = OwnerVoteResultOut | AssemblyResultOut | CocreationResultOut | OpinionResultOut


class TopicDetailOut(TopicOut):
    summary: str
    decline_reason: str
    resolution: str
    report: str
    current_version: int | None
    current_body: str
    timeline: list[TopicEventOut]
    result: TopicResultOut | None = Field(description="The outcome frozen at the decision, or an open vote's tally")


class BallotIn(Schema):
    choice: str


class BallotOut(Schema):
    id: int
    topic_id: int
    choice: str
    channel: str
    created_at: datetime.datetime


def _out(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "title": masked(topic.title),
        "status": topic.status,
        "status_label": str(topic.get_status_display()),
        "procedure": topic.procedure,
        "matter": topic.matter,
        "place_id": topic.place_id,
        "place_name": topic.place.name,
        "hot_month": topic.hot_month,
        "voting_opens_at": topic.voting_opens_at,
        "voting_closes_at": topic.voting_closes_at,
        "created_at": topic.created_at,
    }


@router.get(
    "/{community_id}/topics",
    response={200: TopicPage, **errors(404)},
    summary="Topics of the 议事厅 the caller may see",
)
def topics(
    request: HttpRequest, community_id: Id, paging: Query[Paging], status: TopicStatus | None = None
) -> TopicPage:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    qs = topic_list(actor=actor_of(request), community=community, status=status.value if status else "")
    page = qs[paging.offset : paging.offset + paging.limit]
    return TopicPage(count=qs.count(), results=[TopicOut(**_out(t)) for t in page])


@router.get(
    "/{community_id}/topics/{topic_id}",
    response={200: TopicDetailOut, **errors(404)},
    summary="One topic, its timeline and outcome",
)
def topic(request: HttpRequest, community_id: Id, topic_id: Id) -> TopicDetailOut:
    """The outcome is the tally frozen at the decision; before it, an owners' vote reports the live tally."""
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    found = topic_get(actor=actor_of(request), community=community, topic_id=topic_id)
    versions = topic_versions(topic=found)
    result = found.result
    if result is None and found.procedure in VOTING_PROCEDURES and found.status == "voting":
        result = live_tally(topic=found)
    return TopicDetailOut(
        **_out(found),
        summary=masked(found.summary),
        decline_reason=masked(found.decline_reason),
        resolution=masked(found.resolution),
        report=masked(found.report),
        current_version=versions[-1].number if versions else None,
        current_body=masked(versions[-1].body) if versions else "",
        timeline=[TopicEventOut(status=e.status, at=e.at, note=masked(e.note)) for e in topic_timeline(topic=found)],
        result=masked_tree(result),
    )


@router.post(
    "/{community_id}/topics/{topic_id}/ballot",
    response={201: BallotOut, **errors(403, 404, 409)},
    summary="An owner votes online",
)
def ballot(request: HttpRequest, community_id: Id, topic_id: Id, payload: BallotIn) -> Status[BallotOut]:
    """The same service as the page: one live ballot per owner, inside the window, on the owner's own place."""
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    found = topic_get(actor=actor_of(request), community=community, topic_id=topic_id)
    cast = ballot_cast(actor=actor_of(request), topic=found, choice=payload.choice)
    return Status(
        201,
        BallotOut(id=cast.pk, topic_id=found.pk, choice=cast.choice, channel=cast.channel, created_at=cast.created_at),
    )
