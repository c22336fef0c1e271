"""HR's admin for appeals: reject several at once, or uphold one on its own page, where HR excludes ratings (each
with a reason) or corrects scores, and the appraisal is re-scored. Every decision goes through the appeals service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from appraisals.admin.results import _action_form
from appraisals.models import Appeal, AppraisalVersion, Rating, RatingScore
from appraisals.models.plans import SCALE_MAX, SCALE_MIN
from appraisals.services.appeals import appeal_reject, appeal_uphold
from core.refusals import refusal_text


class RejectAppealForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("resolution"),
        widget=forms.Textarea,
        help_text=gettext_lazy("Why the result stands. Its recommendations can then be decided."),
    )


class UpholdForm(forms.Form):
    """The resolution, and for each counting rating of the appraisal: exclude it (with a reason) or correct its
    scores."""

    resolution = forms.CharField(
        label=gettext_lazy("resolution"),
        widget=forms.Textarea,
        help_text=gettext_lazy("What HR found; the manager reads it with the re-scored result."),
    )

    def __init__(self, *args: Any, ratings: list[Rating], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ratings = ratings
        for rating in ratings:
            self.fields[f"exclude_{rating.pk}"] = forms.BooleanField(label=gettext_lazy("exclude"), required=False)
            self.fields[f"reason_{rating.pk}"] = forms.CharField(
                label=gettext_lazy("reason for exclusion"), required=False
            )
            for score in rating.scores.all():
                self.fields[f"score_{score.pk}"] = forms.IntegerField(
                    label=score.indicator.code, min_value=SCALE_MIN, max_value=SCALE_MAX, initial=score.value
                )

    def rows(self) -> list[dict[str, Any]]:
        """The form's fields by rating, in the order the page shows them."""
        return [
            {
                "rating": rating,
                "exclude": self[f"exclude_{rating.pk}"],
                "reason": self[f"reason_{rating.pk}"],
                "scores": [(score, self[f"score_{score.pk}"]) for score in rating.scores.all()],
            }
            for rating in self.ratings
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for rating in self.ratings:
            if data.get(f"exclude_{rating.pk}") and not (data.get(f"reason_{rating.pk}") or "").strip():
                self.add_error(f"reason_{rating.pk}", _("Give the reason for excluding this rating."))
        return data

    def exclusions(self) -> dict[Rating, str]:
        return {
            rating: self.cleaned_data[f"reason_{rating.pk}"]
            for rating in self.ratings
            if self.cleaned_data[f"exclude_{rating.pk}"]
        }

    def corrections(self) -> dict[RatingScore, int]:
        excluded = set(self.exclusions())
        return {
            score: self.cleaned_data[f"score_{score.pk}"]
            for rating in self.ratings
            if rating not in excluded
            for score in rating.scores.all()
            if self.cleaned_data[f"score_{score.pk}"] != score.value
        }


class AppraisalVersionInline(admin.TabularInline):
    model = AppraisalVersion
    fk_name = "appeal"
    fields = ["number", "total_score", "band", "performance_score", "behaviour_score", "ability_score"]
    fields += ["superseded_at", "superseded_by", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("result before the decision")
    verbose_name_plural = gettext_lazy("results before the decision")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(SimpleHistoryAdmin):
    list_display = ["appraisal", "state", "created_at", "resolved_by", "resolved_at"]
    list_filter = ["state", "appraisal__cycle"]
    list_select_related = ["appraisal__cycle", "appraisal__manager__user", "resolved_by"]
    readonly_fields = ["appraisal", "text", "created_at", "state", "resolution", "resolved_by", "resolved_at"]
    readonly_fields += ["uphold_link"]
    inlines = [AppraisalVersionInline]
    actions = ["reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # only the manager appeals, from their appraisal page

    def has_delete_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("uphold"))
    def uphold_link(self, obj: Appeal) -> str:
        if obj.state != Appeal.State.OPEN:
            return "—"
        url = reverse("admin:appraisals_appeal_uphold", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Uphold: correct or exclude ratings"))

    def get_urls(self) -> list:
        extra = [
            path(
                "<int:pk>/uphold/",
                self.admin_site.admin_view(self.uphold_view),
                name="appraisals_appeal_uphold",
            )
        ]
        return extra + super().get_urls()

    def uphold_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        appeal = get_object_or_404(Appeal.objects.select_related("appraisal__cycle", "appraisal__manager__user"), pk=pk)
        ratings = list(
            Rating.objects.filter(appraisal=appeal.appraisal, submitted_at__isnull=False, excluded=False)
            .select_related("rater", "client")
            .prefetch_related("scores__indicator")
            .order_by("rater_type", "pk")
        )
        form = UpholdForm(request.POST or None, ratings=ratings)
        if request.method == "POST" and form.is_valid():
            try:
                decision = appeal_uphold(
                    appeal=appeal,
                    by=request.user,
                    resolution=form.cleaned_data["resolution"],
                    exclusions=form.exclusions(),
                    corrections=form.corrections(),
                )
            except ValidationError as error:
                self.message_user(request, refusal_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Upheld: the appraisal was re-scored from %(before)s to %(after)s.")
                    % {"before": decision.superseded.total_score, "after": decision.total},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:appraisals_appeal_change", args=[appeal.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Uphold the appeal"),
            "appeal": appeal,
            "form": form,
            "opts": self.model._meta,
            "min": SCALE_MIN,
            "max": SCALE_MAX,
        }
        return TemplateResponse(request, "appraisals/results/admin_appeal_uphold.html", context)

    @admin.action(description=gettext_lazy("Reject the selected appeals (the result stands)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> HttpResponse | None:
        return _action_form(
            self,
            request,
            queryset.select_related("appraisal__cycle", "appraisal__manager__user"),
            form_class=RejectAppealForm,
            action="reject",
            title=_("Reject appeals"),
            apply=lambda obj, data: appeal_reject(appeal=obj, by=request.user, resolution=data["resolution"]),
        )
