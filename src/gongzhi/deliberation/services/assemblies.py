"""Decisions at a meeting (议事会, 村民会议, 村民代表会议): rosters, resolutions with recorded votes, quorums.

Recorded votes are append-only: a wrong entry is voided with a reason and recorded again, so the history of a
vote stays readable. A topic decided at a meeting freezes the rule's result into topic.result.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import (
    AlreadyVoted,
    Duplicate,
    PermissionDenied,
    PhaseClosed,
    ValidationFailed,
    clean_or_fail,
)
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import (
    Body,
    BodyKind,
    BodyMember,
    Choice,
    Meeting,
    MeetingStatus,
    MemberRole,
    MemberVote,
    Resolution,
    Status,
    Topic,
    VoteCount,
)
from gongzhi.deliberation.predicates import can_manage_place
from gongzhi.deliberation.selectors import assemblies as reads
from gongzhi.people.models import Person
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules import assembly

__all__ = [
    "body_create",
    "body_member_add",
    "body_member_end",
    "body_set_rules",
    "member_vote_void",
    "member_votes_record",
    "on_decide",
    "resolution_create",
    "vote_count_record",
    "vote_count_void",
]

# Once the topic is decided its result is frozen; votes on its resolutions can no longer change.
_FROZEN = {Status.DECIDED, Status.IMPLEMENTING, Status.REPORTED}


def _reason(reason: str) -> str:
    return clean_or_fail(
        reason,
        label=_("原因"),
        max_length=200,
        field="reason",
        required=_("请写明作废原因"),
        required_code=Code.REASON_REQUIRED,
    )


@transaction.atomic
def body_create(*, actor: User, place: Place, kind: str, name: str) -> Body:
    """Staff managing topics at the place set up its 议事会 or (in a village) its 村民代表会议; one of a kind each."""
    if place.community_id is None:
        raise ValidationFailed(_("请选择社区或村内的地点"), code=Code.BAD_PLACE)
    if not can_manage_place(actor, place.path):
        raise PermissionDenied(_("只有社区工作人员可以设立议事机构"))
    if kind not in BodyKind.values:
        raise ValidationFailed(_("请选择议事机构类别"), code=Code.BAD_KIND)
    community = Place.objects.get(pk=place.community_id)
    if kind == BodyKind.VILLAGE_REPS and community.kind != PlaceKind.VILLAGE:
        raise ValidationFailed(_("村民代表会议只能在村设立"), code=Code.NOT_A_VILLAGE)
    name = clean_or_fail(name, label=_("名称"), max_length=100, field="name", required=_("请填写名称"))
    # The place row is the lock: two staff creating the same body at once queue here.
    Place.objects.select_for_update().filter(pk=place.pk).first()
    if Body.objects.filter(place=place, kind=kind).exists():
        raise Duplicate(_("该地点已有同类议事机构"), code=Code.BODY_EXISTS)
    body = Body(community_id=place.community_id, place=place, place_path=place.path, kind=kind, name=name)
    body.created_by = actor
    body.full_clean()
    body.save()
    audit.record(
        actor=actor, verb="body.create", obj=body, community_id=body.community_id, after={"kind": kind, "name": name}
    )
    return body


def _locked_body(actor: User, body: Body) -> Body:
    locked: Body = Body.objects.select_for_update().get(pk=body.pk)
    if not can_manage_place(actor, locked.place_path):
        raise PermissionDenied(_("只有社区工作人员可以维护议事机构"))
    return locked


@transaction.atomic
def body_set_rules(*, actor: User, body: Body, quorum: assembly.Share, majority: assembly.Share) -> Body:
    """A council's own rules of procedure; a representatives meeting's shares are fixed by law."""
    body = _locked_body(actor, body)
    if body.kind != BodyKind.COUNCIL:
        raise ValidationFailed(_("村民代表会议的法定人数和表决比例由法律规定"), code=Code.STATUTORY_RULES)
    before = {"quorum": reads.body_rules(body)[0].as_dict(), "majority": reads.body_rules(body)[1].as_dict()}
    body.quorum_numerator, body.quorum_denominator = quorum.fraction.numerator, quorum.fraction.denominator
    body.quorum_strict = quorum.strict
    body.majority_numerator, body.majority_denominator = majority.fraction.numerator, majority.fraction.denominator
    body.majority_strict = majority.strict
    body.full_clean()
    body.save(
        update_fields=[
            "quorum_numerator",
            "quorum_denominator",
            "quorum_strict",
            "majority_numerator",
            "majority_denominator",
            "majority_strict",
        ]
    )
    audit.record(
        actor=actor,
        verb="body.rules",
        obj=body,
        community_id=body.community_id,
        before=before,
        after={"quorum": quorum.as_dict(), "majority": majority.as_dict()},
    )
    return body


@transaction.atomic
def body_member_add(
    *, actor: User, body: Body, person: Person, role: str = MemberRole.MEMBER, since: datetime.date | None = None
) -> BodyMember:
    """A new term for a resident of the body's place; one open term per person (the body row is the lock)."""
    body = _locked_body(actor, body)
    if person.community_id != body.community_id or not person.place_path.startswith(body.place_path):
        raise ValidationFailed(_("该居民不在本议事机构的范围内"), code=Code.PERSON_OUTSIDE)
    if role not in MemberRole.values:
        raise ValidationFailed(_("请选择职务"), code=Code.BAD_ROLE)
    if BodyMember.objects.filter(body=body, person=person, until__isnull=True).exists():
        raise Duplicate(_("该居民已是本议事机构的成员"), code=Code.ALREADY_MEMBER)
    member = BodyMember(
        community_id=body.community_id,
        body=body,
        person=person,
        role=role,
        since=since or timezone.localdate(),
        place_path=body.place_path,
        added_by=actor,
    )
    member.full_clean()
    member.save()
    audit.record(
        actor=actor,
        verb="body.member_add",
        obj=member,
        community_id=body.community_id,
        after={"body": body.pk, "person": person.pk, "role": role, "since": member.since.isoformat()},
    )
    return member


