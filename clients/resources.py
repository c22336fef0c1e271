"""CSV/XLSX export of clients, assignments and business records (django-import-export), in the columns the imports
read back (clients.imports: client, manager, start, reason; client, month, volume, profit, products_used).

Importing goes through clients.imports (two jobs: check every row, then apply all or none); these resources only
export, so every field is read-only here.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from clients.models import Assignment, BusinessRecord, Client


class ExportOnlyResource(resources.ModelResource):
    """A resource the admin exports with; an import through it is refused (the import jobs do that)."""

    def import_data(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("imports run as jobs: clients.imports")


class ClientResource(ExportOnlyResource):
    class Meta:
        model = Client
        fields = ("registration_code", "name", "industry", "size", "status", "address", "tier")
        export_order = fields


class AssignmentResource(ExportOnlyResource):
    client = fields.Field(attribute="client__registration_code", column_name="client")
    client_name = fields.Field(attribute="client__name", column_name="client_name")
    manager = fields.Field(attribute="manager__employee_no", column_name="manager")
    manager_name = fields.Field(attribute="manager__name", column_name="manager_name")
    start = fields.Field(attribute="start", column_name="start", widget=widgets.DateWidget())
    end = fields.Field(attribute="end", column_name="end", widget=widgets.DateWidget())

    class Meta:
        model = Assignment
        fields = ("client", "client_name", "manager", "manager_name", "start", "end", "reason")
        export_order = fields

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        queryset = self.get_queryset() if queryset is None else queryset
        return super().export(queryset.select_related("client", "manager__user"), **kwargs)


class BusinessRecordResource(ExportOnlyResource):
    client = fields.Field(attribute="client__registration_code", column_name="client")
    client_name = fields.Field(attribute="client__name", column_name="client_name")

    class Meta:
        model = BusinessRecord
        fields = ("client", "client_name", "month", "volume", "profit", "products_used")
        export_order = fields

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        queryset = self.get_queryset() if queryset is None else queryset
        return super().export(queryset.select_related("client"), **kwargs)
