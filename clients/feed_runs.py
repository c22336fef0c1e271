"""A feed run as a job: the body is stored (clients.imports' storage, purged after the import policy's retention), the
run recorded as queued and one job ("clients.feed_run", keyed by the run) loads it, writing its progress per batch.
The management commands load their file in-process through the same feed_run_load, recorded the same way.

Progress: the feed's rows are written in one transaction (all or nothing), so the count of rows read is written
through a connection of its own on PostgreSQL, where others see it at once; on SQLite (one writer at a time) it
lands with the commit. The run's result is recorded in the feed's transaction, so a run marked finished is one
whose changes are committed, and a redelivered job finds it finished and changes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import interaction_feeds
from clients.feeds import COLUMNS, FeedResult, business_records_feed
from clients.imports import import_path, stored_csv_columns, stored_rows, upload_delete, upload_store
from clients.models import FeedRun
from core.jobs import RETRYABLE_ERRORS, job_submit

FEED_TASK = "clients.feed_run"
FINISHED = (FeedRun.State.SUCCEEDED, FeedRun.State.REFUSED, FeedRun.State.FAILED)


def feed_columns(kind: str) -> tuple[str, ...]:
    """The columns a feed of this kind must carry."""
    return COLUMNS if kind == FeedRun.Kind.BUSINESS_RECORDS else interaction_feeds.REQUIRED_COLUMNS


def _feed(run: FeedRun) -> Callable[..., FeedResult]:
    if run.kind == FeedRun.Kind.BUSINESS_RECORDS:
        return business_records_feed
    return lambda **kwargs: interaction_feeds.interactions_feed(recorded_by=run.started_by, **kwargs)


def _store_csv(chunks: Iterable[bytes], kind: str) -> tuple[str, int]:
    """Store a CSV body; refuse it (deleted again) when it lacks a column or cannot be read; returns its token and
    its row count."""
    token = upload_store(chunks, fmt="csv", meta={"kind": f"feed:{kind}"})
    try:
        missing = set(feed_columns(kind)) - set(stored_csv_columns(token))
        if missing:
            raise ValidationError(
                {"csv": [_("The CSV lacks the columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))}]}
            )
        try:
            total = sum(1 for _row in stored_rows(token))
        except csv.Error as error:
            raise ValidationError({"csv": [_("The CSV cannot be read: %(error)s") % {"error": error}]}) from error
    except ValidationError:
        upload_delete(token)
        raise
    return token, total


def _store_json(rows: list[Mapping[str, object]], kind: str) -> tuple[str, int]:
    lines = ((json.dumps(row, ensure_ascii=False) + "\n").encode() for row in rows)
    return upload_store(lines, fmt="jsonl", meta={"kind": f"feed:{kind}"}), len(rows)


@transaction.atomic
def feed_run_queue(
    *,
    kind: str,
    started_by: Any,
    all_or_nothing: bool,
    csv_chunks: Iterable[bytes] | None = None,
    rows: list[Mapping[str, object]] | None = None,
) -> FeedRun:
    """Store a feed's body (CSV chunks or JSON rows), record its run as queued with its row count, and start the job
    that loads it once this transaction commits. A CSV lacking a column or unreadable is refused here."""
    if kind not in FeedRun.Kind.values:
        raise ValueError(f"unknown feed kind {kind!r}")
    token, total = _store_csv(csv_chunks, kind) if csv_chunks is not None else _store_json(rows or [], kind)
    run = FeedRun.objects.create(
        kind=kind,
        source=FeedRun.Source.API,
        started_by=started_by if getattr(started_by, "is_authenticated", False) else None,
        all_or_nothing=all_or_nothing,
        state=FeedRun.State.QUEUED,
        rows_total=total,
        payload=token,
    )
    job_submit(FEED_TASK, args=[run.pk])  # the occurrence's key names the run: one load per run
    return run


def feed_run_start(*, kind: str, started_by: Any, all_or_nothing: bool, rows_total: int | None) -> FeedRun:
    """Record that a command's feed starts (committed at once, so a run that fails still shows who and when)."""
    user = started_by if getattr(started_by, "is_authenticated", False) else None
    return FeedRun.objects.create(
        kind=kind,
        source=FeedRun.Source.COMMAND,
        started_by=user,
        all_or_nothing=all_or_nothing,
        state=FeedRun.State.RUNNING,
        rows_total=rows_total,
    )


