"""Scheduled jobs of clients: the monthly 80/20 tiering (beat row "Recompute client tiers") and the assistants'
KPIs of the month before (beat row "Compute assistant KPIs")."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from clients.services import assistant_kpis_compute
from clients.tiering import tiering_run
from core.jobs import TASK_OPTIONS, job_run
from core.models import JobRun


@shared_task(bind=True, name="clients.tiering_run", **TASK_OPTIONS)
def tiering_run_task(self, today: str | None = None) -> int | None:
    """Recompute client tiers (a second run on the same data changes nothing); returns the run's id."""

    def work(job: JobRun) -> int:
        run = tiering_run(today=date.fromisoformat(today) if today else None)
        job.result = run.summary()
        return run.pk

    # The job's lock serialises runs on SQLite too (tiering_run's advisory lock is PostgreSQL's).
    return job_run("client tiering", work, task_id=self.request.id, lock="clients.tiering")


@shared_task(bind=True, name="clients.assistant_kpis", **TASK_OPTIONS)
def assistant_kpis_task(self, month: str | None = None) -> int | None:
    """Compute the assistants' KPIs of a month (by default the month before today's); returns the rows written."""

    def work(job: JobRun) -> int:
        day = date.fromisoformat(month) if month else timezone.localdate().replace(day=1) - timedelta(days=1)
        written = assistant_kpis_compute(month=day)
        job.result = f"assistant KPIs of {day:%Y-%m}: {written}"
        return written

    return job_run("assistant KPIs", work, task_id=self.request.id, lock="clients.assistant_kpis")
