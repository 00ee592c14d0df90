"""Permission questions on the inbox. Notifications are personal: no role reaches another user's, whatever its
scope (the selectors filter by the user for the same reason; the admin sees outbox rows through `Action.ADMIN`)."""

from __future__ import annotations

from gongzhi.core.models import Viewer
from gongzhi.notifications.models import Notification


def can_read_notification(user: Viewer, notification: Notification) -> bool:
    """Opening or marking read: only the notification's own user (someone else's is answered as not found)."""
    return bool(user is not None and user.is_authenticated and notification.user_id == user.pk)