def feed_run_execute(*, run_id: int) -> FeedRun:
    """The job's work: load the run's stored body; a run already finished is left as it is."""
    run = FeedRun.objects.select_related("started_by").get(pk=run_id)
    if run.state in FINISHED:
        return run
    try:
        path = import_path(run.payload)
    except ValidationError:  # purged before any worker took it (the broker was down longer than the retention)
        FeedRun.objects.filter(pk=run.pk).update(state=FeedRun.State.FAILED, finished_at=timezone.now())
        raise
    FeedRun.objects.filter(pk=run.pk).update(state=FeedRun.State.RUNNING, rows=0)
    run.state = FeedRun.State.RUNNING
    first_line = 2 if path.suffix == ".csv" else 1  # a CSV's header is line 1
    return feed_run_load(run, rows=stored_rows(run.payload), first_line=first_line)[0]


def feed_run_load(run: FeedRun, *, rows: Iterable[Mapping[str, object]], first_line: int) -> tuple[FeedRun, FeedResult]:
    """Load the rows into the run's feed with its all-or-nothing flag, and record what it changed and refused in the
    same transaction. A failure is recorded (queued again when it is a passing one, to be retried) and re-raised."""
    # Inside a caller's transaction (a job run eagerly by its sender, a test) the run's row may be locked by that
    # transaction: progress then lands with the commit rather than wait for it.
    progress = _Progress(run.pk, outside=not connection.in_atomic_block)
    try:
        with transaction.atomic():
            result = _feed(run)(rows=rows, all_or_nothing=run.all_or_nothing, first_line=first_line, progress=progress)
            feed_run_finish(run, result)
    except BaseException as exc:
        with contextlib.suppress(DatabaseError):
            again = isinstance(exc, RETRYABLE_ERRORS)
            FeedRun.objects.filter(pk=run.pk).update(
                state=FeedRun.State.QUEUED if again else FeedRun.State.FAILED,
                finished_at=None if again else timezone.now(),
            )
        raise
    finally:
        progress.close()
    return run, result


def feed_run_finish(run: FeedRun, result: FeedResult) -> FeedRun:
    """Record what the run changed and refused."""
    run.finished_at = timezone.now()
    run.state = FeedRun.State.SUCCEEDED if result.applied else FeedRun.State.REFUSED
    run.rows, run.created, run.updated = result.rows, result.created, result.updated
    run.unchanged, run.refused_count = result.unchanged, result.refused_count
    run.refusals = [{"line": row.line, "key": row.client_code, "errors": row.errors} for row in result.refused]
    run.save()
    return run


class _Progress:
    """Writes a run's rows read so far, per batch, where other connections see it while the feed's transaction is
    still open (PostgreSQL: through a connection of its own, which the run's row is not locked against)."""

    def __init__(self, run_pk: int, *, outside: bool) -> None:
        self.run_pk = run_pk
        self.outside = outside and connection.vendor == "postgresql"
        self.side: Any = None

    def __call__(self, rows: int) -> None:
        if self.outside and connection.in_atomic_block:
            try:
                self._write_outside(rows)
                return
            except DatabaseError:  # the row is locked after all: never wait for our own transaction
                self.outside = False
        FeedRun.objects.filter(pk=self.run_pk).update(rows=rows)

    def _write_outside(self, rows: int) -> None:
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
        quote = self.side.ops.quote_name
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(FeedRun._meta.db_table)} SET {quote('rows')} = %s WHERE {quote('id')} = %s",
                [rows, self.run_pk],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
