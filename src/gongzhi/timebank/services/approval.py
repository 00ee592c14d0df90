"""Approval of service records: approve (which posts the record's points, key `record:<pk>:earn`), reject,
dispute and the staff's decision on a dispute.

Locks: a record's row guards its status, so a record is approved (and paid) at most once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.notifications.services import notify
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.rules import service_hours as rules
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, AccountKind, TransactionKind
from gongzhi.timebank.predicates import (
    is_timebank_staff,
    require_member,
    require_record_decider,
)
from gongzhi.timebank.services.accounts import individual_account, system_account
from gongzhi.timebank.services.posting import transfer_post

__all__ = [
    "dispute_decide",
    "record_approve",
    "record_dispute",
    "record_reject",
]


REASON_MAX = 200
DISPUTE_MAX = 500

# --- approval and disputes -------------------------------------------------------------------------------------


def _lock_record(record: ServiceRecord) -> ServiceRecord:
    locked: ServiceRecord = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("community", "person", "service_type", "session__activity", "card")
        .get(pk=record.pk)
    )
    return locked


def _not_decidable(record: ServiceRecord, wanted: str) -> ValidationFailed:
    if record.status == RecordStatus.APPROVED:
        return ValidationFailed(_("这条服务记录已经审核通过，不能重复审核"), code=Code.ALREADY_APPROVED)
    if wanted == RecordStatus.DISPUTED:
        return ValidationFailed(_("这条服务记录不在申诉中"), code=Code.NOT_DISPUTED)
    if record.status == RecordStatus.CHECKED_IN:
        return ValidationFailed(_("志愿者还没有签退，不能审核"), code=Code.NOT_CHECKED_OUT)
    return ValidationFailed(
        _("这条服务记录现在是“%(status)s”，不能审核") % {"status": record.get_status_display()}, code=Code.NOT_PENDING
    )


def _post_points(actor: User, record: ServiceRecord, now: datetime.datetime) -> None:
    """One EARN transaction, issuance → the person's account or the card (the person named on the entry)."""
    points = rules.points_for(record.minutes, record.service_type.points_per_hour)
    record.points = points
    if points > 0:
        target = record.card if record.card is not None else individual_account(record.person)
        if target.kind not in (AccountKind.INDIVIDUAL, *COLLECTIVE_KINDS):
            raise ValidationFailed(_("积分只能发放到个人账户或集体卡"), code=Code.BAD_ACCOUNT)
        community: Place = record.community
        record.transaction = transfer_post(
            actor=actor,
            community=community,
            kind=TransactionKind.EARN,
            postings=[(system_account(community, AccountKind.ISSUANCE), -points), (target, points)],
            memo=f"志愿服务：{record.content}"[:200],  # stored data, in Chinese like the memos staff type
            idempotency_key=f"record:{record.pk}:earn",
            attributed_person=record.person,
        )
    record.status = RecordStatus.APPROVED
    record.reviewed_by = actor
    record.reviewed_at = now


def _tell_volunteer(record: ServiceRecord, kind: str, title: str, body: str = "") -> None:
    if record.person.account_id:
        notify(
            users=[record.person.account_id],
            community_id=record.community_id,
            kind=kind,
            title=title,
            body=body,
            url=reverse("timebank:my_activities", args=[record.community_id]),
            dedupe_key=f"{kind}-{record.pk}",
        )


def _hours_text(record: ServiceRecord) -> str:
    return f"{record.minutes / 60:.1f}"


@transaction.atomic
def record_approve(*, actor: User, record: ServiceRecord, now: datetime.datetime | None = None) -> ServiceRecord:
    """The activity's organiser (their own activities only), the grid worker for resident-to-resident help, or
    staff approve a PENDING record: its points (minutes × the service type's points per hour) are posted once."""
    record = _lock_record(record)
    require_record_decider(actor, record)
    if record.status != RecordStatus.PENDING:
        raise _not_decidable(record, RecordStatus.PENDING)
    now = now or timezone.now()
    _post_points(actor, record, now)
    record.save(update_fields=["status", "points", "transaction", "reviewed_by", "reviewed_at"])
    _tell_volunteer(
        record,
        "timebank.record_approved",
        _("服务时长已审核通过：%(content)s，%(hours)s 小时，%(points)s 积分")
        % {"content": record.content, "hours": _hours_text(record), "points": record.points},
    )
    audit.record(
        actor=actor,
        verb="timebank.record_approve",
        obj=record,
        community_id=record.community_id,
        before={"status": RecordStatus.PENDING},
        after={"status": record.status, "points": record.points, "transaction": record.transaction_id},
    )
    return record


