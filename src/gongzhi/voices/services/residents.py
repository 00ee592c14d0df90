"""What a resident does with a voice after filing it: "me too" on a neighbour's, and on their own once it is
closed, the satisfaction rating (满意度回访) and one reopening. The pure rules are `rules.voice_feedback`."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.rules import voice_feedback as rules
from gongzhi.voices.errors import Code
from gongzhi.voices.models import EventKind, FollowKind, Status, Voice, VoiceFollower
from gongzhi.voices.predicates import can_submit_at
from gongzhi.voices.services.deadlines import voice_due_at
from gongzhi.voices.services.voice_steps import event_append, voice_lock

__all__ = ["RATING_COMMENT_MAX", "REOPEN_REASON_MAX", "voice_me_too", "voice_rate", "voice_reopen"]

REOPEN_REASON_MAX = 200
RATING_COMMENT_MAX = 500
# A chain of merges is short (a duplicate of a duplicate); the bound only guards against a cycle.
_MERGE_HOPS = 5


def _refusal(code: str) -> ValidationFailed | PermissionDenied:
    messages = {
        rules.NOT_REPORTER: _("只有反映人本人可以进行此操作"),
        rules.NOT_CLOSED: _("该问题尚未办结，办结后才能评价或申请重新办理"),
        rules.ALREADY_RATED: _("您已经评价过了，每件只能评价一次"),
        rules.BAD_RATING: _("请选择 1 到 5 分的满意度"),
        rules.ALREADY_REOPENED: _("每件只能申请重新办理一次"),
        rules.RATED_SATISFIED: _("您已评价为满意，如问题再次出现请重新反映"),
        rules.WINDOW_PASSED: _("已超过办结后 %(days)s 天的重新办理期限，请重新反映")
        % {"days": rules.REOPEN_WINDOW.days},
        rules.OWN_VOICE: _("这是您自己反映的问题，无需再点“我也遇到”"),
        rules.ALREADY_ME_TOO: _("您已经关注了这个问题，会收到办理进展通知"),
        rules.VOICE_CLOSED: _("该问题已办结，如仍存在请重新反映"),
    }
    fields = {rules.BAD_RATING: "rating"}
    extra = {"field": fields[code]} if code in fields else None
    if code == rules.NOT_REPORTER:
        return PermissionDenied(messages[code], code=code)
    return ValidationFailed(messages[code], code=code, extra=extra)


def _lock_visible(actor: User, voice: Voice | int) -> Voice:
    """Lock the voice, then make sure the actor can see it (else it does not exist for them)."""
    locked = voice_lock(voice)
    if not Voice.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise NotFound()
    return locked


@transaction.atomic
def voice_me_too(*, actor: User, voice: Voice) -> Voice:
    """+1 on a neighbour's open voice: the actor follows it and its support count rises, under the voice lock so
    two taps never count twice. On a merged duplicate it goes to the voice it was merged into. Anyone with a role
    in the community who can see the voice; returns the voice that was counted."""
    target = _lock_visible(actor, voice)
    for _hop in range(_MERGE_HOPS):
        if target.merged_into_id is None:
            break
        target = voice_lock(target.merged_into_id)
    if not can_submit_at(actor, community_id=target.community_id, path=target.place_path):
        raise PermissionDenied(_("只有本社区的居民可以点“我也遇到”"))
    following = VoiceFollower.objects.filter(voice=target, user_id=actor.pk).exists()
    refusal = rules.me_too_refusal(
        is_reporter=target.reporter_id == actor.pk, already_following=following, is_open=target.is_open
    )
    if refusal:
        raise _refusal(refusal)
    before = target.support_count
    VoiceFollower.objects.create(community_id=target.community_id, voice=target, user=actor, kind=FollowKind.ME_TOO)
    target.support_count = before + 1
    target.save(update_fields=["support_count", "updated_at"])
    # Public, and without a name: the timeline says a neighbour has the same problem, not who.
    event_append(voice=target, kind=EventKind.ME_TOO, actor=actor, actor_label=_("居民"))
    audit.record(
        actor=actor,
        verb="voice.me_too",
        obj=target,
        community_id=target.community_id,
        before={"support_count": before},
        after={"support_count": target.support_count, "via": voice.pk if voice.pk != target.pk else None},
    )
    return target


@transaction.atomic
def voice_rate(*, actor: User, voice: Voice, rating: Any, comment: str = "", now: Any = None) -> Voice:
    """The reporter's satisfaction (1–5 and an optional comment), once, on a closed voice that was not merged
    into another. Takes the voice lock; the public timeline shows the score, never the comment's author."""
    now = now or timezone.now()
    locked = _lock_visible(actor, voice)
    refusal = rules.rate_refusal(
        is_reporter=locked.reporter_id is not None and locked.reporter_id == actor.pk,
        is_open=locked.is_open,
        is_merged=locked.merged_into_id is not None or locked.status == Status.MERGED,
        closed_at=locked.closed_at,
        already_rated=rules.rated_this_round(locked.rated_at, locked.closed_at),
        rating=rating,
    )
    if refusal:
        raise _refusal(refusal)
    text = clean_or_fail(comment, label=_("评价"), max_length=RATING_COMMENT_MAX, field="comment")
    locked.rating, locked.rating_comment, locked.rated_at = rating, text, now
    locked.full_clean(exclude=["token"])
    locked.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    event_append(
        voice=locked,
        kind=EventKind.RATED,
        actor=actor,
        actor_label=_("反映人"),
        body=_("满意度 %(n)s/5") % {"n": rating},
        at=now,
    )
    audit.record(
        actor=actor,
        verb="voice.rate",
        obj=locked,
        community_id=locked.community_id,
        after={"rating": rating, "comment": bool(text)},
    )
    return locked


