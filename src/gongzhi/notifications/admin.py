"""Outbox and notifications in the back office: read-only, scoped to the communities the admin manages, so a
failed delivery can be seen (attempts, last error) without anyone writing messages by hand."""

from django.contrib import admin

from gongzhi.core.admin_scoping import ScopedAdmin
from gongzhi.notifications.models import Notification, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ScopedAdmin):
    list_display = ["id", "channel", "kind", "title", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["title", "dedupe_key"]
    exclude = ["user"]


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    list_display = ["id", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    exclude = ["user", "outbox"]
