"""议事厅 in the back office: read-only lists scoped to the manager's subtree; every change goes through the pages'
services, so the lifecycle, the one-ballot rule and the audit trail cannot be bypassed here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin_scoping import ScopedAdmin
from gongzhi.core.permissions import Action
from gongzhi.deliberation.models import Ballot, Objection, Topic


@admin.register(Topic)
class TopicAdmin(ScopedAdmin):
    scope_action = Action.TOPIC_MANAGE
    list_display = ["title", "place", "status", "procedure", "matter", "hot_month", "created_at"]
    list_filter = ["status", "procedure"]
    search_fields = ["title"]
    list_select_related = ["place"]
    exclude = ["result"]


@admin.register(Ballot)
class BallotAdmin(ScopedAdmin):
    """Owners by masked name; voids are made on the ballots page, with a reason."""

    scope_action = Action.TOPIC_MANAGE
    list_display = ["topic", "voter_masked", "choice", "channel", "serial_no", "created_at", "voided_at"]
    list_filter = ["channel", "choice"]
    search_fields = ["serial_no"]
    list_select_related = ["topic", "voter"]
    fields = ("topic", "voter_masked", "choice", "channel", "serial_no", "proxy_name", "created_at", "void_reason")
    readonly_fields = fields

    @admin.display(description=_("业主"))
    def voter_masked(self, ballot: Ballot) -> str:
        return str(ballot.voter.masked_name)


@admin.register(Objection)
class ObjectionAdmin(ScopedAdmin):
    scope_action = Action.TOPIC_MANAGE
    list_display = ["topic", "created_at", "answered_at"]
    list_select_related = ["topic"]
    exclude = ["author", "answered_by"]