@transaction.atomic
def voice_reopen(
    *, actor: User, voice: Voice, reason: str, now: Any = None, window: datetime.timedelta = rules.REOPEN_WINDOW
) -> Voice:
    """The reporter takes a closed voice up again, once, within the window after closure, with a reason: back to
    处理中 with a new deadline, reminders and 督办 cleared, the responsible party told. Takes the voice lock; the
    database refuses a second reopening too (reopen_count ≤ 1)."""
    now = now or timezone.now()
    locked = _lock_visible(actor, voice)
    refusal = rules.reopen_refusal(
        is_reporter=locked.reporter_id is not None and locked.reporter_id == actor.pk,
        is_open=locked.is_open,
        is_merged=locked.merged_into_id is not None or locked.status == Status.MERGED,
        closed_at=locked.closed_at,
        reopen_count=locked.reopen_count,
        now=now,
        window=window,
        rating=locked.rating,
    )
    if refusal:
        raise _refusal(refusal)
    text = clean_or_fail(
        reason,
        label=_("理由"),
        max_length=REOPEN_REASON_MAX,
        field="reason",
        required=_("请写明需要重新办理的理由"),
        required_code=Code.REASON_REQUIRED,
    )
    before = {"status": locked.status, "closed_at": locked.closed_at.isoformat() if locked.closed_at else None}
    from_status = locked.status
    locked.status = Status.IN_PROGRESS
    locked.is_open = True
    locked.reopen_count += 1
    locked.reopen_reason = text
    locked.closed_at = None
    locked.due_at = voice_due_at(category=locked.category, start=now)
    locked.reminded_at = None
    locked.escalated_at = None
    locked.full_clean(exclude=["token"])
    locked.save(
        update_fields=[
            "status",
            "is_open",
            "reopen_count",
            "reopen_reason",
            "closed_at",
            "due_at",
            "reminded_at",
            "escalated_at",
            "updated_at",
        ]
    )
    event_append(
        voice=locked,
        kind=EventKind.REOPENED,
        actor=actor,
        actor_label=_("反映人"),
        body=text,
        from_status=from_status,
        to_status=locked.status,
        at=now,
    )
    if locked.party_id is not None:
        from gongzhi.notifications.services import notify
        from gongzhi.voices.models import PartyMember

        notify(
            users=list(PartyMember.objects.filter(party_id=locked.party_id).values_list("user_id", flat=True)),
            community_id=locked.community_id,
            kind="voice.reopened",
            title=_("问题 #%(id)s 被申请重新办理") % {"id": locked.pk},
            body=text,
            url=f"/c/{locked.community_id}/voices/{locked.pk}/",
            dedupe_key=f"voice-reopened-{locked.pk}",
        )
    audit.record(
        actor=actor,
        verb="voice.reopen",
        obj=locked,
        community_id=locked.community_id,
        before=before,
        after={"status": locked.status, "due_at": locked.due_at.isoformat() if locked.due_at else None},
    )
    voice_pk = locked.pk
    transaction.on_commit(lambda: _index(voice_pk))
    return locked


def _index(voice_id: int) -> None:
    from gongzhi.voices.similarity import index_voice_changed

    index_voice_changed(voice_id=voice_id)
