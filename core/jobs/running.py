"""Running a job: claim its occurrence, do the work once, record the run, retry or refuse."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import current_task
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.jobs.locks import (
    ALREADY_DONE,
    CLAIM_LOST,
    INTERRUPTED,
    PENDING,
    RETRYABLE_ERRORS,
    Status,
    T,
    _occurrence_lock,
    _occurrence_unlock,
    _seconds,
    job_lock,
)
from core.jobs.sending import _occurrence_get_or_create, _occurrence_skip
from core.models import JobOccurrence, JobRun

logger = logging.getLogger(__name__)


# --- running ------------------------------------------------------------------------------------------------------


def fault_pause(name: str) -> None:
    """Tests only: JOBS_TEST_PAUSE="<job name>=<seconds>;..." sleeps at a known point (inside the job's transaction,
    after the work and before the commit; in beat, after sending and before saving the schedule), so that a fault
    test can kill the process there."""
    spec = os.environ.get("JOBS_TEST_PAUSE", "")
    for part in filter(None, spec.split(";")):
        job, _sep, seconds = part.partition("=")
        if job.strip() == name:
            logger.warning("JOBS_TEST_PAUSE: %s pauses %s s", name, seconds)
            time.sleep(float(seconds))


class _ClaimLost(Exception):
    """Raised inside the work's transaction when the occurrence is no longer this delivery's: roll the work back."""


def _finish(run: JobRun, status: str, *, error: str = "") -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "finished_at"])


def _occurrence_for(name: str, task_id: str) -> JobOccurrence:
    """The occurrence the message belongs to; a message sent without one (a test, a shell) gets its own."""
    occurrence = JobOccurrence.objects.filter(task_id=task_id).first()
    if occurrence is not None:
        return occurrence
    try:
        occurrence, _created = _occurrence_get_or_create(
            {"key": f"{name}:message:{task_id}"[:255], "task": name, "task_id": task_id, "status": Status.QUEUED}
        )
    except RuntimeError:  # a simultaneous delivery created it and has finished it already
        occurrence = JobOccurrence.objects.get(task_id=task_id)
    return occurrence


def _claim(occurrence: JobOccurrence, token: str) -> str:
    """Make the occurrence this delivery's: "claimed", or why not: "done", "busy" (a live worker has it) or "late"."""
    now = timezone.now()
    if occurrence.expires_at and occurrence.expires_at < now and _occurrence_skip(occurrence.pk, now):
        return "late"
    if connection.vendor == "postgresql":
        if not _occurrence_lock(occurrence.pk):
            return "busy"
        # Holding the lock, a "running" occurrence is one whose worker died: take it over.
        claimable = Q(status__in=JobOccurrence.ACTIVE)
    else:
        stale = now - timedelta(seconds=_seconds("JOBS_STALE_SECONDS", 3600))
        claimable = Q(status__in=[PENDING, Status.QUEUED]) | Q(status=Status.RUNNING, claimed_at__lt=stale)
    claimed = (
        JobOccurrence.objects.filter(pk=occurrence.pk)
        .filter(claimable)
        .update(
            status=Status.RUNNING,
            claim=token,
            claimed_at=now,
            started_at=Coalesce(F("started_at"), now),
            attempts=F("attempts") + 1,
            send_error="",
        )
    )
    if claimed:
        return "claimed"
    if connection.vendor == "postgresql":
        _occurrence_unlock(occurrence.pk)
    status = JobOccurrence.objects.filter(pk=occurrence.pk).values_list("status", flat=True).first()
    return "done" if status in JobOccurrence.FINAL else "busy"


def _occurrence_succeeded(pk: int, token: str, result: str) -> bool:
    return bool(
        JobOccurrence.objects.filter(pk=pk, status=Status.RUNNING, claim=token).update(
            status=Status.SUCCEEDED, finished_at=timezone.now(), result=result[:5000], error="", interrupted_at=None
        )
    )


def _refusal(error: ValidationError | PermissionDenied) -> dict[str, Any]:
    """A refusal as message ids and parameters, so that each page can say it in its reader's language."""
    if isinstance(error, PermissionDenied):
        return {"code": "permission_denied", "messages": [{"message": str(error), "params": {}}]}
    items = (
        error.error_list
        if hasattr(error, "error_list")
        else [item for items in error.error_dict.values() for item in items]
    )
    messages = []
    for item in items:
        params = item.params or {}
        messages.append(
            {
                "message": str(item.message),
                "params": {k: v if isinstance(v, int | float) else str(v) for k, v in params.items()},
            }
        )
    return {"code": items[0].code or "invalid" if items else "invalid", "messages": messages}


def _current_retries(task_id: str) -> int:
    request = getattr(current_task, "request", None)
    return int(getattr(request, "retries", 0) or 0) if request is not None and request.id == task_id else 0


