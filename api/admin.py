"""HR issues, scopes and revokes API tokens here. The key is shown once, in the message after saving."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiToken
from api.services import api_token_issue, api_token_revoke


class ActiveFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", gettext_lazy("active")), ("no", gettext_lazy("revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "service_account", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [ActiveFilter, "scope", "service_account"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return ["user", "name", "scope", "service_account"]
        return ["user", "name", "scope", "service_account", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        # A token's owner, scope and kind are fixed once issued: to change them, revoke it and issue another.
        if obj is None:
            return []
        return ["user", "scope", "service_account", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: ModelForm, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        issued = api_token_issue(
            user=obj.user, name=obj.name, scope=obj.scope, service_account=obj.service_account, issued_by=request.user
        )
        obj.pk = issued.token.pk
        obj.prefix, obj.key_hash, obj.created_at = issued.token.prefix, issued.token.key_hash, issued.token.created_at
        messages.warning(
            request,
            _("The key of “%(name)s” is %(key)s — copy it now: it is stored hashed and will not be shown again.")
            % {"name": obj.name, "key": issued.key},
        )

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # Revoked, never deleted: the row says who used the API and until when.
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)
            count += 1
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count}, messages.SUCCESS)