@transaction.atomic
def body_member_end(*, actor: User, member: BodyMember, until: datetime.date, reason: str = "") -> BodyMember:
    """Ends a term (the member serves up to the day before `until`); the row stays for past meetings."""
    member = BodyMember.objects.select_for_update().get(pk=member.pk)
    _locked_body(actor, member.body)
    if member.until is not None:
        raise PhaseClosed(_("该成员的任期已经结束"), code=Code.ALREADY_ENDED)
    if until <= member.since:
        raise ValidationFailed(_("任职终止日期须晚于起始日期"), code=Code.BAD_UNTIL, extra={"field": "until"})
    member.until = until
    member.end_reason = clean_or_fail(reason, label=_("终止原因"), max_length=200, field="reason")
    member.save(update_fields=["until", "end_reason"])
    audit.record(
        actor=actor,
        verb="body.member_end",
        obj=member,
        community_id=member.community_id,
        after={"until": until.isoformat(), "reason": member.end_reason},
    )
    return member


@transaction.atomic
def resolution_create(*, actor: User, meeting: Meeting, text: str, topic: Topic | None = None) -> Resolution:
    """A resolution put to the vote at a held 议事会, 村民会议 or 村民代表会议; it belongs to the meeting's topic."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not can_manage_place(actor, meeting.place_path):
        raise PermissionDenied(_("只有社区工作人员可以记录会议表决"))
    if meeting.kind not in reads.DECIDING_KINDS:
        raise ValidationFailed(_("这类会议不作表决"), code=Code.NOT_A_DECIDING_MEETING)
    if meeting.status != MeetingStatus.HELD:
        raise PhaseClosed(_("会议召开后才能记录表决"), code=Code.MEETING_NOT_HELD)
    if topic is not None and topic.pk != meeting.topic_id:
        raise ValidationFailed(_("决议只能针对本次会议的议题"), code=Code.TOPIC_NOT_OF_MEETING)
    topic = Topic.objects.filter(pk=meeting.topic_id).first() if meeting.topic_id else None
    if topic is not None and topic.status in _FROZEN:
        raise PhaseClosed(_("该议题已形成决议"), code=Code.ALREADY_DECIDED)
    body = reads.meeting_body(meeting)
    if meeting.kind != assembly.VILLAGERS and body is None:
        raise ValidationFailed(_("请先设立议事机构并登记成员"), code=Code.NO_BODY)
    resolution = Resolution(
        community_id=meeting.community_id,
        meeting=meeting,
        topic=topic,
        body=body,
        kind=meeting.kind,
        text=clean_or_fail(text, label=_("决议事项"), max_length=2000, field="text", required=_("请填写决议事项")),
        place_path=meeting.place_path,
        created_by=actor,
    )
    resolution.save()
    audit.record(
        actor=actor,
        verb="resolution.create",
        obj=resolution,
        community_id=resolution.community_id,
        after={"meeting": meeting.pk, "topic": topic.pk if topic else None, "body": body.pk if body else None},
    )
    return resolution


def _locked_resolution(actor: User, resolution: Resolution) -> Resolution:
    locked: Resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("meeting", "topic", "body")
        .get(pk=resolution.pk)
    )
    if not can_manage_place(actor, locked.place_path):
        raise PermissionDenied(_("只有社区工作人员可以记录会议表决"))
    if locked.topic is not None and locked.topic.status in _FROZEN:
        raise PhaseClosed(_("该议题已形成决议，表决记录不能再改"), code=Code.ALREADY_DECIDED)
    return locked


@transaction.atomic
def member_votes_record(*, actor: User, resolution: Resolution, votes: Mapping[int, str]) -> list[MemberVote]:
    """Records the votes of serving members who signed in, each once (the resolution row is the lock, the
    partial unique constraint the backstop). All or nothing: one bad entry records none."""
    resolution = _locked_resolution(actor, resolution)
    if resolution.body is None:
        raise ValidationFailed(_("村民会议按人数记录表决结果"), code=Code.NOT_A_MEMBER_VOTE)
    if not votes:
        raise ValidationFailed(_("请至少记录一名成员的表决意见"), code=Code.NO_VOTES)
    if any(choice not in Choice.values for choice in votes.values()):
        raise ValidationFailed(_("表决意见应为同意、反对或弃权"), code=Code.BAD_CHOICE)
    figures = reads.resolution_figures(resolution)
    serving = {m.pk: m for m in figures.members}
    made = []
    for member_id, choice in votes.items():
        member = serving.get(member_id)
        if member is None:
            raise ValidationFailed(_("只能记录会议当日在任成员的表决"), code=Code.NOT_A_MEMBER)
        if member_id not in figures.present_ids:
            raise ValidationFailed(
                _("%(name)s 未签到，不能记录为出席表决") % {"name": member.person.masked_name},
                code=Code.NOT_SIGNED_IN,
            )
        if member_id in figures.votes:
            raise AlreadyVoted(
                _("%(name)s 的表决已记录；如需更正，请先作废原记录") % {"name": member.person.masked_name},
                code=Code.ALREADY_RECORDED,
            )
        made.append(
            MemberVote(
                community_id=resolution.community_id,
                resolution=resolution,
                member=member,
                choice=choice,
                place_path=resolution.place_path,
                entered_by=actor,
            )
        )
    try:
        with transaction.atomic():
            MemberVote.objects.bulk_create(made)
    except IntegrityError as exc:
        raise AlreadyVoted(_("该成员的表决已记录"), code=Code.ALREADY_RECORDED) from exc
    audit.record(
        actor=actor,
        verb="resolution.votes",
        obj=resolution,
        community_id=resolution.community_id,
        after={"votes": {str(v.member_id): v.choice for v in made}},
    )
    return made


def _void(actor: User, row: Any, reason: str, *, verb: str, before: dict[str, Any]) -> Any:
    """Voids a recorded vote or count (locked by the caller) with a reason; the row and its history stay."""
    _locked_resolution(actor, row.resolution)
    if row.voided_at is not None:
        raise PhaseClosed(_("该表决记录已作废"), code=Code.ALREADY_VOID)
    row.void_reason = _reason(reason)
    row.voided_at, row.voided_by = timezone.now(), actor
    row.save(update_fields=["void_reason", "voided_at", "voided_by"])
    audit.record(
        actor=actor,
        verb=verb,
        obj=row,
        community_id=row.community_id,
        before=before,
        after={"reason": row.void_reason},
    )
    return row


@transaction.atomic
def member_vote_void(*, actor: User, vote: MemberVote, reason: str) -> MemberVote:
    """Voids a recorded vote with a reason; the member's vote may then be recorded again."""
    vote = MemberVote.objects.select_for_update().get(pk=vote.pk)
    voided: MemberVote = _void(actor, vote, reason, verb="resolution.vote_void", before={"choice": vote.choice})
    return voided


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10_000_000:
        raise ValidationFailed(_("票数应为不小于0的整数"), code=Code.BAD_COUNT)
    count: int = value
    return count


