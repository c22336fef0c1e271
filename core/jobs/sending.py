"""Sending jobs: an occurrence saved before its message, dispatch of what waits, and a job's progress."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app, states
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.jobs.locks import PENDING, RETRYABLE_ERRORS, Status, _seconds, occurrence_holder_alive, occurrences_held
from core.models import JobOccurrence, JobRun

logger = logging.getLogger(__name__)


# --- sending ------------------------------------------------------------------------------------------------------


@dataclass
class Enqueued:
    """What became of a job handed to job_submit()/enqueue(): sent is None until the transaction commits, then True
    when the broker took it, False when it was saved to be sent later (the page should say so). duplicate: the same
    job (same key) was already waiting or running; this is that one."""

    task: str
    task_id: str
    sent: bool | None = None
    error: str = ""
    occurrence_id: int | None = None
    duplicate: bool = False

    @property
    def later(self) -> bool:
        return self.sent is False


def occurrence_key(task_name: str, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The key of a requested job: its task and what it is for (its arguments), readable when short."""
    what = json.dumps([list(args), kwargs], sort_keys=True, separators=(",", ":"), default=str)
    key = f"{task_name}:{what}"
    if len(key) > 255:
        key = f"{task_name}:sha256:{hashlib.sha256(what.encode()).hexdigest()}"
    return key[:255]


def _publish(task_name: str, args: list[Any], kwargs: dict[str, Any], task_id: str, queue: str = "") -> None:
    """Send the task to the broker of the settings now, failing fast (connection timeout, few publish retries)."""
    app = current_app  # the project's app (config.celery), set as current when Django loads `config`
    options: dict[str, Any] = {"queue": queue} if queue else {}
    if app.conf.task_always_eager:
        app.tasks[task_name].apply_async(args=args, kwargs=kwargs, task_id=task_id, **options)
        return
    # A connection of its own rather than the app's pool: after the broker restarts, a pooled connection may be
    # dead, and the URL is read from the settings at call time.
    with app.connection_for_write(
        url=settings.CELERY_BROKER_URL, connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT
    ) as conn:
        app.send_task(
            task_name,
            args=args,
            kwargs=kwargs,
            task_id=task_id,
            connection=conn,
            retry=True,
            retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
            add_to_parent=False,
            **options,
        )


