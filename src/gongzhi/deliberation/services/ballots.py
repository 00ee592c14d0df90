"""Ballots of owners' votes: online, paper and proxy; one live ballot per owner; voids with a reason."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import (
    AlreadyVoted,
    PermissionDenied,
    PhaseClosed,
    ValidationFailed,
    clean_or_fail,
)
from gongzhi.deliberation.models import (
    Ballot,
    Channel,
    Choice,
    Status,
    Topic,
)
from gongzhi.deliberation.services.topics import VOTING_PROCEDURES, _can_manage, _locked
from gongzhi.people.models import Ownership, Person
from gongzhi.rules import topic_lifecycle as lc

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


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
