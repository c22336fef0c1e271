"""HR's cycle results page: a cycle selector and the ranking of its appraisals, filtered by grade and department."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from appraisals.selectors import (
    can_see_all_results,
    cycle_latest_closed,
    cycle_results_filters,
    cycles_with_results,
    sorted_results,
)

# A page of the ranking: a whole cycle of 2,000 appraisals on one page is ~900 KB of HTML and seconds to render.
PAGE_SIZE = 50


@login_required
def cycle_results(request: HttpRequest) -> HttpResponse:
    """The ranking of a cycle's appraisals (HR only)."""
    if not can_see_all_results(request.user):
        raise PermissionDenied
    cycles = list(cycles_with_results())
    wanted = request.GET.get("cycle")
    if wanted:
        cycle = next((c for c in cycles if str(c.pk) == wanted), None)
        if cycle is None:
            raise Http404(_("No such appraisal cycle."))
    else:
        cycle = cycle_latest_closed() or (cycles[0] if cycles else None)
    context = {"cycles": cycles, "cycle": cycle, "filter": None, "page": None, "rows": []}
    if cycle is not None:
        filterset = cycle_results_filters(cycle=cycle, filters=request.GET)
        page = Paginator(sorted_results(filterset.qs), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(filter=filterset, page=page, rows=list(page))
    return render(request, "appraisals/cycles/results.html", context)
