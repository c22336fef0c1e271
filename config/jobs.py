"""Recording job runs around the work a task does."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from config.models import JobRun


@contextmanager
def job_run_record(name: str, *, task_id: str = "") -> Iterator[JobRun]:
    """Record a JobRun for the block: succeeded with its result text, or failed with the error (re-raised)."""
    run = JobRun.objects.create(name=name, task_id=task_id or "")
    try:
        yield run
    except BaseException as exc:
        run.status = JobRun.Status.FAILED
        run.error = "".join(traceback.format_exception(exc))[-5000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    run.status = JobRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "finished_at"])
