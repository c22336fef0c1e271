"""HR's admin for plans, templates (indicators inline) and cycles, appraisals and measured values.

Every write goes through the services; a used template and a closed cycle are read-only here, and their models
refuse a write that gets past these pages.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from appraisals.explanation import Explanation
from appraisals.models import (
    Appraisal,
    AppraisalCycle,
    AppraisalPlan,
    AppraisalPolicy,
    Indicator,
    MeasuredValue,
    MissingDataRule,
    RaterType,
    Template,
)
from appraisals.models.policies import GAP_HELP
from appraisals.selectors import cycle_missing_summary
from appraisals.services.cycles import cycle_close_check, cycle_close_preview, cycle_open, cycle_to_review
from appraisals.services.measures import measured_values_compute
from appraisals.services.templates import template_validate
from appraisals.tasks import cycle_close_task
from core.admin_jobs import queued_jobs_report
from core.jobs import enqueue
from core.refusals import refusal_text


@admin.register(AppraisalPlan)
class AppraisalPlanAdmin(SimpleHistoryAdmin):
    list_display = ["year", "revised_at"]
    search_fields = ["year", "purpose"]


class MissingDataRuleInline(admin.TabularInline):
    model = MissingDataRule
    extra = 0
    fields = ["gap", "action", "neutral_score", "what_it_covers"]
    readonly_fields = ["what_it_covers"]

    @admin.display(description=_("what it covers"))
    def what_it_covers(self, obj: MissingDataRule) -> str:
        return str(GAP_HELP.get(obj.gap, "")) if obj.gap else "—"


@admin.register(AppraisalPolicy)
class AppraisalPolicyAdmin(SimpleHistoryAdmin):
    """One version per plan year: band cut-offs, the rating deadline's rule, the missing-data rules. A cycle uses
    the version of the latest year not after its plan year; its explanation records which."""

    list_display = ["year", "excellent_from", "good_from", "pass_from", "deadline_extension_days"]
    inlines = [MissingDataRuleInline]
    save_as = True  # a new year's version starts as a copy of the last
    fieldsets = [
        (None, {"fields": ["year", "note"]}),
        (_("Result bands (total score 0–100)"), {"fields": ["excellent_from", "good_from", "pass_from"]}),
        (_("At the rating deadline"), {"fields": ["deadline_extension_days", "deadline_max_extensions"]}),
    ]


class IndicatorFormSet(forms.BaseInlineFormSet):
    """Checks the whole template (its weights as edited above, the indicators as edited here) before saving."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        indicators = [
            form.instance for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        try:
            template_validate(template=self.instance, indicators=indicators)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class IndicatorInline(admin.TabularInline):
    model = Indicator
    formset = IndicatorFormSet
    extra = 0
    fields = [
        "dimension",
        "order",
        "code",
        "name",
        "weight",
        "kind",
        "rated_by_self",
        "rated_by_client",
        "rated_by_head",
        "rated_by_peer",
        "metric",
        "target",
        "rule",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Template | None = None) -> bool:
        return super().has_add_permission(request, obj) and not (obj and obj.is_used())

    def has_change_permission(self, request: HttpRequest, obj: Template | None = None) -> bool:
        return super().has_change_permission(request, obj) and not (obj and obj.is_used())

    def has_delete_permission(self, request: HttpRequest, obj: Template | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and obj.is_used())


@admin.register(Template)
class TemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "plan", "weight_performance", "weight_behaviour", "weight_ability", "used"]
    search_fields = ["name"]
    inlines = [IndicatorInline]
    fieldsets = [
        (None, {"fields": ["name", "plan"]}),
        (
            _("Dimension weights (sum 100, performance the largest)"),
            {"fields": ["weight_performance", "weight_behaviour", "weight_ability"]},
        ),
        (_("Rater weights (sum 100)"), {"fields": ["weight_self", "weight_client", "weight_head", "weight_peer"]}),
        (_("Raters"), {"fields": ["client_sample_size", "peers_per_manager"]}),
    ]

    @admin.display(boolean=True, description=_("used by a cycle"))
    def used(self, obj: Template) -> bool:
        return obj.is_used()

    def has_change_permission(self, request: HttpRequest, obj: Template | None = None) -> bool:
        return super().has_change_permission(request, obj) and not (obj and obj.is_used())

    def has_delete_permission(self, request: HttpRequest, obj: Template | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and obj.is_used())

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The formset checked the edited rows; this checks what was stored (the same rule, from the database).
        template_validate(template=form.instance)


