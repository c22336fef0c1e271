"""System tasks: the heartbeat proves web → broker → worker → database works; pending jobs are sent when it does."""

from celery import shared_task

from core.jobs import PENDING, TASK_OPTIONS, job_run, jobs_pending_dispatch
from core.models import JobRun


@shared_task(bind=True, name="core.heartbeat", **TASK_OPTIONS)
def heartbeat(self) -> int:
    """Record that a worker took a task from the broker and could write to the database."""

    def work(run: JobRun) -> int:
        run.result = "alive"
        return run.pk

    return job_run("heartbeat", work, task_id=self.request.id)


@shared_task(bind=True, name="core.jobs_pending_dispatch", **TASK_OPTIONS)
def jobs_pending_dispatch_task(self) -> int:
    """Send the jobs saved while the broker was unreachable (beat row "Send pending jobs", every minute)."""
    if not JobRun.objects.filter(status=PENDING).exists():
        return 0  # the usual case: no run record, so the job list is not flooded every minute

    def work(run: JobRun) -> int:
        sent = jobs_pending_dispatch()
        run.result = f"{sent} pending job(s) sent"
        return sent

    # Not one transaction: each job is sent and its pending row removed in a transaction of its own.
    return job_run("send pending jobs", work, task_id=self.request.id, atomic=False)
