"""Writes in the 议事厅. Each is one transaction with one audit event; phases are checked here, not in views."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import (
    AlreadyVoted,
    NotFound,
    PermissionDenied,
    PhaseClosed,
    ValidationFailed,
    clean_or_fail,
)
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can_at
from gongzhi.deliberation.models import (
    Ballot,
    Channel,
    Choice,
    Comment,
    ElevatorPlan,
    Matter,
    Objection,
    Procedure,
    ProposalVersion,
    Status,
    Topic,
    TopicEvent,
    ancestor_paths,
)
from gongzhi.people.models import Ownership, Person
from gongzhi.places.models import Place
from gongzhi.rules import topic_lifecycle as lc

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
VOTING_PROCEDURES = {Procedure.OWNERS, Procedure.ELEVATOR}
EVIDENCE_TYPES = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


def _can(actor: Any, action: Action, topic: Topic) -> bool:
    return user_can_at(actor, action, community_id=topic.community_id, path=topic.place_path)


def _can_manage(actor: Any, topic: Topic) -> bool:
    """Managing needs a manage grant whose subtree holds the topic's place."""
    from gongzhi.core.scoping import grants_allowing

    return any(
        g.place_path and topic.place_path.startswith(g.place_path) for g in grants_allowing(actor, Action.TOPIC_MANAGE)
    )


def _in_audience(actor: Any, topic: Topic, action: Action = Action.TOPIC_PARTICIPATE) -> bool:
    """A participant's node lies inside the topic's place, or the topic's place lies inside their node."""
    from gongzhi.core.scoping import grants_allowing

    for g in grants_allowing(actor, action):
        node = g.node_path
        if node and (node.startswith(topic.place_path) or topic.place_path in ancestor_paths(node)):
            return True
        if node is None and g.community_id == topic.community_id:
            return True
    return False


def _locked(topic: Topic) -> Topic:
    locked: Topic = Topic.objects.select_for_update().get(pk=topic.pk)
    return locked


def _step(actor: Any, topic: Topic, target: str, note: str = "", fields: list[str] | None = None) -> Topic:
    """Moves the topic one lifecycle step, records the dated event and the audit entry."""
    try:
        lc.check_transition(topic.status, target)
    except ValueError as exc:
        raise PhaseClosed(str(exc), code="bad_step") from exc
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
def topic_propose(*, actor: Any, place: Place, title: str, summary: str) -> Topic:
    """Anyone of the place's audience may propose; staff anywhere in their scope."""
    if place.community_id is None:
        raise ValidationFailed(_("请选择社区内的地点"))
    probe = Topic(community_id=place.community_id, place=place, place_path=place.path)
    if not (_can_manage(actor, probe) or _in_audience(actor, probe, Action.TOPIC_PROPOSE)):
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


def _managed(actor: Any, topic: Topic) -> Topic:
    topic = _locked(topic)
    if not _can_manage(actor, topic):
        raise PermissionDenied()
    return topic


@transaction.atomic
def topic_accept(*, actor: Any, topic: Topic) -> Topic:
    return _step(actor, _managed(actor, topic), Status.ACCEPTED)


@transaction.atomic
def topic_decline(*, actor: Any, topic: Topic, reason: str) -> Topic:
    """Declining needs a public reason."""
    topic = _managed(actor, topic)
    reason = clean_or_fail(
        reason,
        label=_("理由"),
        max_length=500,
        field="reason",
        required=_("不予列入须写明理由"),
        required_code="reason_required",
    )
    topic.decline_reason = reason
    return _step(actor, topic, Status.DECLINED, reason, ["decline_reason"])


@transaction.atomic
def topic_publish(*, actor: Any, topic: Topic, procedure: str, body: str, matter: str = "") -> Topic:
    """Publishes the materials as version 1 and fixes the procedure the topic will be decided by."""
    topic = _managed(actor, topic)
    if procedure not in Procedure.values:
        raise ValidationFailed(_("请选择议事规则"), code="bad_procedure")
    if procedure == Procedure.OWNERS and matter not in Matter.values:
        raise ValidationFailed(_("业主共同决定须选择事项类别"), code="bad_matter")
    if procedure == Procedure.ELEVATOR:
        if topic.place.kind != "unit":
            raise ValidationFailed(_("加装电梯的议题须建在一个单元上"), code="not_a_unit")
        matter = Matter.MAJOR  # local rules apply the Art. 278 (六)-(八) thresholds to the unit's owners
    topic.procedure = procedure
    topic.matter = matter if procedure in VOTING_PROCEDURES else ""
    _step(actor, topic, Status.PUBLISHED, "", ["procedure", "matter"])
    _add_version(actor, topic, body, _("首次公布"))
    return topic


