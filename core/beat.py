"""Beat's scheduler: each due run becomes a durable occurrence (keyed by its schedule and its time) before it is sent,
runs missed while nothing could send them are caught up within their schedule's bound, and what is waiting is sent
every few seconds.

DatabaseScheduler reads the schedules HR edits in the admin and decides when each is due; this subclass changes only
what "send" means. The occurrence's key is the schedule's name and the run's scheduled time, computed from the
schedule (not from the clock at sending): a beat killed after sending and before saving its last run time finds
the same occurrence when it starts again, and sends nothing twice.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime, timedelta

from celery.beat import SchedulingError
from celery.schedules import crontab
from celery.schedules import schedule as interval_schedule
from celery.utils.time import maybe_make_aware
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from core.jobs import Enqueued, fault_pause, job_submit, jobs_dispatch, jobs_purge
from core.models import JobOccurrence, ScheduleCatchUp

logger = logging.getLogger(__name__)

# The schedule row "Send pending jobs": beat does that work itself rather than send it through the broker (whose
# outage is what left jobs waiting).
DISPATCH_TASK = "core.jobs_pending_dispatch"
# Safety bound on walking a schedule's times (an every-minute crontab over a week is 10,080 steps).
MAX_STEPS = 20_000


def _next_time(schedule: crontab, after: datetime) -> datetime:
    """The schedule's first time strictly after `after`, by celery's own arithmetic."""
    start, delta, _now = schedule.remaining_delta(after)
    return start + delta


def crontab_latest_time(schedule: crontab, *, after: datetime, now: datetime) -> datetime | None:
    """The schedule's latest time in (after, now], or None when there is none."""
    latest = None
    moment = _next_time(schedule, after)
    for _step in range(MAX_STEPS):
        if moment > now:
            break
        latest = moment
        moment = _next_time(schedule, moment)
    return latest


def entry_due_time(entry: DatabaseScheduler.Entry, *, now: datetime | None = None) -> datetime:
    """The time the schedule says this run is for: for a crontab its latest time not after now (a beat back after a
    week sends one run, the latest); for an interval the last run plus the interval."""
    now = now or timezone.now()
    last = maybe_make_aware(entry.last_run_at)
    schedule = entry.schedule
    if isinstance(schedule, crontab):
        return crontab_latest_time(schedule, after=last, now=now) or _next_time(schedule, last)
    if isinstance(schedule, interval_schedule):
        return last + schedule.run_every
    clocked_time = getattr(schedule, "clocked_time", None)
    return clocked_time or now.replace(microsecond=0)


def schedule_key(name: str, when: datetime) -> str:
    return f"schedule:{name}@{when.astimezone(UTC).isoformat()}"[:255]


def schedule_submit(row: PeriodicTask, when: datetime) -> Enqueued:
    """Record and send the run of the schedule row for the time `when` (once: its key is the row and the time). A run
    whose catch-up bound has passed is recorded as missed instead of sent."""
    rule = ScheduleCatchUp.objects.filter(periodic_task=row).first()
    return job_submit(
        row.task,
        args=json.loads(row.args or "[]"),
        kwargs=json.loads(row.kwargs or "{}"),
        key=schedule_key(row.name, when),
        scheduled_for=when,
        expires_at=when + rule.within if rule is not None else None,
        queue=row.queue or "",
        schedule_name=row.name,
    )


def schedules_catch_up(*, now: datetime | None = None) -> list[Enqueued]:
    """Send the latest run of each crontab schedule with a catch-up rule that has no occurrence although its time
    passed less than the rule's bound ago (and after the rule's start): the runs beat could not record because the
    database was down, or that it never reached because it was down itself."""
    now = now or timezone.now()
    caught = []
    rules = ScheduleCatchUp.objects.filter(
        periodic_task__enabled=True, periodic_task__crontab__isnull=False
    ).select_related("periodic_task__crontab")
    for rule in rules:
        row = rule.periodic_task
        if not rule.within or (row.expires and row.expires <= now):
            continue
        start = max(rule.since, now - rule.within, row.start_time or rule.since)
        when = crontab_latest_time(row.crontab.schedule, after=start, now=now)
        if when is None or JobOccurrence.objects.filter(schedule_name=row.name, scheduled_for__gte=when).exists():
            continue
        logger.warning("catching up %s due at %s", row.name, when)
        caught.append(schedule_submit(row, when))
    return caught


class JobScheduler(DatabaseScheduler):
    """DatabaseScheduler whose runs are occurrences (see the module's docstring), and which sends what is waiting
    every JOBS_DISPATCH_SECONDS."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._next_dispatch = 0.0
        self._next_purge = 0.0

    @property
    def producer(self) -> None:
        """No producer of beat's own: runs are sent by core.jobs, which fails fast when the broker is down and keeps the
        run to send later (beat's producer would block every schedule until the broker is back)."""
        return None

    def tick(self, *args, **kwargs) -> float:
        delay = super().tick(*args, **kwargs)
        if time.monotonic() >= self._next_dispatch:
            self._next_dispatch = time.monotonic() + settings.JOBS_DISPATCH_SECONDS
            self.dispatch()
        return max(0.0, min(delay, self._next_dispatch - time.monotonic()))

    def dispatch(self) -> None:
        """Catch up missed runs, send what is waiting, and now and then forget old finished occurrences. A fault
        (database or broker down) is logged and tried again at the next round."""
        try:
            close_old_connections()
            caught = schedules_catch_up()
            report = jobs_dispatch()
            if caught or report:
                logger.info("jobs: %d missed run(s) caught up; %s", len(caught), report)
            if time.monotonic() >= self._next_purge:
                self._next_purge = time.monotonic() + 3600
                jobs_purge()
        except Exception:
            logger.exception("could not send the waiting jobs; trying again in %s s", settings.JOBS_DISPATCH_SECONDS)
            close_old_connections()

    def apply_async(self, entry, producer=None, advance=True, **kwargs):  # noqa: ANN001, ANN201 - celery's signature
        entry = self.reserve(entry) if advance else entry
        try:
            if entry.task == DISPATCH_TASK:
                self.dispatch()
                return None
            close_old_connections()
            outcome = schedule_submit(entry.model, entry_due_time(entry))
            if outcome.duplicate:
                logger.info("%s: this run was recorded already (%s); not sent again", entry.name, outcome.task_id)
            fault_pause(f"beat:{entry.name}")
            return outcome
        except Exception as exc:
            raise SchedulingError(f"Couldn't apply scheduled task {entry.name}: {exc}").with_traceback(
                sys.exc_info()[2]
            ) from exc
        finally:
            self._tasks_since_sync += 1
            if self.should_sync():
                self._do_sync()


def schedule_run_now(row: PeriodicTask) -> Enqueued:
    """Run the schedule's task now, as asked from the admin: one occurrence while the previous one is not done."""
    return job_submit(
        row.task,
        args=json.loads(row.args or "[]"),
        kwargs=json.loads(row.kwargs or "{}"),
        key=f"run-now:{row.name}"[:255],
        queue=row.queue or "",
    )


def schedule_catch_up_set(*, periodic_task: PeriodicTask, within: timedelta | None) -> ScheduleCatchUp | None:
    """Set (or, with None, remove) the schedule's catch-up bound. Counted from now: runs due before this change, by a
    schedule that may just have changed, are never caught up."""
    if within is None:
        ScheduleCatchUp.objects.filter(periodic_task=periodic_task).delete()
        return None
    rule, _created = ScheduleCatchUp.objects.update_or_create(
        periodic_task=periodic_task, defaults={"within": within, "since": timezone.now()}
    )
    return rule
