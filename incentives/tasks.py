"""Pay tasks: thin wrappers that load ids and call the pay services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from appraisals.models import AppraisalCycle
from core.jobs import TASK_OPTIONS, job_lock, job_run
from core.models import JobRun
from incentives.models import PayPeriod
from incentives.services import pay_period_create, pay_statements_generate

PAY_AFTER_CLOSE_JOB = "incentives.pay_after_close"


@shared_task(bind=True, name="incentives.pay_statements_generate", **TASK_OPTIONS)
def pay_statements_generate_task(self, period_id: int) -> int | None:
    """Generate (or recompute) the draft statements of a pay period; safe to run again after a killed worker."""

    def work(run: JobRun) -> int:
        period = PayPeriod.objects.get(pk=period_id)
        changed = pay_statements_generate(period=period)
        run.result = f"{period.code}: {changed} statement(s) created or recomputed"
        return changed

    return job_run(
        "incentives.pay_statements_generate", work, task_id=self.request.id, lock=f"incentives.period:{period_id}"
    )


def pay_period_code(start: dt.date, end: dt.date) -> str:
    """The code of the pay period paid from a cycle over start–end: 2026-H1, 2026-H2, 2026, or 20260101-20260331."""
    if start.year == end.year and (start.month, start.day) == (1, 1) and (end.month, end.day) == (6, 30):
        return f"{start.year}-H1"
    if start.year == end.year and (start.month, start.day) == (7, 1) and (end.month, end.day) == (12, 31):
        return f"{start.year}-H2"
    if start.year == end.year and (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31):
        return f"{start.year}"
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


def _period_exists(cycle: AppraisalCycle) -> bool:
    code = pay_period_code(cycle.period_start, cycle.period_end)
    return PayPeriod.objects.filter(
        Q(cycle=cycle) | Q(code=code) | Q(start=cycle.period_start, end=cycle.period_end)
    ).exists()


@shared_task(bind=True, name=PAY_AFTER_CLOSE_JOB, **TASK_OPTIONS)
def pay_after_close_task(self) -> str | None:
    """For each closed regular cycle that no pay period pays yet, create the period over the cycle's dates and
    generate its draft statements (beat row "Generate pay statements after close", daily after the cycle close).

    Idempotent by state: a cycle with a pay period (by link, code or dates; PayPeriod.code is unique) is passed
    over. Each cycle in its own transaction under a lock: a period is created only with its statements, so when a
    pay scheme is missing nothing is saved, the run says why, and the next run tries again once HR has added it.
    Irregular cycles are not paid on their own (a pay period is paid from the regular cycle that covers it).
    """

    def work(run: JobRun) -> str:
        created, refused = [], []
        closed = AppraisalCycle.objects.filter(
            kind=AppraisalCycle.Kind.REGULAR, state=AppraisalCycle.State.CLOSED, pay_periods__isnull=True
        ).order_by("period_start", "pk")
        for cycle in closed:
            try:
                with transaction.atomic():
                    job_lock(f"{PAY_AFTER_CLOSE_JOB}:{cycle.pk}")
                    if _period_exists(cycle):
                        continue
                    period = pay_period_create(
                        code=pay_period_code(cycle.period_start, cycle.period_end),
                        start=cycle.period_start,
                        end=cycle.period_end,
                        cycle=cycle,
                    )
                    changed = pay_statements_generate(period=period)
                    created.append(f"{period.code} ({changed} statements)")
            except ValidationError as exc:
                refused.append(f"{cycle}: {'; '.join(exc.messages)}")
        run.result = f"pay periods created: {created or 'none'}" + (f"; refused: {refused}" if refused else "")
        return run.result

    return job_run(PAY_AFTER_CLOSE_JOB, work, task_id=self.request.id, atomic=False)
