"""Running jobs so that faults lose nothing: run records, locks, retries, and enqueueing that survives a lost broker.

- ``job_run`` wraps the work of every task: it records a JobRun (HR sees in the admin when each job ran, how long
  it took and what failed), takes a lock, and commits the work and its "succeeded" record in ONE transaction. A
  worker killed halfway therefore leaves nothing of the work behind (the database rolls the transaction back), and
  the message, acknowledged late, is redelivered and runs again from the start.
- ``job_lock`` is the lock that keeps two workers from doing the same thing at the same time (closing one cycle):
  a PostgreSQL advisory lock held until the transaction ends (released by the server if the worker dies); on
  SQLite every transaction begins IMMEDIATE (config.env), which already holds the database's single write lock.
- ``enqueue`` sends a task after the transaction commits; when the broker cannot be reached, the job is saved as a
  *pending* JobRun and sent later (by the beat job "Send pending jobs" and by every worker when it starts), so a
  page that enqueues work keeps its data and says the job will run later, instead of failing with a 500.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.models import JobRun

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
# (2, 4, 8 … s with jitter, at most 5 minutes apart: below the broker's visibility timeout, so a retry waiting
# for its countdown is never redelivered twice).
TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": RETRYABLE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}

# Status of a job saved while the broker was unreachable, waiting to be sent.
PENDING = JobRun.Status.PENDING
INTERRUPTED = "interrupted: the worker was lost before the end; the job was delivered again"
ALREADY_DONE = "already done by an earlier delivery of the same job; nothing changed"


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


# --- running ------------------------------------------------------------------------------------------------------


def _test_pause(name: str) -> None:
    """Tests only: JOBS_TEST_PAUSE="<job name>=<seconds>;..." sleeps inside the job's transaction, after the work
    and before the commit, so a fault test can kill the worker or deliver the job twice at a known point."""
    spec = os.environ.get("JOBS_TEST_PAUSE", "")
    for part in filter(None, spec.split(";")):
        job, _sep, seconds = part.partition("=")
        if job.strip() == name:
            logger.warning("JOBS_TEST_PAUSE: %s pauses %s s inside its transaction", name, seconds)
            time.sleep(float(seconds))


def _finish(run: JobRun, status: str, *, error: str = "") -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "finished_at"])


def job_run(
    name: str,
    work: Callable[[JobRun], T],
    *,
    task_id: str | None = "",
    lock: str = "",
    once: bool = False,
    atomic: bool = True,
) -> T | None:
    """Run work(run) as the job `name`, recorded as a JobRun; returns what work returned (None when skipped).

    atomic: the work, the lock and the "succeeded" record share one transaction (a crash leaves nothing).
    lock: the name of a job_lock to hold for the transaction (two workers never run the same work together).
    once: the job's task id is its idempotency key: a second delivery of the same message (redelivered, or sent
    twice) finds the first's succeeded run under the lock and does nothing. For work that is not idempotent by its
    own state (a spot-check draw: a second draw would be a second sample).
    A failure is recorded with its error after the rollback, then re-raised (so Celery retries passing errors).
    """
    task_id = task_id or ""
    if once and task_id and JobRun.objects.filter(name=name, task_id=task_id, status=JobRun.Status.SUCCEEDED).exists():
        return None  # redelivered after it succeeded: nothing to do, nothing to record
    if task_id:
        # A run of this very message still marked running was cut short (its worker was killed): say so.
        JobRun.objects.filter(name=name, task_id=task_id, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.FAILED, error=INTERRUPTED, finished_at=timezone.now()
        )
    run = JobRun.objects.create(name=name, task_id=task_id)
    value: T | None = None
    try:
        if not atomic:
            value = work(run)
            _finish(run, JobRun.Status.SUCCEEDED)
            return value
        with transaction.atomic():
            if lock:
                job_lock(lock)
            if (
                once
                and task_id
                and JobRun.objects.filter(name=name, task_id=task_id, status=JobRun.Status.SUCCEEDED).exists()
            ):
                run.result = ALREADY_DONE
            else:
                value = work(run)
            # Recorded before the commit, in the same transaction: "succeeded" is true exactly when the work is.
            _finish(run, JobRun.Status.SUCCEEDED)
            _test_pause(name)
    except BaseException as exc:
        _record_failure(run, exc)
        raise
    return value


def _record_failure(run: JobRun, exc: BaseException) -> None:
    try:
        _finish(run, JobRun.Status.FAILED, error="".join(traceback.format_exception(exc))[-5000:])
    except Exception:  # the database itself is down: the original error matters more (and is retried)
        logger.exception("could not record the failure of job run %s", run.pk)


@contextmanager
def job_run_record(name: str, *, task_id: str = "") -> Iterator[JobRun]:
    """Record a JobRun for the block: succeeded with its result text, or failed with the error (re-raised).

    Kept for callers outside the tasks; tasks use job_run, which also makes the work and its record atomic.
    """
    run = JobRun.objects.create(name=name, task_id=task_id or "")
    try:
        yield run
    except BaseException as exc:
        _record_failure(run, exc)
        raise
    _finish(run, JobRun.Status.SUCCEEDED)


# --- enqueueing ---------------------------------------------------------------------------------------------------


@dataclass
class Enqueued:
    """What became of a job handed to enqueue(): sent is None until the transaction commits, then True when the
    broker took it, False when it was saved to be sent later (the page should say so)."""

    task: str
    task_id: str
    sent: bool | None = None
    error: str = ""

    @property
    def later(self) -> bool:
        return self.sent is False


def _publish(task_name: str, args: list[Any], kwargs: dict[str, Any], task_id: str) -> None:
    """Send the task to the broker of the settings now, failing fast (connection timeout, few publish retries)."""
    app = current_app  # the project's app (config.celery), set as current when Django loads `config`
    task = app.tasks[task_name]
    if app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs, task_id=task_id)
        return
    # A connection of its own rather than the app's pool: after the broker restarts, a pooled connection may be
    # dead, and the URL is read from the settings at call time.
    with app.connection_for_write(
        url=settings.CELERY_BROKER_URL, connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT
    ) as conn:
        task.apply_async(
            args=args,
            kwargs=kwargs,
            task_id=task_id,
            connection=conn,
            retry=True,
            retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
        )


def enqueue(task: Any, *args: Any, **kwargs: Any) -> Enqueued:
    """Send task(*args, **kwargs) once the current transaction commits (at once outside one).

    If the broker cannot be reached the data stays saved and the job is recorded as a pending JobRun, sent when the
    broker is back (core.tasks.jobs_pending_dispatch, and each worker at start): the caller gets sent=False and
    tells the user the job will run later. Never raises for a broker fault.
    """
    outcome = Enqueued(task=task.name, task_id=str(uuid.uuid4()))
    payload = {"args": list(args), "kwargs": kwargs}
    json.dumps(payload)  # refuse now, in the request, what could not be sent or saved later

    def send() -> None:
        try:
            _publish(task.name, payload["args"], payload["kwargs"], outcome.task_id)
        except Exception as exc:  # kombu, redis and socket errors alike: the broker is unreachable
            logger.warning("broker unreachable, %s saved to send later: %s", task.name, exc)
            JobRun.objects.create(
                name=task.name,
                task_id=outcome.task_id,
                status=PENDING,
                result=json.dumps(payload),
                error=f"broker unreachable when queued: {exc.__class__.__name__}: {exc}"[:2000],
            )
            outcome.sent, outcome.error = False, str(exc)
        else:
            outcome.sent = True

    transaction.on_commit(send)
    return outcome


def jobs_pending_dispatch() -> int:
    """Send the jobs saved while the broker was unreachable, oldest first; returns how many were sent.

    Each is sent under a row lock and its pending row deleted in the same transaction (the task records its own
    run under the same task id). If sending fails, the row stays for the next attempt. Should the process die after
    sending and before the commit, the job is sent again later: every task is idempotent.
    """
    sent = 0
    for run_id in JobRun.objects.filter(status=PENDING).order_by("pk").values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            run = JobRun.objects.select_for_update(skip_locked=True).filter(pk=run_id, status=PENDING).first()
            if run is None:
                continue  # another dispatcher has it
            payload = json.loads(run.result or "{}")
            _publish(run.name, payload.get("args", []), payload.get("kwargs", {}), run.task_id)
            run.delete()
            sent += 1
    return sent


def jobs_pending_send_at_start(sender: object = None, **kwargs: object) -> None:
    """A worker that starts sends the jobs saved while the broker was unreachable (beat also does, every minute)."""
    try:
        sent = jobs_pending_dispatch()
    except Exception:  # the worker must start even if this fails; beat tries again
        logger.exception("could not send the pending jobs at start")
    else:
        if sent:
            logger.info("sent %d pending job(s) saved while the broker was unreachable", sent)
