"""The job runner's shared settings and its PostgreSQL advisory locks."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.models import JobOccurrence

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