@transaction.atomic
def topic_start_discussion(*, actor: Any, topic: Topic) -> Topic:
    return _step(actor, _managed(actor, topic), Status.DISCUSSION)


@transaction.atomic
def topic_open_voting(
    *, actor: Any, topic: Topic, closes_at: datetime.datetime, opens_at: datetime.datetime | None = None
) -> Topic:
    topic = _managed(actor, topic)
    if topic.procedure not in VOTING_PROCEDURES:
        raise PhaseClosed(_("该议题的议事规则不需要表决"), code="no_vote")
    if topic.procedure == Procedure.ELEVATOR and not ElevatorPlan.objects.filter(topic=topic).exists():
        raise PhaseClosed(_("请先填写加装电梯方案（造价与分摊系数）"), code="no_plan")
    opens_at = opens_at or timezone.now()
    if closes_at <= opens_at:
        raise ValidationFailed(_("表决截止时间须晚于开始时间"), code="bad_window")
    topic.voting_opens_at, topic.voting_closes_at = opens_at, closes_at
    return _step(actor, topic, Status.VOTING, "", ["voting_opens_at", "voting_closes_at"])


@transaction.atomic
def topic_decide(*, actor: Any, topic: Topic, resolution: str) -> Topic:
    """Records the resolution; an owners' vote is tallied when its window has closed, and the tally is kept."""
    from gongzhi.deliberation.selectors import tally

    topic = _managed(actor, topic)
    if topic.status == Status.VOTING:
        if topic.voting_closes_at and timezone.now() < topic.voting_closes_at:
            raise PhaseClosed(_("表决尚未截止，不能形成决议"), code="voting_open")
        topic.result = tally(topic=topic).as_json()
        if topic.procedure == Procedure.ELEVATOR:
            # The plan and the result are 公示 from the decision on; objections are taken until it closes.
            ElevatorPlan.objects.filter(topic=topic).update(publicity_starts_at=timezone.now())
    topic.resolution = clean_or_fail(
        resolution, label=_("决议"), max_length=5000, field="resolution", required=_("请填写决议内容")
    )
    return _step(actor, topic, Status.DECIDED, "", ["resolution", "result"])


@transaction.atomic
def topic_start_implementing(*, actor: Any, topic: Topic, note: str = "") -> Topic:
    note = clean_or_fail(note, label=_("说明"), max_length=500)
    return _step(actor, _managed(actor, topic), Status.IMPLEMENTING, note)


@transaction.atomic
def topic_report(*, actor: Any, topic: Topic, report: str) -> Topic:
    """The result reported back publicly: the last step."""
    topic = _managed(actor, topic)
    topic.report = clean_or_fail(
        report, label=_("结果反馈"), max_length=5000, field="report", required=_("请填写结果反馈")
    )
    return _step(actor, topic, Status.REPORTED, "", ["report"])


@transaction.atomic
def topic_pin_hot(*, actor: Any, topic: Topic, month: datetime.date) -> Topic:
    """The community's 每月热议: one a month; pinning another topic for the month moves the pin."""
    topic = _managed(actor, topic)
    if topic.status in (Status.PROPOSED, Status.DECLINED):
        raise PhaseClosed(_("只有已列入议程的议题可以设为每月热议"), code="not_public")
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


def _add_version(actor: Any, topic: Topic, body: str, note: str) -> ProposalVersion:
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


def can_revise(actor: Any, topic: Topic) -> bool:
    """Staff of the place, or a building head of it, may put up a new round of the proposal."""
    return _can(actor, Action.TOPIC_REVISE, topic) and (_can_manage(actor, topic) or _in_audience(actor, topic))


