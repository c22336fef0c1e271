"""The admin site every app registers on: whatever is posted, a form with errors, never a server error.

Every ModelAdmin registered here (the project's and the third-party ones: users, beat schedules, task results)
gets two guards:
- foreign-key and many-to-many fields refuse an id that is not a value of the key's type, or does not fit its
  column (``abc``, ``99999999999999999999``), with a field error, and leave such a value out when the form is shown
  again (an autocomplete widget would look it up);
- a history ("Revert") page of an object HR may not change offers no revert, and a posted revert is refused.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin


def key_is_valid(queryset: QuerySet, to_field_name: str | None, value: object) -> bool:
    """Whether `value` can be looked up in the key column without the database refusing it."""
    if isinstance(value, Model):
        return True
    key: Field = queryset.model._meta.get_field(to_field_name) if to_field_name else queryset.model._meta.pk
    while key.is_relation:  # a primary key that is a link to a parent model
        key = key.target_field
    try:
        python = key.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    ranges = connections[queryset.db].ops.integer_field_ranges
    internal = key.get_internal_type()
    if internal in ranges and python is not None:
        low, high = ranges[internal]
        return low <= python <= high
    return True


class TolerantModelChoiceField(forms.ModelChoiceField):
    """A choice of one object that answers "not a valid choice" to an id the key column cannot hold."""

    def to_python(self, value: Any) -> Model | None:
        if value not in self.empty_values and not key_is_valid(self.queryset, self.to_field_name, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if value not in self.empty_values and not key_is_valid(self.queryset, self.to_field_name, value):
            return None
        return super().prepare_value(value)


class TolerantModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several objects that answers "not a valid value" to an id the key column cannot hold."""

    def clean(self, value: Any) -> QuerySet:
        if isinstance(value, list | tuple):
            for pk in value:
                if pk not in self.empty_values and not key_is_valid(self.queryset, self.to_field_name, pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": str(pk)[:40]}
                    )
        return super().clean(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = [pk for pk in value if key_is_valid(self.queryset, self.to_field_name, pk)]
        return super().prepare_value(value)


class TolerantIdsMixin:
    """Relation fields of the form (and of its inlines) built as the tolerant fields above."""

    def formfield_for_foreignkey(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        kwargs.setdefault("form_class", TolerantModelChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        kwargs.setdefault("form_class", TolerantModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Model | None) -> list[type]:
        return [guarded(inline) for inline in super().get_inlines(request, obj)]


class RevertGuardMixin:
    """No revert of an object HR may not change (an approved pay statement, a final appraisal): the history page
    shows the old version read-only, and a posted revert is refused with a message."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is not None and not self.has_change_permission(request, obj):
                self.message_user(
                    request, _("This record is final: an earlier version cannot be restored."), messages.ERROR
                )
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
                )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # `obj` is the old version being shown; whether it may be restored depends on the record as it is now.
        current = self.get_object(request, str(obj.pk)) if obj is not None else None
        if current is not None and not self.has_change_permission(request, current):
            return True
        return super().revert_disabled(request, obj)


@cache
def guarded(admin_class: type) -> type:
    """`admin_class` with the guards mixed in (a subclass of the same name)."""
    if issubclass(admin_class, TolerantIdsMixin):
        return admin_class
    bases: tuple[type, ...] = (TolerantIdsMixin, admin_class)
    if issubclass(admin_class, SimpleHistoryAdmin):
        bases = (RevertGuardMixin, *bases)
    return type(admin_class.__name__, bases, {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__})


class AdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: type | None = None, **options: Any) -> None:
        super().register(model_or_iterable, guarded(admin_class or admin.ModelAdmin), **options)


class AdminConfig(DjangoAdminConfig):
    default_site = "core.admin_site.AdminSite"
