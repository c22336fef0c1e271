"""Running jobs so that none goes missing or runs twice: occurrences, claims, run records, locks, sending.

- An *occurrence* (core.models.JobOccurrence) is written to the database before anything is sent, keyed by what the
  job is for: "the draw of the schedule 'Spot-check draw (weekly)' at Monday 09:30", "generate the statements of
  period 7". ``job_submit`` creates it (or finds the one already there) and sends it after the transaction commits;
  ``enqueue`` is the same for a task and its arguments. A second send, a restarted beat or a redelivered message
  therefore meets the same occurrence.
- ``job_run`` wraps the work of every task. It *claims* the occurrence first: on PostgreSQL it takes a session
  advisory lock named after the occurrence (held by the worker's connection, so the server drops it the moment the
  worker dies), then marks it running. A delivery that finds the lock held skips (another worker is on it); one
  that finds the occurrence finished skips (already done). The work and the occurrence's "succeeded" are committed
  in ONE transaction, on condition that the claim is still this delivery's: the body runs once per occurrence.
- ``jobs_dispatch`` (beat runs it every few seconds, each worker at start) sends what is waiting: occurrences saved
  while the broker was unreachable, occurrences whose worker died (their lock is gone: sent again at once), and
  occurrences queued so long that their message must have been lost.
- ``job_lock`` keeps two jobs from changing the same thing at once (closing one cycle): a transaction-scoped
  PostgreSQL advisory lock; on SQLite every transaction begins IMMEDIATE (config.env), which already serialises.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from celery import current_app, current_task, states
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.models import JobOccurrence, JobRun

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Passing errors a task is retried for, with exponential backoff: the database restarting or failing over, a
# connection dropped, the broker briefly away (a task that publishes).
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    ConnectionError,
)

# Options of every task: acknowledged after the work (a worker lost halfway → redelivered), retried with backoff
# (2, 4, 8 … s with jitter, at most a minute apart, so that a job held up by an outage runs within a minute of the
# database's return; below the broker's visibility timeout, so a retry waiting for its countdown is never redelivered
# twice). Twenty retries span about a quarter of an hour; an occurrence still not done after that is sent again by
# jobs_dispatch, so a long outage delays a job and never drops it.
TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": RETRYABLE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 20,
}

Status = JobOccurrence.Status
# The status of a job saved while the broker was unreachable, waiting to be sent.
PENDING = Status.PENDING
INTERRUPTED = "interrupted: the worker was lost before the end; the job was delivered again"
ALREADY_DONE = "already done by an earlier delivery of the same job; nothing changed"
CLAIM_LOST = "another delivery took the job over while this one ran; this one's work was rolled back"

# Advisory locks of occurrences: (namespace, id) pairs, apart from job_lock's single-number keys.
OCCURRENCE_LOCK_NAMESPACE = 0x4A4F42  # "JOB"


def _seconds(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- locks --------------------------------------------------------------------------------------------------------


def _lock_id(key: str) -> int:
    """A stable signed 64-bit number for the key (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def job_lock(key: str) -> None:
    """Hold the lock named key until the current transaction ends; a second holder waits for the first to commit.

    PostgreSQL: pg_advisory_xact_lock (the server releases it when the transaction ends or the worker's connection
    dies). SQLite: each transaction begins IMMEDIATE (config.env), which takes the database's write lock at BEGIN,
    so two transactions never overlap at all; nothing more to take.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("job_lock() must be called inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])
    elif connection.vendor != "sqlite":  # pragma: no cover - env.py accepts only these two
        raise NotImplementedError(f"job_lock() has no lock for {connection.vendor}.")


def _occurrence_lock_key(pk: int) -> int:
    return pk % 2**31


def _occurrence_lock(pk: int) -> bool:
    """Take the occurrence's session lock on this connection, without waiting; False when a live worker holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [OCCURRENCE_LOCK_NAMESPACE, _occurrence_lock_key(pk)])
        return bool(cursor.fetchone()[0])


def _occurrence_unlock(pk: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [OCCURRENCE_LOCK_NAMESPACE, _occurrence_lock_key(pk)])
    except DatabaseError:  # the connection is gone, and the lock with it
        logger.warning("could not release the lock of job occurrence %s (its connection is gone)", pk)


def occurrences_held() -> set[int]:
    """The occurrences whose lock a live connection holds (PostgreSQL's lock table, read without taking any)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objsubid = 2 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [OCCURRENCE_LOCK_NAMESPACE],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def occurrence_holder_alive(occurrence: JobOccurrence, *, held: set[int] | None = None) -> bool:
    """Whether the worker running the occurrence is still there: its lock is held (PostgreSQL), or, on SQLite (which
    has no such locks), it was claimed less than JOBS_STALE_SECONDS ago."""
    if occurrence.status != Status.RUNNING:
        return False
    if connection.vendor == "postgresql":
        held = occurrences_held() if held is None else held
        return _occurrence_lock_key(occurrence.pk) in held
    stale = timezone.now() - timedelta(seconds=_seconds("JOBS_STALE_SECONDS", 3600))
    return occurrence.claimed_at is not None and occurrence.claimed_at >= stale


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