@transaction.atomic
def version_add(*, actor: Any, topic: Topic, body: str, change_note: str) -> ProposalVersion:
    """A new round of the proposal, by staff or the building heads of its place, while it is being discussed."""
    topic = _locked(topic)
    if not can_revise(actor, topic):
        raise PermissionDenied()
    if not lc.phase_allows("revise", topic.status, timezone.now()):
        raise PhaseClosed(_("当前阶段不能修改方案"))
    note = clean_or_fail(
        change_note, label=_("修改说明"), max_length=500, field="change_note", required=_("请说明这一版改了什么")
    )
    return _add_version(actor, topic, body, note)


@transaction.atomic
def comment_post(
    *, actor: Any, topic: Topic, body: str, version: ProposalVersion | None = None, parent: Comment | None = None
) -> Comment:
    topic = Topic.objects.get(pk=topic.pk)  # the phase as it is now, not as the caller last read it
    if not (_in_audience(actor, topic) or _can_manage(actor, topic)):
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
def comment_hide(*, actor: Any, comment: Comment, reason: str) -> Comment:
    """Moderation hides a comment with a reason; the text stays in the record."""
    comment = Comment.objects.select_for_update().select_related("topic").get(pk=comment.pk)
    if not _can_manage(actor, comment.topic):
        raise PermissionDenied()
    comment.hidden_reason = clean_or_fail(
        reason,
        label=_("理由"),
        max_length=200,
        field="reason",
        required=_("隐藏意见须写明理由"),
        required_code="reason_required",
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


def owned_units_voter(topic: Topic, person: Person) -> bool:
    """Whether the person votes for some household under the topic's place (co-owners: the first registered).

    Looks only at the person's own households, so a ballot costs the same for 50 owners or 30,000.
    """
    households = Ownership.objects.filter(person=person, place_path__under=topic.place_path).values("household_id")
    first = (
        Ownership.objects.filter(household_id__in=households)
        .values("household_id")
        .annotate(first=Min("person_id"))
        .values_list("first", flat=True)
    )
    return person.pk in set(first)


def _check_evidence(upload: UploadedFile | None, *, required: bool) -> None:
    if upload is None:
        if required:
            raise ValidationFailed(_("委托表决须上传书面委托书"), code="evidence_required", extra={"field": "evidence"})
        return
    if upload.size and upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationFailed(_("文件不能超过10MB"), code="too_large", extra={"field": "evidence"})
    head = upload.read(4)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES):
        raise ValidationFailed(_("凭证须为PDF、PNG或JPG文件"), code="bad_type", extra={"field": "evidence"})


def _cast(
    *,
    actor: Any,
    topic: Topic,
    voter: Person,
    choice: str,
    channel: str,
    serial_no: str = "",
    proxy_name: str = "",
    evidence: UploadedFile | None = None,
) -> Ballot:
    topic = _locked(topic)  # serializes ballots of one topic, so the one-per-owner check cannot race
    if topic.procedure not in VOTING_PROCEDURES:
        raise PhaseClosed(_("该议题不进行业主表决"), code="no_vote")
    if not lc.phase_allows("vote", topic.status, timezone.now(), topic.voting_opens_at, topic.voting_closes_at):
        raise PhaseClosed(_("不在表决时间内，不能表决"))
    if choice not in Choice.values:
        raise ValidationFailed(_("请选择同意、反对或弃权"), code="bad_choice")
    if voter.community_id != topic.community_id or not owned_units_voter(topic, voter):
        raise PermissionDenied(_("该业主不在本议题的表决范围内"), code="not_an_owner")
    if Ballot.objects.filter(topic=topic, voter=voter, voided_at__isnull=True).exists():
        raise AlreadyVoted()
    ballot = Ballot(
        community_id=topic.community_id,
        topic=topic,
        voter=voter,
        choice=choice,
        channel=channel,
        serial_no=serial_no,
        proxy_name=proxy_name,
        entered_by=actor,
        place_path=topic.place_path,
    )
    if evidence is not None:
        ballot.evidence = evidence
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError as exc:
        if serial_no and Ballot.objects.filter(topic=topic, serial_no=serial_no).exists():
            raise ValidationFailed(_("该编号的表决票已录入"), code="serial_used", extra={"field": "serial_no"}) from exc
        raise AlreadyVoted() from exc
    audit.record(
        actor=actor,
        verb=f"ballot.{channel}",
        obj=ballot,
        community_id=topic.community_id,
        on_behalf_of="" if channel == Channel.ONLINE else f"person:{voter.pk}",
        after={"topic": topic.pk, "voter": voter.pk, "choice": choice, "serial_no": serial_no},
    )
    return ballot


