"""Tasks of the appraisal cycles (see appraisals/tasks.py): thin wrappers that load, call one service, and record.

Each is idempotent by the cycle's state (opening an open cycle, closing a closed one change nothing), runs under the
cycle's lock (core.jobs.job_lock: two workers never open or close the same cycle at once; the second waits, then
finds it done), commits the work with its run record in one transaction (a worker killed halfway leaves the cycle
as it was, and the message, acknowledged late, is delivered again), and is retried with backoff on passing
database or broker errors.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appraisals.models import AppraisalCycle
from appraisals.services import cycles as cycle_services  # noqa: F401 - also connects the read-only receivers
from appraisals.services.cycles import cycle_close, cycle_open
from appraisals.services.measures import measured_values_compute
from core.jobs import TASK_OPTIONS, job_lock, job_run
from core.models import JobRun

__all__ = ["cycle_close_task", "cycle_lock_key", "cycle_open_task", "cycles_due_task", "measures_snapshot_task"]

DEADLINE_REASON = "deadline reached"
CLOSE_JOB = "appraisals.cycle_close"


def cycle_lock_key(cycle_id: int) -> str:
    """The lock every job that changes a cycle's state or scores holds (core.jobs.job_lock)."""
    return f"appraisals.cycle:{cycle_id}"


def _user(user_id: int | None):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def _close(cycle_id: int, *, by=None, reason: str = "") -> bool:
    """Close the cycle unless it is closed already (call under its lock); True when this call closed it."""
    cycle = AppraisalCycle.objects.get(pk=cycle_id)
    if cycle.is_closed:
        return False
    cycle_close(cycle=cycle, by=by, reason=reason)
    return True


@shared_task(bind=True, name="appraisals.cycle_open", **TASK_OPTIONS)
def cycle_open_task(self, cycle_id: int, user_id: int | None = None) -> str:
    """Open a draft cycle; a cycle already opened is left as it is."""

    def work(run: JobRun) -> str:
        cycle = AppraisalCycle.objects.get(pk=cycle_id)
        if cycle.state != AppraisalCycle.State.DRAFT:
            run.result = f"cycle {cycle_id} already {cycle.state}"
        else:
            cycle = cycle_open(cycle=cycle, by=_user(user_id))
            run.result = f"cycle {cycle_id} opened: {cycle.appraisals.count()} appraisals"
        return run.result

    return job_run("appraisals.cycle_open", work, task_id=self.request.id, lock=cycle_lock_key(cycle_id))


@shared_task(bind=True, name=CLOSE_JOB, **TASK_OPTIONS)
def cycle_close_task(self, cycle_id: int, user_id: int | None = None, reason: str = "") -> str:
    """Close a cycle (with the reason if ratings are missing); a closed cycle is left as it is."""

    def work(run: JobRun) -> str:
        closed = _close(cycle_id, by=_user(user_id), reason=reason)
        run.result = f"cycle {cycle_id} closed" if closed else f"cycle {cycle_id} already closed: nothing changed"
        return run.result

    return job_run(CLOSE_JOB, work, task_id=self.request.id, lock=cycle_lock_key(cycle_id))


@shared_task(bind=True, name="appraisals.cycles_due", **TASK_OPTIONS)
def cycles_due_task(self) -> str:
    """Open the draft regular cycles whose period has started; close the cycles whose rating deadline has passed.

    Each cycle in a transaction of its own under its lock: one cycle HR must fix does not hold back the others, and
    a rerun after a crash finds the cycles already done and passes over them.
    """

    def work(run: JobRun) -> str:
        today = timezone.localdate()
        opened, closed, refused = [], [], []
        to_open = AppraisalCycle.objects.filter(
            kind=AppraisalCycle.Kind.REGULAR, state=AppraisalCycle.State.DRAFT, period_start__lte=today
        )
        for cycle_id in to_open.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    job_lock(cycle_lock_key(cycle_id))
                    cycle = AppraisalCycle.objects.get(pk=cycle_id)
                    if cycle.state == AppraisalCycle.State.DRAFT:
                        cycle_open(cycle=cycle)
                        opened.append(cycle_id)
            except ValidationError as exc:  # e.g. a template whose weights do not add up: HR must fix it
                refused.append(f"{cycle_id}: {'; '.join(exc.messages)}")
        to_close = AppraisalCycle.objects.filter(
            state__in=[AppraisalCycle.State.OPEN, AppraisalCycle.State.REVIEW], rating_deadline__lt=today
        )
        for cycle_id in to_close.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    job_lock(cycle_lock_key(cycle_id))
                    if _close(cycle_id, reason=DEADLINE_REASON):
                        closed.append(cycle_id)
            except ValidationError as exc:
                refused.append(f"{cycle_id}: {'; '.join(exc.messages)}")
        run.result = f"opened {opened}, closed {closed}" + (f", refused {refused}" if refused else "")
        return run.result

    return job_run("appraisals.cycles_due", work, task_id=self.request.id, atomic=False)


@shared_task(bind=True, name="appraisals.measures_snapshot", **TASK_OPTIONS)
def measures_snapshot_task(self) -> str:
    """Recompute the measured values of every open cycle, so that managers and HR see them before the close."""

    def work(run: JobRun) -> str:
        written = {}
        open_states = [AppraisalCycle.State.OPEN, AppraisalCycle.State.REVIEW]
        for cycle_id in AppraisalCycle.objects.filter(state__in=open_states).values_list("pk", flat=True):
            with transaction.atomic():
                # Under the cycle's lock, re-read: a close that ran meanwhile froze the values.
                job_lock(cycle_lock_key(cycle_id))
                cycle = AppraisalCycle.objects.select_related("template").get(pk=cycle_id)
                if cycle.state in open_states:
                    written[cycle_id] = measured_values_compute(cycle=cycle)
        run.result = f"measured values written: {written}"
        return run.result

    return job_run("appraisals.measures_snapshot", work, task_id=self.request.id, atomic=False)
