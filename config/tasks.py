"""System tasks: the heartbeat proves web → broker → worker → database works."""

from celery import shared_task

from config.jobs import job_run_record


@shared_task(bind=True, name="config.heartbeat")
def heartbeat(self) -> int:
    """Record that a worker took a task from the broker and could write to the database."""
    with job_run_record("heartbeat", task_id=self.request.id or "") as run:
        run.result = "alive"
    return run.pk
