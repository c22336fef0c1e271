"""Cycle close and the 80/20 tiering, timed against their floors, each run inside a transaction rolled back."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.db.models import Max

from appraisals.models import Appraisal, AppraisalCycle
from appraisals.services.cycles import cycle_close
from bench.floors import cycle_totals_floor, tiering_floor
from bench.querylog import QueryLog
from clients.models import BusinessRecord, Client
from clients.tiering import tiering_run, tiering_window

# What a close and a tiering run write. A rolled-back run leaves dead row versions in them that the next run would
# wade through; autovacuum clears them within a minute in a live database. Vacuumed before each run, outside its time.
CLOSE_WRITES = [
    "appraisals_appraisal",
    "appraisals_measuredvalue",
    "appraisals_recommendation",
    "appraisals_historicalrecommendation",
    "appraisals_spotcheck",
]


TIERING_WRITES = ["clients_client", "clients_clienttierchange", "clients_tieringrun"]


def vacuum(tables: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def bench_cycle_close(cycle_id: int, runs: int) -> dict:
    """Median seconds of cycle_close over all the cycle's appraisals, its query count, and the SQL floor's time."""
    seconds, floor_seconds, counts, slowest = [], [], [], []
    mismatches = None
    for run in range(runs):
        vacuum(CLOSE_WRITES)  # each rolled-back run leaves dead row versions behind; a real close meets none
        with connection.cursor() as cursor:
            started = time.perf_counter()
            floor = cycle_totals_floor(cursor, cycle_id=cycle_id)
            floor_seconds.append(time.perf_counter() - started)
        with rolled_back():
            cycle = AppraisalCycle.objects.get(pk=cycle_id)
            log = QueryLog()
            started = time.perf_counter()
            with connection.execute_wrapper(log):
                cycle_close(cycle=cycle, reason="Benchmark run (rolled back).")
            # The foreign keys are DEFERRABLE INITIALLY DEFERRED: a real close checks them at COMMIT, which the
            # rollback below would skip. Checking them here keeps that cost (about 1.5 s) in the figure; it is not
            # one of the close's queries, so the log does not count it.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds.append(time.perf_counter() - started)
            counts.append(log.count)
            slowest = log.slowest()
            if run == 0:
                orm = list(
                    Appraisal.objects.filter(cycle_id=cycle_id)
                    .order_by("pk")
                    .values_list("pk", "manager_id", "total_score", "band")
                )
                mismatches = sum(1 for a, b in zip(floor, orm, strict=True) if tuple(a) != tuple(b))
    appraisals = Appraisal.objects.filter(cycle_id=cycle_id).count()
    return {
        "appraisals": appraisals,
        "seconds": round(median(seconds), 3),
        "runs": [round(value, 3) for value in seconds],
        "queries": counts[0],
        "floor_seconds": round(median(floor_seconds), 3),
        "floor_runs": [round(value, 3) for value in floor_seconds],
        "ratio_to_floor": round(median(seconds) / median(floor_seconds), 2),
        "floor_totals_differing_from_orm": mismatches,
        "slowest_queries": slowest,
    }


def tiering_today() -> date:
    """The day after the last month of business records: the window is then the 12 months the generator wrote."""
    last = BusinessRecord.objects.aggregate(last=Max("month"))["last"]
    index = last.year * 12 + last.month  # the month after the last one
    return date(index // 12, index % 12 + 1, 1)


def bench_tiering(runs: int) -> dict:
    """Median seconds of tiering_run over every client and of the SQL floor; checks they change the same clients."""
    today = tiering_today()
    window = tiering_window(today)
    seconds, floor_seconds, counts, slowest = [], [], [], []
    same = None
    changed = 0
    for run in range(runs):
        vacuum(TIERING_WRITES)
        started = time.perf_counter()
        floor = tiering_floor(start=window.start, end=window.end)
        floor_seconds.append(time.perf_counter() - started)
        with rolled_back():
            log = QueryLog()
            with connection.execute_wrapper(log):
                started = time.perf_counter()
                result = tiering_run(today=today)
                seconds.append(time.perf_counter() - started)
            counts.append(log.count)
            slowest = log.slowest()
            if run == 0:
                changes = sorted(result.changes.values_list("client_id", "from_tier", "to_tier"))
                same = changes == sorted((row[0], row[1], row[2]) for row in floor)
                changed = len(changes)
    return {
        "clients": Client.objects.count(),
        "window": [window.start.isoformat(), window.end.isoformat()],
        "tiers_changed": changed,
        "seconds": round(median(seconds), 3),
        "runs": [round(value, 3) for value in seconds],
        "queries": counts[0],
        "floor_seconds": round(median(floor_seconds), 3),
        "floor_runs": [round(value, 3) for value in floor_seconds],
        "ratio_to_floor": round(median(seconds) / median(floor_seconds), 2),
        "floor_changes_equal_orm": same,
        "slowest_queries": slowest,
    }


def close_queries() -> dict:
    cycle = AppraisalCycle.objects.filter(state__in=["open", "review"]).order_by("-pk").first()
    if cycle is None:
        return {"appraisals": 0, "queries": None}
    with rolled_back():
        log = QueryLog()
        with connection.execute_wrapper(log):
            cycle_close(cycle=cycle, reason="Benchmark (rolled back).")
    return {"appraisals": Appraisal.objects.filter(cycle=cycle).count(), "queries": log.count}
