"""CSV/XLSX import and export of clients, assignments and business records (django-import-export), all or nothing.

A file with any bad row imports nothing: each import runs in one transaction that is rolled back when any row is
invalid, and every invalid row is reported with its number and the reasons. Rows are saved through the services
(``client_create`` / ``client_update`` / ``assignment_create`` / ``business_record_upsert``), so an import obeys
the same rules as a form: a manager's grade must serve the client's tier, one open assignment per client, the tier is
never imported.

Numbering: import-export counts data rows from 1 (the header is not a row); ``import_errors`` turns that into the
line of the file, where the header is line 1, so "line 3" is what an editor shows.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import Result

from clients.imports import import_date
from clients.models import Assignment, BusinessRecord, Client
from clients.services import (
    CLIENT_EDITABLE_FIELDS,
    assignment_create,
    business_record_upsert,
    client_create,
    client_update,
)
from managers.models import AccountManager


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key by a natural key (registration code, employee number); an unknown key is a bad row, not a crash."""

    def __init__(self, model: type, field: str, label: Any) -> None:
        super().__init__(model, field=field)
        self.label = label

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Any:
        try:
            return super().clean(str(value).strip() if value is not None else value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(_("No %(what)s “%(value)s”.") % {"what": self.label, "value": value}) from None


class IsoDateWidget(widgets.DateWidget):
    """A date written YYYY-MM-DD (or a spreadsheet's date cell); 01/02/2026 is refused as ambiguous, never guessed."""

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Any:
        return import_date(value)


class AllOrNothingResource(resources.ModelResource):
    """A resource whose import is rolled back entirely when any row is invalid or fails."""

    def import_data(self, dataset: Any, dry_run: bool = False, raise_errors: bool = False, **kwargs: Any) -> Result:
        # The admin's confirm step calls import_data without rollback_on_validation_errors: force it, so a row that
        # became bad between the preview and the confirmation still stops the whole file.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    @staticmethod
    def required(instance: Any, names: dict[str, str]) -> None:
        missing = {attr: _("This column is required.") for attr, value in names.items() if not value}
        if missing:
            raise ValidationError(missing)


class ClientResource(AllOrNothingResource):
    """Clients by registration code: a known code updates the file, a new one opens it; the tier is export-only."""

    tier = fields.Field(attribute="tier", column_name="tier", readonly=True)

    class Meta:
        model = Client
        fields = ("registration_code", "name", "industry", "size", "status", "address", "tier")
        export_order = fields
        import_id_fields = ("registration_code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._codes_seen: set[str] = set()

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        code = str(row.get("registration_code") or "").strip()
        if not code:
            raise ValidationError({"registration_code": _("This column is required.")})
        if code in self._codes_seen:
            raise ValidationError(
                {"registration_code": _("Registration code %(code)s appears twice in the file.") % {"code": code}}
            )
        self._codes_seen.add(code)
        row["registration_code"] = code

    def save_instance(self, instance: Client, is_create: bool, row: dict, **kwargs: Any) -> None:
        values = {name: getattr(instance, name) for name in CLIENT_EDITABLE_FIELDS}
        if is_create:
            saved = client_create(**values)
            instance.pk = saved.pk
        else:
            client_update(client=instance, **values)


class AssignmentResource(AllOrNothingResource):
    """Assignments by client registration code and manager employee number; each row is a new assignment."""

    client = fields.Field(
        attribute="client",
        column_name="client",
        widget=LookupWidget(Client, "registration_code", gettext_lazy("client with registration code")),
    )
    client_name = fields.Field(attribute="client__name", column_name="client_name", readonly=True)
    manager = fields.Field(
        attribute="manager",
        column_name="manager",
        widget=LookupWidget(AccountManager, "employee_no", gettext_lazy("account manager with employee number")),
    )
    manager_name = fields.Field(attribute="manager__name", column_name="manager_name", readonly=True)
    start = fields.Field(attribute="start", column_name="start", widget=IsoDateWidget())
    end = fields.Field(attribute="end", column_name="end", widget=widgets.DateWidget(), readonly=True)

    class Meta:
        model = Assignment
        fields = ("client", "client_name", "manager", "manager_name", "start", "end", "reason")
        export_order = fields
        import_id_fields: tuple[str, ...] = ()
        force_init_instance = True  # an import never edits history: every row is a new assignment

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        queryset = self.get_queryset() if queryset is None else queryset
        return super().export(queryset.select_related("client", "manager__user"), **kwargs)

    def import_instance(self, instance: Assignment, row: dict, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        self.required(
            instance,
            {
                "client": instance.client_id,
                "manager": instance.manager_id,
                "start": instance.start,
                "reason": (instance.reason or "").strip(),
            },
        )

    def save_instance(self, instance: Assignment, is_create: bool, row: dict, **kwargs: Any) -> None:
        user = kwargs.get("user")
        saved = assignment_create(
            client=instance.client,
            manager=instance.manager,
            start=instance.start,
            reason=instance.reason.strip(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        instance.pk = saved.pk


class BusinessRecordResource(AllOrNothingResource):
    """A client's business of a month by registration code: volume, profit (empty when not known) and products used;
    a row for a month already recorded replaces it."""

    client = fields.Field(
        attribute="client",
        column_name="client",
        widget=LookupWidget(Client, "registration_code", gettext_lazy("client with registration code")),
    )
    client_name = fields.Field(attribute="client__name", column_name="client_name", readonly=True)
    month = fields.Field(attribute="month", column_name="month", widget=IsoDateWidget())

    class Meta:
        model = BusinessRecord
        fields = ("client", "client_name", "month", "volume", "profit", "products_used")
        export_order = fields
        import_id_fields: tuple[str, ...] = ()
        force_init_instance = True  # business_record_upsert finds the month's row itself

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        queryset = self.get_queryset() if queryset is None else queryset
        return super().export(queryset.select_related("client"), **kwargs)

    def import_instance(self, instance: BusinessRecord, row: dict, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        self.required(
            instance,
            {
                "client": instance.client_id,
                "month": instance.month,
                "volume": instance.volume is not None,
                "products_used": instance.products_used is not None,
            },
        )

    def save_instance(self, instance: BusinessRecord, is_create: bool, row: dict, **kwargs: Any) -> None:
        saved = business_record_upsert(
            client=instance.client,
            month=instance.month,
            volume=instance.volume,
            profit=instance.profit,
            products_used=instance.products_used,
        )
        instance.pk = saved.pk


def import_errors(result: Result) -> list[str]:
    """Every bad row of an import as "line N: reasons", N counted in the file (the header is line 1)."""
    lines: list[tuple[int, str]] = []
    for row in result.invalid_rows:
        reasons = [
            f"{field}: {message}" if field != NON_FIELD_ERRORS else message
            for field, messages in row.error_dict.items()
            for message in messages
        ]
        lines.append((row.number + 1, "; ".join(reasons)))
    for number, errors in result.row_errors():
        lines.append((number + 1, "; ".join(str(error.error) for error in errors)))
    for error in result.base_errors:
        lines.append((0, str(error.error)))
    return [
        _("line %(line)s: %(reasons)s") % {"line": number, "reasons": text} if number else text
        for number, text in sorted(lines)
    ]
