"""Topics: the lifecycle steps, proposal versions and comments. One transaction and one audit event each; phases
are checked here, not in views."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import (
    NotFound,
    PermissionDenied,
    PhaseClosed,
    ValidationFailed,
    clean_or_fail,
)
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import (
    Comment,
    ElevatorPlan,
    Matter,
    Procedure,
    ProposalVersion,
    Status,
    Topic,
    TopicEvent,
)
from gongzhi.deliberation.predicates import (
    can_manage_topic,
    can_propose_topic,
    can_revise_topic,
    can_take_part_in_topic,
)
from gongzhi.deliberation.services.locks import topic_lock, topic_lock_for_manager
from gongzhi.places.models import Place
from gongzhi.rules import topic_lifecycle as lc

VOTING_PROCEDURES = {Procedure.OWNERS, Procedure.ELEVATOR}  # owners' ballots, tallied by rules.owner_vote
# Procedures with a voting window (status "voting" between opens and closes): owners' ballots and dot votes.
WINDOWED_PROCEDURES = VOTING_PROCEDURES | {Procedure.COCREATION}
# Procedures decided at a meeting, by the votes of those present (rules.assembly).
MEETING_PROCEDURES = {Procedure.COUNCIL, Procedure.VILLAGERS, Procedure.VILLAGE_REPS}


def _step(actor: User, topic: Topic, target: str, note: str = "", fields: list[str] | None = None) -> Topic:
    """Moves the topic one lifecycle step, records the dated event and the audit entry."""
    try:
        lc.check_transition(topic.status, target)
    except ValueError as exc:
        raise PhaseClosed(str(exc), code=Code.BAD_STEP) from exc
    before = topic.status
    topic.status = target
    topic.save(update_fields=["status", "updated_at", *(fields or [])])
    TopicEvent.objects.create(
        community_id=topic.community_id, topic=topic, status=target, at=timezone.now(), actor=actor, note=note[:500]
    )
    audit.record(
        actor=actor,
        verb=f"topic.{target}",
        obj=topic,
        community_id=topic.community_id,
        before={"status": before},
        after={"status": target, "note": note[:500]},
    )
    return topic


@transaction.atomic
def topic_propose(*, actor: User, place: Place, title: str, summary: str) -> Topic:
    """Anyone of the place's audience may propose; staff anywhere in their scope."""
    if place.community_id is None:
        raise ValidationFailed(_("请选择社区内的地点"))
    probe = Topic(community_id=place.community_id, place=place, place_path=place.path)
    if not can_propose_topic(actor, probe):
        raise PermissionDenied(_("您不在该议题的范围内"))
    topic = Topic(
        community_id=place.community_id,
        place=place,
        place_path=place.path,
        proposed_by=actor,
        title=clean_or_fail(title, label=_("议题"), max_length=100, field="title", required=_("请填写议题")),
        summary=clean_or_fail(summary, label=_("说明"), max_length=5000, field="summary"),
    )
    topic.save()
    TopicEvent.objects.create(
        community_id=topic.community_id, topic=topic, status=Status.PROPOSED, at=timezone.now(), actor=actor
    )
    audit.record(
        actor=actor,
        verb="topic.propose",
        obj=topic,
        community_id=topic.community_id,
        after={"title": topic.title, "place": place.pk},
    )
    return topic


@transaction.atomic
def topic_accept(*, actor: User, topic: Topic) -> Topic:
    return _step(actor, topic_lock_for_manager(actor, topic), Status.ACCEPTED)


@transaction.atomic
def topic_decline(*, actor: User, topic: Topic, reason: str) -> Topic:
    """Declining needs a public reason."""
    topic = topic_lock_for_manager(actor, topic)
    reason = clean_or_fail(
        reason,
        label=_("理由"),
        max_length=500,
        field="reason",
        required=_("不予列入须写明理由"),
        required_code=Code.REASON_REQUIRED,
    )
    topic.decline_reason = reason
    return _step(actor, topic, Status.DECLINED, reason, ["decline_reason"])


