"""The benchmark (issue 9): cycle close and 80/20 tiering against their SQL floors, pages under gunicorn + wrk
against the framework's floor, and the query count of each page at benchmark and demo size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.run --runs 3 \
        --json bench/results.json

Every figure is the median of --runs runs. Cycle close and tiering run inside a transaction that is rolled back,
so the benchmark company is unchanged afterwards; for the pages the cycle is closed for real (the results page
shows a closed cycle) and reset to open at the end with plain SQL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
PORT = 8911
GOALS = {
    "cycle_close_seconds": 10.0,
    "cycle_close_floor_ratio": 3.0,
    "tiering_seconds": 5.0,
    "tiering_floor_ratio": 2.0,
    "page_p95_ms": 150.0,
    "page_throughput_share": 1 / 3,
}


class QueryLog:
    """A database execute wrapper: counts queries and keeps each one's time (a light stand-in for DEBUG's log)."""

    def __init__(self) -> None:
        self.times: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - started, sql))

    @property
    def count(self) -> int:
        return len(self.times)

    def slowest(self, n: int = 5) -> list[dict]:
        by_shape: Counter[str] = Counter()
        seconds: dict[str, float] = {}
        for elapsed, sql in self.times:
            shape = " ".join(sql.split())[:160]
            by_shape[shape] += 1
            seconds[shape] = seconds.get(shape, 0.0) + elapsed
        ranked = sorted(seconds.items(), key=lambda item: -item[1])[:n]
        return [{"seconds": round(total, 3), "count": by_shape[shape], "sql": shape} for shape, total in ranked]


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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextmanager
def rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def bench_cycle_close(cycle_id: int, runs: int) -> dict:
    """Median seconds of cycle_close over all the cycle's appraisals, its query count, and the SQL floor's time."""
    from django.db import connection

    from appraisals.models import Appraisal, AppraisalCycle
    from appraisals.services.cycles import cycle_close
    from bench.floors import cycle_totals_floor

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
    from django.db.models import Max

    from clients.models import BusinessRecord

    last = BusinessRecord.objects.aggregate(last=Max("month"))["last"]
    index = last.year * 12 + last.month  # the month after the last one
    return date(index // 12, index % 12 + 1, 1)


def bench_tiering(runs: int) -> dict:
    """Median seconds of tiering_run over every client and of the SQL floor; checks they change the same clients."""
    from django.db import connection

    from bench.floors import tiering_floor
    from clients.models import Client
    from clients.tiering import tiering_run, tiering_window

    today = tiering_today()
    window = tiering_window(today)
    seconds, floor_seconds, counts, slowest = [], [], [], []
    same = None
    changed = 0
    for run in range(runs):
        vacuum(TIERING_WRITES)
        with connection.cursor() as cursor:
            started = time.perf_counter()
            floor = tiering_floor(cursor, start=window.start, end=window.end)
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


# --- pages --------------------------------------------------------------------------------------------------------


def page_subjects() -> dict:
    """The users and objects the pages are requested with: a senior manager (the one supervising the most managers),
    one of their clients (with the most interactions), an HR user, and the latest closed cycle (else the latest)."""
    from django.contrib.auth.models import User
    from django.db.models import Count, Q

    from appraisals.models import AppraisalCycle
    from clients.models import Assignment, Interaction
    from core.roles import GROUP_NAMES, Role
    from managers.selectors import managers_with_grade

    senior = (
        managers_with_grade()
        .filter(grade_code_on="senior", status="active")
        .annotate(
            own=Count("assignments", filter=Q(assignments__end__isnull=True), distinct=True),
            subordinates_count=Count("subordinates", distinct=True),
        )
        # A supervisor: "my clients" then lists the whole line, and the dashboard adds the line's figures.
        .order_by("-subordinates_count", "-own", "pk")
        .select_related("user")
        .first()
    )
    clients = Assignment.objects.filter(manager=senior, end__isnull=True).values("client_id")
    client_id = (
        Interaction.objects.filter(client_id__in=clients)
        .values("client_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "client_id")
        .values_list("client_id", flat=True)
        .first()
    ) or clients.values_list("client_id", flat=True).first()
    hr = (
        User.objects.filter(groups__name=GROUP_NAMES[Role.HR], is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    cycle = (
        AppraisalCycle.objects.filter(state=AppraisalCycle.State.CLOSED).order_by("-period_end", "-pk").first()
        or AppraisalCycle.objects.exclude(state=AppraisalCycle.State.DRAFT).order_by("-period_end", "-pk").first()
    )
    return {"senior": senior.user, "client_id": client_id, "hr": hr, "cycle_id": cycle.pk if cycle else None}


REFERENCE = "reference: "


def page_list(subjects: dict) -> list[tuple[str, str, object]]:
    """(name, path, user) of each page benchmarked; the trivial view first."""
    results = "/appraisals/cycles/results/"
    if subjects["cycle_id"]:
        results += f"?cycle={subjects['cycle_id']}"
    return [
        ("trivial view", "/bench/trivial/", None),
        # Not a goal: the cheapest page of the layout (navigation, session, user, role, one query of its own), to
        # tell what a page costs for being a page from what its content costs.
        (f"{REFERENCE}signed in, no page (session and user)", "/bench/signed-in/", subjects["hr"]),
        (f"{REFERENCE}a page of the layout (job progress)", "/jobs/bench-reference/", subjects["hr"]),
        ("my clients (senior)", "/clients/", subjects["senior"]),
        ("client page", f"/clients/{subjects['client_id']}/", subjects["senior"]),
        ("manager dashboard", "/home/", subjects["senior"]),
        ("HR dashboard", "/home/", subjects["hr"]),
        ("cycle results (HR)", results, subjects["hr"]),
    ]


def session_for(user) -> str:
    """A logged-in session for the user, written to the database as django.contrib.auth.login would."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }


@contextmanager
def gunicorn(port: int, workers: int):
    """gunicorn with sync workers on 127.0.0.1 only, with bench.settings (the project's settings and one trivial
    view more), stopped (by its own pid) on exit."""
    log = open(BASE_DIR / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--log-level", "warning", "--timeout", "300"],
        cwd=BASE_DIR,
        env=server_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).read()
                break
            except OSError:  # refused while booting, or a timeout on a loaded machine
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.5)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(url: str, cookie: str | None) -> tuple[int, int]:
    """Status and size of one request, redirects not followed (a redirect to the login page is a failure)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=300) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, 0


def wrk(url: str, cookie: str | None, *, seconds: int, connections: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s", "-s", str(WRK_SCRIPT)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def bench_pages(runs: int, seconds: int, connections: int, workers: int) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    subjects = page_subjects()
    pages = page_list(subjects)
    cookies = {}
    for _name, _path, user in pages:
        if user is not None and user.pk not in cookies:
            cookies[user.pk] = f"sessionid={session_for(user)}"
    results: list[dict] = []
    base = f"http://127.0.0.1:{PORT}"
    for name, path, user in pages:
        # A fresh server per page: requests a slow page left queued in the workers would delay the next page.
        with gunicorn(PORT, workers):
            cookie = cookies.get(user.pk) if user is not None else None
            status, size = check_page(base + path, cookie)
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status}, not 200")
            wrk(base + path, cookie, seconds=2, connections=connections)  # warm-up: workers, caches
            samples = [wrk(base + path, cookie, seconds=seconds, connections=connections) for _ in range(runs)]
            errors = sum(sample["errors"] for sample in samples)
            results.append(
                {
                    "page": name,
                    "path": path,
                    "bytes": size,
                    "p50_ms": round(median([s["p50_us"] for s in samples]) / 1000, 1),
                    "p95_ms": round(median([s["p95_us"] for s in samples]) / 1000, 1),
                    "rps": round(median([s["rps"] for s in samples]), 1),
                    "errors": errors,
                    "runs": samples,
                }
            )
    floor = results[0]
    for row in results:
        row["throughput_share_of_trivial"] = round(row["rps"] / floor["rps"], 3)
        row["p50_ratio_to_trivial"] = round(row["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
    return {
        "subjects": {
            "senior": subjects["senior"].username,
            "client_id": subjects["client_id"],
            "hr": subjects["hr"].username,
            "cycle_id": subjects["cycle_id"],
        },
        "connections": connections,
        "workers": workers,
        "seconds_per_run": seconds,
        "pages": results,
    }


# --- closing the cycle for the pages, and putting it back ---------------------------------------------------------


def cycle_close_for_pages(cycle_id: int) -> None:
    from appraisals.models import AppraisalCycle
    from appraisals.services.cycles import cycle_close

    cycle_close(cycle=AppraisalCycle.objects.get(pk=cycle_id), reason="Benchmark: closed for the page benchmark.")
    # The close rewrites every appraisal of the cycle: autovacuum would clean up the old row versions within a minute
    # (the 2,000 updated rows are far over its threshold); the pages are measured as they would be after it.
    vacuum(CLOSE_WRITES)


RESET_SQL = [
    "UPDATE appraisals_spotcheck SET applied_to_id = NULL"
    " WHERE applied_to_id IN (SELECT id FROM appraisals_appraisal WHERE cycle_id = %(cycle)s)",
    "DELETE FROM appraisals_historicalrecommendation WHERE appraisal_id IN"
    " (SELECT id FROM appraisals_appraisal WHERE cycle_id = %(cycle)s)",
    "DELETE FROM appraisals_recommendation WHERE appraisal_id IN"
    " (SELECT id FROM appraisals_appraisal WHERE cycle_id = %(cycle)s)",
    "DELETE FROM appraisals_measuredvalue WHERE appraisal_id IN"
    " (SELECT id FROM appraisals_appraisal WHERE cycle_id = %(cycle)s)",
    "UPDATE appraisals_appraisal SET performance_score = NULL, behaviour_score = NULL, ability_score = NULL,"
    " spot_check_effect = 0, total_score = NULL, band = '', explanation = '{}', finalised_at = NULL"
    " WHERE cycle_id = %(cycle)s",
    "UPDATE appraisals_appraisalcycle SET state = 'open', closed_at = NULL, closed_by_id = NULL, close_reason = ''"
    " WHERE id = %(cycle)s",
]


def cycle_reopen(cycle_id: int) -> None:
    """Put the benchmark cycle back as the generator left it (plain SQL: the services rightly refuse this)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in RESET_SQL:
            cursor.execute(statement, {"cycle": cycle_id})


