"""Delivering the outbox: each row goes to its channel's sender. Only the in-app sender exists now; an SMS or WeChat
sender implements `Sender` and is registered with `sender_register` (e.g. in its app's `ready()`).

Delivery is at-least-once with idempotent senders: a failed send stays pending with a back-off
(`next_attempt_at`) and is retried by `outbox_retry_due` (the 社情民意 sweep calls it every 15 minutes) until
`MAX_ATTEMPTS`, then marked failed. `notifications.tasks` runs it; `notifications.services.notify` fills the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from django.db import transaction
from django.utils import timezone

from gongzhi.notifications.models import Notification, OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 5


@runtime_checkable
class Sender(Protocol):
    channel: str

    def send(self, message: OutboxMessage) -> None:
        """Delivers the message or raises; must be safe to call twice for the same message."""


class InAppSender:
    """Delivers into the user's in-app inbox: one Notification per outbox row (get_or_create makes a repeat
    a no-op)."""

    channel = "in_app"

    def send(self, message: OutboxMessage) -> None:
        Notification.objects.get_or_create(
            outbox=message,
            defaults={
                "community_id": message.community_id,
                "user_id": message.user_id,
                "kind": message.kind,
                "title": message.title,
                "body": message.body,
                "url": message.url,
                "created_at": message.created_at,
            },
        )


_SENDERS: dict[str, Sender] = {}


def sender_register(sender: Sender) -> None:
    """Makes a channel deliverable; the last registration for a channel wins (tests replace senders this way)."""
    if not isinstance(sender, Sender) or not getattr(sender, "channel", ""):
        raise TypeError("a sender needs a channel name and a send(message) method")
    _SENDERS[sender.channel] = sender


def sender_for(channel: str) -> Sender | None:
    return _SENDERS.get(channel)


sender_register(InAppSender())


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** max(attempts - 1, 0))


def _send_one(pk: int, now: datetime) -> bool:
    """Sends one pending message under its row lock (a second worker skips it); True if it was delivered."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if message is None or message.status != OutboxStatus.PENDING:
            return False
        message.attempts += 1
        sender = sender_for(message.channel)
        try:
            if sender is None:
                raise LookupError(f"no sender for channel {message.channel!r}")
            with transaction.atomic():
                sender.send(message)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:200]
            if message.attempts >= MAX_ATTEMPTS:
                message.status, message.next_attempt_at = OutboxStatus.FAILED, None
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        message.status, message.sent_at, message.next_attempt_at = OutboxStatus.SENT, now, None
        message.save(update_fields=["status", "sent_at", "attempts", "next_attempt_at"])
        return True


def outbox_send(*, message_ids: list[int], now: datetime | None = None) -> int:
    """Sends the given pending messages through their channel's sender; returns how many were delivered."""
    now = now or timezone.now()
    pending = (
        OutboxMessage.objects.filter(pk__in=message_ids, status=OutboxStatus.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    return sum(_send_one(pk, now) for pk in list(pending))


def outbox_retry_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Retries pending messages whose back-off has passed (and any never attempted, e.g. queued while the
    worker was down); returns how many were delivered."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, created_at__lte=now)
        .exclude(next_attempt_at__gt=now)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_send(message_ids=due, now=now)
