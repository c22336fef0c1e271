"""Tasks of the ratings (see appraisals/tasks.py): the daily reminder to raters."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from appraisals.services.ratings import ratings_remind
from core.jobs import TASK_OPTIONS, job_run
from core.models import JobRun

__all__ = ["ratings_remind_task"]

JOB_NAME = "appraisals.ratings_remind"


@shared_task(bind=True, name=JOB_NAME, **TASK_OPTIONS)
def ratings_remind_task(self, today: str | None = None) -> int | None:
    """E-mail each rater with pending ratings, at most once a day (the service marks who was reminded on which day,
    in the same transaction as the sending: a rerun the same day e-mails nobody twice)."""

    def work(run: JobRun) -> int:
        day = dt.date.fromisoformat(today) if today else timezone.localdate()
        sent = ratings_remind(today=day)
        run.result = f"{sent} rater(s) reminded on {day}"
        return sent

    return job_run(JOB_NAME, work, task_id=self.request.id, lock=JOB_NAME)