@admin.register(Appraisal)
class AppraisalAdmin(SimpleHistoryAdmin):
    list_display = ["manager", "cycle", "grade", "total_score", "band", "incomplete", "finalised_at"]
    list_filter = ["cycle", "band", "incomplete", "grade"]
    search_fields = ["manager__employee_no", "manager__user__last_name", "manager__user__first_name"]
    list_select_related = ["manager__user", "cycle", "grade"]
    readonly_fields = [
        "cycle",
        "manager",
        "grade",
        "performance_score",
        "behaviour_score",
        "ability_score",
        "spot_check_effect",
        "total_score",
        "band",
        "incomplete",
        "missing_data",
        "indicator_scores",
        "explanation",
        "finalised_at",
        "acknowledged_at",
    ]

    @admin.display(description=_("missing data"))
    def missing_data(self, obj: Appraisal) -> str:
        """Each gap of the frozen explanation and what the missing-data policy did with it."""
        gaps = Explanation.from_json(obj.explanation).all_gaps
        if not gaps:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} {}</li>", ((code, gap) for code, gap in gaps)))

    @admin.display(description=_("indicator scores"))
    def indicator_scores(self, obj: Appraisal) -> str:
        """The indicator lines of the frozen explanation: code, name, score and contribution to the total."""
        lines = Explanation.from_json(obj.explanation).indicators
        if not lines:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.code, line.name, "—" if line.score is None else line.score, line.contribution) for line in lines),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("code"),
            _("indicator"),
            _("score"),
            _("contribution to total"),
            rows,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # appraisals are created by opening a cycle

    def has_change_permission(self, request: HttpRequest, obj: Appraisal | None = None) -> bool:
        if obj is not None and (obj.is_final or obj.cycle.is_closed):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Appraisal | None = None) -> bool:
        return False


@admin.register(MeasuredValue)
class MeasuredValueAdmin(admin.ModelAdmin):
    list_display = ["appraisal", "indicator", "value", "gap", "computed_at"]
    list_filter = ["appraisal__cycle", "indicator__metric"]
    list_select_related = ["appraisal__manager__user", "appraisal__cycle", "indicator"]
    readonly_fields = ["appraisal", "indicator", "value", "gap", "inputs", "computed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CloseReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing with ratings missing or appraisals incomplete"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
    )


