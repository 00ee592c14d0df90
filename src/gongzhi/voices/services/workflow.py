"""Handling a voice in the inbox: accept, assign, reply, statuses, close, reject, merge duplicates, promote to a
议事厅 topic, and meeting suggestions turned into voices.

Each service is one transaction: the voice row is locked first (`voice_lock`), then the permission is checked
(`predicates`), the input validated, the row saved, one timeline event appended and one audit event written.
Followers and parties are told on commit (`notify` queues on commit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed, clean_or_fail
from gongzhi.rules.masking import mask_contacts
from gongzhi.voices.models import (
    TEXT_MAX,
    Category,
    Channel,
    CustomStatus,
    EventKind,
    FollowKind,
    Party,
    PartyMember,
    Status,
    Voice,
    VoiceFollower,
    party_ids_of,
    status_label,
)
from gongzhi.voices.predicates import can_handle, can_manage, can_manage_community, text_reveals
from gongzhi.voices.services.common import event_append, followers_notify, status_is_open, voice_lock

__all__ = [
    "custom_status_create",
    "voice_accept",
    "voice_assign",
    "voice_close",
    "voice_contact_phone",
    "voice_contact_reveal",
    "voice_from_suggestion",
    "voice_merge",
    "voice_promote_topic",
    "voice_reject",
    "voice_reply",
    "voice_status_set",
    "voice_text_reveal",
]

REASON_MAX = 200


# ---------------------------------------------------------------------------------------------------------------
# Shared steps


def _visible_or_404(actor: Any, voice: Voice) -> None:
    if not Voice.objects.visible_to(actor).filter(pk=voice.pk).exists():
        raise NotFound()


def _locked_for(actor: Any, voice: Voice | int, *, manage: bool = False) -> Voice:
    """Locks the voice, then: invisible → 404; visible but not the actor's to handle (or manage) → 403."""
    locked = voice_lock(voice)
    _visible_or_404(actor, locked)
    if manage:
        if not can_manage(actor, locked):
            raise PermissionDenied(_("只有社区书记或社工可以进行此操作"))
    elif not can_handle(actor, locked):
        raise PermissionDenied(_("该诉求不由您办理"))
    return locked


def _require_open(voice: Voice) -> None:
    if voice.status == Status.MERGED or voice.merged_into_id:
        raise PhaseClosed(
            _("该诉求已合并到 #%(id)s，请在合并后的诉求上办理") % {"id": voice.merged_into_id},
            code="voice_merged",
            extra={"into": voice.merged_into_id},
        )
    if not voice.is_open:
        raise PhaseClosed(_("该诉求已办结，不能再进行此操作"), code="voice_closed")


def _label(actor: Any, voice: Voice) -> str:
    """The public name of who acted: their party on this voice, another party of theirs, or 社区工作人员 — never a
    person's name."""
    ids = party_ids_of(actor) if getattr(actor, "is_authenticated", False) else []
    if voice.party_id and voice.party_id in ids:
        return str(Party.objects.filter(pk=voice.party_id).values_list("name", flat=True).first() or "")
    if ids:
        name = Party.objects.filter(pk__in=ids, community_id=voice.community_id).values_list("name", flat=True).first()
        if name:
            return str(name)
    return _("社区工作人员")


def _text(value: str, *, label: str, field: str, required: str, code: str, max_length: int = TEXT_MAX) -> str:
    return clean_or_fail(value, label=label, max_length=max_length, field=field, required=required, required_code=code)


def _optional(value: str, *, label: str, field: str, max_length: int = TEXT_MAX) -> str:
    return clean_or_fail(value, label=label, max_length=max_length, field=field)


def _reindex(*voice_ids: int) -> None:
    def run() -> None:
        from gongzhi.voices.similarity import index_voice_changed

        for voice_id in voice_ids:
            index_voice_changed(voice_id=voice_id)

    transaction.on_commit(run)


def _custom_statuses(community_id: int) -> dict[str, str]:
    return dict(CustomStatus.objects.filter(community_id=community_id).values_list("code", "name"))


def _status_name(voice: Voice, code: str) -> str:
    return status_label(code, _custom_statuses(voice.community_id))