@transaction.atomic
def topic_publish(*, actor: User, topic: Topic, procedure: str, body: str, matter: str = "") -> Topic:
    """Publishes the materials as version 1 and fixes the procedure the topic will be decided by."""
    topic = topic_lock_for_manager(actor, topic)
    if procedure not in Procedure.values:
        raise ValidationFailed(_("请选择议事规则"), code=Code.BAD_PROCEDURE)
    if procedure == Procedure.OWNERS and matter not in Matter.values:
        raise ValidationFailed(_("业主共同决定须选择事项类别"), code=Code.BAD_MATTER)
    if procedure == Procedure.ELEVATOR:
        if topic.place.kind != "unit":
            raise ValidationFailed(_("加装电梯的议题须建在一个单元上"), code=Code.NOT_A_UNIT)
        matter = Matter.MAJOR  # local rules apply the Art. 278 (六)-(八) thresholds to the unit's owners
    topic.procedure = procedure
    topic.matter = matter if procedure in VOTING_PROCEDURES else ""
    _step(actor, topic, Status.PUBLISHED, "", ["procedure", "matter"])
    _add_version(actor, topic, body, _("首次公布"))
    return topic


@transaction.atomic
def topic_start_discussion(*, actor: User, topic: Topic) -> Topic:
    return _step(actor, topic_lock_for_manager(actor, topic), Status.DISCUSSION)


@transaction.atomic
def topic_open_voting(
    *, actor: User, topic: Topic, closes_at: datetime.datetime, opens_at: datetime.datetime | None = None
) -> Topic:
    topic = topic_lock_for_manager(actor, topic)
    if topic.procedure not in WINDOWED_PROCEDURES:
        raise PhaseClosed(_("该议题的议事规则不需要表决"), code=Code.NO_VOTE)
    if topic.procedure == Procedure.ELEVATOR and not ElevatorPlan.objects.filter(topic=topic).exists():
        raise PhaseClosed(_("请先填写加装电梯方案（造价与分摊系数）"), code=Code.NO_PLAN)
    opens_at = opens_at or timezone.now()
    if closes_at <= opens_at:
        raise ValidationFailed(_("表决截止时间须晚于开始时间"), code=Code.BAD_WINDOW)
    topic.voting_opens_at, topic.voting_closes_at = opens_at, closes_at
    return _step(actor, topic, Status.VOTING, "", ["voting_opens_at", "voting_closes_at"])


@transaction.atomic
def topic_decide(*, actor: User, topic: Topic, resolution: str) -> Topic:
    """Records the resolution; an owners' vote is tallied when its window has closed, and the tally is kept."""
    from gongzhi.deliberation.selectors.topics import tally
    from gongzhi.deliberation.services import assemblies, cocreation, opinion

    topic = topic_lock_for_manager(actor, topic)
    if topic.status == Status.VOTING and topic.voting_closes_at and timezone.now() < topic.voting_closes_at:
        raise PhaseClosed(_("表决尚未截止，不能形成决议"), code=Code.VOTING_OPEN)
    if topic.procedure in VOTING_PROCEDURES and topic.status == Status.VOTING:
        topic.result = tally(topic=topic).as_json()
        if topic.procedure == Procedure.ELEVATOR:
            # The plan and the result are 公示 from the decision on; objections are taken until it closes.
            ElevatorPlan.objects.filter(topic=topic).update(publicity_starts_at=timezone.now())
    deciders: dict[str, Callable[..., None]] = {
        Procedure.COCREATION: cocreation.on_decide,
        Procedure.OPINION: opinion.on_decide,
        **dict.fromkeys(MEETING_PROCEDURES, assemblies.on_decide),
    }
    decide = deciders.get(topic.procedure)
    if decide is not None:
        decide(actor=actor, topic=topic)
    topic.resolution = clean_or_fail(
        resolution, label=_("决议"), max_length=5000, field="resolution", required=_("请填写决议内容")
    )
    return _step(actor, topic, Status.DECIDED, "", ["resolution", "result"])


@transaction.atomic
def topic_start_implementing(*, actor: User, topic: Topic, note: str = "") -> Topic:
    note = clean_or_fail(note, label=_("说明"), max_length=500)
    return _step(actor, topic_lock_for_manager(actor, topic), Status.IMPLEMENTING, note)


@transaction.atomic
def topic_report(*, actor: User, topic: Topic, report: str) -> Topic:
    """The result reported back publicly: the last step."""
    topic = topic_lock_for_manager(actor, topic)
    topic.report = clean_or_fail(
        report, label=_("结果反馈"), max_length=5000, field="report", required=_("请填写结果反馈")
    )
    return _step(actor, topic, Status.REPORTED, "", ["report"])