def _occurrence_get_or_create(fields: dict[str, Any]) -> tuple[JobOccurrence, bool]:
    """The occurrence of the key: created, or the one the unique constraint says is there already."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return JobOccurrence.objects.create(**fields), True
        except IntegrityError:
            existing = (
                JobOccurrence.objects.filter(key=fields["key"])
                .filter(Q(scheduled_for__isnull=False) | Q(status__in=JobOccurrence.ACTIVE))
                .order_by("-pk")
                .first()
            )
            if existing is not None:
                return existing, False
            # it finished between the two statements: a new one may be created now
    raise RuntimeError(f"could not create or find the job occurrence {fields['key']!r}")


def job_submit(
    task_name: str,
    *,
    args: list[Any] | tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    key: str = "",
    scheduled_for: datetime | None = None,
    expires_at: datetime | None = None,
    queue: str = "",
    schedule_name: str = "",
) -> Enqueued:
    """Record the job's occurrence under its key, then send it once the current transaction commits.

    The one way every job starts (pages, admin actions, beat, the periodic-task admin's "Run selected tasks"). If
    the key's occurrence exists already (scheduled: ever; requested: not yet finished), nothing new is created or
    sent and that occurrence is returned. If the broker cannot be reached the occurrence stays pending and is sent by
    jobs_dispatch when it is back: the caller gets sent=False. Never raises for a broker fault.
    """
    args, kwargs = list(args), dict(kwargs or {})
    json.dumps([args, kwargs])  # refuse now, in the request, what could not be sent or saved later
    occurrence, created = _occurrence_get_or_create(
        {
            "key": key or occurrence_key(task_name, args, kwargs),
            "task": task_name,
            "args": args,
            "kwargs": kwargs,
            "queue": queue or "",
            "scheduled_for": scheduled_for,
            "expires_at": expires_at,
            "schedule_name": schedule_name,
        }
    )
    outcome = Enqueued(task=task_name, task_id=occurrence.task_id, occurrence_id=occurrence.pk, duplicate=not created)
    if not created:
        outcome.sent = not (occurrence.status == PENDING and occurrence.send_error)
        outcome.error = occurrence.send_error
        return outcome

    def send() -> None:
        sent = occurrence_send(occurrence.pk)
        outcome.sent = sent is not False
        if sent is False:
            outcome.error = JobOccurrence.objects.filter(pk=occurrence.pk).values_list("send_error", flat=True).first()

    transaction.on_commit(send)
    return outcome


def enqueue(task: Any, *args: Any, **kwargs: Any) -> Enqueued:
    """Send task(*args, **kwargs) once the current transaction commits (at once outside one), as the occurrence keyed
    by the task and its arguments: asking twice while the first is not done gives the first."""
    return job_submit(task.name, args=args, kwargs=kwargs)


def occurrence_send(pk: int) -> bool | None:
    """Send a pending occurrence: True when the broker took it, False when it could not be reached (the occurrence
    stays pending, with the error), None when there was nothing to send (sent already, or too late: skipped)."""
    now = timezone.now()
    with transaction.atomic():
        occurrence = JobOccurrence.objects.select_for_update(skip_locked=True).filter(pk=pk, status=PENDING).first()
        if occurrence is None:
            return None  # another dispatcher has it, or it is sent already
        if occurrence.expires_at and occurrence.expires_at < now:
            _occurrence_skip(occurrence.pk, now)
            return None
        try:
            _publish(occurrence.task, occurrence.args, occurrence.kwargs, occurrence.task_id, occurrence.queue)
        except Exception as exc:  # kombu, redis and socket errors alike: the broker is unreachable
            logger.warning("broker unreachable, job %s saved to send later: %s", occurrence.key, exc)
            error = f"broker unreachable: {exc.__class__.__name__}: {exc}"[:2000]
            JobOccurrence.objects.filter(pk=pk, status=PENDING).update(send_error=error)
            return False
        # Conditional: a task run in-process (eager) may already have finished it.
        JobOccurrence.objects.filter(pk=pk, status=PENDING).update(status=Status.QUEUED, sent_at=now, send_error="")
    return True


def _occurrence_skip(pk: int, now: datetime) -> int:
    return JobOccurrence.objects.filter(pk=pk, status__in=[PENDING, Status.QUEUED]).update(
        status=Status.SKIPPED,
        finished_at=now,
        error="not started before its deadline (the catch-up rule of its schedule): not run",
    )


@dataclass
class Dispatched:
    """What one jobs_dispatch() did, for the log."""

    sent: int = 0
    interrupted: int = 0
    requeued: int = 0
    skipped: int = 0
    unreachable: bool = False

    def __bool__(self) -> bool:
        return bool(self.sent or self.interrupted or self.requeued or self.skipped or self.unreachable)


def jobs_dispatch(*, limit: int = 500) -> Dispatched:
    """Send what is waiting, oldest first:

    - occurrences too late to start (past their schedule's catch-up bound) are marked skipped;
    - a running occurrence whose worker is gone (its lock released by the server; SQLite: claimed longer ago than
      JOBS_STALE_SECONDS) is marked interrupted and sent again;
    - an occurrence queued longer than JOBS_REQUEUE_SECONDS without a worker taking it is sent again (its message
      may have been lost with the broker's memory); a duplicate message is harmless, the claim runs it once;
    - pending occurrences are sent, stopping at the first broker error (the broker is down: try again later).
    """
    now = timezone.now()
    report = Dispatched()
    expired = JobOccurrence.objects.filter(status=PENDING, expires_at__lt=now)
    for pk in expired.values_list("pk", flat=True)[:limit]:
        report.skipped += _occurrence_skip(pk, now)

    # Read the running ones before the locks: a claim made in between shows as held, never as lost.
    running = list(JobOccurrence.objects.filter(status=Status.RUNNING).order_by("pk")[:limit])
    held = occurrences_held() if running and connection.vendor == "postgresql" else set()
    for occurrence in running:
        if occurrence_holder_alive(occurrence, held=held):
            continue
        report.interrupted += JobOccurrence.objects.filter(
            pk=occurrence.pk, status=Status.RUNNING, claim=occurrence.claim
        ).update(status=PENDING, claim="", interrupted_at=now, send_error="")
        logger.warning("job %s was interrupted (its worker is gone): sending it again", occurrence.key)

    requeue_before = now - timedelta(seconds=_seconds("JOBS_REQUEUE_SECONDS", 900))
    report.requeued = JobOccurrence.objects.filter(status=Status.QUEUED, sent_at__lt=requeue_before).update(
        status=PENDING, send_error=""
    )

    for pk in (
        JobOccurrence.objects.filter(status=PENDING).order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    ):
        sent = occurrence_send(pk)
        if sent is False:
            report.unreachable = True
            break
        report.sent += bool(sent)
    return report


def jobs_send_again(*, pks: list[int]) -> int:
    """Send finished occurrences again (failed, refused or missed ones, from the admin), without their deadline;
    returns how many. One whose key has another occurrence waiting or running is left as it is."""
    count = 0
    for pk in pks:
        try:
            with transaction.atomic():
                count += JobOccurrence.objects.filter(
                    pk=pk, status__in=[Status.FAILED, Status.REFUSED, Status.SKIPPED]
                ).update(status=PENDING, expires_at=None, finished_at=None, error="", refusal=None, claim="")
        except IntegrityError:
            continue
        transaction.on_commit(lambda pk=pk: occurrence_send(pk))
    return count


def jobs_purge(*, keep_days: int | None = None) -> int:
    """Delete finished occurrences older than JOBS_KEEP_DAYS (their runs stay, unlinked); returns how many."""
    keep_days = keep_days if keep_days is not None else _seconds("JOBS_KEEP_DAYS", 90)
    before = timezone.now() - timedelta(days=keep_days)
    deleted, _rows = JobOccurrence.objects.filter(status__in=JobOccurrence.FINAL, finished_at__lt=before).delete()
    return deleted


def jobs_pending_send_at_start(sender: object = None, **kwargs: object) -> None:
    """A worker that starts sends what is waiting (beat also does, every few seconds)."""
    try:
        report = jobs_dispatch()
    except Exception:  # the worker must start even if this fails; beat tries again
        logger.exception("could not send the waiting jobs at start")
    else:
        if report:
            logger.info("jobs sent at worker start: %s", report)


def occurrence_finish_unclaimed(
    sender: object = None, task_id: str | None = None, state: str | None = None, retval: object = None, **kwargs: Any
) -> None:
    """After a task that does not go through job_run (e.g. one of Celery's own), mark its occurrence done, so that it
    is not sent again; a task retried or failed on a passing error is left to be sent again."""
    if not task_id or state not in (states.SUCCESS, states.FAILURE):
        return
    if state == states.FAILURE and isinstance(retval, RETRYABLE_ERRORS):
        return
    try:
        JobOccurrence.objects.filter(task_id=task_id, status__in=[PENDING, Status.QUEUED]).update(
            status=Status.SUCCEEDED if state == states.SUCCESS else Status.FAILED,
            finished_at=timezone.now(),
            result=str(retval)[:2000] if state == states.SUCCESS else "",
            error=str(retval)[:2000] if state == states.FAILURE else "",
        )
    except DatabaseError:
        logger.warning("could not mark job %s done: the database is unreachable; it will be sent again", task_id)


# --- progress -----------------------------------------------------------------------------------------------------


@dataclass
class JobProgress:
    """What the page that started a job says about it: its state (one of STATES), its occurrence, its latest run."""

    state: str
    occurrence: JobOccurrence | None
    run: JobRun | None

    FINAL_STATES = frozenset({"succeeded", "failed", "refused", "skipped"})

    @property
    def finished(self) -> bool:
        return self.state in self.FINAL_STATES


def job_progress_of(task_id: str) -> JobProgress:
    """The state of the job sent under task_id: "waiting" (not yet taken), "unreachable" (saved while the broker is
    down), "retrying" (an attempt failed on a passing error), "running", "interrupted" (its worker was lost: it is
    being sent again), "succeeded", "failed", "refused", "skipped" (too late to run)."""
    occurrence = JobOccurrence.objects.filter(task_id=task_id).first()
    run = (occurrence.runs.order_by("-pk").first() if occurrence else None) or (
        JobRun.objects.filter(task_id=task_id).order_by("-pk").first()
    )
    if occurrence is None:
        legacy = {JobRun.Status.PENDING: "unreachable"}
        return JobProgress(legacy.get(run.status, run.status) if run else "waiting", None, run)
    status = occurrence.status
    if status == Status.RUNNING:
        state = "running" if occurrence_holder_alive(occurrence) else "interrupted"
    elif status in (PENDING, Status.QUEUED):
        if occurrence.interrupted_at:
            state = "interrupted"
        elif occurrence.send_error:
            state = "unreachable"
        elif occurrence.attempts and occurrence.error:
            state = "retrying"
        else:
            state = "waiting"
    else:
        state = str(status)
    return JobProgress(state, occurrence, run)
