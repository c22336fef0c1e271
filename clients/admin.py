"""HR's admin for clients: client files, assignment history and reassignment, the work log, tiering runs.

Every write that has a rule goes through clients.services: a reassignment made here obeys the same grade/tier and
one-manager rules as one made in a form or an import. The tier is read-only everywhere: the 80/20 tiering sets it.
Interaction records, feedback and reports are written by managers in their pages; HR reads them here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from clients.imports import (
    FORMATS,
    import_jobs,
    import_jobs_note,
    import_meta,
    import_path,
    import_report,
    import_store,
)
from clients.models import (
    Assignment,
    BusinessCreditPolicy,
    BusinessRecord,
    Client,
    ClientTierChange,
    Contact,
    Feedback,
    FeedRun,
    ImportPolicy,
    Interaction,
    Report,
    TieringPolicy,
    TieringRun,
    WorkLogPolicy,
)
from clients.resources import AssignmentResource, BusinessRecordResource, ClientResource
from clients.selectors import client_industries
from clients.services import (
    CLIENT_EDITABLE_FIELDS,
    assignment_create,
    assignment_end,
    business_record_upsert,
    client_create,
    client_update,
    tier_name,
)
from clients.tasks import import_apply_task, import_check_task
from core.admin_lists import LargeTableAdminMixin
from core.jobs import enqueue, job_progress_of
from core.refusals import refusal_text
from managers.models import AccountManager, Grade

# Uploads are checked before they are stored for the import jobs: the size, and the content itself (never the name or
# the browser's content type, which the sender chooses).
IMPORT_MAX_BYTES = 5 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


def import_file_validate(upload: UploadedFile, *, fmt: str) -> None:
    """Refuse a file over 5 MB, or one whose content is not what its format claims (CSV text or an XLSX workbook)."""
    if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is 5 MB. Split it and import the parts.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}"}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if fmt == "xlsx":
        if not head.startswith(XLSX_MAGIC):
            raise ValidationError(_("This file is not an XLSX workbook. Save it from the spreadsheet as .xlsx or CSV."))
        return
    # CSV: text in UTF-8 (with or without the byte-order mark) or GB18030, and no binary content.
    if b"\x00" in head or head.startswith((XLSX_MAGIC, b"%PDF", b"\xd0\xcf\x11\xe0", b"MZ", b"\x7fELF")):
        raise ValidationError(_("This file is not a CSV text file. Choose the format that matches the file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is not an error.
            if error.start >= len(head) - 4:
                return
            continue
        return
    raise ValidationError(_('This CSV file is not text in UTF-8 or GB18030. Save it again as "CSV UTF-8".'))


# Only CSV and XLSX for the export: the other formats tablib offers (html, json, yaml, ods, tsv...) are not what HR
# works with, and some of them fail on an ordinary file.
IMPORT_FORMATS = [CSV, XLSX]


class ImportUploadForm(forms.Form):
    """An import's upload: a CSV or XLSX file, checked for its size and content before it is stored."""

    format = forms.ChoiceField(label=_("Format"), choices=[(str(i), fmt) for i, fmt in enumerate(FORMATS)])
    import_file = forms.FileField(label=_("File to import"))

    def clean(self) -> dict:
        cleaned = super().clean()
        upload, index = cleaned.get("import_file"), cleaned.get("format")
        if upload is not None and index is not None:
            cleaned["fmt"] = FORMATS[int(index)]
            try:
                import_file_validate(upload, fmt=cleaned["fmt"])
            except ValidationError as error:
                self.add_error("import_file", error)
        return cleaned