def _reason(reason: str, *, label: Any, required: Any, max_length: int = REASON_MAX) -> str:
    return clean_or_fail(
        reason,
        label=label,
        max_length=max_length,
        field="reason",
        required=required,
        required_code=Code.REASON_REQUIRED,
    )


@transaction.atomic
def record_reject(
    *, actor: User, record: ServiceRecord, reason: str, now: datetime.datetime | None = None
) -> ServiceRecord:
    """The same deciders reject a PENDING record, with a reason the volunteer sees (and may dispute once)."""
    record = _lock_record(record)
    require_record_decider(actor, record)
    if record.status != RecordStatus.PENDING:
        raise _not_decidable(record, RecordStatus.PENDING)
    reason = _reason(reason, label=_("不通过原因"), required=_("请填写不通过的原因"))
    record.status = RecordStatus.REJECTED
    record.reject_reason = reason
    record.reviewed_by = actor
    record.reviewed_at = now or timezone.now()
    record.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    _tell_volunteer(
        record,
        "timebank.record_rejected",
        _("服务时长未通过审核：%(content)s") % {"content": record.content},
        _("原因：%(reason)s。如有异议，可以在“我的活动”中申诉一次。") % {"reason": reason},
    )
    audit.record(
        actor=actor,
        verb="timebank.record_reject",
        obj=record,
        community_id=record.community_id,
        before={"status": RecordStatus.PENDING},
        after={"status": record.status, "reason": reason},
    )
    return record


@transaction.atomic
def record_dispute(
    *, actor: User, record: ServiceRecord, reason: str, now: datetime.datetime | None = None
) -> ServiceRecord:
    """The volunteer disputes the rejection of their own record, once; staff then decide."""
    record = _lock_record(record)
    require_member(actor, record.community)
    if record.person.account_id != actor.pk:
        raise PermissionDenied(_("只能对自己的服务记录申诉"))
    if record.disputed_at is not None:
        raise ValidationFailed(_("每条服务记录只能申诉一次"), code=Code.DISPUTE_ONCE)
    if record.status != RecordStatus.REJECTED:
        raise ValidationFailed(_("只有未通过审核的服务记录可以申诉"), code=Code.NOT_REJECTED)
    reason = _reason(reason, label=_("申诉理由"), required=_("请填写申诉理由"), max_length=DISPUTE_MAX)
    record.status = RecordStatus.DISPUTED
    record.dispute_reason = reason
    record.disputed_at = now or timezone.now()
    record.save(update_fields=["status", "dispute_reason", "disputed_at"])
    audit.record(
        actor=actor,
        verb="timebank.record_dispute",
        obj=record,
        community_id=record.community_id,
        before={"status": RecordStatus.REJECTED},
        after={"status": record.status, "reason": reason},
    )
    return record


@transaction.atomic
def dispute_decide(
    *, actor: User, record: ServiceRecord, approve: bool, reason: str = "", now: datetime.datetime | None = None
) -> ServiceRecord:
    """Community staff decide a dispute: upheld → APPROVED with its points posted; dismissed (reason required) →
    DISMISSED, final."""
    record = _lock_record(record)
    require_member(actor, record.community)
    if not is_timebank_staff(actor, record.community):
        raise PermissionDenied(_("只有社区工作人员可以处理申诉"))
    if Person.objects.filter(pk=record.person_id, account_id=actor.pk).exists():
        raise PermissionDenied(_("不能审核自己的服务记录"))
    if record.status != RecordStatus.DISPUTED:
        raise _not_decidable(record, RecordStatus.DISPUTED)
    now = now or timezone.now()
    before = {"status": record.status, "reject_reason": record.reject_reason}
    if approve:
        reason = clean_or_fail(reason, label=_("处理意见"), max_length=REASON_MAX, field="reason")
        _post_points(actor, record, now)
        record.save(update_fields=["status", "points", "transaction", "reviewed_by", "reviewed_at"])
        _tell_volunteer(
            record,
            "timebank.dispute_upheld",
            _("申诉成立，服务时长已审核通过：%(content)s，%(points)s 积分")
            % {"content": record.content, "points": record.points},
            reason,
        )
    else:
        reason = _reason(reason, label=_("处理意见"), required=_("驳回申诉请填写理由"))
        record.status = RecordStatus.DISMISSED
        record.reject_reason = reason
        record.reviewed_by = actor
        record.reviewed_at = now
        record.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
        _tell_volunteer(
            record,
            "timebank.dispute_dismissed",
            _("申诉未通过：%(content)s") % {"content": record.content},
            _("理由：%(reason)s") % {"reason": reason},
        )
    audit.record(
        actor=actor,
        verb="timebank.dispute_decide",
        obj=record,
        community_id=record.community_id,
        before=before,
        after={"status": record.status, "points": record.points, "reason": reason},
    )
    return record
