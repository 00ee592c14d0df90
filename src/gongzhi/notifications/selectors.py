"""Reads of a user's own inbox. Notifications are personal: the filter is the user, not a community scope."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from gongzhi.core.models import User
from gongzhi.notifications.models import Notification


def notification_list(*, actor: User) -> QuerySet[Notification]:
    """The actor's notifications, unread first, newest first within each."""
    rows: QuerySet[Notification] = (
        Notification.objects.filter(user_id=actor.pk)
        .annotate(is_read=ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField()))
        .order_by("is_read", "-created_at", "-id")
    )
    return rows


def unread_count(*, user_id: int) -> int:
    return int(Notification.objects.filter(user_id=user_id, read_at__isnull=True).count())