@transaction.atomic
def topic_pin_hot(*, actor: User, topic: Topic, month: datetime.date) -> Topic:
    """The community's 每月热议: one a month; pinning another topic for the month moves the pin."""
    topic = topic_lock_for_manager(actor, topic)
    if topic.status in (Status.PROPOSED, Status.DECLINED):
        raise PhaseClosed(_("只有已列入议程的议题可以设为每月热议"), code=Code.NOT_PUBLIC)
    first = month.replace(day=1)
    previous = Topic.objects.select_for_update().filter(community_id=topic.community_id, hot_month=first).first()
    if previous is not None and previous.pk != topic.pk:
        previous.hot_month = None
        previous.save(update_fields=["hot_month"])
    topic.hot_month = first
    topic.save(update_fields=["hot_month"])
    audit.record(
        actor=actor,
        verb="topic.pin_hot",
        obj=topic,
        community_id=topic.community_id,
        after={"month": first.isoformat(), "replaced": previous.pk if previous else None},
    )
    return topic


def _add_version(actor: User, topic: Topic, body: str, note: str) -> ProposalVersion:
    body = clean_or_fail(body, label=_("方案"), max_length=20000, field="body", required=_("方案内容不能为空"))
    number = (topic.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProposalVersion.objects.create(
        community_id=topic.community_id, topic=topic, number=number, body=body, change_note=note[:500], author=actor
    )
    audit.record(
        actor=actor,
        verb="topic.version",
        obj=version,
        community_id=topic.community_id,
        after={"topic": topic.pk, "number": number},
    )
    return version


@transaction.atomic
def version_add(*, actor: User, topic: Topic, body: str, change_note: str) -> ProposalVersion:
    """A new round of the proposal, by staff or the building heads of its place, while it is being discussed."""
    topic = topic_lock(topic)
    if not can_revise_topic(actor, topic):
        raise PermissionDenied()
    if not lc.phase_allows("revise", topic.status, timezone.now()):
        raise PhaseClosed(_("当前阶段不能修改方案"))
    note = clean_or_fail(
        change_note, label=_("修改说明"), max_length=500, field="change_note", required=_("请说明这一版改了什么")
    )
    return _add_version(actor, topic, body, note)


@transaction.atomic
def comment_post(
    *, actor: User, topic: Topic, body: str, version: ProposalVersion | None = None, parent: Comment | None = None
) -> Comment:
    topic = Topic.objects.get(pk=topic.pk)  # the phase as it is now, not as the caller last read it
    if not can_take_part_in_topic(actor, topic):
        raise PermissionDenied(_("您不在该议题的范围内"))
    if not lc.phase_allows("comment", topic.status, timezone.now()):
        raise PhaseClosed(_("当前阶段不能发表意见"))
    if (version is not None and version.topic_id != topic.pk) or (parent is not None and parent.topic_id != topic.pk):
        raise NotFound()
    text = clean_or_fail(body, label=_("意见"), max_length=2000, field="body", required=_("意见不能为空"))
    comment = Comment.objects.create(
        community_id=topic.community_id, topic=topic, version=version, parent=parent, author=actor, body=text
    )
    audit.record(
        actor=actor,
        verb="comment.post",
        obj=comment,
        community_id=topic.community_id,
        after={"topic": topic.pk, "version": version.pk if version else None},
    )
    return comment


@transaction.atomic
def comment_hide(*, actor: User, comment: Comment, reason: str) -> Comment:
    """Moderation hides a comment with a reason; the text stays in the record."""
    comment = Comment.objects.select_for_update().select_related("topic").get(pk=comment.pk)
    if not can_manage_topic(actor, comment.topic):
        raise PermissionDenied()
    comment.hidden_reason = clean_or_fail(
        reason,
        label=_("理由"),
        max_length=200,
        field="reason",
        required=_("隐藏意见须写明理由"),
        required_code=Code.REASON_REQUIRED,
    )
    comment.hidden = True
    comment.save(update_fields=["hidden", "hidden_reason"])
    audit.record(
        actor=actor,
        verb="comment.hide",
        obj=comment,
        community_id=comment.community_id,
        after={"reason": comment.hidden_reason},
    )
    return comment
