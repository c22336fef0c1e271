"""Scheduled jobs of clients: the monthly 80/20 tiering (beat row "Recompute client tiers")."""

from __future__ import annotations

from datetime import date

from celery import shared_task

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
