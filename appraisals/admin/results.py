"""HR's admin for spot-checks and the use of results: every decision goes through a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from appraisals.models import Recommendation, ResultRule, SpotCheck, SpotCheckDraw, SpotCheckPolicy
from appraisals.services.results import (
    promotion_qualification_failures,
    recommendation_approve,
    recommendation_reject,
)
from appraisals.services.spotchecks import (
    spot_check_draw,
    spot_check_findings_validate,
    spot_check_record,
    spot_check_verify,
)
from core.refusals import refusal_text


def _action_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[forms.Form],
    action: str,
    title: str,
    apply: Any,
) -> HttpResponse | None:
    """An admin action with an intermediate form: show the form for the selected rows, then apply it to each
    through `apply(obj, cleaned_data)`, reporting every refusal as an error message."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except ValidationError as error:
                modeladmin.message_user(request, refusal_text(error, obj), messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(count)s done.") % {"count": done}, messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "objects": queryset,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "appraisals/results/admin_action_form.html", context)


# --- use of results -------------------------------------------------------------------------------------------------


@admin.register(ResultRule)
class ResultRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "excellent_cycles_for_promotion", "demote_on_fail", "reward_on_excellent", "appeal_days"]
    list_display += ["trainee_fail_outcome", "probation_extension_months", "active"]


class ApproveForm(forms.Form):
    effective_date = forms.DateField(
        label=gettext_lazy("effective date"),
        initial=timezone.localdate,
        help_text=gettext_lazy("The date the new grade takes effect (not used for rewards)."),
    )
    note = forms.CharField(label=gettext_lazy("decision note"), widget=forms.Textarea, required=False)
    override_reason = forms.CharField(
        label=gettext_lazy("reason for overriding the qualification requirements"),
        widget=forms.Textarea,
        required=False,
        help_text=gettext_lazy(
            "Only for a promotion whose manager does not meet the 任职条件 of the proposed grade: HR's written reason "
            "to approve it anyway. It is recorded on the recommendation and in the grade change."
        ),
    )


class RejectForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("why it is rejected"), widget=forms.Textarea)


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["manager", "kind", "proposed_grade", "appraisal", "state", "decided_by", "decided_at"]
    list_display += ["overridden"]
    list_filter = ["state", "kind", "appraisal__cycle"]
    search_fields = ["manager__employee_no", "manager__user__first_name", "manager__user__last_name"]
    list_select_related = ["manager__user", "proposed_grade", "appraisal__cycle", "appraisal__manager__user"]
    list_select_related += ["decided_by"]
    readonly_fields = [f.name for f in Recommendation._meta.fields] + ["qualification_now"]
    actions = ["approve", "reject"]

    @admin.display(boolean=True, description=gettext_lazy("qualification overridden"))
    def overridden(self, obj: Recommendation) -> bool:
        return obj.is_overridden

    @admin.display(description=gettext_lazy("qualification requirements today"))
    def qualification_now(self, obj: Recommendation) -> str:
        """What HR must know before approving a pending promotion: the 任职条件 the manager fails today."""
        if obj.kind != Recommendation.Kind.PROMOTION or obj.state != Recommendation.State.PENDING:
            return "—"
        failures = promotion_qualification_failures(recommendation=obj, day=timezone.localdate())
        return " ".join(failures) or _("All met.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the rule from results only

    def has_delete_permission(self, request: HttpRequest, obj: Recommendation | None = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Approve the selected recommendations"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Recommendation]) -> HttpResponse | None:
        return _action_form(
            self,
            request,
            queryset.select_related("manager__user", "proposed_grade"),
            form_class=ApproveForm,
            action="approve",
            title=_("Approve recommendations"),
            apply=lambda obj, data: recommendation_approve(
                recommendation=obj,
                by=request.user,
                effective_date=data["effective_date"],
                note=data["note"],
                override_reason=data["override_reason"],
            ),
        )

    @admin.action(description=gettext_lazy("Reject the selected recommendations"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Recommendation]) -> HttpResponse | None:
        return _action_form(
            self,
            request,
            queryset.select_related("manager__user"),
            form_class=RejectForm,
            action="reject",
            title=_("Reject recommendations"),
            apply=lambda obj, data: recommendation_reject(recommendation=obj, by=request.user, note=data["note"]),
        )


# --- spot-checks ----------------------------------------------------------------------------------------------------


@admin.register(SpotCheckPolicy)
class SpotCheckPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "sample_size", "active"]


class SpotCheckInline(admin.TabularInline):
    model = SpotCheck
    fields = ["manager", "mode", "method", "checked_on", "score_effect", "applied_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(SimpleHistoryAdmin):
    """Draws are records for the auditor: read-only; HR may draw now, and verify any draw."""

    list_display = ["__str__", "policy", "drawn_by", "sample_size", "algorithm"]
    list_select_related = ["policy", "drawn_by"]
    readonly_fields = [f.name for f in SpotCheckDraw._meta.fields]
    inlines = [SpotCheckInline]
    actions = ["verify"]
    change_list_template = "appraisals/results/admin_draw_changelist.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SpotCheckDraw | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SpotCheckDraw | None = None) -> bool:
        return False

    def get_urls(self) -> list:
        extra = [
            path(
                "draw-now/",
                self.admin_site.admin_view(require_POST(self.draw_now_view)),
                name="appraisals_spotcheckdraw_draw_now",
            )
        ]
        return extra + super().get_urls()

    def draw_now_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("appraisals.add_spotcheckdraw"):
            raise PermissionDenied
        try:
            draw = spot_check_draw(by=request.user)
        except ValidationError as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Drew %(k)s of %(n)s account managers for a spot-check.")
                % {"k": len(draw.sample), "n": len(draw.population)},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:appraisals_spotcheckdraw_changelist"))

    @admin.action(description=gettext_lazy("Verify the selected draws (re-run from the seed)"), permissions=["view"])
    def verify(self, request: HttpRequest, queryset: QuerySet[SpotCheckDraw]) -> None:
        for draw in queryset:
            if spot_check_verify(draw=draw):
                self.message_user(
                    request, _("%(draw)s: passed, the re-run gives the recorded sample.") % {"draw": draw}
                )
            else:
                self.message_user(
                    request,
                    _("%(draw)s: FAILED, the re-run does not give the recorded sample.") % {"draw": draw},
                    messages.ERROR,
                )


class SpotCheckFindingsForm(forms.ModelForm):
    """What HR records after the check; all of it is required here, though the row starts empty at the draw."""

    class Meta:
        model = SpotCheck
        fields = ["mode", "method", "checked_on", "findings", "score_effect"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("mode", "method", "checked_on", "findings"):
            self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            spot_check_findings_validate(
                check=self.instance,
                mode=data.get("mode", ""),
                method=data.get("method", ""),
                checked_on=data.get("checked_on"),
                findings=data.get("findings", ""),
            )
        return data


@admin.register(SpotCheck)
class SpotCheckAdmin(SimpleHistoryAdmin):
    form = SpotCheckFindingsForm
    list_display = ["manager", "draw", "mode", "method", "checked_on", "score_effect", "applied_to"]
    list_filter = ["mode", "method", ("applied_to", admin.EmptyFieldListFilter)]
    list_select_related = ["manager__user", "draw", "applied_to__cycle", "applied_to__manager__user"]
    search_fields = ["manager__employee_no", "manager__user__first_name", "manager__user__last_name"]
    readonly_fields = ["draw", "manager", "recorded_by", "applied_to"]
    fields = ["draw", "manager", "mode", "method", "checked_on", "findings", "score_effect", "recorded_by"]
    fields += ["applied_to"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # checks come from draws

    def has_delete_permission(self, request: HttpRequest, obj: SpotCheck | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SpotCheck | None = None) -> bool:
        # Once a close counted the check, its findings are part of a frozen appraisal.
        if obj is not None and obj.applied_to_id is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: SpotCheck, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        try:
            spot_check_record(
                check=obj,
                by=request.user,
                mode=data["mode"],
                method=data["method"],
                checked_on=data["checked_on"],
                findings=data["findings"],
                score_effect=data["score_effect"],
            )
        except ValidationError as error:
            # Only a race with a close gets here (the form is read-only once applied): say so, change nothing.
            self.message_user(request, refusal_text(error), messages.ERROR)
