"""HR's administration of departments, grades, managers, certification, assistants, training and targets."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.names import chinese_reader, person_name
from managers.forms import AccountManagerAdminForm, GradeChangeForm
from managers.models import (
    AccountManager,
    Assistant,
    AssistantKpi,
    Certification,
    CertificationScheme,
    Department,
    Grade,
    GradeChange,
    Target,
    TrainingRecord,
)
from managers.selectors import grade_label, managers_with_grade
from managers.services import certification_decide, grade_change, target_split


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "head")
    list_select_related = ("head",)
    search_fields = ("name", "head__username", "head__first_name", "head__last_name")
    autocomplete_fields = ("head",)


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "rank",
        "base_salary",
        "marketing_allowance",
        "serves_core",
        "serves_key",
        "serves_ordinary",
        "min_years_experience",
        "required_prior_grade",
        "min_months_in_prior_grade",
    )
    list_select_related = ("required_prior_grade",)
    filter_horizontal = ("may_supervise",)
    fieldsets = (
        (None, {"fields": ("code", "rank", "base_salary", "marketing_allowance")}),
        (_("Clients and supervision"), {"fields": ("serves_core", "serves_key", "serves_ordinary", "may_supervise")}),
        (
            _("qualification requirements"),
            {"fields": ("conditions", "min_years_experience", "required_prior_grade", "min_months_in_prior_grade")},
        ),
        (_("job description"), {"fields": ("job_description",)}),
    )


class CurrentGradeFilter(admin.SimpleListFilter):
    """Filter managers by the grade in force today (from the GradeChange history, not a stored field)."""

    title = _("grade")
    parameter_name = "grade"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(grade.pk), str(grade)) for grade in Grade.objects.order_by("-rank")] + [
            ("none", _("no grade yet"))
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AccountManager]) -> QuerySet[AccountManager]:
        value = self.value()
        if value == "none":
            return queryset.filter(grade_id_on__isnull=True)
        if value and value.isdigit():
            return queryset.filter(grade_id_on=int(value))
        return queryset


class GradeChangeInline(admin.TabularInline):
    """The grade history, read-only: a correction is a new change made with the "Change grade" action."""

    model = GradeChange
    fk_name = "manager"
    fields = ("effective_date", "from_grade", "to_grade", "reason", "approved_by", "note", "created_at")
    readonly_fields = fields
    ordering = ("-effective_date", "-pk")
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[GradeChange]:
        return super().get_queryset(request).select_related("from_grade", "to_grade", "approved_by")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TrainingRecordInline(admin.TabularInline):
    model = TrainingRecord
    fields = ("kind", "title", "provider", "start", "end", "hours", "result")
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    fk_name = "manager"
    fields = ("horizon", "period_start", "period_end", "business_volume", "new_clients", "interactions", "goals")
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Target]:
        # Each row's title is the target's text, which names its manager: no query per row for it.
        return super().get_queryset(request).select_related("manager__user")


@admin.register(AccountManager)
class AccountManagerAdmin(SimpleHistoryAdmin):
    form = AccountManagerAdminForm
    list_display = ("employee_no", "name", "department", "current_grade", "supervisor", "status", "hire_date")
    list_select_related = ("user", "department", "supervisor__user")
    list_filter = (CurrentGradeFilter, "department", "status")
    search_fields = ("employee_no", "user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "supervisor")
    inlines = (GradeChangeInline, TrainingRecordInline, TargetInline)
    actions = ("change_grade",)
    fieldsets = (
        (None, {"fields": ("user", "employee_no", "department", "supervisor", "status", "hire_date")}),
        (
            _("qualification requirements"),
            {"fields": ("education", "years_experience", "good_ethics", "bad_business_record", "healthy")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccountManager]:
        # One subquery gives every row its current grade: no query per row.
        return managers_with_grade(super().get_queryset(request))

    @admin.display(description=_("grade"), ordering="grade_code_on")
    def current_grade(self, obj: AccountManager) -> str:
        return grade_label(obj.grade_code_on) or "—"

    @admin.action(description=_("Change grade"), permissions=["change"])
    def change_grade(self, request: HttpRequest, queryset: QuerySet[AccountManager]) -> HttpResponse | None:
        """Ask for the new grade, then record a GradeChange per selected manager through the service."""
        form = GradeChangeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for manager in queryset.select_related("user", "supervisor__user"):
                try:
                    grade_change(manager=manager, approved_by=request.user, **form.cleaned_data)
                except ValidationError as error:
                    for message in error.messages:
                        self.message_user(request, message, messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "Grade changed for %(count)d account manager.",
                        "Grade changed for %(count)d account managers.",
                        done,
                    )
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change grade"),
            "opts": self.model._meta,
            "form": form,
            "managers": queryset.select_related("user"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "managers/admin/change_grade.html", context)


@admin.register(GradeChange)
class GradeChangeAdmin(SimpleHistoryAdmin):
    """Grade history is read-only: it is written by the services (certification, the "Change grade" action)."""

    list_display = ("manager", "effective_date", "from_grade", "to_grade", "reason", "approved_by", "created_at")
    list_select_related = ("manager__user", "from_grade", "to_grade", "approved_by")
    list_filter = ("reason", "to_grade", "effective_date")
    search_fields = ("manager__employee_no", "manager__user__first_name", "manager__user__last_name")
    date_hierarchy = "effective_date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CertificationScheme)
class CertificationSchemeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "weight_education",
        "weight_experience",
        "weight_track_record",
        "weight_written",
        "weight_interview",
        "pass_mark",
        "entry_grade",
        "active",
    )
    list_filter = ("active",)


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "employee_no", "department", "scheme", "composite", "outcome", "decided_at")
    list_select_related = ("scheme", "department")
    list_filter = ("outcome", "scheme", "department")
    search_fields = ("employee_no", "first_name", "last_name", "email")
    actions = ("decide_certification",)
    decision_fields = ("composite", "outcome", "reason", "decided_at", "decided_by", "manager")
    readonly_fields = decision_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Certification | None = None) -> tuple[str, ...]:
        # A decided certification is a record: nothing about it changes afterwards.
        if obj is not None and obj.outcome != Certification.Outcome.PENDING:
            return tuple(field.name for field in obj._meta.fields)
        return self.decision_fields

    @admin.action(description=_("Decide certification"), permissions=["change"])
    def decide_certification(self, request: HttpRequest, queryset: QuerySet[Certification]) -> None:
        """Compute the composite and decide each selected pending certification."""
        for certification in queryset:
            try:
                decided = certification_decide(certification=certification, decided_by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                continue
            level = messages.SUCCESS if decided.outcome == Certification.Outcome.PASSED else messages.WARNING
            self.message_user(
                request,
                _("%(candidate)s: %(outcome)s, composite %(composite)s. %(reason)s")
                % {
                    "candidate": person_name(decided.first_name, decided.last_name, chinese_reader=chinese_reader()),
                    "outcome": decided.get_outcome_display(),
                    "composite": decided.composite,
                    "reason": decided.reason,
                },
                level,
            )


# The figures are computed from the work the assistant recorded; HR sets the target and adds the marks.
ASSISTANT_KPI_COMPUTED = (
    "contacts_done",
    "reports_written",
    "follow_ups_due",
    "follow_ups_kept",
    "satisfaction",
    "sales_growth_pct",
    "computed_at",
)


class AssistantKpiInline(admin.TabularInline):
    model = AssistantKpi
    fields = ("month", "contacts_target", *ASSISTANT_KPI_COMPUTED[:-1], "mark", "quarterly_review")
    readonly_fields = ASSISTANT_KPI_COMPUTED[:-1]
    extra = 0


@admin.register(AssistantKpi)
class AssistantKpiAdmin(admin.ModelAdmin):
    list_display = ("assistant", "month", "contacts_target", *ASSISTANT_KPI_COMPUTED[:-1], "mark")
    list_select_related = ("assistant__user",)
    list_filter = ("month", "mark")
    search_fields = ("assistant__user__first_name", "assistant__user__last_name", "assistant__user__username")
    fields = ("assistant", "month", "contacts_target", *ASSISTANT_KPI_COMPUTED, "mark", "quarterly_review")
    readonly_fields = ASSISTANT_KPI_COMPUTED
    autocomplete_fields = ("assistant",)
    date_hierarchy = "month"

    def get_readonly_fields(self, request: HttpRequest, obj: AssistantKpi | None = None) -> tuple[str, ...]:
        # Which assistant and month a row is for never changes once the figures are computed for it.
        return ("assistant", "month", *ASSISTANT_KPI_COMPUTED) if obj else ASSISTANT_KPI_COMPUTED


@admin.register(Assistant)
class AssistantAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "manager", "active")
    list_select_related = ("user", "manager__user")
    list_filter = ("active",)
    search_fields = ("user__first_name", "user__last_name", "user__username", "manager__employee_no")
    autocomplete_fields = ("user", "manager")
    inlines = (AssistantKpiInline,)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ("title", "manager", "kind", "start", "end", "hours", "result")
    list_select_related = ("manager__user",)
    list_filter = ("kind", "start")
    search_fields = ("title", "provider", "manager__employee_no", "manager__user__last_name")
    autocomplete_fields = ("manager",)
    date_hierarchy = "start"


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = (
        "manager",
        "horizon",
        "period_start",
        "period_end",
        "business_volume",
        "new_clients",
        "interactions",
        "parent",
    )
    list_select_related = ("manager__user", "parent__manager__user")
    list_filter = ("horizon", "period_start", "manager__department")
    search_fields = ("manager__employee_no", "manager__user__first_name", "manager__user__last_name", "goals")
    autocomplete_fields = ("manager", "parent")
    actions = ("split_down_the_line",)

    @admin.action(description=_("Split down the line (equal shares to direct subordinates)"), permissions=["add"])
    def split_down_the_line(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        """Split each selected target equally among the active managers directly below its holder."""
        for target in queryset.select_related("manager__user"):
            team = list(target.manager.subordinates.active().select_related("user").order_by("employee_no"))
            if not team:
                self.message_user(
                    request, _("%(manager)s supervises no one.") % {"manager": target.manager.name}, messages.ERROR
                )
                continue
            share = (Decimal(1) / len(team)).quantize(Decimal("0.000001"))
            # The last share takes what rounding leaves, so the shares add up to exactly 1.
            shares = dict.fromkeys(team[:-1], share) | {team[-1]: Decimal(1) - share * (len(team) - 1)}
            try:
                parts = target_split(target=target, shares=shares)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(target)s split into %(count)d parts.") % {"target": target, "count": len(parts)},
                messages.SUCCESS,
            )
