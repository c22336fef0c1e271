"""The benchmarked pages: under gunicorn + wrk against the trivial view, and their query counts at two sizes. The
benchmark cycle is closed for the pages (the results page shows a closed cycle) and put back afterwards."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from appraisals.models import AppraisalCycle
from appraisals.services.cycles import cycle_close
from bench.measure import CLOSE_WRITES, median, rolled_back, vacuum
from clients.models import Assignment, Interaction
from clients.models import Client as ClientFile
from core.roles import GROUP_NAMES, Role
from managers.models import AccountManager
from managers.selectors import managers_with_grade

BASE_DIR = Path(__file__).resolve().parent.parent


WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")


PORT = 8911


REFERENCE = "reference: "

# Each row's load: the pages under 8 connections, the admin (HR's tool, a few users at a time) under 4.
PAGE_CONNECTIONS = 8
ADMIN_CONNECTIONS = 4

SIGNED_IN = f"{REFERENCE}signed in, no page (session and user)"
SIGNED_IN_ADMIN = f"{REFERENCE}signed in, no page, {ADMIN_CONNECTIONS} connections"
ADMIN = "admin: "
SEARCH = " search"


def page_subjects() -> dict:
    """The users and objects the pages are requested with: a senior manager (the one supervising the most managers),
    one of their clients (with the most interactions), an HR user, and the latest closed cycle (else the latest)."""

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
    client = ClientFile.objects.filter(pk=client_id).values("registration_code").first() if client_id else None
    return {
        "senior": senior.user,
        "client_id": client_id,
        "hr": hr,
        "cycle_id": cycle.pk if cycle else None,
        # What HR types in an admin search box: one client's registration code, which its name does not contain.
        "search": client["registration_code"] if client else "",
    }


def page_list(subjects: dict) -> list[tuple[str, str, object]]:
    """(name, path, user) of each page benchmarked; the trivial view first."""
    results = "/appraisals/cycles/results/"
    if subjects["cycle_id"]:
        results += f"?cycle={subjects['cycle_id']}"
    return [
        ("trivial view", "/bench/trivial/", None),
        # Not a goal: the cheapest page of the layout (navigation, session, user, role, one query of its own), to
        # tell what a page costs for being a page from what its content costs.
        (SIGNED_IN, "/bench/signed-in/", subjects["hr"]),
        (f"{REFERENCE}a page of the layout (job progress)", "/jobs/bench-reference/", subjects["hr"]),
        ("my clients (senior)", "/clients/", subjects["senior"]),
        ("client page", f"/clients/{subjects['client_id']}/", subjects["senior"]),
        ("manager dashboard", "/home/", subjects["senior"]),
        ("HR dashboard", "/home/", subjects["hr"]),
        ("cycle results (HR)", results, subjects["hr"]),
        ("HR's client list (every client)", "/clients/", subjects["hr"]),
    ]


# (name, model, change form too) of each admin list HR uses, in the order of the admin's index.
ADMIN_LISTS = [
    ("clients", "clients.client", True),
    ("interactions", "clients.interaction", True),
    ("business records", "clients.businessrecord", True),
    ("assignments", "clients.assignment", True),
    ("account managers", "managers.accountmanager", True),
    ("appraisals", "appraisals.appraisal", True),
    ("ratings", "appraisals.rating", True),
    ("recommendations", "appraisals.recommendation", True),
    ("pay statements", "incentives.paystatement", True),
]

# The lists HR searches (a client's registration code): those whose rows belong to a client.
ADMIN_SEARCHED = {"clients", "interactions", "business records", "assignments"}


def admin_objects(client_id: int | None) -> dict[str, int | None]:
    """The object each change form is requested with: the benchmark client's own rows where there are any."""
    from django.apps import apps

    objects: dict[str, int | None] = {}
    for name, label, _form in ADMIN_LISTS:
        model = apps.get_model(label)
        rows = model._default_manager.order_by("pk")
        own = None
        if client_id and label == "clients.client":
            own = rows.filter(pk=client_id)
        elif client_id and any(field.name == "client" for field in model._meta.fields):
            own = rows.filter(client_id=client_id)
        objects[name] = (own is not None and own.values_list("pk", flat=True).first()) or (
            rows.values_list("pk", flat=True).first()
        )
    return objects


def admin_page_list(subjects: dict) -> list[tuple[str, str, object]]:
    """(name, path, user) of each admin row: the signed-in reference at the admin's load, then each list HR uses,
    its search where HR searches it, and its change form (when the benchmark company has such an object)."""
    from urllib.parse import urlencode

    from django.apps import apps

    hr = subjects["hr"]
    rows: list[tuple[str, str, object]] = [(SIGNED_IN_ADMIN, "/bench/signed-in/", hr)]
    objects = admin_objects(subjects["client_id"])
    for name, label, form in ADMIN_LISTS:
        opts = apps.get_model(label)._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        rows.append((f"{ADMIN}{name} list", base, hr))
        if name in ADMIN_SEARCHED and subjects.get("search"):
            rows.append((f"{ADMIN}{name} list,{SEARCH}", f"{base}?{urlencode({'q': subjects['search']})}", hr))
        if form and objects[name] is not None:
            rows.append((f"{ADMIN}{name} change form", f"{base}{objects[name]}/change/", hr))
    return rows


