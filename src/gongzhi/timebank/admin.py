"""时间银行 in the back office: every model, read-only and scoped to the admin's communities. Points move only through
the ledger services (pages and API), so nothing here can add, change or delete a row — least of all a ledger
transaction or entry, which are append-only. Bearer secrets (核销 codes and QR tokens, proof codes) are not shown;
guardians' names and phones are masked."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_scoping import ScopedAdmin, has_admin_access
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import grants_allowing
from gongzhi.places.models import Place
from gongzhi.rules.masking import mask_name, mask_phone
from gongzhi.timebank.models.catalogue import Donation, Item, Redemption
from gongzhi.timebank.models.ledger import Account, Entry, Transaction
from gongzhi.timebank.models.settings import LedgerSettings

HIDDEN_FIELDS = {"code", "token"}  # a 核销 code, a QR token or a proof's code lets its holder act on it
MASKED_FIELDS = {"guardian_name", "guardian_phone"}  # shown by the `<field>_masked` columns below

# The action whose grants scope each model's rows; ledger and anything else: TIMEBANK_ACCOUNTS (书记/社工).
SCOPE_BY_MODULE = {
    "catalogue": Action.TIMEBANK_CATALOGUE,
    "activities": Action.TIMEBANK_ORGANISE,
    "exchange": Action.TIMEBANK_APPROVE_HELP,
    "skills": Action.TIMEBANK_TRAINING,
    "stamps": Action.TIMEBANK_STAMPS,
    "volunteers": Action.TIMEBANK_VOLUNTEERS,
}


class TimebankAdmin(ScopedAdmin):
    """Read-only: the list shows id, the row and its community; the page every field but the hidden ones."""

    scope_action = Action.TIMEBANK_ACCOUNTS
    list_display = ["id", "__str__", "community"]
    list_select_related = ["community"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        out = []
        for field in self.model._meta.concrete_fields:
            if field.primary_key or field.name in HIDDEN_FIELDS:
                continue
            out.append(f"{field.name}_masked" if field.name in MASKED_FIELDS else field.name)
        return out

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @admin.display(description=_("监护人姓名"))
    def guardian_name_masked(self, obj: Any) -> str:
        return mask_name(obj.guardian_name) if obj.guardian_name else ""

    @admin.display(description=_("监护人手机号"))
    def guardian_phone_masked(self, obj: Any) -> str:
        return mask_phone(obj.guardian_phone) if obj.guardian_phone else ""


class AccountAdmin(TimebankAdmin):
    list_display = ["id", "name", "kind", "balance", "floor", "is_active", "community"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class TransactionAdmin(TimebankAdmin):
    list_display = ["id", "kind", "memo", "reverses", "counterpart", "created_at", "community"]
    list_filter = ["kind"]
    list_select_related = ["community", "reverses", "counterpart"]
    date_hierarchy = "created_at"


class EntryAdmin(TimebankAdmin):
    list_display = ["id", "transaction", "account", "amount", "attributed_person", "created_at", "community"]
    list_select_related = ["community", "transaction", "account", "attributed_person"]


class ItemAdmin(TimebankAdmin):
    list_display = ["id", "name", "kind", "price", "stock", "provider_name", "is_active", "community"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class DonationAdmin(TimebankAdmin):
    list_display = ["id", "item", "donor", "quantity", "received_at", "community"]
    list_select_related = ["community", "item"]


class RedemptionAdmin(TimebankAdmin):
    list_display = ["id", "item", "points", "status", "expires_at", "completed_at", "community"]
    list_filter = ["status"]
    list_select_related = ["community", "item"]


class LedgerSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Street-wide settings (not community-owned): the streets of the admin's communities, read-only."""

    list_display = ["street", "elderly_floor", "elderly_age", "gift_monthly_limit", "clearing_limit", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        community_ids = [g.community_id for g in grants_allowing(request.user, Action.ADMIN) if g.community_id]
        streets = set(Place.objects.filter(pk__in=community_ids).values_list("parent_id", flat=True))
        return super().get_queryset(request).filter(street_id__in=streets)

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


SPECIFIC: dict[type[models.Model], type[admin.ModelAdmin]] = {  # type: ignore[type-arg]
    Account: AccountAdmin,
    Transaction: TransactionAdmin,
    Entry: EntryAdmin,
    Item: ItemAdmin,
    Donation: DonationAdmin,
    Redemption: RedemptionAdmin,
    LedgerSettings: LedgerSettingsAdmin,
}


def _register_all() -> None:
    for model in apps.get_app_config("timebank").get_models():
        if admin.site.is_registered(model):
            continue
        base = SPECIFIC.get(model, TimebankAdmin)
        module = model.__module__.rsplit(".", 1)[-1]
        scope = SCOPE_BY_MODULE.get(module, Action.TIMEBANK_ACCOUNTS)
        name = f"{model.__name__}Admin"
        admin.site.register(model, type(name, (base,), {"scope_action": scope, "__module__": __name__}))


_register_all()
