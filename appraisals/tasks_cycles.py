"""Tasks of the appraisal cycles (see appraisals/tasks.py): thin wrappers that load, call one service, and record.

Each is idempotent (opening an open cycle, closing a closed one, recomputing measured values change nothing more),
acknowledged late (a worker killed halfway leaves the task on the broker; the service's transaction rolled back),
and retried with backoff when the database is briefly unavailable.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

from appraisals.models import AppraisalCycle
from appraisals.services import cycles as cycle_services  # noqa: F401 - also connects the read-only receivers
from appraisals.services.cycles import cycle_close, cycle_open
from appraisals.services.measures import measured_values_compute
from config.jobs import job_run_record

__all__ = ["cycle_close_task", "cycle_open_task", "cycles_due_task", "measures_snapshot_task"]

RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}
DEADLINE_REASON = "deadline reached"


def _user(user_id: int | None):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


@shared_task(bind=True, name="appraisals.cycle_open", **RETRY)
def cycle_open_task(self, cycle_id: int, user_id: int | None = None) -> str:
    """Open a draft cycle; a cycle already opened is left as it is."""
    with job_run_record("appraisals.cycle_open", task_id=self.request.id or "") as run:
        cycle = AppraisalCycle.objects.get(pk=cycle_id)
        if cycle.state != AppraisalCycle.State.DRAFT:
            run.result = f"cycle {cycle_id} already {cycle.state}"
        else:
            cycle = cycle_open(cycle=cycle, by=_user(user_id))
            run.result = f"cycle {cycle_id} opened: {cycle.appraisals.count()} appraisals"
    return run.result


@shared_task(bind=True, name="appraisals.cycle_close", **RETRY)
def cycle_close_task(self, cycle_id: int, user_id: int | None = None, reason: str = "") -> str:
    """Close a cycle (with the reason if ratings are missing); a closed cycle is left as it is."""
    with job_run_record("appraisals.cycle_close", task_id=self.request.id or "") as run:
        cycle = cycle_close(cycle=AppraisalCycle.objects.get(pk=cycle_id), by=_user(user_id), reason=reason)
        run.result = f"cycle {cycle_id} {cycle.state}"
    return run.result


@shared_task(bind=True, name="appraisals.cycles_due", **RETRY)
def cycles_due_task(self) -> str:
    """Open the draft regular cycles whose period has started; close the cycles whose rating deadline has passed."""
    with job_run_record("appraisals.cycles_due", task_id=self.request.id or "") as run:
        today = timezone.localdate()
        opened, closed, refused = [], [], []
        for cycle in AppraisalCycle.objects.filter(
            kind=AppraisalCycle.Kind.REGULAR, state=AppraisalCycle.State.DRAFT, period_start__lte=today
        ):
            try:
                cycle_open(cycle=cycle)
                opened.append(cycle.pk)
            except ValidationError as exc:  # e.g. a template whose weights do not add up: HR must fix it
                refused.append(f"{cycle.pk}: {'; '.join(exc.messages)}")
        for cycle in AppraisalCycle.objects.filter(
            state__in=[AppraisalCycle.State.OPEN, AppraisalCycle.State.REVIEW], rating_deadline__lt=today
        ):
            cycle_close(cycle=cycle, reason=DEADLINE_REASON)
            closed.append(cycle.pk)
        run.result = f"opened {opened}, closed {closed}" + (f", refused {refused}" if refused else "")
    return run.result


@shared_task(bind=True, name="appraisals.measures_snapshot", **RETRY)
def measures_snapshot_task(self) -> str:
    """Recompute the measured values of every open cycle, so that managers and HR see them before the close."""
    with job_run_record("appraisals.measures_snapshot", task_id=self.request.id or "") as run:
        written = {
            cycle.pk: measured_values_compute(cycle=cycle)
            for cycle in AppraisalCycle.objects.filter(
                state__in=[AppraisalCycle.State.OPEN, AppraisalCycle.State.REVIEW]
            ).select_related("template")
        }
        run.result = f"measured values written: {written}"
    return run.result
