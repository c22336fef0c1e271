"""Pages of the raters: "my pending ratings", the rating form, and the clients' public survey page (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from appraisals.forms import RatingForm
from appraisals.selectors import indicators_rated_by, rating_for_rater, ratings_pending_for
from appraisals.services.ratings import rating_draft_initial, rating_draft_of, rating_draft_save, rating_submit
from appraisals.services.surveys import (
    SurveyLinkError,
    SurveyLinkInvalid,
    survey_answer,
    survey_draft_save,
    survey_invitation_from_token,
)

# The name and value of the button that keeps the answers so far instead of submitting them.
DRAFT_ACTION = "draft"


def _is_draft(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("action") == DRAFT_ACTION


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
    rating = rating_for_rater(user=request.user, pk=pk)
    if rating is None:
        raise Http404(_("No such rating of yours."))
    if rating.is_submitted:
        messages.info(request, _("This rating was already submitted."))
        return redirect("appraisals:pending_ratings")
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type)
    draft = rating_draft_of(rating)
    form = RatingForm(request.POST or None, indicators=indicators, initial=rating_draft_initial(draft))
    if request.method == "POST" and form.is_valid():
        save = rating_draft_save if _is_draft(request) else rating_submit
        try:
            save(rating=rating, by=request.user, **form.answers())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if _is_draft(request):
                messages.success(request, _("Your answers so far are saved; come back to finish and submit."))
                return redirect("appraisals:rate", pk=rating.pk)
            messages.success(
                request, _("Your rating of %(manager)s was submitted.") % {"manager": rating.appraisal.manager.name}
            )
            return redirect("appraisals:pending_ratings")
    context = {"rating": rating, "form": form, "draft": draft, "draft_action": DRAFT_ACTION}
    return render(request, "appraisals/ratings/rate.html", context)


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
    draft = rating_draft_of(rating)
    form = RatingForm(request.POST or None, indicators=indicators, initial=rating_draft_initial(draft))
    if request.method == "POST" and form.is_valid():
        try:
            if _is_draft(request):
                draft = survey_draft_save(token=token, **form.answers())
            else:
                survey_answer(token=token, **form.answers())
        except SurveyLinkError as error:
            return _survey_link_error_page(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not _is_draft(request):
                return render(request, "appraisals/ratings/survey_thanks.html", {"client": rating.client})
            messages.success(request, _("Your answers so far are saved; open the same link to finish and send them."))
            return redirect("appraisals:survey", token=token)
    context = {
        "form": form,
        "client": rating.client,
        "manager": rating.appraisal.manager,
        "invitation": invitation,
        "draft": draft,
        "draft_action": DRAFT_ACTION,
    }
    return render(request, "appraisals/ratings/survey.html", context)