@transaction.atomic
def vote_count_record(*, actor: User, resolution: Resolution, agree: int, disagree: int, abstain: int) -> VoteCount:
    """A villagers' meeting's show of hands, checked against the signed-in adult villagers; one live count."""
    resolution = _locked_resolution(actor, resolution)
    if resolution.kind != assembly.VILLAGERS:
        raise ValidationFailed(_("议事会和村民代表会议按成员逐一记录表决"), code=Code.NOT_A_COUNT_VOTE)
    agree, disagree, abstain = _count(agree), _count(disagree), _count(abstain)
    present, _households = reads.villagers_present(resolution.meeting)
    if agree + disagree + abstain > present:
        raise ValidationFailed(
            _("同意、反对、弃权合计 %(n)s 票，超过签到的到会村民 %(p)s 人")
            % {"n": agree + disagree + abstain, "p": present},
            code=Code.VOTES_EXCEED_PRESENT,
        )
    if VoteCount.objects.filter(resolution=resolution, voided_at__isnull=True).exists():
        raise AlreadyVoted(_("表决结果已录入；如需更正，请先作废原记录"), code=Code.ALREADY_RECORDED)
    count = VoteCount(
        community_id=resolution.community_id,
        resolution=resolution,
        agree=agree,
        disagree=disagree,
        abstain=abstain,
        present=present,
        place_path=resolution.place_path,
        entered_by=actor,
    )
    try:
        with transaction.atomic():
            count.save()
    except IntegrityError as exc:
        raise AlreadyVoted(_("表决结果已录入"), code=Code.ALREADY_RECORDED) from exc
    audit.record(
        actor=actor,
        verb="resolution.count",
        obj=resolution,
        community_id=resolution.community_id,
        after={"agree": agree, "disagree": disagree, "abstain": abstain, "present": present},
    )
    return count


