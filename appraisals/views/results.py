"""Pages of results for managers and their supervisors: my appraisals, an appraisal with its explanation
(acknowledge / appeal), my line's results. Every appraisal is loaded through _get_appraisal_for_user: outside the
user's line it is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appraisals.forms import AppealForm
from appraisals.models import Appraisal
from appraisals.selectors import (
    appraisal_explanation,
    appraisal_for_user,
    appraisal_history,
    appraisal_versions,
    line_results,
)
from appraisals.services.results import appeal_create, appeal_deadline, appraisal_acknowledge
from core.refusals import refusal_text
from managers.selectors import manager_for_user


def _get_appraisal_for_user(request: HttpRequest, pk: int) -> Appraisal:
    """The appraisal, or 404 when the user may not see it (never 403: its existence is not disclosed)."""
    appraisal = appraisal_for_user(request.user, pk)
    if appraisal is None:
        raise Http404(_("No such appraisal."))
    return appraisal


@login_required
@require_GET
def my_appraisals(request: HttpRequest) -> HttpResponse:
    """My appraisals: the results of every closed cycle, with the change from the one before."""
    manager = manager_for_user(request.user)
    if manager is None:
        raise Http404(_("Only account managers have appraisals."))
    rows = appraisal_history(manager=manager)
    return render(request, "appraisals/results/mine.html", {"manager": manager, "rows": rows})


def _render_detail(
    request: HttpRequest, appraisal: Appraisal, *, appeal_form: AppealForm | None = None
) -> HttpResponse:
    deadline = appeal_deadline(appraisal=appraisal)
    own = appraisal.manager.user_id == request.user.pk
    in_time = deadline is not None and timezone.now() <= deadline and appraisal.is_final
    appeal = getattr(appraisal, "appeal", None)
    context = {
        "appraisal": appraisal,
        "explanation": appraisal_explanation(appraisal=appraisal),
        "versions": appraisal_versions(appraisal=appraisal),
        "own": own,
        "deadline": deadline,
        "appeal": appeal,
        # Acknowledge and appeal exclude each other.
        "can_acknowledge": own and in_time and appraisal.acknowledged_at is None and appeal is None,
        "can_appeal": own and in_time and appraisal.acknowledged_at is None and appeal is None,
        "appeal_form": appeal_form or AppealForm(),
    }
    return render(request, "appraisals/results/detail.html", context)


@login_required
@require_GET
def appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One appraisal: the total, the band, and how every indicator contributed to it."""
    return _render_detail(request, _get_appraisal_for_user(request, pk))


@login_required
@require_POST
def appraisal_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = _get_appraisal_for_user(request, pk)
    try:
        appraisal_acknowledge(appraisal=appraisal, by=request.user)
    except ValidationError as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, _("You have acknowledged this result."))
    return redirect("appraisals:detail", pk=appraisal.pk)


@login_required
@require_POST
def appraisal_appeal_view(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = _get_appraisal_for_user(request, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            appeal_create(appraisal=appraisal, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, _("Your appeal was sent to HR."))
            return redirect("appraisals:detail", pk=appraisal.pk)
    return _render_detail(request, appraisal, appeal_form=form)


@login_required
@require_GET
def line_results_view(request: HttpRequest) -> HttpResponse:
    """My line's results: the latest closed cycle, everyone in the user's line or department side by side."""
    results = line_results(user=request.user, filters=request.GET)
    if results is None:
        raise Http404(_("You supervise no one."))
    return render(request, "appraisals/results/line.html", {"results": results})