def _close(
    *, actor: Any, voice: Voice, status: str, body: str, kind: str, now: Any, verb: str, reason: str = ""
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
        actor_label=_label(actor, voice),
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
    _reindex(voice.pk)
    return voice


# ---------------------------------------------------------------------------------------------------------------
# Statuses


@transaction.atomic
def voice_accept(*, actor: Any, voice: Voice, note: str = "") -> Voice:
    """待受理 → 已受理; the first response if none yet. For whoever handles the voice."""
    voice = _locked_for(actor, voice)
    _require_open(voice)
    if voice.status != Status.PENDING:
        raise PhaseClosed(_("该诉求已受理"), code="already_accepted")
    note = _optional(note, label=_("受理说明"), field="note")
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
        actor_label=_label(actor, voice),
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
    _reindex(voice.pk)
    return voice


@transaction.atomic
def voice_assign(*, actor: Any, voice: Voice, party: Party, reason: str = "") -> Voice:
    """Assigns the voice to a party, or reassigns it with a reason (staff only). The deadline stays the resident's:
    reassigning does not restart it. The party's members are told."""
    voice = _locked_for(actor, voice, manage=True)
    _require_open(voice)
    if party.community_id != voice.community_id:
        raise NotFound(_("未找到该责任方"), code="party_not_found")
    if not party.is_active:
        raise ValidationFailed(_("该责任方已停用，请另选"), code="party_inactive", extra={"field": "party"})
    if voice.party_id == party.pk:
        raise ValidationFailed(_("该诉求已由%(name)s办理") % {"name": party.name}, code="same_party")
    reassign = voice.party_id is not None
    reason = _optional(reason, label=_("改派理由"), field="reason", max_length=REASON_MAX)
    if reassign and not reason:
        raise ValidationFailed(_("改派须写明理由"), code="reason_required", extra={"field": "reason"})
    now = timezone.now()
    before = voice.party_id
    voice.party, voice.assigned_at = party, now
    fields = ["party", "assigned_at", "updated_at"]
    if voice.due_at is None:
        from gongzhi.voices.services.routing import voice_due_at

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
def voice_reply(*, actor: Any, voice: Voice, body: str, is_public: bool = True) -> Voice:
    """A reply on the public timeline, or an internal note (is_public False) only staff see. A public reply is a
    response: it sets the first response and moves a pending or accepted voice to 处理中. Replies stay possible
    after closing (answering a rating), not on a merged duplicate."""
    voice = _locked_for(actor, voice)
    if voice.status == Status.MERGED or voice.merged_into_id:
        _require_open(voice)
    body = _text(body, label=_("答复"), field="body", required=_("请填写答复内容"), code="body_required")
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
        actor_label=_label(actor, voice),
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
        _reindex(voice.pk)
    return voice


@transaction.atomic
def voice_status_set(*, actor: Any, voice: Voice, status: str, body: str = "") -> Voice:
    """Moves an open voice to a built-in open status or one of the community's own; a custom closed status
    closes it as 已办结 does (a closing reply is required and followers are asked for 满意度回访)."""
    voice = _locked_for(actor, voice)
    _require_open(voice)
    is_open = status_is_open(voice.community_id, status)
    if is_open is None or status in (Status.RESOLVED, Status.REJECTED, Status.MERGED):
        raise ValidationFailed(
            _("请选择有效的状态；办结、不予受理与合并请用相应的操作"), code="bad_status", extra={"field": "status"}
        )
    if status == voice.status:
        raise ValidationFailed(_("该诉求已是此状态"), code="same_status", extra={"field": "status"})
    now = timezone.now()
    if not is_open:
        body = _text(body, label=_("办结答复"), field="body", required=_("办结须填写答复"), code="body_required")
        return _close(
            actor=actor, voice=voice, status=status, body=body, kind=EventKind.CLOSED, now=now, verb="voice.status"
        )
    body = _optional(body, label=_("说明"), field="body")
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
        actor_label=_label(actor, voice),
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
    _reindex(voice.pk)
    return voice


@transaction.atomic
def voice_close(*, actor: Any, voice: Voice, body: str) -> Voice:
    """已办结 with the closing reply (required); the reporter and followers are asked for 满意度回访."""
    voice = _locked_for(actor, voice)
    _require_open(voice)
    body = _text(body, label=_("办结答复"), field="body", required=_("办结须填写答复"), code="body_required")
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
def voice_reject(*, actor: Any, voice: Voice, reason: str) -> Voice:
    """不予受理 with a public reason (required); closes the voice. Staff only: a party may not turn a resident away."""
    voice = _locked_for(actor, voice, manage=True)
    _require_open(voice)
    reason = _text(
        reason,
        label=_("不予受理理由"),
        field="reason",
        required=_("不予受理须写明理由"),
        code="reason_required",
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
def custom_status_create(*, actor: Any, community: Any, code: str, name: str, is_open: bool) -> CustomStatus:
    """A status the community adds beside the built-in ones, typed open or closed. For 书记 and 社工."""
    if not can_manage_community(actor, community):
        raise PermissionDenied(_("只有社区书记或社工可以设置状态"))
    code = (code or "").strip().lower()
    row = CustomStatus(
        community_id=community.pk,
        code=code,
        name=_text(
            name, label=_("名称"), field="name", required=_("请填写状态名称"), code="name_required", max_length=20
        ),
        is_open=bool(is_open),
        created_by=actor,
    )
    if not code:
        raise ValidationFailed(_("请填写状态编码"), code="code_required", extra={"field": "code"})
    if code in Status.values:
        raise ValidationFailed(_("该编码是系统内置状态，请另取"), code="status_code_builtin", extra={"field": "code"})
    if CustomStatus.objects.filter(community_id=community.pk, code=code).exists():
        raise Duplicate(_("该状态编码已存在"), code="status_code_taken", extra={"field": "code"})
    if CustomStatus.objects.filter(community_id=community.pk, name=row.name).exists():
        raise Duplicate(_("该状态名称已存在"), code="status_name_taken", extra={"field": "name"})
    try:
        row.full_clean(exclude=["created_by", "community"])
    except Exception as exc:  # Django's ValidationError: the slug check
        raise ValidationFailed(
            _("编码只能使用英文字母、数字、连字符和下划线"), code="bad_code", extra={"field": "code"}
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


def voice_contact_phone(voice: Voice) -> str:
    """The number to call back: the one given with the voice, else the reporter's record, else their account's."""
    if voice.contact_phone:
        return voice.contact_phone
    if voice.reporter_person_id and voice.reporter_person is not None and voice.reporter_person.phone:
        return str(voice.reporter_person.phone)
    if voice.reporter_id and voice.reporter is not None:
        return str(voice.reporter.phone)
    return ""


@transaction.atomic
def voice_contact_reveal(*, actor: Any, voice: Voice, purpose: str = "") -> str:
    """The reporter's full phone for a call back, to a handler whose role may reveal phones there (not 物业);
    each view is logged as a SensitiveAccess row with its audit event (PIPL Art. 28), as on the people pages."""
    from gongzhi.core.permissions import Action
    from gongzhi.core.scoping import user_can_at
    from gongzhi.people.services import sensitive_view_log

    _visible_or_404(actor, voice)
    if not can_handle(actor, voice) or not user_can_at(
        actor, Action.REVEAL_PHONE, community_id=voice.community_id, path=voice.place_path
    ):
        raise PermissionDenied(_("您的角色无权查看完整电话"))
    phone = voice_contact_phone(voice)
    if not phone:
        raise NotFound(_("该诉求没有留联系电话"), code="no_phone")
    sensitive_view_log(
        actor=actor,
        community_id=voice.community_id,
        fields=["phone"],
        object_type="voices.voice",
        object_id=str(voice.pk),
        purpose=purpose,
        verb="voice.reveal_phone",
    )
    return phone


@transaction.atomic
def voice_text_reveal(*, actor: Any, voice: Voice, purpose: str = "") -> str:
    """The voice's text with the numbers typed into it (a car owner's phone to move the car) for a handler whose
    role may reveal phones or ID numbers there; the kind it may not reveal stays masked. Logged like the
    reporter's phone: everyone else, the handler included, reads the text masked."""
    from gongzhi.people.services import sensitive_view_log

    _visible_or_404(actor, voice)
    allowed = text_reveals(actor, voice)
    if not any(allowed.values()):
        raise PermissionDenied(_("您的角色无权查看完整内容"))
    sensitive_view_log(
        actor=actor,
        community_id=voice.community_id,
        fields=[f"text.{kind}" for kind, ok in allowed.items() if ok],
        object_type="voices.voice",
        object_id=str(voice.pk),
        purpose=purpose,
        verb="voice.reveal_text",
    )
    return mask_contacts(voice.text, phones=not allowed["phone"], id_numbers=not allowed["id_number"])


# ---------------------------------------------------------------------------------------------------------------
# Duplicates and action


@transaction.atomic
def voice_merge(*, actor: Any, duplicate: Voice, into: Voice, reason: str = "") -> Voice:
    """Merges a duplicate into an open voice of the same community: the duplicate closes as 已合并, its reporter
    and followers follow `into` (and are told), and its support counts toward `into`, each person once. Both rows
    are locked in id order so that two merges of the same pair cannot deadlock. Staff only."""
    if duplicate.pk == into.pk:
        raise ValidationFailed(_("不能合并到自身"), code="merge_self")
    first, second = sorted([duplicate.pk, into.pk])
    locked = {first: voice_lock(first), second: voice_lock(second)}
    dup, target = locked[duplicate.pk], locked[into.pk]
    visible = set(Voice.objects.visible_to(actor).filter(pk__in=[dup.pk, target.pk]).values_list("pk", flat=True))
    if len(visible) < 2 or dup.community_id != target.community_id:
        raise NotFound()
    if not (can_manage(actor, dup) and can_manage(actor, target)):
        raise PermissionDenied(_("只有社区书记或社工可以合并诉求"))
    if dup.status == Status.MERGED or dup.merged_into_id:
        raise PhaseClosed(_("该诉求已合并过"), code="already_merged", extra={"into": dup.merged_into_id})
    if not dup.is_open:
        raise PhaseClosed(_("该诉求已办结，不能再合并"), code="voice_closed")
    if target.status == Status.MERGED or target.merged_into_id:
        raise PhaseClosed(
            _("不能合并到已被合并的诉求"), code="merge_into_merged", extra={"into": target.merged_into_id}
        )
    if not target.is_open:
        raise PhaseClosed(_("不能合并到已办结的诉求"), code="merge_into_closed")
    reason = _optional(reason, label=_("合并说明"), field="reason", max_length=REASON_MAX)
    now = timezone.now()
    before = dup.status
    # Everyone the duplicate kept informed follows the merged voice from now on.
    movers = set(VoiceFollower.objects.filter(voice=dup).values_list("user_id", flat=True))
    if dup.reporter_id:
        movers.add(dup.reporter_id)
    already = set(VoiceFollower.objects.filter(voice=target, user_id__in=movers).values_list("user_id", flat=True))
    if target.reporter_id:
        already.add(target.reporter_id)
    VoiceFollower.objects.bulk_create(
        [
            VoiceFollower(community_id=target.community_id, voice=target, user_id=user_id, kind=FollowKind.MERGED)
            for user_id in sorted(movers - already)
        ]
    )
    dup.status, dup.is_open, dup.closed_at, dup.merged_into = Status.MERGED, False, now, target
    dup.save(update_fields=["status", "is_open", "closed_at", "merged_into", "updated_at"])
    # 反映人数 counts people: someone who raised or joined both voices is counted once.
    target.support_count += max(dup.support_count - len(movers & already), 0)
    target.save(update_fields=["support_count", "updated_at"])
    label = _label(actor, target)
    event_append(
        voice=dup,
        kind=EventKind.MERGED,
        actor=actor,
        body=(_("与 #%(id)s 反映的是同一问题，已合并办理") % {"id": target.pk}) + (f"：{reason}" if reason else ""),
        from_status=before,
        to_status=Status.MERGED,
        actor_label=label,
        at=now,
    )
    event_append(
        voice=target,
        kind=EventKind.MERGED,
        actor=actor,
        body=_("#%(id)s 反映的同一问题已合并至此，共%(n)s人反映") % {"id": dup.pk, "n": target.support_count},
        actor_label=label,
        at=now,
    )
    audit.record(
        actor=actor,
        verb="voice.merge",
        obj=dup,
        community_id=dup.community_id,
        before={"status": before, "into": None},
        after={"status": Status.MERGED, "into": target.pk, "support": target.support_count, "reason": reason},
    )
    from gongzhi.notifications.services import notify

    notify(
        users=sorted(movers),
        community_id=dup.community_id,
        kind="voice.merged",
        title=_("您反映的问题 #%(id)s 已合并到 #%(into)s 一并办理") % {"id": dup.pk, "into": target.pk},
        body=target.summary,
        url=f"/c/{target.community_id}/voices/{target.pk}/",
    )
    _reindex(dup.pk, target.pk)
    return target


def _common_place(voices: Sequence[Voice]) -> Any:
    from gongzhi.places.models import Place

    parts = [v.place_path.strip("/").split("/") for v in voices]
    common: list[str] = []
    for segs in zip(*parts, strict=False):
        if len(set(segs)) != 1:
            break
        common.append(segs[0])
    place = Place.objects.filter(pk=int(common[-1])).first() if common else None
    if place is None or place.community_id != voices[0].community_id:
        place = Place.objects.get(pk=voices[0].community_id)
    return place


@transaction.atomic
def voice_promote_topic(*, actor: Any, voices: Sequence[Voice], title: str, summary: str) -> Any:
    """Turns one voice, or a group of similar ones, into a 议事厅 topic on their common place (or the community),
    linking each voice to it. Staff only; a voice is promoted once."""
    from gongzhi.deliberation.services.topics import topic_propose

    ids = sorted({v.pk for v in voices})
    if not ids:
        raise ValidationFailed(_("请选择要转为议题的诉求"), code="no_voices")
    locked = [voice_lock(pk) for pk in ids]
    visible = set(Voice.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if len(visible) != len(ids) or len({v.community_id for v in locked}) != 1:
        raise NotFound()
    if not all(can_manage(actor, v) for v in locked):
        raise PermissionDenied(_("只有社区书记或社工可以把诉求转为议题"))
    for v in locked:
        if v.status == Status.MERGED or v.merged_into_id:
            _require_open(v)
        if v.topic_id:
            raise PhaseClosed(
                _("诉求 #%(id)s 已转为议题") % {"id": v.pk}, code="already_promoted", extra={"topic": v.topic_id}
            )
    if not (summary or "").strip():
        summary = "\n".join(f"#{v.pk} {v.summary}" for v in locked)
    topic = topic_propose(actor=actor, place=_common_place(locked), title=title, summary=summary)
    now = timezone.now()
    for v in locked:
        v.topic = topic
        v.save(update_fields=["topic", "updated_at"])
        event_append(
            voice=v,
            kind=EventKind.PROMOTED,
            actor=actor,
            body=_("已转为议事厅议题：%(title)s") % {"title": topic.title},
            actor_label=_label(actor, v),
            at=now,
        )
    audit.record(
        actor=actor,
        verb="voice.promote",
        obj=topic,
        community_id=topic.community_id,
        after={"voices": ids, "topic": topic.pk},
    )
    for v in locked:
        followers_notify(
            voice=v,
            title=_("您反映的问题 #%(id)s 已转为议事厅议题") % {"id": v.pk},
            body=topic.title,
            kind="voice.promoted",
        )
    return topic


@transaction.atomic
def voice_from_suggestion(*, actor: Any, suggestion: Any, category: Category, place: Any = None) -> Voice:
    """A 坝坝会 or 院落夜话 suggestion becomes a voice entered against its meeting, once per suggestion (the
    suggestion row is locked so that two recorders cannot both file it). For those who enter voices there."""
    from gongzhi.deliberation.models import Meeting, Suggestion
    from gongzhi.places.models import Place
    from gongzhi.voices.services.intake import voice_submit

    try:
        row = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    except Suggestion.DoesNotExist as exc:
        raise NotFound() from exc
    meeting = Meeting.objects.visible_to(actor).filter(pk=row.meeting_id).select_related("place").first()
    if meeting is None:
        raise NotFound()
    if Voice.objects.filter(suggestion_id=row.pk).exists():
        raise Duplicate(_("该建议已登记为诉求"), code="suggestion_done")
    place = place or meeting.place
    if place.community_id != row.community_id:
        raise NotFound()
    community = Place.objects.get(pk=row.community_id)
    return voice_submit(
        actor=actor,
        community=community,
        place=place,
        category=category,
        text=row.body,
        channel=Channel.MEETING,
        contact_name=row.raised_by[:50],
        meeting=meeting,
        suggestion=row,
    )
