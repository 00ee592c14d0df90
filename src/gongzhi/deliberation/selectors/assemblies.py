"""Reads of decisions at a meeting: rosters, resolutions and their recorded votes, and the figures the quorum and
majority are computed from (attendance, electorate, votes), each a fixed number of queries whatever the size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.deliberation.models import (
    Attendance,
    Body,
    BodyMember,
    Meeting,
    MeetingStatus,
    MemberVote,
    Resolution,
    Topic,
    VoteCount,
)
from gongzhi.people.models import Person
from gongzhi.places.models import Household, Place
from gongzhi.rules import assembly
from gongzhi.rules.volunteer_age import ADULT_AGE, latest_birth_date

__all__ = [
    "DECIDING_KINDS",
    "Figures",
    "adult_cutoff",
    "body_get",
    "body_list",
    "body_members",
    "body_rules",
    "meeting_body",
    "person_by_id_number",
    "resolution_figures",
    "resolution_get",
    "resolution_history",
    "resolution_votes",
    "topic_meetings",
    "topic_resolution",
]

# Meeting kinds whose resolutions are decided by rules.assembly; equal to the topic procedures of the same name.
DECIDING_KINDS = (assembly.COUNCIL, assembly.VILLAGERS, assembly.VILLAGE_REPS)


def body_list(*, actor: User, community: Place) -> QuerySet[Body]:
    today = timezone.localdate()
    serving = Q(members__since__lte=today) & (Q(members__until__isnull=True) | Q(members__until__gt=today))
    bodies: QuerySet[Body] = (
        Body.objects.visible_to(actor)
        .filter(community=community)
        .select_related("place")
        .annotate(serving=Count("members", filter=serving))
        .order_by("place_path", "kind", "id")
    )
    return bodies


def body_get(*, actor: User, community: Place, body_id: int) -> Body:
    body: Body | None = (
        Body.objects.visible_to(actor).filter(community=community, pk=body_id).select_related("place").first()
    )
    if body is None:
        raise NotFound()
    return body


def body_members(*, body: Body) -> list[BodyMember]:
    """Serving members first (conveners on top), then past terms, newest first."""
    members = list(BodyMember.objects.filter(body=body).select_related("person__household__place"))
    return sorted(
        members,
        key=lambda m: (m.until is not None, m.role != "convener", -(m.until or m.since).toordinal(), m.pk),
    )


def body_rules(body: Body) -> tuple[assembly.Share, assembly.Share]:
    """A council's own quorum and majority as exact shares."""
    return (
        assembly.Share(Fraction(body.quorum_numerator, body.quorum_denominator), strict=body.quorum_strict),
        assembly.Share(Fraction(body.majority_numerator, body.majority_denominator), strict=body.majority_strict),
    )


def person_by_id_number(*, actor: User, community: Place, id_number: str) -> Person | None:
    person: Person | None = (
        Person.objects.visible_to(actor).filter(community=community, id_number=id_number.strip().upper()).first()
    )
    return person


def meeting_body(meeting: Meeting) -> Body | None:
    """The body of the meeting's kind nearest above (or at) its place: a group's council before the village's."""
    from gongzhi.deliberation.models import ancestor_paths

    if meeting.kind not in (assembly.COUNCIL, assembly.VILLAGE_REPS):
        return None
    body: Body | None = (
        Body.objects.filter(
            community_id=meeting.community_id, kind=meeting.kind, place_path__in=ancestor_paths(meeting.place_path)
        )
        .order_by("-place_path")
        .first()
    )
    return body


def resolution_get(*, actor: User, community: Place, resolution_id: int) -> Resolution:
    resolution: Resolution | None = (
        Resolution.objects.visible_to(actor)
        .filter(community=community, pk=resolution_id)
        .select_related("meeting", "topic", "body")
        .first()
    )
    if resolution is None:
        raise NotFound()
    return resolution


def adult_cutoff(day: datetime.date) -> datetime.date:
    """Born on or before this date means aged 18 or over on `day`; a 29 February birthday counts from 1 March."""
    return latest_birth_date(day, ADULT_AGE)


@dataclass
class Figures:
    """What the rule is computed from, with the names behind the body's counts for the staff's page."""

    kind: str
    counts: assembly.Counts
    result: assembly.Result
    body: Body | None
    recorded: bool  # a live vote exists (member votes or counts)
    attendance: int  # every sign-in row, guests included, shown beside the counted figure
    # The live count no longer fits the attendance (sign-ins removed after it was entered): void and re-enter.
    stale: bool = False
    count: VoteCount | None = None
    present_ids: set[int] = field(default_factory=set)  # serving members signed in (BodyMember ids)
    members: list[BodyMember] = field(default_factory=list)  # serving members on the meeting's date
    votes: dict[int, MemberVote] = field(default_factory=dict)  # live votes by BodyMember id

    def as_json(self, resolution: Resolution) -> dict[str, Any]:
        """Frozen into topic.result at the decision: every threshold line with its exact figures."""
        meeting = resolution.meeting
        c, r = self.counts, self.result
        return {
            "kind": self.kind,
            "meeting": {
                "id": meeting.pk,
                "title": meeting.title,
                "starts_at": meeting.starts_at.isoformat(),
                "location": meeting.location,
            },
            "resolution": {"id": resolution.pk, "text": resolution.text},
            "body": self.body.name if self.body else "",
            "counts": {
                "members": c.members,
                "present": c.present,
                "agree": c.agree,
                "disagree": c.disagree,
                "abstain": c.abstain,
                "not_voting": c.not_voting,
                "households": c.households,
                "households_represented": c.households_represented,
            },
            "attendance": self.attendance,
            "thresholds": [t.describe() for t in r.thresholds],
            "quorum_any": r.quorum_any,
            "quorum_met": r.quorum_met,
            "passed": r.passed,
            "outcome": r.outcome(),
        }