@transaction.atomic
def ballot_cast(*, actor: Any, topic: Topic, choice: str) -> Ballot:
    """An owner votes online for themselves."""
    persons = list(Person.objects.filter(account_id=actor.pk, community_id=topic.community_id))
    voter = next((p for p in persons if owned_units_voter(topic, p)), None)
    if voter is None:
        raise PermissionDenied(_("您不是本议题范围内的业主，不能表决"), code="not_an_owner")
    return _cast(actor=actor, topic=topic, voter=voter, choice=choice, channel=Channel.ONLINE)


@transaction.atomic
def ballot_enter_paper(
    *, actor: Any, topic: Topic, voter: Person, choice: str, serial_no: str, scan: UploadedFile | None = None
) -> Ballot:
    """Staff enter a printed ballot sheet by its serial number, optionally with its scan."""
    if not _can_manage(actor, topic):
        raise PermissionDenied()
    serial_no = clean_or_fail(
        serial_no,
        label=_("表决票编号"),
        max_length=40,
        field="serial_no",
        required=_("请填写表决票编号"),
        required_code="serial_required",
    )
    _check_evidence(scan, required=False)
    return _cast(
        actor=actor, topic=topic, voter=voter, choice=choice, channel=Channel.PAPER, serial_no=serial_no, evidence=scan
    )


@transaction.atomic
def ballot_enter_proxy(
    *, actor: Any, topic: Topic, voter: Person, choice: str, proxy_name: str, evidence: UploadedFile | None
) -> Ballot:
    """A vote by written authorisation: the agent's name and the authorisation itself are required."""
    if not _can_manage(actor, topic):
        raise PermissionDenied()
    proxy_name = clean_or_fail(
        proxy_name,
        label=_("受托人"),
        max_length=50,
        field="proxy_name",
        required=_("请填写受托人姓名"),
        required_code="proxy_required",
    )
    _check_evidence(evidence, required=True)
    return _cast(
        actor=actor,
        topic=topic,
        voter=voter,
        choice=choice,
        channel=Channel.PROXY,
        proxy_name=proxy_name,
        evidence=evidence,
    )


@transaction.atomic
def ballot_void(*, actor: Any, ballot: Ballot, reason: str) -> Ballot:
    """Staff void a ballot only with a reason; the row stays, and the owner may vote again in the window."""
    ballot = Ballot.objects.select_for_update().select_related("topic").get(pk=ballot.pk)
    if not _can_manage(actor, ballot.topic):
        raise PermissionDenied()
    if ballot.voided_at is not None:
        raise ValidationFailed(_("该表决票已作废"), code="already_void")
    if ballot.topic.status != Status.VOTING:
        raise PhaseClosed(_("表决结束后不能作废表决票"))
    ballot.void_reason = clean_or_fail(
        reason,
        label=_("作废原因"),
        max_length=200,
        field="reason",
        required=_("作废表决票须写明原因"),
        required_code="reason_required",
    )
    ballot.voided_at, ballot.voided_by = timezone.now(), actor
    ballot.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit.record(
        actor=actor,
        verb="ballot.void",
        obj=ballot,
        community_id=ballot.community_id,
        after={"reason": ballot.void_reason},
    )
    return ballot


def parse_yuan(raw: str) -> int:
    """ "300000" or "300000.50" 元 → fen, exactly."""
    text = (raw or "").strip().replace(",", "")
    if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", text):
        raise ValidationFailed(_("金额应为元，最多两位小数"), code="bad_amount", extra={"field": "total_yuan"})
    return int(Decimal(text) * 100)


