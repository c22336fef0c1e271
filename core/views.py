"""The system's own pages: the health check and the progress of a queued job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import permissions
from core.health import broker_status, database_status
from core.jobs import job_progress_of


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming the one that failed."""
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@login_required
def job_progress(request: HttpRequest, task_id: str) -> HttpResponse:
    """The state of a queued job, for the page that started it: refreshes itself until the job has ended, then
    links to the result (or says, in the reader's language, why the job refused). Jobs are started by HR, so only
    HR sees them."""
    if not permissions.is_hr(request.user):
        raise Http404
    progress = job_progress_of(task_id)
    result_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(result_url, allowed_hosts={request.get_host()}):
        result_url = ""
    return render(
        request,
        "jobs/progress.html",
        {
            "progress": progress,
            "occurrence": progress.occurrence,
            "run": progress.run,
            "task_id": task_id,
            "finished": progress.finished,
            "result_url": result_url if progress.state == "succeeded" else "",
        },
    )
