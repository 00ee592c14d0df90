"""Ballots of owners' votes: online, paper and proxy; one live ballot per owner; voids with a reason."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit, uploads
from gongzhi.core.errors import (
    AlreadyVoted,
    NotFound,
    PermissionDenied,
    PhaseClosed,
    ValidationFailed,
    clean_or_fail,
)
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import (
    Ballot,
    Channel,
    Choice,
    Status,
    Topic,
)
from gongzhi.deliberation.predicates import can_manage_topic
from gongzhi.deliberation.services.topics import VOTING_PROCEDURES
from gongzhi.people.models import Ownership, Person
from gongzhi.rules import topic_lifecycle as lc

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_KINDS = (uploads.PDF, "PNG", "JPEG")
EVIDENCE_MAX_SIDE = 4096  # an A4 page scanned at 300 dpi (3508 px) stays legible


def _designated(topic: Topic, person_id: Any) -> QuerySet[Ownership]:
    """The person's ownerships under the topic's place where no owner of the household was registered before them
    (co-owners vote once, by the first of them, as `selectors.designated_owner_ids` counts them)."""
    earlier = Ownership.objects.filter(household_id=OuterRef("household_id"), person_id__lt=OuterRef("person_id"))
    return Ownership.objects.filter(person_id=person_id, place_path__under=topic.place_path).filter(~Exists(earlier))


def owned_units_voter(topic: Topic, person: Person) -> bool:
    """Whether the person votes for some household under the topic's place (co-owners: the first registered).

    One query over the person's own households, so a ballot costs the same for 50 owners or 30,000.
    """
    return _designated(topic, person.pk).exists()


# The topic locked for the ballot and, in the same statement, the voter: the person (found by account online, by id
# for paper and proxy) who is the first registered owner of some household under the topic's place. The same rule
# as `_designated`, written out: compiling that ORM query cost more CPU than the rest of a ballot together.
_TOPIC_AND_VOTER_SQL = """
SELECT t.*, (
    SELECT p.id FROM {person} p
    WHERE p.community_id = t.community_id AND {who}
      AND EXISTS (
          SELECT 1 FROM {ownership} o
          WHERE o.person_id = p.id AND o.place_path LIKE %(under)s
            AND NOT EXISTS (
                SELECT 1 FROM {ownership} e WHERE e.household_id = o.household_id AND e.person_id < o.person_id
            )
      )
    ORDER BY p.place_path, p.id LIMIT 1
) AS voter_pk
FROM {topic} t WHERE t.id = %(topic)s AND t.place_path = %(path)s {lock}
"""


def _topic_and_voter(topic: Topic, *, account_id: Any = None, person_id: Any = None) -> tuple[Topic, int | None]:
    """The topic locked FOR SHARE, and the id of the voter it lets vote (None: not an owner under its place).

    FOR SHARE lets the ballots of one topic run side by side (shared locks do not conflict), while a lifecycle
    step (`_locked`: FOR UPDATE, e.g. `topic_decide` closing the vote and keeping the tally) waits for every ballot
    in flight to commit, and a ballot that arrives meanwhile waits for the step and then reads the topic as the step
    left it. One live ballot per owner is then kept by the partial unique constraint, not by serializing ballots.
    """
    q = connection.ops.quote_name
    sql = _TOPIC_AND_VOTER_SQL.format(
        person=q(Person._meta.db_table),
        ownership=q(Ownership._meta.db_table),
        topic=q(Topic._meta.db_table),
        who="p.account_id = %(account)s" if person_id is None else "p.id = %(person)s",
        # SQLite has no row locks: a write takes the whole database, so ballots serialize there anyway.
        lock="FOR SHARE OF t" if connection.vendor == "postgresql" else "",
    )
    params = {
        "topic": topic.pk,
        "path": topic.place_path,  # never changes after the proposal; a mismatch reads as a missing topic
        "under": topic.place_path + "%",
        "account": account_id,
        "person": person_id,
    }
    rows = list(Topic.objects.raw(sql, params))
    if not rows:
        raise NotFound()
    return rows[0], rows[0].voter_pk  # type: ignore[attr-defined]


_SHARED_SQL = "SELECT * FROM {topic} WHERE id = %s {lock}"


def _shared(topic_id: int) -> Topic:
    """The topic locked FOR SHARE (see `_topic_and_voter`), for a change to a ballot that is already cast."""
    sql = _SHARED_SQL.format(
        topic=connection.ops.quote_name(Topic._meta.db_table),
        lock="FOR SHARE" if connection.vendor == "postgresql" else "",
    )
    rows = list(Topic.objects.raw(sql, [topic_id]))
    if not rows:
        raise NotFound()
    return rows[0]


def _check_evidence(upload: UploadedFile | None, *, required: bool) -> uploads.Inspected | None:
    """The scan or proxy letter as it will be kept: a PDF whose structure holds, or a PNG/JPEG decoded and
    re-encoded without its metadata; refused with a Chinese message before anything is saved."""
    if upload is None:
        if required:
            raise ValidationFailed(
                _("委托表决须上传书面委托书"), code=Code.EVIDENCE_REQUIRED, extra={"field": "evidence"}
            )
        return None
    try:
        return uploads.inspect(upload, kinds=EVIDENCE_KINDS, max_bytes=EVIDENCE_MAX_BYTES, max_side=EVIDENCE_MAX_SIDE)
    except uploads.UploadRefused as refused:
        if refused.reason == "too_big":
            raise ValidationFailed(_("文件不能超过10MB"), code=Code.TOO_LARGE, extra={"field": "evidence"}) from refused
        if refused.reason == "too_many_pixels":
            raise ValidationFailed(
                _("图片像素过多，请缩小后再上传"), code=Code.TOO_MANY_PIXELS, extra={"field": "evidence"}
            ) from refused
        raise ValidationFailed(
            _("凭证须为完整的PDF、PNG或JPG文件，请重新扫描或导出后上传"),
            code=Code.BAD_TYPE,
            extra={"field": "evidence"},
        ) from refused


def _cast(
    *,
    actor: User,
    topic: Topic,
    voter_id: int | None,
    choice: str,
    channel: str,
    serial_no: str = "",
    proxy_name: str = "",
    evidence: uploads.Inspected | None = None,
) -> Ballot:
    """Expects the topic and the voter from `_topic_and_voter`, in the caller's transaction, and the evidence from
    `_check_evidence`: it is written under a random name before the row, and removed again if the row is refused."""
    if topic.procedure not in VOTING_PROCEDURES:
        raise PhaseClosed(_("该议题不进行业主表决"), code=Code.NO_VOTE)
    if not lc.phase_allows("vote", topic.status, timezone.now(), topic.voting_opens_at, topic.voting_closes_at):
        raise PhaseClosed(_("不在表决时间内，不能表决"))
    if choice not in Choice.values:
        raise ValidationFailed(_("请选择同意、反对或弃权"), code=Code.BAD_CHOICE)
    if voter_id is None:
        raise PermissionDenied(_("该业主不在本议题的表决范围内"), code=Code.NOT_AN_OWNER)
    # A sheet entered twice breaks both unique constraints (its serial and its owner's live ballot), and PostgreSQL
    # reports whichever index it checks first; asking first makes the clerk read about the serial either way.
    if serial_no and Ballot.objects.filter(topic=topic, serial_no=serial_no).exists():
        raise ValidationFailed(_("该编号的表决票已录入"), code=Code.SERIAL_USED, extra={"field": "serial_no"})
    ballot = Ballot(
        community_id=topic.community_id,
        topic=topic,
        voter_id=voter_id,
        choice=choice,
        channel=channel,
        serial_no=serial_no,
        proxy_name=proxy_name,
        entered_by=actor,
        place_path=topic.place_path,
    )
    if evidence is not None:
        ballot.evidence.save(evidence.stored_name(), ContentFile(evidence.data), save=False)
    try:
        # The partial unique constraints decide a race: a second live ballot of the owner (or a serial used twice)
        # waits for the first one's transaction and then fails here. No savepoint: the refusal rolls back the
        # service's own transaction (its savepoint when nested), and nothing more runs in it.
        ballot.save()
    except IntegrityError as exc:
        if evidence is not None:
            ballot.evidence.delete(save=False)
        # PostgreSQL names the constraint (paper_serial_used_once), SQLite the column (….serial_no).
        if serial_no and "serial" in str(exc):
            raise ValidationFailed(
                _("该编号的表决票已录入"), code=Code.SERIAL_USED, extra={"field": "serial_no"}
            ) from exc
        raise AlreadyVoted() from exc
    audit.record(
        actor=actor,
        verb=f"ballot.{channel}",
        obj=ballot,
        community_id=topic.community_id,
        on_behalf_of="" if channel == Channel.ONLINE else f"person:{voter_id}",
        after={"topic": topic.pk, "voter": voter_id, "choice": choice, "serial_no": serial_no},
    )
    return ballot


@transaction.atomic
def ballot_cast(*, actor: User, topic: Topic, choice: str) -> Ballot:
    """An owner votes online for themselves; takes the topic FOR SHARE (see `_topic_and_voter`)."""
    topic, voter_id = _topic_and_voter(topic, account_id=actor.pk)
    if voter_id is None:
        raise PermissionDenied(_("您不是本议题范围内的业主，不能表决"), code=Code.NOT_AN_OWNER)
    return _cast(actor=actor, topic=topic, voter_id=voter_id, choice=choice, channel=Channel.ONLINE)


@transaction.atomic
def ballot_enter_paper(
    *, actor: User, topic: Topic, voter: Person, choice: str, serial_no: str, scan: UploadedFile | None = None
) -> Ballot:
    """Staff enter a printed ballot sheet by its serial number, optionally with its scan."""
    topic, voter_id = _topic_and_voter(topic, person_id=voter.pk)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied()
    serial_no = clean_or_fail(
        serial_no,
        label=_("表决票编号"),
        max_length=40,
        field="serial_no",
        required=_("请填写表决票编号"),
        required_code=Code.SERIAL_REQUIRED,
    )
    evidence = _check_evidence(scan, required=False)
    return _cast(
        actor=actor,
        topic=topic,
        voter_id=voter_id,
        choice=choice,
        channel=Channel.PAPER,
        serial_no=serial_no,
        evidence=evidence,
    )


@transaction.atomic
def ballot_enter_proxy(
    *, actor: User, topic: Topic, voter: Person, choice: str, proxy_name: str, evidence: UploadedFile | None
) -> Ballot:
    """A vote by written authorisation: the agent's name and the authorisation itself are required."""
    topic, voter_id = _topic_and_voter(topic, person_id=voter.pk)
    if not can_manage_topic(actor, topic):
        raise PermissionDenied()
    proxy_name = clean_or_fail(
        proxy_name,
        label=_("受托人"),
        max_length=50,
        field="proxy_name",
        required=_("请填写受托人姓名"),
        required_code=Code.PROXY_REQUIRED,
    )
    kept = _check_evidence(evidence, required=True)
    return _cast(
        actor=actor,
        topic=topic,
        voter_id=voter_id,
        choice=choice,
        channel=Channel.PROXY,
        proxy_name=proxy_name,
        evidence=kept,
    )


@transaction.atomic
def ballot_void(*, actor: User, ballot: Ballot, reason: str) -> Ballot:
    """Staff void a ballot only with a reason; the row stays, and the owner may vote again in the window."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    ballot.topic = _shared(ballot.topic_id)  # so that a void cannot slip in after `topic_decide` has tallied
    if not can_manage_topic(actor, ballot.topic):
        raise PermissionDenied()
    if ballot.voided_at is not None:
        raise ValidationFailed(_("该表决票已作废"), code=Code.ALREADY_VOID)
    if ballot.topic.status != Status.VOTING:
        raise PhaseClosed(_("表决结束后不能作废表决票"))
    ballot.void_reason = clean_or_fail(
        reason,
        label=_("作废原因"),
        max_length=200,
        field="reason",
        required=_("作废表决票须写明原因"),
        required_code=Code.REASON_REQUIRED,
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
