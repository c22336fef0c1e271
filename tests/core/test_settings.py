import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.env import database_from_url

BASE = Path(settings.BASE_DIR)


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://u@h/db", "not a supported database URL"),
        ("postgres:/broken", "not a supported database URL"),
        ("postgres://user@localhost:5432/", "names no database"),
        ("nonsense", "scheme 'none'"),
    ],
)
def test_bad_database_url_is_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url, base_dir=BASE)


def test_postgres_url_becomes_a_postgres_database() -> None:
    config = database_from_url("postgres://app:secret@db.internal:6543/appraisal", base_dir=BASE)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == ("appraisal", "app", "db.internal", 6543)
    assert config["OPTIONS"]["options"] == "-c jit=off"  # JIT compiled longer than the close's queries ran


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT setting")
@pytest.mark.django_db
def test_the_application_s_postgres_connections_run_without_jit() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_sqlite_url_is_relative_to_the_project_and_takes_write_locks_early() -> None:
    config = database_from_url("sqlite:///demo.sqlite3", base_dir=BASE)
    assert config["NAME"] == str(BASE / "demo.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_start_with_a_bad_database_url_fails_saying_why() -> None:
    env = {**os.environ, "DATABASE_URL": "mysql://root@localhost/x", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DATABASE_URL 'mysql://root@localhost/x' is not a supported database URL" in result.stderr


def test_production_start_without_secret_key_fails_saying_why() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="CI proves the suite ran on PostgreSQL")
@pytest.mark.django_db
def test_ci_runs_on_postgresql_and_redis() -> None:
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