class JobImportAdminMixin:
    """The admin's "Import" as two jobs (clients.imports): the upload is stored and a job checks every row; its page
    shows each refused row with its line and why, or offers to confirm; confirming starts the job that applies every
    row or none. django-import-export's in-request import is closed."""

    import_kind = ""
    import_title: Any = ""
    import_help: Any = ""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}_import_status"
        return [path("import/<str:token>/", view(self.import_status_view), name=name), *super().get_urls()]

    def _import_page(self, request: HttpRequest, **context: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": self.import_title,
            "import_help": self.import_help,
            **context,
        }
        return render(request, "admin/clients/import_job.html", context)

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """Upload a file: it is stored and a job checks every row; the page of the import shows the result."""
        if not self.has_import_permission(request):
            raise Http404
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = import_store(
                form.cleaned_data["import_file"],
                fmt=form.cleaned_data["fmt"],
                kind=self.import_kind,
                user_id=request.user.pk,
            )
            import_jobs_note(token, "check", enqueue(import_check_task, token).task_id)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_import_status", args=[token])
            )
        return self._import_page(request, form=form, stage="upload")

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """django-import-export's in-request confirm step: imports run as jobs only."""
        raise Http404

    def import_status_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """The import's state: being checked, its refused rows (nothing imported), ready to confirm, or applied."""
        if not self.has_import_permission(request):
            raise Http404
        try:
            import_path(token)
        except ValidationError:
            raise Http404 from None
        if import_meta(token)["kind"] != self.import_kind:
            raise Http404
        check, applied = import_report(token, "check"), import_report(token, "apply")
        jobs = import_jobs(token)
        if request.method == "POST" and check is not None and not check.refused_count and not jobs.get("apply"):
            import_jobs_note(token, "apply", enqueue(import_apply_task, token).task_id)
            return HttpResponseRedirect(request.path)
        task_id = jobs.get("apply") or jobs.get("check") or ""
        progress = job_progress_of(task_id) if task_id else None
        return self._import_page(
            request,
            stage="status",
            check=check,
            applied=applied,
            confirmable=check is not None and not check.refused_count and not jobs.get("apply"),
            progress=progress,
            finished=progress is None or progress.finished,
            job_url=reverse("job_progress", args=[task_id]) if task_id else "",
        )


