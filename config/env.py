"""Reading the environment: one place that turns variables into settings, with clear errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql", "psql")


def database_from_url(url: str, *, base_dir: Path) -> dict[str, Any]:
    """Parse DATABASE_URL into a DATABASES entry, or fail at start with a message that says what is wrong."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL {url!r} is not a supported database URL: expected "
            "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH (got scheme "
            f"{scheme or 'none'!r})."
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # django-environ raises assorted errors for malformed URLs
        raise ImproperlyConfigured(f"DATABASE_URL {url!r} could not be parsed: {exc}") from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no database.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(config["NAME"])
        if not name.is_absolute():
            name = base_dir / name
        config["NAME"] = str(name)
        # A worker and beat write the same file as the web server: take the write lock at BEGIN and use WAL,
        # or concurrent writers fail with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        }
        # A file (not :memory:) so that a real worker process started by a test can open the same database; one
        # per process so that test runs side by side never share it.
        config["TEST"] = {"NAME": str(base_dir / "var" / f"test_{name.stem}_{os.getpid()}.sqlite3")}
    else:
        config.setdefault("CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
        # PostgreSQL's JIT compiles queries it estimates costly; for this application's short or index-driven
        # queries (the cycle close's book query included) compiling takes longer than running, so it is off.
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return config


def broker_transport_options(broker_url: str, *, base_dir: Path) -> dict[str, Any]:
    """Options for kombu's filesystem transport (a broker with no server); none for a real broker."""
    if not broker_url.startswith("filesystem://"):
        return {"visibility_timeout": 3600}
    folder = base_dir / "var" / "broker"
    processed = folder / "processed"
    control = folder / "control"  # remote-control (pidbox) exchanges; kombu's default is ./control
    for path in (folder, processed, control):
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
    }
