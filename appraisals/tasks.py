"""Celery tasks of the appraisal: each loads what its ids name, calls one service and records its run.

Every task runs through core.jobs.job_run (a JobRun record, committed with the work in one transaction) and is
retried with backoff on passing database or broker errors (TASK_OPTIONS). The names are stored in beat's rows:
they never change.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisals.models import AppraisalCycle, SpotCheckPolicy
from appraisals.services.cycles import (
    cycle_close_once,
    cycle_lock_key,
    cycle_open_once,
    cycles_due_run,
    measured_values_refresh,
)
from appraisals.services.ratings import ratings_remind
from appraisals.services.spotchecks import spot_check_draw
from core.jobs import TASK_OPTIONS, job_run
from core.models import JobRun

OPEN_JOB = "appraisals.cycle_open"
CLOSE_JOB = "appraisals.cycle_close"
DUE_JOB = "appraisals.cycles_due"
MEASURES_JOB = "appraisals.measures_snapshot"
REMIND_JOB = "appraisals.ratings_remind"
# The run record's name of a spot-check draw (the task's own name is appraisals.spot_check_draw).
DRAW_JOB = "spot-check draw"


def _user(user_id: int | None) -> AbstractBaseUser | None:
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


@shared_task(bind=True, name=OPEN_JOB, label=_("Open an appraisal cycle"), **TASK_OPTIONS)
def cycle_open_task(self, cycle_id: int, user_id: int | None = None) -> str:
    """Open a draft cycle; a cycle already opened is left as it is."""

    def work(run: JobRun) -> str:
        cycle = AppraisalCycle.objects.get(pk=cycle_id)
        if cycle_open_once(cycle=cycle, by=_user(user_id)):
            run.result = f"cycle {cycle_id} opened: {cycle.appraisals.count()} appraisals"
        else:
            run.result = f"cycle {cycle_id} already {cycle.state}"
        return run.result

    return job_run(OPEN_JOB, work, task_id=self.request.id, lock=cycle_lock_key(cycle_id))


@shared_task(bind=True, name=CLOSE_JOB, label=_("Close an appraisal cycle"), **TASK_OPTIONS)
def cycle_close_task(self, cycle_id: int, user_id: int | None = None, reason: str = "") -> str:
    """Close a cycle (with the reason if ratings are missing); a closed cycle is left as it is."""

    def work(run: JobRun) -> str:
        cycle = AppraisalCycle.objects.get(pk=cycle_id)
        closed = cycle_close_once(cycle=cycle, by=_user(user_id), reason=reason)
        run.result = f"cycle {cycle_id} closed" if closed else f"cycle {cycle_id} already closed: nothing changed"
        return run.result

    return job_run(CLOSE_JOB, work, task_id=self.request.id, lock=cycle_lock_key(cycle_id))


@shared_task(
    bind=True, name=DUE_JOB, label=_("Open the cycles due and hold those past their rating deadline"), **TASK_OPTIONS
)
def cycles_due_task(self) -> str:
    """Open the cycles due today and hold (or extend) those past their rating deadline; never closes (the rule is
    cycles_due_run's)."""

    def work(run: JobRun) -> str:
        run.result = str(cycles_due_run(today=timezone.localdate()))
        return run.result

    # Not one transaction: each cycle commits on its own, so one refusal does not undo the others.
    return job_run(DUE_JOB, work, task_id=self.request.id, atomic=False)


@shared_task(bind=True, name=MEASURES_JOB, label=_("Recompute the measured values of the open cycles"), **TASK_OPTIONS)
def measures_snapshot_task(self) -> str:
    """Recompute the measured values of every open cycle, so that managers and HR see them before the close."""

    def work(run: JobRun) -> str:
        run.result = f"measured values written: {measured_values_refresh()}"
        return run.result

    return job_run(MEASURES_JOB, work, task_id=self.request.id, atomic=False)


@shared_task(bind=True, name=REMIND_JOB, label=_("Remind the raters of their pending ratings"), **TASK_OPTIONS)
def ratings_remind_task(self, today: str | None = None, cycle_id: int | None = None) -> int:
    """E-mail each rater with pending ratings (of one cycle when given: HR's button on the cycle page), at most once
    a day (a rerun the same day e-mails nobody twice)."""

    def work(run: JobRun) -> int:
        day = dt.date.fromisoformat(today) if today else timezone.localdate()
        cycle = AppraisalCycle.objects.get(pk=cycle_id) if cycle_id else None
        sent = ratings_remind(today=day, cycle=cycle)
        run.result = f"{sent} rater(s) reminded on {day}"
        return sent

    return job_run(REMIND_JOB, work, task_id=self.request.id, lock=REMIND_JOB)


@shared_task(
    bind=True, name="appraisals.spot_check_draw", label=_("Draw managers for an unannounced spot-check"), **TASK_OPTIONS
)
def spot_check_draw_task(self, policy_id: int | None = None) -> int:
    """Draw managers for an unannounced spot-check by the active (or given) policy; returns the draw's id.

    A second draw is a second sample, so the message's task id is the idempotency key (job_run once=True): a
    redelivered message, or one delivered to two workers at once, finds the first's run and draws nothing more.
    """

    def work(run: JobRun) -> int:
        policy = SpotCheckPolicy.objects.get(pk=policy_id) if policy_id else None
        draw = spot_check_draw(policy=policy)
        run.result = f"draw {draw.pk}: {len(draw.sample)} of {len(draw.population)} managers"
        return draw.pk

    task_id = self.request.id or ""
    return job_run(DRAW_JOB, work, task_id=task_id, lock=f"{DRAW_JOB}:{task_id}", once=True)
