"""Handling a voice in the inbox: accept, assign, reply, statuses, close, reject (merging and promoting are in
`merging`, reveals in `reveal`).

Each service is one transaction: the voice row is locked first (`voice_lock`), then the permission is checked
(`predicates`), the input validated, the row saved, one timeline event appended and one audit event written.
Followers and parties are told on commit (`notify` queues on commit)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import User
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    CustomStatus,
    EventKind,
    Party,
    PartyMember,
    Status,
    Voice,
    status_label,
)
from gongzhi.voices.predicates import can_manage_community
from gongzhi.voices.services.voice_steps import (
    REASON_MAX,
    event_append,
    followers_notify,
    status_is_open,
    text_optional,
    text_required,
    voice_actor_label,
    voice_lock_for,
    voice_require_open,
    voices_reindex,
)

__all__ = [
    "custom_status_create",
    "voice_accept",
    "voice_assign",
    "voice_close",
    "voice_reject",
    "voice_reply",
    "voice_status_set",
]


def _custom_statuses(community_id: int) -> dict[str, str]:
    return dict(CustomStatus.objects.filter(community_id=community_id).values_list("code", "name"))


def _status_name(voice: Voice, code: str) -> str:
    return status_label(code, _custom_statuses(voice.community_id))


def _close(
    *, actor: User, voice: Voice, status: str, body: str, kind: str, now: Any, verb: str, reason: str = ""
) -> Voice:
    """The closing step shared by 已办结, 不予受理 and a custom closed status: the voice leaves the open list, the
    reply goes on the public timeline, and the reporter and followers are asked for 满意度回访 (or told why not)."""
    before = voice.status
    voice.status, voice.is_open, voice.closed_at = status, False, now
    voice.first_response_at = voice.first_response_at or now
    fields = ["status", "is_open", "closed_at", "first_response_at", "updated_at"]
    if reason:
        voice.public_reason = reason
        fields.append("public_reason")
    voice.full_clean(exclude=["token"])
    voice.save(update_fields=fields)
    event_append(
        voice=voice,
        kind=kind,
        actor=actor,
        body=body,
        from_status=before,
        to_status=status,
        party=voice.party,
        actor_label=voice_actor_label(actor, voice),
        at=now,
    )
    audit.record(
        actor=actor,
        verb=verb,
        obj=voice,
        community_id=voice.community_id,
        before={"status": before},
        after={"status": status, "body": body[:200]},
    )
    if kind == EventKind.REJECTED:
        followers_notify(
            voice=voice,
            title=_("您反映的问题 #%(id)s 不予受理") % {"id": voice.pk},
            body=reason,
            kind="voice.rejected",
        )
    else:
        followers_notify(
            voice=voice,
            title=_("您反映的问题 #%(id)s 已办结，请评价") % {"id": voice.pk},
            body=_("请对办理结果打分（1–5分）：%(reply)s") % {"reply": body[:200]},
            kind="voice.closed",
        )
    voices_reindex(voice.pk)
    return voice


# ---------------------------------------------------------------------------------------------------------------
# Statuses


@transaction.atomic
def voice_accept(*, actor: User, voice: Voice, note: str = "") -> Voice:
    """待受理 → 已受理; the first response if none yet. For whoever handles the voice."""
    voice = voice_lock_for(actor, voice)
    voice_require_open(voice)
    if voice.status != Status.PENDING:
        raise PhaseClosed(_("该诉求已受理"), code=Code.ALREADY_ACCEPTED)
    note = text_optional(note, label=_("受理说明"), field="note")
    now = timezone.now()
    voice.status, voice.accepted_at = Status.ACCEPTED, now
    voice.first_response_at = voice.first_response_at or now
    voice.save(update_fields=["status", "accepted_at", "first_response_at", "updated_at"])
    event_append(
        voice=voice,
        kind=EventKind.ACCEPTED,
        actor=actor,
        body=note,
        from_status=Status.PENDING,
        to_status=Status.ACCEPTED,
        party=voice.party,
        actor_label=voice_actor_label(actor, voice),
        at=now,
    )
    audit.record(
        actor=actor,
        verb="voice.accept",
        obj=voice,
        community_id=voice.community_id,
        before={"status": Status.PENDING},
        after={"status": Status.ACCEPTED},
    )
    followers_notify(voice=voice, title=_("您反映的问题 #%(id)s 已受理") % {"id": voice.pk}, body=note)
    voices_reindex(voice.pk)
    return voice


@transaction.atomic
def voice_assign(*, actor: User, voice: Voice, party: Party, reason: str = "") -> Voice:
    """Assigns the voice to a party, or reassigns it with a reason (staff only). The deadline stays the resident's:
    reassigning does not restart it. The party's members are told."""
    voice = voice_lock_for(actor, voice, manage=True)
    voice_require_open(voice)
    if party.community_id != voice.community_id:
        raise NotFound(_("未找到该责任方"), code=Code.PARTY_NOT_FOUND)
    if not party.is_active:
        raise ValidationFailed(_("该责任方已停用，请另选"), code=Code.PARTY_INACTIVE, extra={"field": "party"})
    if voice.party_id == party.pk:
        raise ValidationFailed(_("该诉求已由%(name)s办理") % {"name": party.name}, code=Code.SAME_PARTY)
    reassign = voice.party_id is not None
    reason = text_optional(reason, label=_("改派理由"), field="reason", max_length=REASON_MAX)
    if reassign and not reason:
        raise ValidationFailed(_("改派须写明理由"), code=Code.REASON_REQUIRED, extra={"field": "reason"})
    now = timezone.now()
    before = voice.party_id
    voice.party, voice.assigned_at = party, now
    fields = ["party", "assigned_at", "updated_at"]
    if voice.due_at is None:
        from gongzhi.voices.services.deadlines import voice_due_at

        voice.due_at = voice_due_at(category=voice.category, start=now)
        fields.append("due_at")
    voice.save(update_fields=fields)
    event_append(
        voice=voice,
        kind=EventKind.REASSIGNED if reassign else EventKind.ASSIGNED,
        actor=actor,
        body=reason,
        party=party,
        actor_label=party.name,
        at=now,
    )
    audit.record(
        actor=actor,
        verb="voice.reassign" if reassign else "voice.assign",
        obj=voice,
        community_id=voice.community_id,
        before={"party": before},
        after={"party": party.pk, "reason": reason},
    )
    from gongzhi.notifications.services import notify

    notify(
        users=list(PartyMember.objects.filter(party=party).values_list("user_id", flat=True)),
        community_id=voice.community_id,
        kind="voice.assigned",
        title=_("新分派的诉求 #%(id)s") % {"id": voice.pk},
        body=voice.summary,
        url=f"/c/{voice.community_id}/voices/{voice.pk}/handle/",
    )
    return voice


