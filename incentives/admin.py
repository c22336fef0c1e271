"""HR's tools for pay and recognition: schemes, periods (generate, approve, export), statements, corrections."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.admin_jobs import queued_jobs_report
from core.jobs import enqueue
from core.refusals import refusal_text
from core.templatetags.formats import money
from incentives.forms import PayAdjustmentForm
from incentives.models import Departure, PayPeriod, PayScheme, PayStatement, Recognition
from incentives.services import (
    departure_record,
    pay_adjustment_create,
    pay_period_approve,
    pay_period_create,
    pay_period_export,
    pay_statement_approve,
    recognition_award,
)
from incentives.tasks import pay_statements_generate_task


@admin.register(PayScheme)
class PaySchemeAdmin(SimpleHistoryAdmin):
    list_display = (
        "year",
        "grade",
        "base_salary",
        "performance_rate",
        "performance_floor",
        "performance_cap",
        "behaviour_rate",
        "behaviour_floor",
        "behaviour_cap",
        "performance_basis",
        "without_appraisal",
        "currency",
    )
    list_filter = ("year", "grade", "performance_basis", "without_appraisal")
    readonly_fields = ("currency",)
    fieldsets = (
        (None, {"fields": ("grade", "year", "currency", "base_salary")}),
        (
            _("performance pay and behaviour component"),
            {
                "fields": (
                    "performance_rate",
                    "performance_floor",
                    "performance_cap",
                    "behaviour_rate",
                    "behaviour_floor",
                    "behaviour_cap",
                )
            },
        ),
        (
            _("which appraisal pays each month"),
            {
                "fields": ("performance_basis", "without_appraisal"),
                "description": _(
                    "Payroll runs every month for every manager employed in it; it never waits for an appraisal. "
                    "These two settings say which appraisal's scores pay a month, and what a month pays when there "
                    "is none yet. Every line of a statement names the appraisal and the days it pays for."
                ),
            },
        ),
    )


@admin.register(PayPeriod)
class PayPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("code", "start", "end", "state", "approved_at", "exported_at")
    list_filter = ("state",)
    readonly_fields = ("state", "approved_at", "approved_by", "exported_at")
    actions = ("generate_statements", "approve_period", "export_csv", "export_xlsx")

    def get_readonly_fields(self, request: HttpRequest, obj: PayPeriod | None = None) -> tuple[str, ...]:
        if obj is not None and obj.state != PayPeriod.State.DRAFT:
            return ("code", "start", "end", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: PayPeriod, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = pay_period_create(code=obj.code, start=obj.start, end=obj.end)
            obj.pk = created.pk

    @admin.action(description=_("Generate pay statements (in the background)"))
    def generate_statements(self, request: HttpRequest, queryset: QuerySet[PayPeriod]) -> None:
        # Queued after commit (core.jobs.enqueue); with the broker down, saved to be sent when it is back. Each
        # period's job has a progress page that links to its statements when done.
        statements = reverse("admin:incentives_paystatement_changelist")
        queued_jobs_report(
            self,
            request,
            (
                (
                    period.code,
                    enqueue(pay_statements_generate_task, period.pk),
                    f"{statements}?{urlencode({'period__id__exact': period.pk})}",
                )
                for period in queryset
            ),
            started=_("Generation queued; follow its progress:"),
            later=lambda periods: (
                _(
                    "The job queue cannot be reached right now: generation for %(periods)s is saved and will run "
                    "later, when it is back (see job runs)."
                )
                % {"periods": periods}
            ),
        )

    @admin.action(description=_("Approve the period and all its statements"))
    def approve_period(self, request: HttpRequest, queryset: QuerySet[PayPeriod]) -> None:
        for period in queryset:
            try:
                count = pay_period_approve(period=period, by=request.user)
            except ValidationError as error:
                self.message_user(request, refusal_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(period)s approved: %(count)d statement approved.",
                        "%(period)s approved: %(count)d statements approved.",
                        count,
                    )
                    % {"period": period.code, "count": count},
                )

    def _export(self, request: HttpRequest, queryset: QuerySet[PayPeriod], fmt: str) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Export one pay period at a time."), messages.WARNING)
            return None
        period = queryset.get()
        try:
            content = pay_period_export(period=period, fmt=fmt)
        except ValidationError as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
            return None
        content_type = {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[fmt]
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="payroll-{period.code}.{fmt}"'
        return response

    @admin.action(description=_("Export for payroll (CSV)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[PayPeriod]) -> HttpResponse | None:
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export for payroll (XLSX)"))
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[PayPeriod]) -> HttpResponse | None:
        return self._export(request, queryset, "xlsx")


@admin.register(PayStatement)
class PayStatementAdmin(SimpleHistoryAdmin):
    """Statements are computed, never typed: every field is read-only, and an approved one cannot be changed."""

    # Amounts carry their currency (¥14,220.70 / CNY 14,220.70) and never wrap, so no column is clipped.
    list_display = (
        "period",
        "manager",
        "kind",
        "grades_used",
        "base_salary_amount",
        "performance_pay_amount",
        "behaviour_component_amount",
        "total_amount",
        "state_label",
    )
    list_filter = ("period", "state", "kind", "grade")
    search_fields = ("manager__employee_no", "manager__user__first_name", "manager__user__last_name")
    list_select_related = ("period", "manager__user")
    actions = ("approve_statements", "create_adjustment")
    change_list_template = "admin/incentives/paystatement/change_list.html"
    TOTALLED = ("base_salary", "performance_pay", "behaviour_component", "total")

    def _amount(self, statement: PayStatement, field: str) -> str:
        return format_html('<span class="amount">{}</span>', money(getattr(statement, field), statement.currency))

    @admin.display(description=_("base salary"), ordering="base_salary")
    def base_salary_amount(self, statement: PayStatement) -> str:
        return self._amount(statement, "base_salary")

    @admin.display(description=_("performance pay"), ordering="performance_pay")
    def performance_pay_amount(self, statement: PayStatement) -> str:
        return self._amount(statement, "performance_pay")

    @admin.display(description=_("behaviour component"), ordering="behaviour_component")
    def behaviour_component_amount(self, statement: PayStatement) -> str:
        return self._amount(statement, "behaviour_component")

    @admin.display(description=_("total"), ordering="total")
    def total_amount(self, statement: PayStatement) -> str:
        return self._amount(statement, "total")

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, statement: PayStatement) -> str:
        return format_html('<span class="state state-{}">{}</span>', statement.state, statement.get_state_display())

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The list, with the totals of every statement the filters select (all pages), per currency."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["totals"] = [
                {**row, "amounts": [money(row[field], row["currency"]) for field in self.TOTALLED]}
                for row in changelist.queryset.order_by()
                .values("currency")
                .annotate(statements=models.Count("pk"), **{field: Sum(field) for field in self.TOTALLED})
                .order_by("currency")
            ]
        return response

    def get_readonly_fields(self, request: HttpRequest, obj: PayStatement | None = None) -> list[str]:
        return [field.name for field in PayStatement._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # statements are generated; corrections go through the adjustment action

    def has_change_permission(self, request: HttpRequest, obj: PayStatement | None = None) -> bool:
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PayStatement | None = None) -> bool:
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Approve the selected statements"))
    def approve_statements(self, request: HttpRequest, queryset: QuerySet[PayStatement]) -> None:
        approved = 0
        for statement in queryset.filter(state=PayStatement.State.DRAFT):
            try:
                pay_statement_approve(statement=statement, by=request.user)
            except ValidationError as error:
                self.message_user(request, refusal_text(error), messages.ERROR)
            else:
                approved += 1
        self.message_user(
            request,
            ngettext("%(count)d statement approved.", "%(count)d statements approved.", approved) % {"count": approved},
        )

    @admin.action(description=_("Correct with an adjusting statement"))
    def create_adjustment(self, request: HttpRequest, queryset: QuerySet[PayStatement]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one statement to correct."), messages.WARNING)
            return None
        statement = queryset.select_related("period", "manager__user").get()
        if "apply" in request.POST:
            form = PayAdjustmentForm(request.POST, statement=statement)
            if form.is_valid():
                try:
                    adjustment = pay_adjustment_create(
                        statement=statement,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        period=form.cleaned_data["period"],
                        **form.amounts(),
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, _("Adjusting statement created; approve it before the export."))
                    return HttpResponseRedirect(reverse("admin:incentives_paystatement_change", args=[adjustment.pk]))
        else:
            form = PayAdjustmentForm(statement=statement)
        return TemplateResponse(
            request,
            "incentives/admin/adjustment_form.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Correct pay statement %(pk)s") % {"pk": statement.pk},
                "opts": self.model._meta,
                "statement": statement,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "action": "create_adjustment",
            },
        )


@admin.register(Recognition)
class RecognitionAdmin(SimpleHistoryAdmin):
    list_display = ("date", "kind", "title", "manager", "awarded_by")
    list_filter = ("kind", "date")
    search_fields = ("title", "manager__employee_no", "manager__user__first_name", "manager__user__last_name")
    list_select_related = ("manager__user", "awarded_by")
    autocomplete_fields = ()
    raw_id_fields = ("manager", "appraisal")
    exclude = ("awarded_by",)

    def save_model(self, request: HttpRequest, obj: Recognition, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = recognition_award(
            manager=obj.manager,
            kind=obj.kind,
            day=obj.date,
            title=obj.title,
            reason=obj.reason,
            appraisal=obj.appraisal,
            by=request.user,
        )
        obj.pk = created.pk


@admin.register(Departure)
class DepartureAdmin(SimpleHistoryAdmin):
    """A leaver's last day: the month of leaving is paid up to it; later months owe only catch-ups or adjustments."""

    list_display = ("manager", "last_day", "recorded_by", "recorded_at")
    search_fields = ("manager__employee_no", "manager__user__first_name", "manager__user__last_name")
    list_select_related = ("manager__user", "recorded_by")
    raw_id_fields = ("manager",)
    exclude = ("recorded_by",)

    def save_model(self, request: HttpRequest, obj: Departure, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = departure_record(manager=obj.manager, last_day=obj.last_day, by=request.user, note=obj.note)
        obj.pk = created.pk
