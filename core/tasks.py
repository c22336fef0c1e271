"""System tasks: the heartbeat proves web → broker → worker → database works; waiting jobs are sent when it does."""

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from core.jobs import TASK_OPTIONS, job_run, jobs_dispatch
from core.models import JobRun


@shared_task(bind=True, name="core.heartbeat", label=_("Heartbeat: record that the worker is alive"), **TASK_OPTIONS)
def heartbeat(self) -> int:
    """Record that a worker took a task from the broker and could write to the database."""

    def work(run: JobRun) -> int:
        run.result = "alive"
        return run.pk

    return job_run("heartbeat", work, task_id=self.request.id)


@shared_task(
    bind=True, name="core.jobs_pending_dispatch", label=_("Send the jobs waiting for the job queue"), **TASK_OPTIONS
)
def jobs_pending_dispatch_task(self) -> int:
    """Send the jobs waiting to be sent (beat does it itself every few seconds; this task lets a worker do it too,
    e.g. from the admin). No run record: it would flood the job list; its occurrence says when it ran."""
    return jobs_dispatch().sent
