"""HR's cycle results page: a cycle selector and the ranking of its appraisals, filtered by grade and department."""

from __future__ import annotations

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal, AppraisalCycle
from appraisals.selectors import can_see_all_results
from managers.models import Department, Grade

# A page of the ranking: a cycle of 2,000 appraisals on one page was ~900 KB of HTML and seconds to render.
PAGE_SIZE = 50


class CycleResultsFilterSet(django_filters.FilterSet):
    """Grade held at the end of the period, and department."""

    grade = django_filters.ModelChoiceFilter(label=_("grade"), queryset=Grade.objects.all())
    department = django_filters.ModelChoiceFilter(
        label=_("department"), field_name="manager__department", queryset=Department.objects.all()
    )

    class Meta:
        model = Appraisal
        fields = ["grade", "department"]


def cycle_results_ranking(*, cycle: AppraisalCycle) -> QuerySet[Appraisal]:
    """The appraisals of the cycle, best total first (one query with their manager, department and grade)."""
    return (
        Appraisal.objects.filter(cycle=cycle)
        .select_related("manager__user", "manager__department", "grade")
        .defer("explanation")  # about 12 KB of JSON each, read only on the appraisal's own page
        .order_by(F("total_score").desc(nulls_last=True), "manager__employee_no")
    )


@login_required
def cycle_results(request: HttpRequest) -> HttpResponse:
    """The ranking of a cycle's appraisals (HR only)."""
    if not can_see_all_results(request.user):
        raise PermissionDenied
    cycles = list(AppraisalCycle.objects.exclude(state=AppraisalCycle.State.DRAFT).order_by("-period_end", "-pk"))
    cycle = None
    wanted = request.GET.get("cycle")
    if wanted:
        cycle = next((c for c in cycles if str(c.pk) == wanted), None)
        if cycle is None:
            raise Http404(_("No such appraisal cycle."))
    else:
        # By default the latest closed cycle, else the latest one opened.
        cycle = next((c for c in cycles if c.is_closed), cycles[0] if cycles else None)
    filterset = None
    page: Page | None = None
    if cycle is not None:
        filterset = CycleResultsFilterSet(request.GET, queryset=cycle_results_ranking(cycle=cycle))
        page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appraisals/cycles/results.html",
        {"cycles": cycles, "cycle": cycle, "filter": filterset, "page": page, "rows": list(page) if page else []},
    )


urlpatterns = [path("cycles/results/", cycle_results, name="cycle_results")]
