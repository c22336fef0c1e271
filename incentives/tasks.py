"""Pay tasks: thin wrappers that load ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from config.jobs import job_run_record
from incentives.models import PayPeriod
from incentives.services import pay_statements_generate


@shared_task(
    bind=True,
    name="incentives.pay_statements_generate",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def pay_statements_generate_task(self, period_id: int) -> int:
    """Generate (or recompute) the draft statements of a pay period; safe to run again after a killed worker."""
    with job_run_record("incentives.pay_statements_generate", task_id=self.request.id or "") as run:
        period = PayPeriod.objects.get(pk=period_id)
        changed = pay_statements_generate(period=period)
        run.result = f"{period.code}: {changed} statement(s) created or recomputed"
    return changed