@transaction.atomic
def voice_reply(*, actor: User, voice: Voice, body: str, is_public: bool = True) -> Voice:
    """A reply on the public timeline, or an internal note (is_public False) only staff see. A public reply is a
    response: it sets the first response and moves a pending or accepted voice to 处理中. Replies stay possible
    after closing (answering a rating), not on a merged duplicate."""
    voice = voice_lock_for(actor, voice)
    if voice.status == Status.MERGED or voice.merged_into_id:
        voice_require_open(voice)
    body = text_required(body, label=_("答复"), field="body", required=_("请填写答复内容"), code=Code.BODY_REQUIRED)
    now = timezone.now()
    before = voice.status
    fields = []
    if is_public:
        if voice.first_response_at is None:
            voice.first_response_at = now
            fields.append("first_response_at")
        if voice.status in (Status.PENDING, Status.ACCEPTED):
            voice.status = Status.IN_PROGRESS
            fields.append("status")
        if fields:
            voice.save(update_fields=[*fields, "updated_at"])
    event_append(
        voice=voice,
        kind=EventKind.REPLIED if is_public else EventKind.NOTE,
        actor=actor,
        body=body,
        is_public=bool(is_public),
        from_status=before if voice.status != before else "",
        to_status=voice.status if voice.status != before else "",
        party=voice.party,
        actor_label=voice_actor_label(actor, voice),
        at=now,
    )
    audit.record(
        actor=actor,
        verb="voice.reply" if is_public else "voice.note",
        obj=voice,
        community_id=voice.community_id,
        before={"status": before},
        after={"status": voice.status, "public": bool(is_public)},
    )
    if is_public:
        followers_notify(voice=voice, title=_("您反映的问题 #%(id)s 有新答复") % {"id": voice.pk}, body=body[:200])
    if voice.status != before:
        voices_reindex(voice.pk)
    return voice


