"""Admin scoped per community: querysets come from our grants, not from Django's model permissions."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.core.permissions import Action
from gongzhi.core.predicates import can_admin_anywhere


def has_admin_access(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_staff and can_admin_anywhere(request.user))


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only by default; writes go through services (pages or an admin subclass's save_model)."""

    scope_action: Action = Action.ADMIN

    def get_queryset(self, request: HttpRequest) -> Any:
        return self.model.objects.restrict(request.user, self.scope_action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_admin_access(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_admin_access(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