def _run(modeladmin: admin.ModelAdmin, request: HttpRequest, cycles: QuerySet, service, done: str) -> None:
    """Call the service on each selected cycle; report successes and each refusal with its message."""
    count = 0
    for cycle in cycles:
        try:
            service(cycle=cycle, by=request.user)
            count += 1
        except ValidationError as exc:
            modeladmin.message_user(request, refusal_text(exc, cycle), messages.ERROR)
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(AppraisalCycle)
class AppraisalCycleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "period_start", "period_end", "rating_deadline", "state", "held_at", "template"]
    list_filter = ["state", "kind", "plan"]
    search_fields = ["name"]
    list_select_related = ["template"]
    actions = ["open_cycles", "move_to_review", "close_cycles", "compute_measured_values"]
    readonly_fields = [
        "state",
        "opened_at",
        "held_at",
        "deadline_extensions",
        "closed_at",
        "closed_by",
        "close_reason",
        "missing_ratings",
        "cycle_page",
    ]
    fields = [
        "name",
        "plan",
        "template",
        "kind",
        "cause",
        "period_start",
        "period_end",
        "rating_deadline",
        *readonly_fields,
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: AppraisalCycle | None = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None and obj.state != AppraisalCycle.State.DRAFT:
            fields += ["template", "period_start", "period_end", "kind"]  # the appraisals rest on them
        return fields

    def has_change_permission(self, request: HttpRequest, obj: AppraisalCycle | None = None) -> bool:
        if obj is not None and obj.is_closed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: AppraisalCycle | None = None) -> bool:
        if obj is not None and obj.state != AppraisalCycle.State.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("HR's cycle page"))
    def cycle_page(self, obj: AppraisalCycle) -> str:
        """Where HR follows what is missing and opens, reminds, closes and pays, each as a job with its progress."""
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("cycles:detail", args=[obj.pk]), _("Open the cycle page"))

    @admin.display(description=_("ratings still missing"))
    def missing_ratings(self, obj: AppraisalCycle) -> str:
        if obj.pk is None or obj.state == AppraisalCycle.State.DRAFT:
            return "—"
        summary = cycle_missing_summary(cycle=obj)
        if not summary:
            return str(_("none"))
        parts = ", ".join(f"{count} × {label}" for code, label in RaterType.choices if (count := summary.get(code)))
        return f"{sum(summary.values())} ({parts})"

    @admin.action(description=_("Open the selected cycles"))
    def open_cycles(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, cycle_open, _("%(count)s cycle(s) opened."))

    @admin.action(description=_("Move the selected cycles to review"))
    def move_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, cycle_to_review, _("%(count)s cycle(s) moved to review."))

    @admin.action(description=_("Close the selected cycles (compute and freeze the scores)"))
    def close_cycles(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """HR's decision: before it runs, HR sees how many ratings are missing and which appraisals would be held
        as incomplete (and why), and gives the reason that is recorded with the cycle."""
        cycles, previews = [], {}
        for cycle in queryset:
            try:
                previews[cycle.pk] = cycle_close_preview(cycle=cycle)
            except ValidationError as exc:
                self.message_user(request, refusal_text(exc, cycle), messages.ERROR)
            else:
                cycles.append(cycle)
        reason = ""
        if any(preview.needs_reason for preview in previews.values()):
            form = CloseReasonForm(request.POST if "confirm_close" in request.POST else None)
            if not form.is_valid():
                # Ask for the reason on an intermediate page (the selection is carried over).
                return TemplateResponse(
                    request,
                    "appraisals/cycles/close_confirm.html",
                    {
                        **self.admin_site.each_context(request),
                        "title": _("Close with ratings missing or appraisals incomplete"),
                        "opts": self.model._meta,
                        "cycles": [(cycle, previews[cycle.pk]) for cycle in cycles],
                        "form": form,
                        "selected": [cycle.pk for cycle in cycles],
                        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                    },
                )
            reason = form.cleaned_data["reason"]
        # Closing 2,000 appraisals takes seconds: the close runs in the background (the job appraisals.cycle_close,
        # under the cycle's lock) and HR follows it on its progress page, which links on to the results. What the
        # close would refuse is said now, not on the progress page.
        closable = []
        for cycle in cycles:
            if cycle.is_closed:
                self.message_user(request, _("%(cycle)s is already closed.") % {"cycle": cycle}, messages.INFO)
                continue
            try:
                cycle_close_check(cycle=cycle, reason=reason)
            except ValidationError as exc:
                self.message_user(request, refusal_text(exc, cycle), messages.ERROR)
            else:
                closable.append(cycle)
        results = reverse("appraisals:cycle_results")
        queued_jobs_report(
            self,
            request,
            (
                (
                    str(cycle),
                    enqueue(cycle_close_task, cycle.pk, request.user.pk, reason),
                    f"{results}?{urlencode({'cycle': cycle.pk})}",
                )
                for cycle in closable
            ),
            started=_("Closing queued; follow its progress:"),
            later=lambda names: (
                _(
                    "The job queue cannot be reached right now: closing %(cycles)s is saved and will run later, "
                    "when it is back (see job runs)."
                )
                % {"cycles": names}
            ),
        )
        return None

    @admin.action(description=_("Compute measured values now"))
    def compute_measured_values(self, request: HttpRequest, queryset: QuerySet) -> None:
        total = 0
        for cycle in queryset.select_related("template"):
            try:
                total += measured_values_compute(cycle=cycle)
            except ValidationError as exc:
                self.message_user(request, refusal_text(exc, cycle), messages.ERROR)
        self.message_user(request, _("%(count)s measured value(s) computed.") % {"count": total}, messages.SUCCESS)
