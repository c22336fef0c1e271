"""The auditor's view of the random draws of peers and client samples: read-only records, verified by re-running
them from their seed (as spot-check draws are)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from appraisals.models import ClientSampleDraw, PeerDraw
from appraisals.models.draws import RecordedDraw
from appraisals.services.draws import client_sample_draw_verify, peer_draw_verify


class RecordedDrawAdmin(SimpleHistoryAdmin):
    """A draw is a record for the auditor: nobody adds, changes or deletes one; anyone who may view it verifies it."""

    actions = ["verify"]
    verify_draw: Callable[..., bool]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RecordedDraw | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RecordedDraw | None = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Verify the selected draws (re-run from the seed)"), permissions=["view"])
    def verify(self, request: HttpRequest, queryset: QuerySet[RecordedDraw]) -> None:
        for draw in queryset:
            if type(self).verify_draw(draw=draw):
                self.message_user(
                    request, _("%(draw)s: passed, the re-run gives the recorded sample.") % {"draw": draw}
                )
            else:
                self.message_user(
                    request,
                    _("%(draw)s: FAILED, the re-run does not give the recorded sample or its ratings.")
                    % {"draw": draw},
                    messages.ERROR,
                )


@admin.register(PeerDraw)
class PeerDrawAdmin(RecordedDrawAdmin):
    list_display = ["manager", "cycle", "drawn_at", "sample_size", "drawn_by"]
    list_filter = ["cycle"]
    list_select_related = ["manager__user", "cycle", "drawn_by"]
    search_fields = ["manager__employee_no", "manager__user__first_name", "manager__user__last_name"]
    readonly_fields = [f.name for f in PeerDraw._meta.fields]
    verify_draw = staticmethod(peer_draw_verify)


@admin.register(ClientSampleDraw)
class ClientSampleDrawAdmin(RecordedDrawAdmin):
    list_display = ["appraisal", "drawn_at", "sample_size", "drawn_by"]
    list_filter = ["appraisal__cycle"]
    list_select_related = ["appraisal__manager__user", "appraisal__cycle", "drawn_by"]
    search_fields = ["appraisal__manager__employee_no", "appraisal__manager__user__last_name"]
    readonly_fields = [f.name for f in ClientSampleDraw._meta.fields]
    verify_draw = staticmethod(client_sample_draw_verify)
