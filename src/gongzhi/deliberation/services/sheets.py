"""Printed ballot sheets: issuing one serial per voting household, reissuing a lost sheet, and entering a filled-in
sheet by its serial (the voter is the sheet's household owner, so no ID number is typed)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, PhaseClosed, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import Ballot, BallotSheet, Topic
from gongzhi.deliberation.predicates import can_manage_topic
from gongzhi.deliberation.services.ballots import ballot_enter_paper
from gongzhi.deliberation.services.locks import topic_lock_for_manager
from gongzhi.deliberation.services.topics import VOTING_PROCEDURES
from gongzhi.rules import topic_lifecycle as lc

__all__ = [
    "SERIAL_RE",
    "ballot_enter_by_serial",
    "check_printable",
    "parse_scan",
    "sheet_issue",
    "sheet_reissue",
]

SERIAL_RE = re.compile(r"T\d{1,10}-\d{5,}")


def check_printable(topic: Topic) -> None:
    """Sheets are printed for owners' votes only, from publication until the vote closes."""
    # Sheets go out while owners can still read, discuss and vote on the matter: the same window as comments.
    if not lc.phase_allows("print", topic.status, timezone.now()):
        raise PhaseClosed(_("只有公布、讨论和表决阶段的议题可以印发表决票"), code=Code.SHEETS_CLOSED)
    if topic.procedure not in VOTING_PROCEDURES:
        raise PhaseClosed(_("该议题不进行业主表决，没有表决票"), code=Code.NO_VOTE)


def _new_sheet(actor: User, topic: Topic, household_id: int, voter_id: int, seq: int) -> BallotSheet:
    return BallotSheet(
        community_id=topic.community_id,
        topic=topic,
        household_id=household_id,
        voter_id=voter_id,
        seq=seq,
        serial_no=BallotSheet.serial_for(topic.pk, seq),
        token=secrets.token_hex(8),
        issued_by=actor,
        place_path=topic.place_path,
    )


@transaction.atomic
def sheet_issue(*, actor: User, topic: Topic) -> list[BallotSheet]:
    """Issues a sheet to every voting household that has no live one yet, in building/unit/room order; printing
    again keeps the serials already issued. Locks the topic, so two staff printing at once cannot share a serial.
    Staff who manage the topic, while it is published, discussed or voted on."""
    from gongzhi.deliberation.selectors.topics import designated_owner_ids
    from gongzhi.deliberation.services.elevator import topic_households

    topic = topic_lock_for_manager(actor, topic)
    check_printable(topic)
    designated = designated_owner_ids(topic=topic)
    sheets = BallotSheet.objects.filter(topic=topic)
    covered = set(sheets.filter(voided_at__isnull=True).values_list("household_id", flat=True))
    seq = sheets.aggregate(n=Max("seq"))["n"] or 0
    new: list[BallotSheet] = []
    for household_id in topic_households(topic).order_by("place_path", "floor", "room").values_list("id", flat=True):
        if household_id in designated and household_id not in covered:
            seq += 1
            new.append(_new_sheet(actor, topic, household_id, designated[household_id], seq))
    BallotSheet.objects.bulk_create(new, batch_size=1000)
    audit.record(
        actor=actor,
        verb="sheet.issue",
        obj=topic,
        community_id=topic.community_id,
        after={
            "issued": len(new),
            "first": new[0].serial_no if new else None,
            "last": new[-1].serial_no if new else None,
        },
    )
    return new


