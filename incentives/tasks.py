"""Pay tasks: thin wrappers that load ids and call the pay services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jobs import TASK_OPTIONS, job_lock, job_run
from core.models import JobRun
from incentives.models import PayPeriod
from incentives.services import pay_period_for_month, pay_statements_generate

PAYROLL_MONTHLY_JOB = "incentives.payroll_monthly"
# A month missed while nothing ran is caught up by the next run, this far back at most.
CATCH_UP_MONTHS = 12


@shared_task(
    bind=True,
    name="incentives.pay_statements_generate",
    label=_("Generate the pay statements of a month"),
    **TASK_OPTIONS,
)
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


def months_to_pay(today: dt.date) -> list[dt.date]:
    """The first day of each month to pay on `today`: the previous month, and the months before it that have no pay
    period yet, back to the latest month that has one (at most CATCH_UP_MONTHS)."""
    previous = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = [previous]
    latest = PayPeriod.objects.filter(start__lt=previous).order_by("-start").values_list("start", flat=True).first()
    while latest is not None and len(months) < CATCH_UP_MONTHS:
        before = (months[-1] - dt.timedelta(days=1)).replace(day=1)
        if before <= latest:
            break
        months.append(before)
    return sorted(months)


@shared_task(bind=True, name=PAYROLL_MONTHLY_JOB, label=_("Run the monthly payroll"), **TASK_OPTIONS)
def payroll_monthly_task(self, today: str | None = None) -> str | None:
    """Run the monthly payroll (beat row "Run the monthly payroll", on the 1st): create the previous month's pay
    period and generate its draft statements, and those of any month missed while nothing ran.

    Idempotent by state: an approved month is passed over, a draft one regenerated (equal drafts change nothing).
    Each month in its own transaction under a lock: a month whose generation is refused (a pay scheme or a leaver's
    last day missing) saves nothing, the run says why, and the next run tries again once HR has fixed it.
    """
    day = dt.date.fromisoformat(today) if today else timezone.localdate()

    def work(run: JobRun) -> str:
        done, refused = [], []
        for month in months_to_pay(day):
            try:
                with transaction.atomic():
                    job_lock(f"{PAYROLL_MONTHLY_JOB}:{month:%Y-%m}")
                    period = pay_period_for_month(day=month)
                    if period.state != PayPeriod.State.DRAFT:
                        continue
                    changed = pay_statements_generate(period=period)
                    done.append(f"{period.code} ({changed} statements)")
            except ValidationError as exc:
                refused.append(f"{month:%Y-%m}: {'; '.join(exc.messages)}")
        run.result = f"pay periods generated: {done or 'none'}" + (f"; refused: {refused}" if refused else "")
        return run.result

    return job_run(PAYROLL_MONTHLY_JOB, work, task_id=self.request.id, atomic=False)
