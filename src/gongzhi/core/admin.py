from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.core.admin_scoping import ScopedAdmin, has_admin_access
from gongzhi.core.models import AuditEvent, RoleAssignment, SensitiveAccess
from gongzhi.core.permissions import Action
from gongzhi.core.predicates import audit_community_ids, can_view_audit_anywhere

admin.site.site_header = "共治 · 后台"
admin.site.site_title = "共治"


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    list_display = ["user", "role", "place", "grid", "household", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "place", "grid", "household"]


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ScopedAdmin):
    scope_action = Action.AUDIT_VIEW
    list_display = ["at", "actor", "object_type", "object_id", "field", "purpose"]
    list_filter = ["field"]
    list_select_related = ["actor"]


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    """Append-only: no add, change or delete here, and the database refuses them on PostgreSQL."""

    list_display = ["at", "verb", "object_type", "object_id", "actor", "on_behalf_of", "seq"]
    list_filter = ["verb"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_select_related = ["actor"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return AuditEvent.objects.filter(community_id__in=audit_community_ids(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_admin_access(request) and can_view_audit_anywhere(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


def _login_via_app(request: HttpRequest, extra_context: Any = None) -> Any:
    # One login path, so the failed-login lock applies to the admin too.
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    return redirect(f"{reverse('core:login')}?{urlencode({'next': request.GET.get('next', '/admin/')})}")


admin.site.login = _login_via_app  # type: ignore[method-assign]


def _password_change_via_app(request: HttpRequest, extra_context: Any = None) -> Any:
    # One password change: the app's page checks the old password, validates the new one, clears
    # must_change_password and writes the audit event (services.user_change_password); the admin's own form did none.
    from django.shortcuts import redirect

    return redirect("core:password")


admin.site.password_change = _password_change_via_app  # type: ignore[method-assign]
