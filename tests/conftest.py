"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def database_url_of_test_db() -> str:
    """The DATABASE_URL of the database this test runs on, for a subprocess (a real worker) to share it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process() -> Iterator[Callable[..., tuple[subprocess.Popen, str]]]:
    """Start a real Celery worker process on a queue of its own, against this test's database and broker."""
    started: list[subprocess.Popen] = []

    def start(*, queue: str | None = None, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
        queue = queue or f"test-{uuid.uuid4().hex[:12]}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_test_db(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "DEBUG": "true",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **(extra_env or {}),
        }
        log = open(BASE_DIR / "var" / f"worker-{queue}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{queue}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc, queue

    (BASE_DIR / "var").mkdir(exist_ok=True)
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for(predicate: Callable[[], object], *, timeout: float = 60.0, interval: float = 0.25) -> object:
    """Poll until predicate() is truthy; fail the test with a clear message when it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout:.0f} s")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Factories set passwords for every user; the production hasher would make that the slowest part of a test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A transactional test empties the database when it ends, reference data too (the grades, the groups, the
    default template, the beat rows that data migrations seed). Every transactional test therefore gets
    serialized_rollback: it starts with the database as migrations left it, whatever ran before."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        transactional = marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
        if transactional and not marker.kwargs.get("serialized_rollback"):
            # Prepended, so that it is the closest django_db marker pytest-django reads.
            item.add_marker(
                pytest.mark.django_db(**{**marker.kwargs, "transaction": True, "serialized_rollback": True}),
                append=False,
            )


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise() -> Iterator[None]:
    """LocaleMiddleware activates the request's language in the thread and leaves it there; a Chinese page in one
    test must not turn the next test's messages into Chinese."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


# The data migrations that seed reference data (grades, schedules, the default template and rule), each idempotent.
REFERENCE_DATA_MIGRATIONS = (
    ("managers", "0002_grades", "seed_grades"),
    ("core", "0002_job_schedules", "schedules"),
    ("clients", "0003_tiering_schedule", "tiering_schedule"),
    ("appraisals", "0002_spot_check_schedule_and_result_rule", "seed"),
    ("appraisals", "0003_default_template_and_cycle_schedule", "seed"),
    ("clients", "0007_clients19_default_rules_and_kpi_schedule", "seed"),
    ("incentives", "0004_pay_monthly_payroll_schedule", "monthly"),
    ("core", "0004_catch_up_rules", "catch_up_rules"),
    ("appraisals", "0010_scoring_seed_policy", "seed"),
    ("appraisals", "0011_rater_reminders_and_catch_up", "seed"),
    ("clients", "0008_schedules_catch_up", "seed"),
    ("clients", "0010_import_uploads_purge_schedule", "seed"),
)


def reference_data_restore() -> None:
    """Put back what the data migrations seeded, after a transactional test's flush emptied the tables."""
    import importlib

    from django.apps import apps

    from core.roles import roles_sync

    for app, migration, function in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(f"{app}.migrations.{migration}"), function)(apps, None)
    roles_sync()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request: pytest.FixtureRequest) -> None:
    """serialized_rollback (above) should restore the migrated data; with a live server in the same session it has
    been seen not to, so a transactional test that finds the grades gone gets the reference data back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction", marker.args[0] if marker.args else False):
        return
    request.getfixturevalue("transactional_db")
    from managers.models import Grade

    if not Grade.objects.exists():
        reference_data_restore()