def all_rows(subjects: dict) -> list[tuple[str, str, object, int]]:
    """Every benchmarked row with its connections: the pages, then the admin."""
    return [(name, path, user, PAGE_CONNECTIONS) for name, path, user in page_list(subjects)] + [
        (name, path, user, ADMIN_CONNECTIONS) for name, path, user in admin_page_list(subjects)
    ]


def session_for(user) -> str:
    """A logged-in session for the user, written to the database as django.contrib.auth.login would."""
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
         "--access-logfile", "/dev/null", "--log-level", "warning", "--timeout", "300", "--graceful-timeout", "5"],
        cwd=BASE_DIR,
        env=server_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own process group: a worker still busy with a slow request is stopped with it (and frees the port).
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
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
            process.wait()
        with suppress(ProcessLookupError):  # workers the master left behind, in the group started above
            os.killpg(process.pid, signal.SIGKILL)
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


def single_request_ms(url: str, cookie: str | None, requests: int = 5) -> float:
    """The median time of one request at a time (nothing else in flight), in milliseconds."""
    opener = urllib.request.build_opener(NoRedirect)
    times = []
    for _ in range(requests):
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        started = time.perf_counter()
        with opener.open(request, timeout=300) as response:
            response.read()
        times.append(time.perf_counter() - started)
    return round(median(times) * 1000, 1)


def bench_pages(runs: int, seconds: int, connections: int, workers: int, *, only: str | None = None) -> dict:
    """Every row under gunicorn: one request at a time, then wrk with the row's connections (--connections for the
    pages, ADMIN_CONNECTIONS for the admin); `only` keeps the rows whose name contains one of its comma-separated
    parts (and the references)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    subjects = page_subjects()
    rows = [
        (name, path, user, connections if conns == PAGE_CONNECTIONS else conns)
        for name, path, user, conns in all_rows(subjects)
        if only is None or any(part in name for part in only.split(",")) or name.startswith(("trivial", REFERENCE))
    ]
    cookies = {}
    for _name, _path, user, _conns in rows:
        if user is not None and user.pk not in cookies:
            cookies[user.pk] = f"sessionid={session_for(user)}"
    results: list[dict] = []
    base = f"http://127.0.0.1:{PORT}"
    for name, path, user, conns in rows:
        print(f"  {name} …", flush=True)
        # A fresh server per row: requests a slow page left queued in the workers would delay the next row.
        with gunicorn(PORT, workers):
            cookie = cookies.get(user.pk) if user is not None else None
            status, size = check_page(base + path, cookie)
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status}, not 200")
            wrk(base + path, cookie, seconds=2, connections=conns)  # warm-up: every worker, its caches
            single = single_request_ms(base + path, cookie)
            samples = [wrk(base + path, cookie, seconds=seconds, connections=conns) for _ in range(runs)]
            errors = sum(sample["errors"] for sample in samples)
            results.append(
                {
                    "page": name,
                    "path": path,
                    "connections": conns,
                    "bytes": size,
                    "single_ms": single,
                    "p50_ms": round(median([s["p50_us"] for s in samples]) / 1000, 1),
                    "p95_ms": round(median([s["p95_us"] for s in samples]) / 1000, 1),
                    "rps": round(median([s["rps"] for s in samples]), 1),
                    "errors": errors,
                    "runs": samples,
                }
            )
            row = results[-1]
            print(
                f"    1 request {row['single_ms']} ms; {conns} connections: p50 {row['p50_ms']} ms,"
                f" p95 {row['p95_ms']} ms, {row['rps']} req/s",
                flush=True,
            )
    floor = results[0]
    # Throughput is compared with the signed-in reference measured under the same number of connections.
    signed_in = {row["connections"]: row["rps"] for row in results if row["page"] in (SIGNED_IN, SIGNED_IN_ADMIN)}
    for row in results:
        row["throughput_share_of_trivial"] = round(row["rps"] / floor["rps"], 3)
        reference = signed_in.get(row["connections"])
        row["share_of_signed_in"] = round(row["rps"] / reference, 3) if reference else None
        row["p50_ratio_to_trivial"] = round(row["p50_ms"] / floor["p50_ms"], 1) if floor["p50_ms"] else None
    return {
        "subjects": {
            "senior": subjects["senior"].username,
            "client_id": subjects["client_id"],
            "hr": subjects["hr"].username,
            "cycle_id": subjects["cycle_id"],
            "search": subjects["search"],
        },
        "connections": connections,
        "admin_connections": ADMIN_CONNECTIONS,
        "workers": workers,
        "seconds_per_run": seconds,
        "pages": results,
    }


def cycle_close_for_pages(cycle_id: int) -> None:
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
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in RESET_SQL:
            cursor.execute(statement, {"cycle": cycle_id})


def query_counts(requests: int = 0) -> dict:
    """The SQL query count of every row on this process's database (test Client, force_login), rolled back; with
    `requests`, also the median in-process time of that many requests (DEBUG off, one at a time)."""
    subjects = page_subjects()
    counts = {}
    with rolled_back():
        for name, path, user, _conns in all_rows(subjects):
            client = Client()
            if user is not None:
                client.force_login(user)
            client.get(path)  # warm-up: ContentType and other per-process caches
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            counts[name] = {"queries": len(captured.captured_queries), "status": response.status_code}
            if requests:
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(path)
                    times.append(time.perf_counter() - started)
                counts[name]["ms"] = round(median(times) * 1000, 1)
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