@transaction.atomic
def elevator_plan_set(
    *,
    actor: Any,
    topic: Topic,
    total_yuan: str,
    coefficients: Mapping[int, str] | None = None,
    publicity_days: int = 10,
) -> ElevatorPlan:
    """The cost and its split by floor, while the plan is being discussed. Every floor of the unit needs a
    coefficient; the default table fills the form (ground floor 0)."""
    from gongzhi.rules import cost_share

    topic = _managed(actor, topic)
    if topic.procedure != Procedure.ELEVATOR:
        raise NotFound()
    if not lc.phase_allows("revise", topic.status, timezone.now()):
        raise PhaseClosed(_("当前阶段不能修改方案"))
    if not 1 <= publicity_days <= 60:
        raise ValidationFailed(_("公示天数应为1至60天"), code="bad_days", extra={"field": "publicity_days"})
    total_fen = parse_yuan(total_yuan)
    floors = sorted({f for f in topic_households(topic).values_list("floor", flat=True) if f is not None})
    if not floors:
        raise ValidationFailed(_("该单元没有登记楼层的住户"), code="no_floors")
    try:
        table = {int(k): Decimal(str(v)) for k, v in (coefficients or {}).items()} or None
        chosen = cost_share.coefficients_for(max(floors), table)
    except (ValueError, ArithmeticError) as exc:
        raise ValidationFailed(str(exc) or _("分摊系数无效"), code="bad_coefficients") from exc
    if any(v < 0 for v in chosen.values()):
        raise ValidationFailed(_("分摊系数不能为负数"), code="bad_coefficients")
    before = None
    plan = ElevatorPlan.objects.filter(topic=topic).first()
    if plan is None:
        plan = ElevatorPlan(community_id=topic.community_id, topic=topic, total_fen=0, coefficients={})
    else:
        before = {"total_fen": plan.total_fen, "coefficients": plan.coefficients}
    plan.total_fen, plan.publicity_days = total_fen, publicity_days
    plan.coefficients = {str(f): str(c) for f, c in sorted(chosen.items())}
    plan.save()
    audit.record(
        actor=actor,
        verb="elevator.plan",
        obj=plan,
        community_id=topic.community_id,
        before=before,
        after={"total_fen": total_fen, "coefficients": plan.coefficients, "publicity_days": publicity_days},
    )
    return plan


def topic_households(topic: Topic) -> Any:
    from gongzhi.places.models import Household

    return Household.objects.filter(community_id=topic.community_id, place_path__under=topic.place_path)


@transaction.atomic
def objection_file(*, actor: Any, topic: Topic, body: str) -> Objection:
    """During the 公示 anyone of the unit may object; the objection stays on the record with its answer."""
    topic = Topic.objects.get(pk=topic.pk)
    plan = ElevatorPlan.objects.filter(topic=topic).first()
    if plan is None:
        raise NotFound()
    if not (_in_audience(actor, topic) or _can_manage(actor, topic)):
        raise PermissionDenied(_("您不在该议题的范围内"))
    start = plan.publicity_starts_at
    closes = lc.publicity_closes(start, plan.publicity_days) if start else None
    if start is None or not lc.phase_allows("object", topic.status, timezone.now(), start, closes):
        raise PhaseClosed(_("不在公示期内，不能提出异议"), code="not_in_publicity")
    text = clean_or_fail(body, label=_("异议"), max_length=2000, field="body", required=_("请写明异议内容"))
    objection = Objection.objects.create(community_id=topic.community_id, topic=topic, author=actor, body=text)
    audit.record(
        actor=actor, verb="objection.file", obj=objection, community_id=topic.community_id, after={"topic": topic.pk}
    )
    return objection


@transaction.atomic
def objection_answer(*, actor: Any, objection: Objection, answer: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("topic").get(pk=objection.pk)
    if not _can_manage(actor, objection.topic):
        raise PermissionDenied()
    before = {"answer": objection.answer}
    objection.answer = clean_or_fail(answer, label=_("答复"), max_length=2000, field="answer", required=_("请填写答复"))
    objection.answered_by, objection.answered_at = actor, timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(
        actor=actor,
        verb="objection.answer",
        obj=objection,
        community_id=objection.community_id,
        before=before,
        after={"answer": objection.answer},
    )
    return objection