class ReadOnlyAdminMixin:
    """HR reads these here; they are written by the services (pages, imports, jobs), never edited in place."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- clients ----------------------------------------------------------------------------------------------------


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "title", "phone", "email", "is_primary")


class AssignmentHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Who served the client, newest first; changed only by a reassignment (Assignments → Add)."""

    model = Assignment
    extra = 0
    fields = ("manager", "start", "end", "reason", "created_by")
    readonly_fields = fields
    ordering = ("-start", "-pk")
    verbose_name_plural = _("assignment history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        # The client too: each row's title is the assignment's text, which names its client.
        return super().get_queryset(request).select_related("client", "manager__user", "created_by")


class TierChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClientTierChange
    extra = 0
    fields = ("run", "from_tier", "to_tier", "volume", "cumulative_share")
    readonly_fields = fields
    verbose_name_plural = _("tier history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClientTierChange]:
        # The client too: each row's title is the change's text, which names its client.
        return super().get_queryset(request).select_related("client", "run")


class IndustryFilter(admin.SimpleListFilter):
    """The clients' industries (clients.selectors.client_industries: a probe of the industry index per industry,
    where the admin's own filter on the field read every client for its distinct values)."""

    title = _("industry")
    parameter_name = "industry"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(name, name) for name in client_industries()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> QuerySet[Client]:
        return queryset.filter(industry=self.value()) if self.value() else queryset


@admin.register(Client)
class ClientAdmin(JobImportAdminMixin, LargeTableAdminMixin, ImportExportModelAdmin):
    """Client files; the import runs as two jobs (check every row, then apply all or none) on the import page."""

    resource_classes = [ClientResource]
    formats = IMPORT_FORMATS
    import_kind = "clients"
    import_title = _("Import clients")
    import_help = _(
        "A CSV (UTF-8 or GB18030) or XLSX file of at most 5 MB, with the columns registration_code, name, industry, "
        "size, status, address (a tier column is ignored: the 80/20 tiering sets the tier). A known registration "
        "code updates that client; a new one opens a client file."
    )
    list_display = ("name", "registration_code", "industry", "size", "status", "tier")
    list_filter = ("tier", "status", IndustryFilter, "size")
    search_fields = ("name", "registration_code")
    ordering = ("name", "id")  # the order of the index client_name_id
    readonly_fields = ("tier", "created_at")
    fields = ("name", "registration_code", "industry", "size", "status", "address", "tier", "created_at")
    inlines = [ContactInline, AssignmentHistoryInline, TierChangeInline]

    def save_model(self, request: HttpRequest, obj: Client, form: forms.ModelForm, change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in CLIENT_EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            client_update(client=obj, **{name: values[name] for name in form.changed_data if name in values})
        else:
            created = client_create(**values)
            obj.pk, obj.tier, obj.created_at = created.pk, created.tier, created.created_at
            obj._state.adding = False


# --- assignments ------------------------------------------------------------------------------------------------


class ReassignForm(forms.ModelForm):
    """Assign or reassign a client. The service runs in clean(), so its refusal shows on the form.

    The admin's add view is one transaction, so the row written here is committed only with the rest of the view.
    """

    class Meta:
        model = Assignment
        fields = ("client", "manager", "start", "reason")
        help_texts = {
            "start": _("The first day the new manager serves the client; the current assignment ends the day before."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.request_user = kwargs.pop("request_user", None)
        super().__init__(*args, **kwargs)
        if "manager" in self.fields:
            # Only active managers can take clients; the user is joined because a manager's name is the user's.
            self.fields["manager"].queryset = AccountManager.objects.active().select_related("user")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = assignment_create(
                client=data["client"],
                manager=data["manager"],
                start=data["start"],
                reason=data["reason"],
                created_by=self.request_user,
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return data

    def _post_clean(self) -> None:
        # The service validated and saved the row; the model form must not validate it again (it is the open row).
        pass


@admin.register(Assignment)
class AssignmentAdmin(JobImportAdminMixin, LargeTableAdminMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """Assignment history, read-only; "Add" is the reassignment, through assignment_create, as is each row of an
    import (two jobs: check every row, then apply all or none)."""

    formats = IMPORT_FORMATS
    resource_classes = [AssignmentResource]
    import_kind = "assignments"
    import_title = _("Import assignments")
    import_help = _(
        "A CSV (UTF-8 or GB18030) or XLSX file of at most 5 MB, with the columns client (registration code), manager "
        "(staff number), start (YYYY-MM-DD) and reason; other columns (as in the export) are ignored. Each row makes "
        "the manager the client's account manager from its start, with the same rules as a reassignment."
    )
    list_display = ("client", "manager", "start", "end", "reason", "created_by")
    # A date filter, not a date hierarchy: the hierarchy lists the distinct years of every row on each request.
    list_filter = (("end", admin.EmptyFieldListFilter), "start", "client__tier", "manager__department")
    list_select_related = ("client", "manager__user", "created_by")
    search_fields = ("client__name", "client__registration_code", "manager__employee_no", "manager__user__last_name")
    ordering = ("-start", "-id")  # newest first, the order of the index assignment_start_id
    autocomplete_fields = ("client", "manager")
    actions = ["end_today"]

    def get_form(self, request: HttpRequest, obj: Assignment | None = None, **kwargs: Any) -> type[forms.ModelForm]:
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        form_class = super().get_form(request, obj, form=ReassignForm, **kwargs)

        class BoundReassignForm(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, request_user=request.user, **inner)

        return BoundReassignForm

    def get_fields(self, request: HttpRequest, obj: Assignment | None = None) -> list[str]:
        if obj is None:
            return ["client", "manager", "start", "reason"]
        return ["client", "manager", "start", "end", "reason", "created_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history is never edited: a reassignment adds a row

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Assignment, form: forms.ModelForm, change: bool) -> None:
        pass  # ReassignForm.clean() saved it through assignment_create

    @admin.action(description=_("End the selected open assignments today"), permissions=["add"])
    def end_today(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        today = timezone.localdate()
        ended = 0
        for assignment in queryset.filter(end__isnull=True).select_related("client"):
            try:
                assignment_end(client=assignment.client, end=today, reason=str(_("ended by HR in the admin")))
                ended += 1
            except ValidationError as exc:
                self.message_user(request, refusal_text(exc, assignment.client), messages.ERROR)
        self.message_user(
            request, ngettext("%(n)d assignment ended.", "%(n)d assignments ended.", ended) % {"n": ended}
        )


# --- the work log -----------------------------------------------------------------------------------------------


class WithdrawnFilter(admin.SimpleListFilter):
    """Records in force, or those their author withdrew (kept, counted nowhere)."""

    title = _("withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("no", _("in force")), ("yes", _("withdrawn"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(withdrawn_at__isnull=self.value() == "no")
        return queryset


@admin.register(Interaction)
class InteractionAdmin(LargeTableAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("date", "client", "manager", "kind", "recorded_by", "follow_up_date", "withdrawn_at")
    # A date filter, not a date hierarchy: the hierarchy lists the distinct years of a million rows on each request.
    list_filter = ("kind", WithdrawnFilter, "date", "manager__department")
    list_select_related = ("client", "manager__user", "recorded_by")
    search_fields = ("client__name", "client__registration_code", "summary", "client_needs", "manager__employee_no")
    ordering = ("-date", "-id")  # the order of the index interaction_date_id


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("date", "client", "manager", "source", "satisfaction", "is_complaint", "withdrawn_at")
    list_filter = ("source", WithdrawnFilter, "satisfaction", "date")
    list_select_related = ("client", "manager__user")
    search_fields = ("client__name", "complaint", "suggestion")
    date_hierarchy = "date"

    @admin.display(boolean=True, description=_("complaint"))
    def is_complaint(self, obj: Feedback) -> bool:
        return obj.is_complaint


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("created_at", "client", "manager", "kind", "title", "attests_truth", "withdrawn_at")
    list_filter = ("kind", WithdrawnFilter, "created_at")
    list_select_related = ("client", "manager__user")
    search_fields = ("client__name", "title", "body")
    date_hierarchy = "created_at"


class BusinessRecordForm(forms.ModelForm):
    class Meta:
        model = BusinessRecord
        fields = ("client", "month", "volume", "profit", "products_used")
        help_texts = {"month": _("Any day of the month; it is stored as the first day.")}

    def _post_clean(self) -> None:
        # The month is normalised by business_record_upsert; validating "day 1" here would refuse 2026-03-17.
        if self.instance.pk is None:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
            return
        super()._post_clean()


@admin.register(BusinessRecord)
class BusinessRecordAdmin(JobImportAdminMixin, LargeTableAdminMixin, ImportExportModelAdmin):
    """A client's business per month; the import (two jobs: check every row, then apply all or none) upserts by
    (client, month) as the nightly feed does."""

    form = BusinessRecordForm
    formats = IMPORT_FORMATS
    resource_classes = [BusinessRecordResource]
    import_kind = "business_records"
    import_title = _("Import business records")
    import_help = _(
        "A CSV (UTF-8 or GB18030) or XLSX file of at most 5 MB, with the columns client (registration code), month "
        "(YYYY-MM or YYYY-MM-DD), volume, products_used and optionally profit (empty: not known). A month already "
        "recorded for the client is replaced; loading the same file twice changes nothing the second time."
    )
    list_display = ("client", "month", "volume", "profit", "products_used")
    # A date filter, not a date hierarchy: the hierarchy lists the distinct years of a million rows on each request.
    list_filter = ("month",)
    list_select_related = ("client",)
    search_fields = ("client__name", "client__registration_code")
    # Newest month first, read backwards from the (month, client) index; unique together, so no id is appended.
    ordering = ("-month", "-client_id")
    autocomplete_fields = ("client",)

    def get_readonly_fields(self, request: HttpRequest, obj: BusinessRecord | None = None) -> tuple[str, ...]:
        return ("client", "month") if obj else ()

    def save_model(self, request: HttpRequest, obj: BusinessRecord, form: forms.ModelForm, change: bool) -> None:
        saved = business_record_upsert(
            client=obj.client, month=obj.month, volume=obj.volume, products_used=obj.products_used, profit=obj.profit
        )
        obj.pk, obj.month = saved.pk, saved.month
        obj._state.adding = False


# --- tiering ----------------------------------------------------------------------------------------------------


class ClientTierChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClientTierChange
    extra = 0
    fields = ("client", "from_tier", "to_tier", "volume", "cumulative_share")
    readonly_fields = fields
    ordering = ("-volume", "client_id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClientTierChange]:
        return super().get_queryset(request).select_related("client")


@admin.register(TieringRun)
class TieringRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "computed_at",
        "period_start",
        "period_end",
        "rule",
        "total_volume",
        "core_count",
        "key_count",
        "ordinary_count",
        "needs_reassignment_count",
    )
    fields = (
        "computed_at",
        "period_start",
        "period_end",
        "policy",
        "rule",
        "total_volume",
        "core_count",
        "key_count",
        "ordinary_count",
        "needs_reassignment_table",
    )
    readonly_fields = fields
    inlines = [ClientTierChangeInline]
    date_hierarchy = "computed_at"

    @admin.display(description=_("rule used"))
    def rule(self, obj: TieringRun) -> str:
        return obj.rule()

    @admin.display(description=_("need reassignment"))
    def needs_reassignment_count(self, obj: TieringRun) -> int:
        return len(obj.needs_reassignment)

    @admin.display(description=_("clients whose manager may not serve their tier"))
    def needs_reassignment_table(self, obj: TieringRun) -> str:
        if not obj.needs_reassignment:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("client"),
            _("tier"),
            _("account manager"),
            _("grade"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        _admin_link("admin:clients_client_change", row["client_id"], row["client"]),
                        tier_name(row["tier"]),
                        _admin_link("admin:managers_accountmanager_change", row["manager_id"], row["manager"]),
                        Grade.Code(row["grade"]).label if row["grade"] in Grade.Code.values else row["grade"],
                    )
                    for row in obj.needs_reassignment
                ),
            ),
        )


def _admin_link(view: str, pk: int, text: str) -> str:
    """A link to an admin page, or the bare text when that admin is not registered."""
    try:
        return format_html('<a href="{}">{}</a>', reverse(view, args=[pk]), text)
    except NoReverseMatch:
        return text


@admin.register(ClientTierChange)
class ClientTierChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("client", "from_tier", "to_tier", "volume", "cumulative_share", "run")
    list_filter = ("to_tier", "from_tier")
    list_select_related = ("client", "run")
    search_fields = ("client__name", "client__registration_code")


# --- the rules HR sets per plan year ---------------------------------------------------------------------------


@admin.register(TieringPolicy)
class TieringPolicyAdmin(admin.ModelAdmin):
    """The 80/20 rule per plan year; a run records the values it used, so editing a row never rewrites a run."""

    list_display = ("year", "measure", "volume_weight", "profit_weight", "core_share", "key_share")
    fields = ("year", "measure", "volume_weight", "profit_weight", "core_share", "key_share")


@admin.register(WorkLogPolicy)
class WorkLogPolicyAdmin(admin.ModelAdmin):
    """How long an author may correct or withdraw a work record; the latest row is in force."""

    list_display = ("pk", "correction_window_hours")
    fields = ("correction_window_hours",)


@admin.register(BusinessCreditPolicy)
class BusinessCreditPolicyAdmin(admin.ModelAdmin):
    """How a client's business is credited when it changes hands, per plan year."""

    list_display = ("year", "mode")
    fields = ("year", "mode")


@admin.register(ImportPolicy)
class ImportPolicyAdmin(admin.ModelAdmin):
    """How long import uploads and their reports are kept; the nightly purge reads it."""

    list_display = ("__str__", "keep_uploads_days")
    fields = ("keep_uploads_days",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row, seeded by its migration and never deleted

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- feeds ------------------------------------------------------------------------------------------------------


@admin.register(FeedRun)
class FeedRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each load of a feed (the API's bulk endpoints, as a job; the import commands): who, when, how far it has got,
    what it changed, what it refused and why. Written by the feeds only."""

    list_display = (
        "started_at",
        "kind",
        "source",
        "started_by",
        "state",
        "all_or_nothing",
        "rows",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "refused_count",
    )
    list_filter = ("kind", "state", "source")
    list_select_related = ("started_by",)
    date_hierarchy = "started_at"
    fields = (*list_display, "finished_at", "refusals_table")
    readonly_fields = fields

    @admin.display(description=_("refused rows"))
    def refusals_table(self, obj: FeedRun) -> str:
        if not obj.refusals:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("Line"),
            _("Registration code"),
            _("Why refused"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        row.get("line"),
                        row.get("key"),
                        "; ".join(f"{name}: {' '.join(messages)}" for name, messages in row.get("errors", {}).items()),
                    )
                    for row in obj.refusals
                ),
            ),
        )
