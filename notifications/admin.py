"""HR configures the robots' channels (secrets write-only), sees every message and re-sends the failed ones."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from notifications.events import EVENT_LABELS
from notifications.forms import ChannelForm
from notifications.models import Channel, Delivery, Preference
from notifications.services import deliveries_resend


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["name", "kind", "webhook_host", "signed", "active", "updated_at"]
    list_filter = ["kind", "active"]
    readonly_fields = ["webhook_host", "signed"]

    def get_fields(self, request: HttpRequest, obj: Channel | None = None) -> list[str]:
        fields = ["name", "kind", "webhook_url", "secret", "secret_clear", "active"]
        return [*fields, "webhook_host", "signed"] if obj else fields

    @admin.display(description=gettext_lazy("saved address (host only)"))
    def webhook_host(self, obj: Channel) -> str:
        # The path and query hold the robot's token: only the host is ever shown.
        return urlsplit(obj.webhook_url).netloc or "—"

    @admin.display(description=gettext_lazy("signing secret saved"), boolean=True)
    def signed(self, obj: Channel) -> bool:
        return bool(obj.secret)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "handle", "language"]
    list_filter = ["kind", "language"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "handle"]
    autocomplete_fields = ["user"]


class EventFilter(admin.SimpleListFilter):
    title = pgettext_lazy("notification", "event")
    parameter_name = "event"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, object]]:
        return list(EVENT_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        return queryset.filter(event=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_label", "recipient", "kind", "state", "attempts", "last_error", "sent_at"]
    list_filter = ["state", "kind", EventFilter]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username", "recipient__last_name", "key"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [
        "event_label",
        "key",
        "recipient",
        "kind",
        "params",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]
    fields = readonly_fields

    @admin.display(description=pgettext_lazy("notification", "event"), ordering="event")
    def event_label(self, obj: Delivery) -> str:
        return str(EVENT_LABELS.get(obj.event, obj.event))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        # A message is a record: HR reads it and may send a failed one again, never edits it.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # noqa: ANN201
        failed = Delivery.objects.filter(state=Delivery.State.FAILED).count()
        if failed and request.method == "GET":
            messages.warning(
                request,
                _("%(count)d message(s) could not be sent after every attempt: filter by state “failed” to see why.")
                % {"count": failed},
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description=gettext_lazy("Send the selected failed messages again"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = deliveries_resend(pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(count)d message(s) queued to be sent again.") % {"count": count}, messages.SUCCESS
        )
