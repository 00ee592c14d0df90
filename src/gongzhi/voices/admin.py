"""社情民意 in the back office: read-only lists scoped to the manager's community; every change goes through the
pages' services (routing table, parties, categories, the workflow), so routing, deadlines and the audit trail
cannot be bypassed here. Phones are masked, and the resident's follow-up token is never shown.

The holiday calendar is deployment-wide: superusers edit it here, through `calendar_day_set` / `calendar_day_clear`."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_scoping import ScopedAdmin
from gongzhi.core.http import actor_of
from gongzhi.core.permissions import Action
from gongzhi.rules.masking import mask_name, mask_phone
from gongzhi.voices.models import CalendarDay, Category, Party, Route, Voice
from gongzhi.voices.services import deadlines as deadlines_services


@admin.register(Voice)
class VoiceAdmin(ScopedAdmin):
    scope_action = Action.VOICE_MANAGE
    list_display = ["id", "summary", "category", "place", "status", "party", "due_at", "escalation_level", "created_at"]
    list_filter = ["status", "channel", "is_open", "category"]
    search_fields = ["text"]
    list_select_related = ["category", "place", "party"]
    fields = (
        "text",
        "category",
        "place",
        "channel",
        "is_public",
        "status",
        "party",
        "due_at",
        "reminded_at",
        "escalated_at",
        "escalation_level",
        "contact_name_masked",
        "contact_phone_masked",
        "created_at",
        "closed_at",
        "rating",
    )
    readonly_fields = fields

    @admin.display(description=_("联系人"))
    def contact_name_masked(self, voice: Voice) -> str:
        return mask_name(voice.contact_name) if voice.contact_name else ""

    @admin.display(description=_("联系电话"))
    def contact_phone_masked(self, voice: Voice) -> str:
        return mask_phone(voice.contact_phone) if voice.contact_phone else ""


@admin.register(Party)
class PartyAdmin(ScopedAdmin):
    scope_action = Action.VOICE_MANAGE
    list_display = ["name", "kind", "supervisor", "contact", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    list_select_related = ["supervisor"]


@admin.register(Route)
class RouteAdmin(ScopedAdmin):
    scope_action = Action.VOICE_MANAGE
    list_display = ["place", "category", "party", "updated_at"]
    list_select_related = ["place", "category", "party"]
    exclude = ["updated_by"]


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    scope_action = Action.VOICE_MANAGE
    list_display = ["name", "code", "deadline_days", "remind_days_before", "is_active"]
    list_filter = ["is_active"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Deployment-wide: visible to staff admins, changed by superusers only, through the services."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        if change and "date" in form.changed_data:
            deadlines_services.calendar_day_clear(actor=actor_of(request), date=form.initial["date"])
        saved = deadlines_services.calendar_day_set(
            actor=actor_of(request), date=obj.date, is_workday=obj.is_workday, name=obj.name
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        deadlines_services.calendar_day_clear(actor=actor_of(request), date=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for day in list(queryset):
            deadlines_services.calendar_day_clear(actor=actor_of(request), date=day.date)