# --- query counts at two sizes ------------------------------------------------------------------------------------


def query_counts() -> dict:
    """The SQL query count of each page on this process's database (test Client, force_login), rolled back."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from managers.models import AccountManager

    subjects = page_subjects()
    counts = {}
    with rolled_back():
        for name, path, user in page_list(subjects):
            client = Client()
            if user is not None:
                client.force_login(user)
            client.get(path)  # warm-up: ContentType and other per-process caches
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            counts[name] = {"queries": len(captured.captured_queries), "status": response.status_code}
    return {"managers": AccountManager.objects.count(), "pages": counts}


def query_counts_on(database_url: str) -> dict:
    """query_counts() in a child process on another database."""
    env = {**server_env(), "DATABASE_URL": database_url, "ALLOWED_HOSTS": "testserver,127.0.0.1"}
    output = subprocess.run(
        [sys.executable, "-m", "bench.run", "--query-counts-only"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def cycle_close_queries_on(database_url: str) -> dict:
    """The query count of cycle_close on another (small) database, to show it does not grow with managers."""
    env = {**server_env(), "DATABASE_URL": database_url}
    output = subprocess.run(
        [sys.executable, "-m", "bench.run", "--close-queries-only"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def close_queries() -> dict:
    from django.db import connection

    from appraisals.models import Appraisal, AppraisalCycle
    from appraisals.services.cycles import cycle_close

    cycle = AppraisalCycle.objects.filter(state__in=["open", "review"]).order_by("-pk").first()
    if cycle is None:
        return {"appraisals": 0, "queries": None}
    with rolled_back():
        log = QueryLog()
        with connection.execute_wrapper(log):
            cycle_close(cycle=cycle, reason="Benchmark (rolled back).")
    return {"appraisals": Appraisal.objects.filter(cycle=cycle).count(), "queries": log.count}


# --- the report ---------------------------------------------------------------------------------------------------


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "postgresql": postgres,
        "python": platform.python_version(),
        # Other work on the machine skews the figures: the load when the benchmark started.
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
    }


def goals(result: dict) -> list[dict]:
    rows = []

    def add(goal: str, figure: object, met: bool) -> None:
        rows.append({"goal": goal, "figure": figure, "met": bool(met)})

    close = result.get("cycle_close")
    if close:
        add("cycle close ≤ 10 s", f"{close['seconds']} s", close["seconds"] <= GOALS["cycle_close_seconds"])
        add("cycle close ≤ 3× SQL floor", f"{close['ratio_to_floor']}×", close["ratio_to_floor"] <= 3)
        small = result.get("cycle_close_small") or {}
        if small.get("queries") is not None:
            add(
                "cycle close query count independent of managers",
                f"{close['queries']} queries at {close['appraisals']} appraisals, "
                f"{small['queries']} at {small['appraisals']}",
                close["queries"] == small["queries"],
            )
    tiering = result.get("tiering")
    if tiering:
        add("tiering ≤ 5 s", f"{tiering['seconds']} s", tiering["seconds"] <= GOALS["tiering_seconds"])
        add("tiering ≤ 2× SQL floor", f"{tiering['ratio_to_floor']}×", tiering["ratio_to_floor"] <= 2)
    pages = result.get("pages")
    counts = result.get("query_counts")
    if pages:
        for row in pages["pages"][1:]:
            if row["page"].startswith(REFERENCE):
                continue
            if not row["rps"]:
                add(f"{row['page']}: p95 ≤ 150 ms", "no request completed within the run", False)
            else:
                add(f"{row['page']}: p95 ≤ 150 ms", f"{row['p95_ms']} ms", row["p95_ms"] <= GOALS["page_p95_ms"])
            add(
                f"{row['page']}: throughput ≥ 1/3 of the trivial view",
                f"{row['throughput_share_of_trivial']:.2f}",
                row["throughput_share_of_trivial"] >= GOALS["page_throughput_share"],
            )
    if counts:
        bench, demo = counts["bench"]["pages"], counts["demo"]["pages"]
        for name in bench:
            if name.startswith(("trivial", REFERENCE)):
                continue
            add(
                f"{name}: same query count at both sizes",
                f"{bench[name]['queries']} (bench) / {demo[name]['queries']} (demo)",
                bench[name]["queries"] == demo[name]["queries"],
            )
    return rows


def print_table(result: dict) -> None:
    close, tiering = result.get("cycle_close"), result.get("tiering")
    print()
    if close:
        print(
            f"cycle close   {close['appraisals']:>6} appraisals  {close['seconds']:>7.2f} s  floor "
            f"{close['floor_seconds']:.2f} s  ratio {close['ratio_to_floor']:.1f}×  {close['queries']} queries"
        )
    if tiering:
        print(
            f"tiering       {tiering['clients']:>6} clients     {tiering['seconds']:>7.2f} s  floor "
            f"{tiering['floor_seconds']:.2f} s  ratio {tiering['ratio_to_floor']:.1f}×  {tiering['queries']} queries"
        )
    pages, counts = result.get("pages"), result.get("query_counts")
    if pages:
        print()
        print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'share':>6} {'q bench':>8} {'q demo':>7}")
        for row in pages["pages"]:
            qb = counts["bench"]["pages"][row["page"]]["queries"] if counts else ""
            qd = counts["demo"]["pages"][row["page"]]["queries"] if counts else ""
            print(
                f"{row['page']:<28} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['rps']:>8.1f} "
                f"{row['throughput_share_of_trivial']:>6.2f} {qb!s:>8} {qd!s:>7}"
            )
    print()
    for row in result.get("goals", []):
        print(f"{'met    ' if row['met'] else 'NOT met'}  {row['goal']}: {row['figure']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the account-manager system at company scale.")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here as JSON")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (2 per core here)")
    parser.add_argument("--only", choices=["close", "tiering", "pages", "counts"], action="append")
    parser.add_argument(
        "--demo-url",
        default=os.environ.get("BENCH_DEMO_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_demo"),
        help="the demo-size database (manage.py migrate && manage.py seed_demo) for the query counts",
    )
    parser.add_argument(
        "--small-url",
        default=os.environ.get("BENCH_SMALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_tiny"),
        help="a small benchmark company (20 managers) for cycle close's query count",
    )
    parser.add_argument("--query-counts-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--close-queries-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    from bench.setup import django_setup

    django_setup()
    if args.query_counts_only:
        print(json.dumps(query_counts()))
        return
    if args.close_queries_only:
        print(json.dumps(close_queries()))
        return

    from django.conf import settings
    from django.db import connection

    from appraisals.models import AppraisalCycle

    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at the benchmark company in PostgreSQL (bench/generate.py).")
    only = set(args.only or ["close", "tiering", "pages", "counts"])
    cycle = AppraisalCycle.objects.filter(state__in=["open", "review"]).order_by("-pk").first()
    result: dict = {"date": date.today().isoformat(), "machine": machine(), "runs": args.runs}
    result["database"] = settings.DATABASES["default"]["NAME"]

    def save() -> None:
        # Written after every section, so a failure late in the run keeps the figures already measured.
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")

    save()
    if "close" in only and cycle is not None:
        print("cycle close …", flush=True)
        result["cycle_close"] = bench_cycle_close(cycle.pk, args.runs)
        result["cycle_close_small"] = cycle_close_queries_on(args.small_url)
        save()
    if "tiering" in only:
        print("tiering …", flush=True)
        result["tiering"] = bench_tiering(args.runs)
        save()
    closed_here = False
    try:
        if cycle is not None and ({"pages", "counts"} & only):
            cycle_close_for_pages(cycle.pk)
            closed_here = True
        if "pages" in only:
            print("pages …", flush=True)
            result["pages"] = bench_pages(args.runs, args.wrk_seconds, args.connections, args.workers)
            save()
        if "counts" in only:
            print("query counts …", flush=True)
            result["query_counts"] = {"bench": query_counts(), "demo": query_counts_on(args.demo_url)}
    finally:
        if closed_here:
            cycle_reopen(cycle.pk)
    result["goals"] = goals(result)
    print_table(result)
    save()
    if args.json:
        print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
