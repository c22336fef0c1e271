"""HR's admin of ratings and survey links: who rated (HR sees it), fairness flags, exclusion with a reason.

Ratings are written only by the services (raters submit, clients answer surveys); here HR reads them and acts
through the actions, each calling a service. A separate page draws the client sample of a cycle.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from appraisals.models import RATING_STATES, AppraisalCycle, Rating, RatingScore, SurveyInvitation
from appraisals.services.fairness import fairness_review, rating_exclude, rating_include
from appraisals.services.surveys import client_sample_draw, survey_invitations_send
from core.refusals import refusal_text


class RatingScoreInline(admin.TabularInline):
    model = RatingScore
    fields = ("indicator", "value", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SubmittedFilter(admin.SimpleListFilter):
    title = gettext_lazy("submitted")
    parameter_name = "submitted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("submitted")), ("no", _("pending"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Rating]) -> QuerySet[Rating]:
        if self.value() in ("yes", "no"):
            return queryset.filter(submitted_at__isnull=self.value() == "no")
        return queryset


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for exclusion"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=gettext_lazy("Recorded with the rating and shown in the appraisal's explanation."),
    )


class DrawForm(forms.Form):
    cycle = forms.ModelChoiceField(
        label=gettext_lazy("appraisal cycle"), queryset=AppraisalCycle.objects.filter(state__in=RATING_STATES)
    )
    sample_size = forms.IntegerField(
        label=gettext_lazy("clients sampled per manager"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("Leave empty for the template's sample size."),
    )


@admin.register(Rating)
class RatingAdmin(SimpleHistoryAdmin):
    list_display = (
        "appraisal",
        "rater_type",
        "rater",
        "client",
        "submitted_at",
        "flagged",
        "excluded",
    )
    list_filter = (
        "appraisal__cycle",
        "rater_type",
        SubmittedFilter,
        "flagged",
        "excluded",
        ("overdue_since", admin.EmptyFieldListFilter),
    )
    search_fields = (
        "appraisal__manager__employee_no",
        "appraisal__manager__user__last_name",
        "rater__username",
        "rater__last_name",
        "client__name",
    )
    list_select_related = ("appraisal__manager__user", "appraisal__cycle", "rater", "client")
    readonly_fields = (
        "appraisal",
        "rater_type",
        "rater",
        "client",
        "submitted_at",
        "comment",
        "flagged",
        "flag_reason",
        "excluded",
        "excluded_reason",
        "excluded_by",
        "last_reminded_on",
        "overdue_since",
    )
    fields = readonly_fields
    inlines = [RatingScoreInline]
    actions = ["exclude_with_reason", "include_again", "review_fairness", "send_survey_again"]
    change_list_template = "appraisals/ratings/admin_rating_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rating tasks are created by opening a cycle and by the client draw

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list:
        draw = path(
            "draw-client-sample/",
            self.admin_site.admin_view(self.draw_client_sample_view),
            name="appraisals_rating_draw_client_sample",
        )
        return [draw, *super().get_urls()]

    def draw_client_sample_view(self, request: HttpRequest) -> HttpResponse:
        """Draw (or top up) the client sample of an open cycle and e-mail the survey links."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = DrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = client_sample_draw(
                    cycle=form.cleaned_data["cycle"], sample_size=form.cleaned_data["sample_size"], by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("%(count)d clients were sampled and sent a survey link.") % {"count": count},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:appraisals_rating_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Draw the client sample"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "appraisals/ratings/admin_draw_client_sample.html", context)

    @admin.action(description=gettext_lazy("Exclude the selected ratings, with a reason"))
    def exclude_with_reason(self, request: HttpRequest, queryset: QuerySet[Rating]) -> HttpResponse | None:
        form = ExcludeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for rating in queryset:
                try:
                    rating_exclude(rating=rating, by=request.user, reason=form.cleaned_data["reason"])
                    done += 1
                except (ValidationError, PermissionDenied) as error:
                    self.message_user(request, refusal_text(error, rating), messages.ERROR)
            if done:
                self.message_user(request, _("%(count)d ratings excluded.") % {"count": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Exclude ratings"),
            "form": form,
            "ratings": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "appraisals/ratings/admin_exclude.html", context)

    @admin.action(description=gettext_lazy("Include the selected excluded ratings again"))
    def include_again(self, request: HttpRequest, queryset: QuerySet[Rating]) -> None:
        self._each(request, queryset, lambda rating: rating_include(rating=rating, by=request.user))

    @admin.action(description=gettext_lazy("Run the fairness review for the selected ratings' appraisals"))
    def review_fairness(self, request: HttpRequest, queryset: QuerySet[Rating]) -> None:
        appraisals = {rating.appraisal_id: rating.appraisal for rating in queryset.select_related("appraisal")}
        flagged = 0
        for appraisal in appraisals.values():
            try:
                flagged += len(fairness_review(appraisal=appraisal))
            except ValidationError as error:
                self.message_user(request, refusal_text(error, appraisal), messages.ERROR)
        self.message_user(
            request, _("%(count)d client or peer ratings are flagged.") % {"count": flagged}, messages.INFO
        )

    @admin.action(description=gettext_lazy("Send the survey link again (unanswered client ratings)"))
    def send_survey_again(self, request: HttpRequest, queryset: QuerySet[Rating]) -> None:
        ids = list(
            SurveyInvitation.objects.filter(rating__in=queryset, used_at__isnull=True).values_list("pk", flat=True)
        )
        sent = survey_invitations_send(invitation_ids=ids)
        self.message_user(request, _("%(count)d survey links were sent again.") % {"count": sent}, messages.SUCCESS)

    def _each(self, request: HttpRequest, queryset: QuerySet[Rating], act: object) -> None:
        done = 0
        for rating in queryset:
            try:
                act(rating)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, refusal_text(error, rating), messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d ratings changed.") % {"count": done}, messages.SUCCESS)


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    """Read-only: the nonce is never shown (with the site's key it would rebuild the client's link)."""

    list_display = ("rating", "email", "sent_at", "expires_at", "used_at")
    list_filter = ("rating__appraisal__cycle", ("used_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "rating__client__name")
    list_select_related = ("rating__appraisal__manager__user", "rating__appraisal__cycle")
    fields = ("rating", "email", "sent_at", "expires_at", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RatingScore)
class RatingScoreAdmin(SimpleHistoryAdmin):
    """Read-only: a score is written once by its rater; its History shows who wrote it and when."""

    list_display = ("rating", "indicator", "value")
    list_filter = ("rating__appraisal__cycle", "rating__rater_type")
    list_select_related = ("rating__appraisal__manager__user", "rating__appraisal__cycle", "indicator")
    readonly_fields = ("rating", "indicator", "value", "comment")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
