"""志愿服务记录证明: a proof issued free on request (志愿服务记录与证明出具办法), by the volunteer or by staff, with a
random verification code and the totals frozen at issue."""

from __future__ import annotations

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import user_can
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import RecordStatus, ServiceRecord
from gongzhi.timebank.models.volunteers import RecordProof, Volunteer
from gongzhi.timebank.predicates import in_community

__all__ = ["PROOF_CODE_ALPHABET", "PROOF_CODE_LENGTH", "proof_issue"]

# No 0/O, 1/I/L: the code is read off paper and typed by hand.
PROOF_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PROOF_CODE_LENGTH = 12
CODE_TRIES = 5


def _new_code() -> str:
    return "".join(secrets.choice(PROOF_CODE_ALPHABET) for _i in range(PROOF_CODE_LENGTH))


@transaction.atomic
def proof_issue(
    *,
    actor: User,
    volunteer: Volunteer,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> RecordProof:
    """The volunteer themself or staff (`TIMEBANK_VOLUNTEERS`) issue a proof of the approved services in the period
    (open ends: from the first / up to today). Others of the community get 403, anyone else 404."""
    community: Place = volunteer.community
    if actor is None or not getattr(actor, "is_authenticated", False) or not in_community(actor, community):
        raise NotFound()
    if volunteer.person.account_id != actor.pk and not user_can(actor, Action.TIMEBANK_VOLUNTEERS, community):
        raise PermissionDenied(_("只有志愿者本人或社区工作人员可以开具志愿服务记录证明"))
    today = timezone.localdate()
    for value, field in ((period_start, "period_start"), (period_end, "period_end")):
        if value is not None and not isinstance(value, datetime.date):
            raise ValidationFailed(_("日期格式不正确"), code=Code.BAD_DATE, extra={"field": field})
        if value is not None and value > today:
            raise ValidationFailed(_("证明的日期不能晚于今天"), code=Code.FUTURE_DATE, extra={"field": field})
    if period_start is not None and period_end is not None and period_start > period_end:
        raise ValidationFailed(_("开始日期不能晚于截止日期"), code=Code.BAD_PERIOD, extra={"field": "period_end"})
    records = ServiceRecord.objects.filter(
        community=community, person_id=volunteer.person_id, status=RecordStatus.APPROVED
    )
    if period_start is not None:
        records = records.filter(service_date__gte=period_start)
    if period_end is not None:
        records = records.filter(service_date__lte=period_end)
    totals = records.aggregate(services=Count("pk"), minutes=Sum("minutes"))
    services, minutes = int(totals["services"] or 0), int(totals["minutes"] or 0)
    proof = None
    for _attempt in range(CODE_TRIES):
        try:
            with transaction.atomic():  # a savepoint: a code collision (1 in 31^12) draws again
                proof = RecordProof.objects.create(
                    community=community,
                    volunteer=volunteer,
                    code=_new_code(),
                    period_start=period_start,
                    period_end=period_end,
                    services=services,
                    minutes=minutes,
                    issued_by=actor,
                )
            break
        except IntegrityError:
            continue
    if proof is None:
        raise Duplicate(_("验证码生成失败，请重试"), code=Code.CODE_TAKEN)
    audit.record(
        actor=actor,
        verb="timebank.proof_issue",
        obj=proof,
        community_id=community.pk,
        after=audit.snapshot(proof, ["volunteer", "period_start", "period_end", "services", "minutes"]),
    )
    return proof
