"""HR's cycle pages: every cycle with its counts, and one cycle's state, what is missing and the jobs that open it,
remind its raters, close it (with HR's reason) and generate the pay that carries its scores.

In home because one page reads both the appraisal and the pay apps. Each button is a POST that asks the service what
it would refuse (said at once, on this page), then queues the same job as the admin's actions and sends HR to the
job's progress page, which says a refusal met inside the job in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appraisals.forms import CycleCloseForm
from appraisals.models import RATING_STATES, AppraisalCycle
from appraisals.selectors import (
    can_run_cycles,
    cycle_appraisals_without_data,
    cycle_overview,
    cycle_ratings_owed,
    cycle_spot_checks_pending,
    cycles_overview,
)
from appraisals.services.cycles import cycle_close_check, cycle_open_check
from appraisals.services.ratings import ratings_remind_check
from appraisals.tasks import cycle_close_task, cycle_open_task, ratings_remind_task
from core.jobs import Enqueued, enqueue
from core.refusals import refusal_text
from incentives.models import PayPeriod
from incentives.selectors import pay_period_of_month
from incentives.services import cycle_pay_month, pay_period_for_month, pay_statements_generate_check
from incentives.tasks import pay_statements_generate_task


@dataclass(frozen=True)
class CyclePay:
    """The pay of the month the cycle closed in (the first whose statements carry its scores): its period if one
    exists, and why generating it would be refused, in the reader's language ("" when it would not)."""

    month: date
    period: PayPeriod | None
    refusal: str

    @property
    def permitted(self) -> bool:
        return not self.refusal


def _cycle_pay(cycle: AppraisalCycle) -> CyclePay:
    month = cycle_pay_month(cycle=cycle)
    period = pay_period_of_month(day=month)
    refusal = ""
    if period is not None:
        try:
            pay_statements_generate_check(period=period)
        except ValidationError as exc:
            refusal = refusal_text(exc)
    return CyclePay(month=month, period=period, refusal=refusal)


def _cycle_for_hr(request: HttpRequest, pk: int) -> AppraisalCycle:
    """The cycle with its counts; 403 for anyone but HR, 404 for a cycle that does not exist."""
    if not can_run_cycles(request.user):
        raise PermissionDenied
    cycle = cycle_overview(pk=pk)
    if cycle is None:
        raise Http404(_("No such appraisal cycle."))
    return cycle


def _to_progress(outcome: Enqueued, then: str) -> HttpResponseRedirect:
    return redirect(f"{reverse('job_progress', args=[outcome.task_id])}?{urlencode({'next': then})}")


def _cycle_url(cycle: AppraisalCycle) -> str:
    return reverse("cycles:detail", args=[cycle.pk])


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Every cycle: its state, period, rating deadline, appraisals and ratings still missing (HR only)."""
    if not can_run_cycles(request.user):
        raise PermissionDenied
    return render(request, "home/cycles/list.html", {"cycles": list(cycles_overview())})


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One cycle: its state, the ratings still owed and by whom, appraisals without data, spot-checks pending, and
    the buttons of what HR may do next."""
    cycle = _cycle_for_hr(request, pk)
    return _detail_page(request, cycle, CycleCloseForm())


def _detail_page(request: HttpRequest, cycle: AppraisalCycle, close_form: CycleCloseForm) -> HttpResponse:
    started = cycle.state != AppraisalCycle.State.DRAFT
    context = {
        "cycle": cycle,
        "owed": cycle_ratings_owed(cycle=cycle) if started else [],
        "without_data": list(cycle_appraisals_without_data(cycle=cycle)) if started else [],
        # A closed cycle counted its spot-checks; one recorded later counts in a later cycle.
        "spot_checks": list(cycle_spot_checks_pending(cycle=cycle)) if started and not cycle.is_closed else [],
        "takes_ratings": cycle.state in RATING_STATES,
        "close_form": close_form,
        "pay": _cycle_pay(cycle) if cycle.is_closed else None,
        "results_url": f"{reverse('appraisals:cycle_results')}?{urlencode({'cycle': cycle.pk})}",
    }
    return render(request, "home/cycles/detail.html", context)


def _refused(request: HttpRequest, cycle: AppraisalCycle, error: ValidationError) -> HttpResponseRedirect:
    messages.error(request, refusal_text(error))
    return redirect(_cycle_url(cycle))


@require_POST
@login_required
def cycle_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for_hr(request, pk)
    try:
        cycle_open_check(cycle=cycle)
    except ValidationError as exc:
        return _refused(request, cycle, exc)
    return _to_progress(enqueue(cycle_open_task, cycle.pk, request.user.pk), _cycle_url(cycle))


@require_POST
@login_required
def cycle_remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for_hr(request, pk)
    try:
        ratings_remind_check(cycle=cycle)
    except ValidationError as exc:
        return _refused(request, cycle, exc)
    return _to_progress(enqueue(ratings_remind_task, cycle_id=cycle.pk), _cycle_url(cycle))


@require_POST
@login_required
def cycle_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for_hr(request, pk)
    form = CycleCloseForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, cycle, form)
    reason = form.cleaned_data["reason"]
    if cycle.is_closed:
        messages.error(request, _("%(cycle)s is already closed.") % {"cycle": cycle})
        return redirect(_cycle_url(cycle))
    try:
        cycle_close_check(cycle=cycle, reason=reason)
    except ValidationError as exc:
        return _refused(request, cycle, exc)
    results = f"{reverse('appraisals:cycle_results')}?{urlencode({'cycle': cycle.pk})}"
    return _to_progress(enqueue(cycle_close_task, cycle.pk, request.user.pk, reason), results)


@require_POST
@login_required
def cycle_pay_view(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle_for_hr(request, pk)
    try:
        period = pay_period_for_month(day=cycle_pay_month(cycle=cycle))
        pay_statements_generate_check(period=period)
    except ValidationError as exc:
        return _refused(request, cycle, exc)
    statements = f"{reverse('admin:incentives_paystatement_changelist')}?{urlencode({'period__id__exact': period.pk})}"
    return _to_progress(enqueue(pay_statements_generate_task, period.pk), statements)
