"""Reminders before a deadline and 督办 after it: `voices_sweep`, which `tasks.voices_sweep_task` runs every 15
minutes."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound
from gongzhi.rules.workdays import add_working_days, working_days_between
from gongzhi.voices.models import (
    Category,
    EventKind,
    Party,
    PartyKind,
    PartyMember,
    Voice,
)
from gongzhi.voices.services.deadlines import calendar_exceptions, deadline_tz
from gongzhi.voices.services.voice_steps import event_append, voice_lock

__all__ = ["voices_sweep"]

log = logging.getLogger(__name__)

# --- reminders and 督办 --------------------------------------------------------------------------------------


def _member_ids(party: Party | None) -> list[int]:
    if party is None:
        return []
    return list(PartyMember.objects.filter(party=party).values_list("user_id", flat=True))


def _committee_of(community_id: int) -> Party | None:
    committee: Party | None = (
        Party.objects.filter(community_id=community_id, kind=PartyKind.COMMITTEE, is_active=True).order_by("id").first()
    )
    return committee


def _voice_url(voice: Voice) -> str:
    return f"/c/{voice.community_id}/voices/{voice.pk}/"


def _reminded_for_deadline(voice: Voice, category: Category, exceptions: dict[date, bool]) -> bool:
    # A reminder sent for an earlier deadline (before a reopen gave a new one) does not count.
    if voice.reminded_at is None or voice.due_at is None:
        return False
    return voice.reminded_at <= voice.due_at and working_days_between(
        voice.reminded_at, voice.due_at, exceptions, tz=deadline_tz()
    ) <= max(category.remind_days_before, 0)


def _escalated_for_deadline(voice: Voice) -> bool:
    return voice.escalated_at is not None and voice.due_at is not None and voice.escalated_at >= voice.due_at


def _remind(voice: Voice, now: datetime) -> None:
    from gongzhi.notifications.services import notify

    party = voice.party
    notify(
        users=_member_ids(party),
        community_id=voice.community_id,
        kind="voice.remind",
        title=_("诉求 #%(id)s 即将到期") % {"id": voice.pk},
        body=_("请在 %(due)s 前办结：%(text)s")
        % {"due": timezone.localtime(voice.due_at, deadline_tz()).strftime("%Y-%m-%d"), "text": voice.summary},
        url=_voice_url(voice),
        dedupe_key=f"voice:{voice.pk}:remind:{voice.due_at.isoformat() if voice.due_at else ''}",
    )
    voice.reminded_at = now
    voice.save(update_fields=["reminded_at", "updated_at"])
    event_append(
        voice=voice,
        kind=EventKind.REMINDED,
        actor=None,
        party=party,
        actor_label=party.name if party else "",
        body=_("距办理期限不足 %(n)s 个工作日，已提醒责任方") % {"n": voice.category.remind_days_before},
        is_public=False,
        at=now,
    )
    audit.record(
        actor=None,
        verb="voice.remind",
        obj=voice,
        community_id=voice.community_id,
        after={"party": party.pk if party else None, "due_at": voice.due_at},
    )


def _escalate(voice: Voice, now: datetime) -> None:
    from gongzhi.notifications.services import notify

    party = voice.party
    committee = _committee_of(voice.community_id)
    if party is None:
        supervisor = committee
    elif party.supervisor_id:
        supervisor = party.supervisor
    else:
        supervisor = committee if committee is not None and committee.pk != party.pk else None
    users = _member_ids(supervisor) + _member_ids(party)
    level = voice.escalation_level + 1
    notify(
        users=users,
        community_id=voice.community_id,
        kind="voice.escalate",
        title=_("督办：诉求 #%(id)s 已超期") % {"id": voice.pk},
        body=_("%(party)s 未在期限内办结：%(text)s")
        % {"party": party.name if party else _("（未分派）"), "text": voice.summary},
        url=_voice_url(voice),
        dedupe_key=f"voice:{voice.pk}:escalate:{voice.due_at.isoformat() if voice.due_at else ''}",
    )
    voice.escalated_at, voice.escalation_level = now, level
    voice.save(update_fields=["escalated_at", "escalation_level", "updated_at"])
    event_append(
        voice=voice,
        kind=EventKind.ESCALATED,
        actor=None,
        party=supervisor,
        actor_label=supervisor.name if supervisor else "",
        body=_("已督办"),
        is_public=True,
        at=now,
    )
    audit.record(
        actor=None,
        verb="voice.escalate",
        obj=voice,
        community_id=voice.community_id,
        before={"escalation_level": level - 1},
        after={
            "escalation_level": level,
            "party": party.pk if party else None,
            "supervisor": supervisor.pk if supervisor else None,
            "due_at": voice.due_at,
        },
    )


def voices_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Reminds the responsible party before a deadline and escalates (督办) overdue voices to the supervisor.
    One transaction per voice under `voice_lock`, re-checked after the lock, so racing sweeps act once.
    Called by the background task; not a user action."""
    now = now or timezone.now()
    exceptions = calendar_exceptions()
    # Nothing is due for a reminder beyond the largest reminder window of any category.
    widest = Category.objects.aggregate(n=Max("remind_days_before"))["n"] or 0
    horizon = add_working_days(now, widest, exceptions, tz=deadline_tz())
    candidates = list(
        Voice.objects.filter(is_open=True, due_at__isnull=False, merged_into__isnull=True, due_at__lte=horizon)
        .filter(Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("due_at")))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    counts = {"checked": len(candidates), "reminded": 0, "escalated": 0}
    for pk in candidates:
        try:
            with transaction.atomic():
                voice = voice_lock(pk)
                if not voice.is_open or voice.due_at is None or voice.merged_into_id:
                    continue
                voice = Voice.objects.select_related("category", "party", "party__supervisor").get(pk=pk)
                if now > voice.due_at:
                    if not _escalated_for_deadline(voice):
                        _escalate(voice, now)
                        counts["escalated"] += 1
                elif (
                    voice.category.remind_days_before > 0
                    and working_days_between(now, voice.due_at, exceptions, tz=deadline_tz())
                    <= voice.category.remind_days_before
                    and not _reminded_for_deadline(voice, voice.category, exceptions)
                ):
                    _remind(voice, now)
                    counts["reminded"] += 1
        except NotFound:
            continue
        except Exception:  # one bad row must not stop the sweep for every other voice
            log.exception("voices sweep failed for voice %s", pk)
    return counts
