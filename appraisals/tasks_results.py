"""Tasks of spot-checks and results (see appraisals/tasks.py): thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from config.jobs import job_run_record
from config.models import JobRun

__all__ = ["spot_check_draw_task"]

JOB_NAME = "spot-check draw"


@shared_task(bind=True, name="appraisals.spot_check_draw", acks_late=True)
def spot_check_draw_task(self, policy_id: int | None = None) -> int | None:
    """Draw managers for an unannounced spot-check by the active (or given) policy; returns the draw's id."""
    from appraisals.models import SpotCheckPolicy
    from appraisals.services.spotchecks import spot_check_draw

    task_id = self.request.id or ""
    # acks_late redelivers a message whose worker died after the draw committed but before the ack: the same
    # task id then finds its succeeded run and draws nothing more (a second draw would be a second sample).
    if task_id and JobRun.objects.filter(name=JOB_NAME, task_id=task_id, status=JobRun.Status.SUCCEEDED).exists():
        return None
    with job_run_record(JOB_NAME, task_id=task_id) as run:
        policy = SpotCheckPolicy.objects.get(pk=policy_id) if policy_id else None
        draw = spot_check_draw(policy=policy)
        run.result = f"draw {draw.pk}: {len(draw.sample)} of {len(draw.population)} managers"
    return draw.pk