def job_run(
    name: str,
    work: Callable[[JobRun], T],
    *,
    task_id: str | None = "",
    lock: str = "",
    once: bool = True,
    atomic: bool = True,
) -> T | None:
    """Run work(run) as the job `name`, once per occurrence; returns what work returned (None when not run).

    The occurrence is the one sent under task_id (a message sent without one gets its own, keyed by its task id). It
    is claimed first: a delivery that finds it finished, or held by a live worker, does nothing and records nothing.
    atomic: the work, the lock, the run record and the occurrence's "succeeded" share one transaction, committed
    only if the claim is still this delivery's (a crash leaves nothing; a take-over rolls this one back).
    lock: the name of a job_lock to hold for the transaction (two different jobs never do the same work together).
    once: kept for callers; every job now runs once per occurrence.
    A refusal (ValidationError, PermissionDenied) ends the occurrence as refused, with its message ids and parameters
    for the page that started it, and is not retried. Any other failure is recorded with its error after the
    rollback and re-raised (Celery retries passing errors); the occurrence goes back to queued for the retry.
    """
    task_id = task_id or ""
    occurrence = _occurrence_for(name, task_id or str(uuid.uuid4()))
    token = f"{socket.gethostname()}:{os.getpid()}:{_current_retries(task_id)}:{uuid.uuid4().hex[:8]}"
    claim = _claim(occurrence, token)
    if claim != "claimed":
        logger.info("job %s (%s) not run: %s", name, task_id, {"done": ALREADY_DONE}.get(claim, claim))
        return None
    try:
        return _run_claimed(name, work, occurrence, token, task_id=task_id, lock=lock, atomic=atomic)
    finally:
        if connection.vendor == "postgresql":
            _occurrence_unlock(occurrence.pk)


def _run_claimed(
    name: str,
    work: Callable[[JobRun], T],
    occurrence: JobOccurrence,
    token: str,
    *,
    task_id: str,
    lock: str,
    atomic: bool,
) -> T | None:
    # A run of this very message still marked running was cut short (its worker was killed): say so.
    JobRun.objects.filter(name=name, task_id=task_id, status=JobRun.Status.RUNNING).update(
        status=JobRun.Status.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    run = JobRun.objects.create(name=name, task_id=task_id, occurrence=occurrence)
    value: T | None = None
    try:
        if not atomic:
            value = work(run)
            _finish(run, JobRun.Status.SUCCEEDED)
            if not _occurrence_succeeded(occurrence.pk, token, run.result):
                logger.warning("job %s finished after another delivery took it over", occurrence.key)
            return value
        with transaction.atomic():
            if lock:
                job_lock(lock)
            value = work(run)
            # Recorded before the commit, in the same transaction: "succeeded" is true exactly when the work is.
            _finish(run, JobRun.Status.SUCCEEDED)
            if not _occurrence_succeeded(occurrence.pk, token, run.result):
                raise _ClaimLost
            fault_pause(name)
    except _ClaimLost:
        _record_failure(run, None, error=CLAIM_LOST)
        return None
    except (ValidationError, PermissionDenied) as exc:
        refusal = _refusal(exc)
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _record_failure(run, None, error=text)
        JobOccurrence.objects.filter(pk=occurrence.pk, claim=token).update(
            status=Status.REFUSED, finished_at=timezone.now(), refusal=refusal, error=text[:5000], claim=""
        )
        logger.info("job %s refused: %s", occurrence.key, text)
        return None
    except BaseException as exc:
        _record_failure(run, exc)
        _release(occurrence.pk, token, exc)
        raise
    return value


def _record_failure(run: JobRun, exc: BaseException | None, *, error: str = "") -> None:
    try:
        _finish(run, JobRun.Status.FAILED, error=error or "".join(traceback.format_exception(exc))[-5000:])
    except Exception:  # the database itself is down: the original error matters more (and is retried)
        logger.exception("could not record the failure of job run %s", run.pk)


def _release(pk: int, token: str, exc: BaseException) -> None:
    """Hand the occurrence back after a failure: queued again for Celery's retry (and jobs_dispatch) on a passing
    error, failed otherwise. If the database is down this fails too; the lock dies with the connection and the next
    delivery takes the occurrence over."""
    retry = isinstance(exc, RETRYABLE_ERRORS)
    try:
        JobOccurrence.objects.filter(pk=pk, claim=token).update(
            status=Status.QUEUED if retry else Status.FAILED,
            claim="",
            sent_at=timezone.now(),
            finished_at=None if retry else timezone.now(),
            error="".join(traceback.format_exception_only(exc))[-2000:],
        )
    except Exception:
        logger.warning("could not hand job occurrence %s back after its failure", pk)
