"""Tasks of spot-checks and results (see appraisals/tasks.py): thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from core.jobs import TASK_OPTIONS, job_run
from core.models import JobRun

__all__ = ["spot_check_draw_task"]

JOB_NAME = "spot-check draw"


@shared_task(bind=True, name="appraisals.spot_check_draw", **TASK_OPTIONS)
def spot_check_draw_task(self, policy_id: int | None = None) -> int | None:
    """Draw managers for an unannounced spot-check by the active (or given) policy; returns the draw's id.

    A draw is not idempotent by its own state (a second draw is a second sample), so the message's task id is its
    idempotency key (job_run once=True): a redelivery after the draw committed, or the same message delivered to
    two workers at once, finds the first's succeeded run under the lock and draws nothing more.
    """

    def work(run: JobRun) -> int:
        from appraisals.models import SpotCheckPolicy
        from appraisals.services.spotchecks import spot_check_draw

        policy = SpotCheckPolicy.objects.get(pk=policy_id) if policy_id else None
        draw = spot_check_draw(policy=policy)
        run.result = f"draw {draw.pk}: {len(draw.sample)} of {len(draw.population)} managers"
        return draw.pk

    task_id = self.request.id or ""
    return job_run(JOB_NAME, work, task_id=task_id, lock=f"{JOB_NAME}:{task_id}", once=True)
