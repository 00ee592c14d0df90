"""Sending messages: `notify` writes one outbox row per user and channel; a task hands each to its channel's
sender. Only the in-app sender exists now; SMS or WeChat senders register the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.notifications.models import Notification, OutboxMessage, OutboxStatus


class Sender(Protocol):
    channel: str

    def send(self, message: OutboxMessage) -> None:
        """Delivers the message or raises; must be safe to call twice for the same message."""


class InAppSender:
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


SENDERS: dict[str, Sender] = {"in_app": InAppSender()}


def notify(
    *,
    users: Iterable[Any],
    community_id: int,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
    channels: tuple[str, ...] = ("in_app",),
) -> list[OutboxMessage]:
    """Queues a message to each user (once per user even if listed twice) inside the caller's transaction;
    delivery starts on commit. A message whose dedupe key was already queued for that user is skipped."""
    queued: list[OutboxMessage] = []
    seen: set[int] = set()
    for user in users:
        user_id = user if isinstance(user, int) else user.pk
        if user_id is None or user_id in seen:
            continue
        seen.add(user_id)
        for channel in channels:
            if (
                dedupe_key
                and OutboxMessage.objects.filter(user_id=user_id, channel=channel, dedupe_key=dedupe_key).exists()
            ):
                continue
            try:
                with transaction.atomic():
                    queued.append(
                        OutboxMessage.objects.create(
                            community_id=community_id,
                            user_id=user_id,
                            channel=channel,
                            kind=kind,
                            title=title[:100],
                            body=body[:500],
                            url=url[:200],
                            dedupe_key=dedupe_key,
                        )
                    )
            except IntegrityError:  # the same reminder queued by a racing sweep
                continue
    if queued:
        ids = [m.pk for m in queued]
        transaction.on_commit(lambda: _enqueue_delivery(ids))
    return queued


def _enqueue_delivery(ids: list[int]) -> None:
    from gongzhi.notifications.tasks import outbox_deliver

    outbox_deliver.enqueue(ids)


def outbox_send(*, message_ids: list[int]) -> int:
    """Sends pending messages through their channel's sender; returns how many were sent."""
    sent = 0
    for message in OutboxMessage.objects.filter(pk__in=message_ids, status=OutboxStatus.PENDING).order_by("id"):
        sender = SENDERS.get(message.channel)
        message.attempts += 1
        try:
            if sender is None:
                raise LookupError(f"no sender for {message.channel}")
            with transaction.atomic():
                sender.send(message)
                message.status, message.sent_at = OutboxStatus.SENT, timezone.now()
                message.save(update_fields=["status", "sent_at", "attempts"])
            sent += 1
        except Exception as exc:
            message.last_error = str(exc)[:200]
            if message.attempts >= 5:
                message.status = OutboxStatus.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
    return sent
