from django.contrib import admin

from gongzhi.core.admin_scoping import ScopedAdmin
from gongzhi.core.permissions import Action
from gongzhi.people.models import CorrectionRequest, ImportJob, Person


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    """Masked columns only; full values are revealed (and logged) on the resident page."""

    scope_action = Action.PERSON_VIEW
    list_display = ["masked_name", "sex", "masked_id_number", "masked_phone", "relation", "household"]
    list_filter = ["relation", "sex"]
    list_select_related = ["household"]
    fields = ("masked_name", "sex", "birth_date", "masked_id_number", "masked_phone", "relation", "household")
    readonly_fields = fields


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ScopedAdmin):
    scope_action = Action.CORRECTION_HANDLE
    list_display = ["person", "field", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["person"]


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdmin):
    scope_action = Action.PERSON_IMPORT
    list_display = ["original_name", "status", "total_rows", "valid_rows", "imported_rows", "created_at"]
    list_filter = ["status"]