@transaction.atomic
def voice_status_set(*, actor: User, voice: Voice, status: str, body: str = "") -> Voice:
    """Moves an open voice to a built-in open status or one of the community's own; a custom closed status
    closes it as 已办结 does (a closing reply is required and followers are asked for 满意度回访)."""
    voice = voice_lock_for(actor, voice)
    voice_require_open(voice)
    is_open = status_is_open(voice.community_id, status)
    if is_open is None or status in (Status.RESOLVED, Status.REJECTED, Status.MERGED):
        raise ValidationFailed(
            _("请选择有效的状态；办结、不予受理与合并请用相应的操作"), code=Code.BAD_STATUS, extra={"field": "status"}
        )
    if status == voice.status:
        raise ValidationFailed(_("该诉求已是此状态"), code=Code.SAME_STATUS, extra={"field": "status"})
    now = timezone.now()
    if not is_open:
        body = text_required(
            body, label=_("办结答复"), field="body", required=_("办结须填写答复"), code=Code.BODY_REQUIRED
        )
        return _close(
            actor=actor, voice=voice, status=status, body=body, kind=EventKind.CLOSED, now=now, verb="voice.status"
        )
    body = text_optional(body, label=_("说明"), field="body")
    before = voice.status
    voice.status = status
    fields = ["status", "updated_at"]
    if status == Status.ACCEPTED and voice.accepted_at is None:
        voice.accepted_at = now
        fields.append("accepted_at")
    if status != Status.PENDING and voice.first_response_at is None:
        voice.first_response_at = now
        fields.append("first_response_at")
    voice.save(update_fields=fields)
    event_append(
        voice=voice,
        kind=EventKind.STATUS,
        actor=actor,
        body=body,
        from_status=before,
        to_status=status,
        party=voice.party,
        actor_label=voice_actor_label(actor, voice),
        at=now,
    )
    audit.record(
        actor=actor,
        verb="voice.status",
        obj=voice,
        community_id=voice.community_id,
        before={"status": before},
        after={"status": status},
    )
    followers_notify(
        voice=voice,
        title=_("您反映的问题 #%(id)s：%(status)s") % {"id": voice.pk, "status": _status_name(voice, status)},
        body=body[:200],
    )
    voices_reindex(voice.pk)
    return voice


@transaction.atomic
def voice_close(*, actor: User, voice: Voice, body: str) -> Voice:
    """已办结 with the closing reply (required); the reporter and followers are asked for 满意度回访."""
    voice = voice_lock_for(actor, voice)
    voice_require_open(voice)
    body = text_required(body, label=_("办结答复"), field="body", required=_("办结须填写答复"), code=Code.BODY_REQUIRED)
    return _close(
        actor=actor,
        voice=voice,
        status=Status.RESOLVED,
        body=body,
        kind=EventKind.CLOSED,
        now=timezone.now(),
        verb="voice.close",
    )


@transaction.atomic
def voice_reject(*, actor: User, voice: Voice, reason: str) -> Voice:
    """不予受理 with a public reason (required); closes the voice. Staff only: a party may not turn a resident away."""
    voice = voice_lock_for(actor, voice, manage=True)
    voice_require_open(voice)
    reason = text_required(
        reason,
        label=_("不予受理理由"),
        field="reason",
        required=_("不予受理须写明理由"),
        code=Code.REASON_REQUIRED,
        max_length=REASON_MAX,
    )
    return _close(
        actor=actor,
        voice=voice,
        status=Status.REJECTED,
        body=reason,
        kind=EventKind.REJECTED,
        now=timezone.now(),
        verb="voice.reject",
        reason=reason,
    )


@transaction.atomic
def custom_status_create(*, actor: User, community: Any, code: str, name: str, is_open: bool) -> CustomStatus:
    """A status the community adds beside the built-in ones, typed open or closed. For 书记 and 社工."""
    if not can_manage_community(actor, community):
        raise PermissionDenied(_("只有社区书记或社工可以设置状态"))
    code = (code or "").strip().lower()
    row = CustomStatus(
        community_id=community.pk,
        code=code,
        name=text_required(
            name, label=_("名称"), field="name", required=_("请填写状态名称"), code=Code.NAME_REQUIRED, max_length=20
        ),
        is_open=bool(is_open),
        created_by=actor,
    )
    if not code:
        raise ValidationFailed(_("请填写状态编码"), code=Code.CODE_REQUIRED, extra={"field": "code"})
    if code in Status.values:
        raise ValidationFailed(
            _("该编码是系统内置状态，请另取"), code=Code.STATUS_CODE_BUILTIN, extra={"field": "code"}
        )
    if CustomStatus.objects.filter(community_id=community.pk, code=code).exists():
        raise Duplicate(_("该状态编码已存在"), code=Code.STATUS_CODE_TAKEN, extra={"field": "code"})
    if CustomStatus.objects.filter(community_id=community.pk, name=row.name).exists():
        raise Duplicate(_("该状态名称已存在"), code=Code.STATUS_NAME_TAKEN, extra={"field": "name"})
    try:
        row.full_clean(exclude=["created_by", "community"])
    except Exception as exc:  # Django's ValidationError: the slug check
        raise ValidationFailed(
            _("编码只能使用英文字母、数字、连字符和下划线"), code=Code.BAD_CODE, extra={"field": "code"}
        ) from exc
    row.save()
    audit.record(
        actor=actor,
        verb="voice.status_create",
        obj=row,
        community_id=community.pk,
        after={"code": row.code, "name": row.name, "open": row.is_open},
    )
    return row