@transaction.atomic
def sheet_reissue(*, actor: User, sheet: BallotSheet, reason: str) -> BallotSheet:
    """A lost or spoiled sheet is voided with a reason and a new serial is printed for its household; a sheet
    entered as a live ballot stays (void the ballot first). Locks the topic, then the sheet."""
    from gongzhi.deliberation.selectors.topics import designated_owner_ids

    topic = topic_lock_for_manager(actor, sheet.topic)
    check_printable(topic)
    sheet = BallotSheet.objects.select_for_update().get(pk=sheet.pk, topic=topic)
    if sheet.voided_at is not None:
        raise ValidationFailed(_("该表决票已作废"), code=Code.SHEET_VOID)
    if Ballot.objects.filter(topic=topic, serial_no=sheet.serial_no, voided_at__isnull=True).exists():
        raise ValidationFailed(_("该表决票已录入，不能重新印发"), code=Code.SHEET_USED)
    sheet.void_reason = clean_or_fail(
        reason,
        label=_("作废原因"),
        max_length=200,
        field="reason",
        required=_("重新印发须写明原因"),
        required_code=Code.REASON_REQUIRED,
    )
    voter_id = designated_owner_ids(topic=topic).get(sheet.household_id)
    if voter_id is None:
        raise ValidationFailed(_("该户已没有登记的业主"), code=Code.NO_OWNER)
    sheet.voided_at = timezone.now()
    sheet.save(update_fields=["voided_at", "void_reason"])
    seq = (BallotSheet.objects.filter(topic=topic).aggregate(n=Max("seq"))["n"] or 0) + 1
    new = _new_sheet(actor, topic, sheet.household_id, voter_id, seq)
    new.replaces = sheet
    new.save()
    audit.record(
        actor=actor,
        verb="sheet.reissue",
        obj=new,
        community_id=topic.community_id,
        before={"serial_no": sheet.serial_no},
        after={"serial_no": new.serial_no, "reason": sheet.void_reason},
    )
    return new


def parse_scan(text: str) -> tuple[str, str]:
    """What staff typed or a scanner sent → (serial, token or ""). The sheet's QR holds the entry page's URL with
    ?serial=…&t=…, so a phone camera opens the form prefilled and a USB scanner types the same URL."""
    raw = (text or "").strip()
    if "serial=" in raw:
        query = parse_qs(urlsplit(raw).query)
        return (query.get("serial", [""])[0].strip().upper(), query.get("t", [""])[0].strip().lower())
    return raw.upper(), ""


@transaction.atomic
def ballot_enter_by_serial(
    *, actor: User, topic: Topic, serial: str, choice: str, token: str = "", scan: UploadedFile | None = None
) -> Ballot:
    """Staff enter a printed sheet by its serial: the voter is the household owner the sheet was issued to. A
    serial of another topic, an unknown or voided one, or a QR token that does not match is refused; a serial
    already entered is refused by ballot_enter_paper (paper_serial_used_once)."""
    if not can_manage_topic(actor, topic):
        raise PermissionDenied()
    parsed, scanned_token = parse_scan(serial)
    token = (token or scanned_token).strip().lower()
    if not parsed:
        raise ValidationFailed(_("请填写或扫描表决票编号"), code=Code.SERIAL_REQUIRED, extra={"field": "serial_no"})
    if not SERIAL_RE.fullmatch(parsed):
        raise ValidationFailed(
            _("表决票编号格式不对，应形如 T12-00001"), code=Code.SHEET_UNKNOWN, extra={"field": "serial_no"}
        )
    found = list(
        BallotSheet.objects.visible_to(actor)
        .filter(community_id=topic.community_id, serial_no=parsed)
        .select_related("voter", "replaced_by")
    )
    sheet = next((s for s in found if s.topic_id == topic.pk), None)
    if sheet is None:
        if found:
            raise ValidationFailed(
                _("编号 %(serial)s 是另一议题的表决票，不能录入本议题") % {"serial": parsed},
                code=Code.SHEET_OTHER_TOPIC,
                extra={"field": "serial_no"},
            )
        raise ValidationFailed(
            _("没有编号为 %(serial)s 的表决票，请核对") % {"serial": parsed},
            code=Code.SHEET_UNKNOWN,
            extra={"field": "serial_no"},
        )
    if sheet.voided_at is not None:
        replacement = getattr(sheet, "replaced_by", None)
        raise ValidationFailed(
            _("编号 %(serial)s 的表决票已作废（已重新印发 %(new)s），不能录入")
            % {"serial": parsed, "new": replacement.serial_no if replacement else "—"},
            code=Code.SHEET_VOID,
            extra={"field": "serial_no"},
        )
    if token and not secrets.compare_digest(token, sheet.token):
        raise ValidationFailed(
            _("二维码与表决票编号不符，请核对原件"), code=Code.SHEET_TOKEN, extra={"field": "serial_no"}
        )
    return ballot_enter_paper(
        actor=actor, topic=topic, voter=sheet.voter, choice=choice, serial_no=sheet.serial_no, scan=scan
    )
