"""Pages of the raters: "my pending ratings", the rating form, and the clients' public survey page (no login)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from appraisals.models import Indicator, Rating
from appraisals.services.ratings import (
    comment_field,
    indicators_rated_by,
    rating_for_rater,
    rating_submit,
    ratings_pending_for,
    value_field,
)
from appraisals.services.surveys import (
    SurveyLinkError,
    SurveyLinkInvalid,
    survey_answer,
    survey_invitation_from_token,
)

# The 1–5 scale in the glossary's words (excellent / good / pass / fail); 2 lies between pass and fail.
SCALE_CHOICES = [
    (1, gettext_lazy("1 = fail")),
    (2, gettext_lazy("2 = needs improvement")),
    (3, gettext_lazy("3 = pass")),
    (4, gettext_lazy("4 = good")),
    (5, gettext_lazy("5 = excellent")),
]


class RatingForm(forms.Form):
    """A 1–5 choice and a comment per indicator, then an overall comment; the service checks the rules."""

    def __init__(self, *args: Any, indicators: Iterable[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[value_field(indicator.pk)] = forms.TypedChoiceField(
                label=f"{indicator.code} · {indicator.name} ({indicator.get_dimension_display()})",
                help_text=indicator.description,
                choices=SCALE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                # Missing values are reported by the service, naming the indicator.
                required=False,
            )
            self.fields[comment_field(indicator.pk)] = forms.CharField(
                label=_("Comment on %(code)s") % {"code": indicator.code},
                help_text=_("Required for a value of 1 or 5."),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["comment"] = forms.CharField(
            label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )

    def answers(self) -> dict[str, Any]:
        """The keyword arguments of the services: values and comments by indicator id, the overall comment."""
        data = self.cleaned_data
        return {
            "values": {i.pk: data[value_field(i.pk)] for i in self.indicators if data.get(value_field(i.pk)) != ""},
            "comments": {i.pk: data.get(comment_field(i.pk), "") for i in self.indicators},
            "comment": data.get("comment", ""),
        }


@login_required
@require_GET
def pending_ratings(request: HttpRequest) -> HttpResponse:
    """My pending ratings: the ratings the user still owes, soonest deadline first."""
    ratings = list(ratings_pending_for(request.user))
    return render(request, "appraisals/ratings/pending_list.html", {"ratings": ratings})


@login_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The form of one of the user's ratings; 404 for anyone else's."""
    try:
        rating = rating_for_rater(user=request.user, pk=pk)
    except Rating.DoesNotExist:
        raise Http404(_("No such rating of yours.")) from None
    if rating.is_submitted:
        messages.info(request, _("This rating was already submitted."))
        return redirect("appraisals:pending_ratings")
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type)
    form = RatingForm(request.POST or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            rating_submit(rating=rating, by=request.user, **form.answers())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your rating of %(manager)s was submitted.") % {"manager": rating.appraisal.manager.name}
            )
            return redirect("appraisals:pending_ratings")
    return render(request, "appraisals/ratings/rate.html", {"rating": rating, "form": form})


def _survey_link_error_page(request: HttpRequest, error: SurveyLinkError) -> HttpResponse:
    # A forged link is "not found"; an expired or used one is "gone", with a page that says which.
    status = 404 if isinstance(error, SurveyLinkInvalid) else 410
    return render(request, "appraisals/ratings/survey_unavailable.html", {"error": error}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The client's survey (客户抽样评价): no account needed; the signed link works once."""
    try:
        invitation = survey_invitation_from_token(token)
    except SurveyLinkError as error:
        return _survey_link_error_page(request, error)
    rating = invitation.rating
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type)
    form = RatingForm(request.POST or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(token=token, **form.answers())
        except SurveyLinkError as error:
            return _survey_link_error_page(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "appraisals/ratings/survey_thanks.html", {"client": rating.client})
    context = {"form": form, "client": rating.client, "manager": rating.appraisal.manager, "invitation": invitation}
    return render(request, "appraisals/ratings/survey.html", context)


urlpatterns = [
    path("ratings/", pending_ratings, name="pending_ratings"),
    path("ratings/<int:pk>/", rate, name="rate"),
    path("survey/<str:token>/", survey, name="survey"),
]
