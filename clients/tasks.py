"""Jobs of clients: the monthly 80/20 tiering (beat row "Recompute client tiers"), the assistants' KPIs of the month
before (beat row "Compute assistant KPIs"), the two jobs of an import (check, apply) and the nightly purge of old
import uploads (beat row "Purge old import uploads"), and the load of each feed the API receives."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.feed_runs import feed_run_execute
from clients.imports import import_run, import_uploads_purge
from clients.services import assistant_kpis_compute
from clients.tiering import tiering_run
from core.jobs import TASK_OPTIONS, job_run
from core.models import JobRun


@shared_task(bind=True, name="clients.tiering_run", label=_("Recompute the client tiers (80/20)"), **TASK_OPTIONS)
def tiering_run_task(self, today: str | None = None) -> int | None:
    """Recompute client tiers (a second run on the same data changes nothing); returns the run's id."""

    def work(job: JobRun) -> int:
        run = tiering_run(today=date.fromisoformat(today) if today else None)
        job.result = run.summary()
        return run.pk

    # The job's lock serialises runs on SQLite too (tiering_run's advisory lock is PostgreSQL's).
    return job_run("client tiering", work, task_id=self.request.id, lock="clients.tiering")


@shared_task(bind=True, name="clients.assistant_kpis", label=_("Compute the assistants' KPIs"), **TASK_OPTIONS)
def assistant_kpis_task(self, month: str | None = None) -> int | None:
    """Compute the assistants' KPIs of a month (by default the month before today's); returns the rows written."""

    def work(job: JobRun) -> int:
        day = date.fromisoformat(month) if month else timezone.localdate().replace(day=1) - timedelta(days=1)
        written = assistant_kpis_compute(month=day)
        job.result = f"assistant KPIs of {day:%Y-%m}: {written}"
        return written

    return job_run("assistant KPIs", work, task_id=self.request.id, lock="clients.assistant_kpis")


@shared_task(bind=True, name="clients.import_check", label=_("Check an uploaded import"), **TASK_OPTIONS)
def import_check_task(self, token: str) -> int | None:
    """Check every row of an uploaded file (clients, assignments or business records; nothing is written); returns
    the number of refused rows."""

    def work(job: JobRun) -> int:
        report = import_run(token=token, apply=False)
        job.result = f"import checked: {report.rows} rows, {report.refused_count} refused"
        return report.refused_count

    return job_run("import check", work, task_id=self.request.id, atomic=False)


@shared_task(bind=True, name="clients.import_apply", label=_("Apply a checked import"), **TASK_OPTIONS)
def import_apply_task(self, token: str) -> int | None:
    """Apply a checked file: every row or none, in the job's one transaction; returns the rows read."""

    def work(job: JobRun) -> int:
        report = import_run(token=token, apply=True)
        job.result = f"import applied: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        return report.rows

    return job_run("import apply", work, task_id=self.request.id, lock="clients.import")


@shared_task(bind=True, name="clients.import_uploads_purge", label=_("Purge old import uploads"), **TASK_OPTIONS)
def import_uploads_purge_task(self) -> int | None:
    """Delete the import uploads and reports older than the import policy's retention; returns the files deleted."""

    def work(job: JobRun) -> int:
        deleted = import_uploads_purge()
        job.result = f"import uploads purged: {deleted} files"
        return deleted

    return job_run("import uploads purge", work, task_id=self.request.id, atomic=False)


@shared_task(bind=True, name="clients.feed_run", label=_("Load a feed"), **TASK_OPTIONS)
def feed_run_task(self, run_id: int) -> int | None:
    """Load a feed the API stored (business records or interactions), recording its progress and what it changed;
    a run already finished is left as it is. Returns the rows read."""

    def work(job: JobRun) -> int:
        run = feed_run_execute(run_id=run_id)
        job.result = f"feed run {run.pk} {run.state}: {run.rows} rows, {run.created} created, {run.updated} updated"
        return run.rows

    # Not atomic: the feed commits its rows with its record in a transaction of its own, with progress outside it.
    return job_run("feed run", work, task_id=self.request.id, atomic=False)
