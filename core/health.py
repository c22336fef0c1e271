"""Health of the services the product depends on."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from kombu import Connection


def database_status() -> str:
    """'ok', or the error that a trivial query met."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the message says why
        return f"error: {exc.__class__.__name__}: {exc}"[:300]
    return "ok"


def broker_status(timeout: float = 2.0) -> str:
    """'ok' when the broker accepts a connection within the timeout, or the error it gave."""
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=timeout,
        ) as conn:
            # One quick retry: a health check (and a load balancer waiting on it) must answer in about `timeout`.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=timeout)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}: {exc}"[:300]
    return "ok"
