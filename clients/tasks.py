"""Scheduled jobs of clients: the monthly 80/20 tiering (beat row "Recompute client tiers")."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from clients.tiering import tiering_run
from core.jobs import TASK_OPTIONS, job_run
from core.models import JobRun


@shared_task(bind=True, name="clients.tiering_run", **TASK_OPTIONS)
def tiering_run_task(self, today: str | None = None) -> int | None:
    """Recompute client tiers (idempotent: a second run on the same data changes nothing); returns the run's id."""

    def work(job: JobRun) -> int:
        run = tiering_run(today=date.fromisoformat(today) if today else None)
        job.result = (
            f"window {run.period_start}–{run.period_end}: {run.core_count} core, {run.key_count} key, "
            f"{run.ordinary_count} ordinary; {run.changes.count()} changed; "
            f"{len(run.needs_reassignment)} need reassignment"
        )
        return run.pk

    # tiering_run takes its own advisory lock on PostgreSQL; the job's lock also serialises it on SQLite.
    return job_run("client tiering", work, task_id=self.request.id, lock="clients.tiering")