@transaction.atomic
def vote_count_void(*, actor: User, count: VoteCount, reason: str) -> VoteCount:
    count = VoteCount.objects.select_for_update().get(pk=count.pk)
    before = {"agree": count.agree, "disagree": count.disagree, "abstain": count.abstain}
    voided: VoteCount = _void(actor, count, reason, verb="resolution.count_void", before=before)
    return voided


def on_decide(*, actor: User, topic: Topic) -> None:
    """Called by topic_decide inside its transaction, with the topic locked: needs a held meeting linked to the
    topic with a recorded vote of its procedure's kind, and freezes the rule's result into topic.result.

    A meeting short of its quorum is still recorded, as "会议未达法定人数，决定无效" (not passed): the
    meeting happened and the record must say so; the topic can be put to a new meeting through a new topic."""
    if topic.status != Status.DISCUSSION:
        raise PhaseClosed(_("议题讨论阶段才能依据会议表决形成决议"), code=Code.BAD_STEP)
    resolution = reads.topic_resolution(topic=topic)
    if resolution is None:
        raise PhaseClosed(_("请先在已召开的会议上记录本议题的表决"), code=Code.NO_MEETING_VOTE)
    # Lock the resolution so that no vote is voided or added between computing and freezing.
    Resolution.objects.select_for_update().filter(pk=resolution.pk).first()
    figures = reads.resolution_figures(resolution)
    if figures.stale:
        raise PhaseClosed(_("已录入的票数超过现有签到人数，请作废后重新录入"), code=Code.VOTES_EXCEED_PRESENT)
    if not figures.recorded:
        raise PhaseClosed(_("请先在已召开的会议上记录本议题的表决"), code=Code.NO_MEETING_VOTE)
    topic.result = figures.as_json(resolution)
