"""Duplicates and action: merging a duplicate voice into another, promoting voices to a 议事厅 topic, and a
meeting's suggestion turned into a voice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.models import User
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    Category,
    Channel,
    EventKind,
    FollowKind,
    Status,
    Voice,
    VoiceFollower,
)
from gongzhi.voices.predicates import can_manage
from gongzhi.voices.services.voice_steps import (
    REASON_MAX,
    event_append,
    followers_notify,
    text_optional,
    voice_actor_label,
    voice_lock,
    voice_require_open,
    voices_reindex,
)

__all__ = [
    "voice_from_suggestion",
    "voice_merge",
    "voice_promote_topic",
]


@transaction.atomic
def voice_merge(*, actor: User, duplicate: Voice, into: Voice, reason: str = "") -> Voice:
    """Merges a duplicate into an open voice of the same community: the duplicate closes as 已合并, its reporter
    and followers follow `into` (and are told), and its support counts toward `into`, each person once. Both rows
    are locked in id order so that two merges of the same pair cannot deadlock. Staff only."""
    if duplicate.pk == into.pk:
        raise ValidationFailed(_("不能合并到自身"), code=Code.MERGE_SELF)
    first, second = sorted([duplicate.pk, into.pk])
    locked = {first: voice_lock(first), second: voice_lock(second)}
    dup, target = locked[duplicate.pk], locked[into.pk]
    visible = set(Voice.objects.visible_to(actor).filter(pk__in=[dup.pk, target.pk]).values_list("pk", flat=True))
    if len(visible) < 2 or dup.community_id != target.community_id:
        raise NotFound()
    if not (can_manage(actor, dup) and can_manage(actor, target)):
        raise PermissionDenied(_("只有社区书记或社工可以合并诉求"))
    if dup.status == Status.MERGED or dup.merged_into_id:
        raise PhaseClosed(_("该诉求已合并过"), code=Code.ALREADY_MERGED, extra={"into": dup.merged_into_id})
    if not dup.is_open:
        raise PhaseClosed(_("该诉求已办结，不能再合并"), code=Code.VOICE_CLOSED)
    if target.status == Status.MERGED or target.merged_into_id:
        raise PhaseClosed(
            _("不能合并到已被合并的诉求"), code=Code.MERGE_INTO_MERGED, extra={"into": target.merged_into_id}
        )
    if not target.is_open:
        raise PhaseClosed(_("不能合并到已办结的诉求"), code=Code.MERGE_INTO_CLOSED)
    reason = text_optional(reason, label=_("合并说明"), field="reason", max_length=REASON_MAX)
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
    label = voice_actor_label(actor, target)
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
    voices_reindex(dup.pk, target.pk)
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
def voice_promote_topic(*, actor: User, voices: Sequence[Voice], title: str, summary: str) -> Any:
    """Turns one voice, or a group of similar ones, into a 议事厅 topic on their common place (or the community),
    linking each voice to it. Staff only; a voice is promoted once."""
    from gongzhi.deliberation.services.topics import topic_propose

    ids = sorted({v.pk for v in voices})
    if not ids:
        raise ValidationFailed(_("请选择要转为议题的诉求"), code=Code.NO_VOICES)
    locked = [voice_lock(pk) for pk in ids]
    visible = set(Voice.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if len(visible) != len(ids) or len({v.community_id for v in locked}) != 1:
        raise NotFound()
    if not all(can_manage(actor, v) for v in locked):
        raise PermissionDenied(_("只有社区书记或社工可以把诉求转为议题"))
    for v in locked:
        if v.status == Status.MERGED or v.merged_into_id:
            voice_require_open(v)
        if v.topic_id:
            raise PhaseClosed(
                _("诉求 #%(id)s 已转为议题") % {"id": v.pk}, code=Code.ALREADY_PROMOTED, extra={"topic": v.topic_id}
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
            actor_label=voice_actor_label(actor, v),
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
def voice_from_suggestion(*, actor: User, suggestion: Any, category: Category, place: Any = None) -> Voice:
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
        raise Duplicate(_("该建议已登记为诉求"), code=Code.SUGGESTION_DONE)
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
