from django.contrib import admin

from gongzhi.core.admin_scoping import ScopedAdmin
from gongzhi.core.permissions import Action
from gongzhi.places.models import Grid, Household, Place


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    scope_action = Action.PLACE_VIEW
    list_display = ["name", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    scope_action = Action.PLACE_VIEW
    list_display = ["name", "kind", "parent"]
    list_select_related = ["parent"]


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    scope_action = Action.HOUSEHOLD_VIEW
    list_display = ["room", "place", "floor", "area", "grid"]
    search_fields = ["room"]
    list_select_related = ["place", "grid"]
