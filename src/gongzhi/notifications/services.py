"""Sending messages: `notify` writes one outbox row per user and channel inside the caller's transaction; on
commit a task (`notifications.tasks`) hands each row to its channel's sender (`notifications.delivery`).

The inbox marks (`notification_read`, `notifications_read_all`) are here too."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.notifications import tasks
from gongzhi.notifications.models import Notification, OutboxMessage
from gongzhi.notifications.predicates import can_read_notification


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
    delivery starts on commit, so a rolled-back change tells no one. A message whose dedupe key was already
    queued for that user and channel is skipped."""
    queued: list[OutboxMessage] = []
    seen: set[int] = set()
    for user in users:
        user_id = user if isinstance(user, int) else getattr(user, "pk", None)
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
                            kind=kind[:30],
                            title=str(title)[:100],
                            body=str(body)[:500],
                            url=url[:200],
                            dedupe_key=dedupe_key[:100] if dedupe_key else None,
                        )
                    )
            except IntegrityError:  # the same reminder queued by a racing sweep
                continue
    if queued:
        ids = [m.pk for m in queued]
        transaction.on_commit(lambda: tasks.outbox_deliver.enqueue(ids))
    return queued


def notification_read(*, actor: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Marks one of the actor's own notifications read (someone else's is not found). A personal inbox mark,
    not a community record: no audit event."""
    with transaction.atomic():
        notification: Notification | None = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or not can_read_notification(actor, notification):
            raise NotFound()
        if notification.read_at is None:
            notification.read_at = now or timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, actor: User, now: datetime | None = None) -> int:
    """Marks all of the actor's unread notifications read; returns how many. No audit event (see above)."""
    return int(
        Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(read_at=now or timezone.now())
    )