def _meeting_day(meeting: Meeting) -> datetime.date:
    return timezone.localtime(meeting.starts_at).date()


def _body_figures(resolution: Resolution, body: Body, attendance: int) -> Figures:
    day = _meeting_day(resolution.meeting)
    members = list(
        BodyMember.objects.filter(body=body, since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gt=day))
        .select_related("person__household__place")
        .order_by("role", "id")
    )
    signed = set(
        Attendance.objects.filter(meeting_id=resolution.meeting_id, person_id__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    present = {m.pk for m in members if m.person_id in signed}
    votes = {v.member_id: v for v in MemberVote.objects.filter(resolution=resolution, voided_at__isnull=True)}
    # A vote by someone whose term ended or who was not signed in cannot be recorded; counting only present
    # members keeps the rule's "votes ≤ present" even if a term is edited afterwards.
    counted = [v.choice for member_id, v in votes.items() if member_id in present]
    counts = assembly.Counts(
        members=len(members),
        present=len(present),
        agree=counted.count("agree"),
        disagree=counted.count("disagree"),
        abstain=counted.count("abstain"),
    )
    if body.kind == assembly.COUNCIL:
        quorum, majority = body_rules(body)
        result = assembly.decide(assembly.COUNCIL, counts, quorum=quorum, majority=majority)
    else:
        result = assembly.decide(assembly.VILLAGE_REPS, counts)
    return Figures(
        kind=body.kind,
        counts=counts,
        result=result,
        body=body,
        recorded=bool(votes),
        attendance=attendance,
        present_ids=present,
        members=members,
        votes=votes,
    )


def villagers_present(meeting: Meeting) -> tuple[int, int]:
    """(adult villagers present, households represented) from the sign-ins: a registered adult of the subtree,
    or a household's representative signed in by name for a household of the subtree."""
    cutoff = adult_cutoff(_meeting_day(meeting))
    rows = Attendance.objects.filter(meeting=meeting).filter(
        Q(person__place_path__under=meeting.place_path, person__birth_date__lte=cutoff)
        | Q(person__isnull=True, household__place_path__under=meeting.place_path)
    )
    present = rows.count()
    households = set(rows.filter(household__isnull=False).values_list("household_id", flat=True))
    households |= set(
        rows.filter(household__isnull=True, person__household__isnull=False).values_list(
            "person__household_id", flat=True
        )
    )
    return present, len(households)


def _villagers_figures(resolution: Resolution, attendance: int) -> Figures:
    meeting = resolution.meeting
    cutoff = adult_cutoff(_meeting_day(meeting))
    adults = Person.objects.filter(place_path__under=meeting.place_path, birth_date__lte=cutoff).count()
    households = Household.objects.filter(place_path__under=meeting.place_path).count()
    present, represented = villagers_present(meeting)
    count = VoteCount.objects.filter(resolution=resolution, voided_at__isnull=True).first()
    # Attendance can only grow after a count was entered against it; the rule still sees votes ≤ present.
    present = min(present, adults)
    represented = min(represented, households, present)
    counts = assembly.Counts(
        members=adults,
        present=present,
        agree=count.agree if count else 0,
        disagree=count.disagree if count else 0,
        abstain=count.abstain if count else 0,
        households=households,
        households_represented=represented,
    )
    stale = counts.voted > counts.present
    if stale:
        counts = assembly.Counts(adults, present, 0, 0, 0, households, represented)
    return Figures(
        kind=assembly.VILLAGERS,
        counts=counts,
        result=assembly.decide(assembly.VILLAGERS, counts),
        body=None,
        recorded=count is not None,
        stale=stale,
        attendance=attendance,
        count=count,
    )


def resolution_figures(resolution: Resolution) -> Figures:
    """The live figures of a resolution (the caller has already checked it may see it or its topic)."""
    attendance = Attendance.objects.filter(meeting_id=resolution.meeting_id).count()
    if resolution.kind == assembly.VILLAGERS:
        return _villagers_figures(resolution, attendance)
    if resolution.body is None:
        raise NotFound()
    return _body_figures(resolution, resolution.body, attendance)


def resolution_votes(*, resolution: Resolution) -> list[MemberVote]:
    return list(
        MemberVote.objects.filter(resolution=resolution).select_related("member__person").order_by("created_at", "id")
    )


def resolution_history(*, resolution: Resolution) -> list[VoteCount]:
    return list(VoteCount.objects.filter(resolution=resolution).order_by("created_at", "id"))


def topic_meetings(*, topic: Topic) -> list[Meeting]:
    """The topic's meetings of its procedure's kind, newest first, with their resolutions on this topic."""
    return list(
        Meeting.objects.filter(topic=topic, kind=topic.procedure)
        .annotate(signed_in=Count("attendances"))
        .prefetch_related(
            Prefetch("resolutions", queryset=Resolution.objects.filter(topic=topic).select_related("body"))
        )
        .order_by("-starts_at", "-id")
    )


def topic_resolution(*, topic: Topic) -> Resolution | None:
    """The resolution a topic is decided by: the latest one on it, at a held meeting of its procedure's kind,
    linked to the topic, with a live recorded vote."""
    recorded = Q(member_votes__voided_at__isnull=True, member_votes__isnull=False) | Q(
        vote_counts__voided_at__isnull=True, vote_counts__isnull=False
    )
    resolution: Resolution | None = (
        Resolution.objects.filter(
            topic=topic,
            kind=topic.procedure,
            meeting__topic=topic,
            meeting__status=MeetingStatus.HELD,
        )
        .filter(recorded)
        .select_related("meeting", "body")
        .order_by("-meeting__starts_at", "-id")
        .first()
    )
    return resolution
