"""The nightly feed of business records: one service behind POST /api/business-records/bulk/ (stored, answered 202,
loaded by a job whose feed run shows its progress and result) and manage.py import_business_records (in-process);
upsert by (registration code, month), idempotent, every refused row reported, all-or-nothing or valid rows only."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client as HttpClient
from django.urls import reverse

from api.models import ApiToken
from clients.feed_runs import _Progress, feed_run_execute
from clients.feeds import business_records_feed
from clients.imports import import_path, import_uploads_purge, upload_store
from clients.models import BusinessRecord, FeedRun, ImportPolicy
from config import celery_app
from core.models import JobOccurrence
from core.roles import Role
from tests.api.factories import ApiTokenFactory, auth_header
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import BusinessRecordFactory, ClientFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db

HEADER = "client_code,month,volume,products_used\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """Post a feed and let the worker (in-process) load it; returns the feed run as the API shows it afterwards."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    def load(http: HttpClient, body: str, all_or_nothing: str = "true", **headers: str) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = _post_csv(http, body, all_or_nothing, **headers)
        assert response.status_code == 202, response.content
        return http.get(response["Location"], **headers).json()

    return load


@pytest.fixture
def clients():
    return ClientFactory(registration_code="ACME-001"), ClientFactory(registration_code="BETA-002")


def _records() -> dict[tuple[str, dt.date], tuple[Decimal, int]]:
    return {
        (r.client.registration_code, r.month): (r.volume, r.products_used)
        for r in BusinessRecord.objects.select_related("client")
    }


def _post_csv(http: HttpClient, body: str, all_or_nothing: str = "true", **headers: str):
    url = reverse("api:business-record-bulk") + f"?all_or_nothing={all_or_nothing}"
    return http.post(url, body.encode(), content_type="text/csv", **headers)


def _hr() -> HttpClient:
    http = HttpClient()
    http.force_login(hr_user())
    return http


def test_a_feed_is_queued_with_its_progress_then_a_job_creates_updates_and_a_second_load_changes_nothing(
    clients, worker, django_capture_on_commit_callbacks
) -> None:
    BusinessRecordFactory(client=clients[0], month=dt.date(2026, 1, 1), volume=Decimal("10.00"), products_used=1)
    body = HEADER + "ACME-001,2026-01,1500.50,3\nACME-001,2026-02-14,1600,3\nBETA-002,2026-01,99.99,1\n"
    http = _hr()
    with django_capture_on_commit_callbacks(execute=False):  # no worker has taken it yet
        response = _post_csv(http, body)
    assert response.status_code == 202
    run = FeedRun.objects.get()
    assert response["Location"] == f"http://testserver{reverse('api:feed-run-detail', args=[run.pk])}"
    queued = http.get(response["Location"]).json()
    assert (queued["state"], queued["rows"], queued["rows_total"]) == ("queued", 0, 3)
    assert _records() == {("ACME-001", dt.date(2026, 1, 1)): (Decimal("10.00"), 1)}
    # The job's key names the run, so a second message for it meets the same occurrence.
    assert JobOccurrence.objects.get().key == f"clients.feed_run:[[{run.pk}],{{}}]"

    first = worker(http, body)
    assert (first["state"], first["rows"], first["rows_total"]) == ("succeeded", 3, 3)
    assert (first["created"], first["updated"], first["unchanged"], first["refusals"]) == (2, 1, 0, [])
    after_first = _records()
    assert after_first[("ACME-001", dt.date(2026, 2, 1))] == (Decimal("1600.00"), 3)  # any day is the month

    second = worker(http, body)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert _records() == after_first


def test_a_redelivered_job_loads_its_run_once(clients, worker) -> None:
    http = _hr()
    run = worker(http, HEADER + "ACME-001,2026-01,1500,3\n")
    BusinessRecord.objects.update(volume=Decimal("1.00"))  # changed since: a second load would write 1500 back
    feed_run_execute(run_id=run["id"])
    assert BusinessRecord.objects.get().volume == Decimal("1.00")
    assert FeedRun.objects.get().created == 1


def test_all_or_nothing_reports_every_bad_row_and_writes_nothing(clients, worker) -> None:
    body = (
        HEADER
        + "ACME-001,2026-01,1500,3\n"  # line 2: fine
        + "NOPE-404,2026-01,1,1\n"  # line 3: unknown client
        + "BETA-002,January,-5,x\n"  # line 4: bad month, negative volume, products not a number
        + "ACME-001,2026-01-31,1,1\n"  # line 5: the same client and month as line 2
    )
    run = worker(_hr(), body)
    assert (run["state"], run["rows"], run["refused_count"], run["created"]) == ("refused", 4, 3, 0)
    assert {(row["line"], column) for row in run["refusals"] for column in row["errors"]} == {
        (3, "client_code"),
        (4, "month"),
        (4, "volume"),
        (4, "products_used"),
        (5, "month"),
    }
    assert BusinessRecord.objects.count() == 0


def test_valid_rows_only_writes_the_good_ones_and_lists_the_refused(clients, worker) -> None:
    body = HEADER + "ACME-001,2026-01,1500,3\nNOPE-404,2026-01,1,1\n"
    run = worker(_hr(), body, all_or_nothing="false")
    assert (run["state"], run["all_or_nothing"], run["created"], run["refused_count"]) == ("succeeded", False, 1, 1)
    assert run["refusals"] == [
        {"line": 3, "key": "NOPE-404", "errors": {"client_code": ["No client has the registration code “NOPE-404”."]}}
    ]
    assert list(_records()) == [("ACME-001", dt.date(2026, 1, 1))]


def test_a_json_feed_goes_through_the_same_job(clients, monkeypatch, django_capture_on_commit_callbacks) -> None:
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    rows = [{"client_code": "BETA-002", "month": "2026-03", "volume": "12.5", "products_used": 2}]
    http = _hr()
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            reverse("api:business-record-bulk"), json.dumps({"rows": rows}), content_type="application/json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["rows_total"] == 1
    assert http.get(response["Location"]).json()["state"] == "succeeded"
    assert _records() == {("BETA-002", dt.date(2026, 3, 1)): (Decimal("12.50"), 2)}


def test_a_csv_without_its_columns_is_a_400_and_neither_stored_nor_queued(settings) -> None:
    response = _post_csv(_hr(), "code,when\nA,B\n")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["csv"]
    assert not FeedRun.objects.exists() and not JobOccurrence.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("imports/*"))


def test_the_stored_feed_is_purged_with_the_import_uploads(clients, worker) -> None:
    run = FeedRun.objects.get(pk=worker(_hr(), HEADER + "ACME-001,2026-01,1,1\n")["id"])
    stored = import_path(run.payload)
    assert stored.read_text() == HEADER + "ACME-001,2026-01,1,1\n"
    assert import_uploads_purge() == 0  # kept for the import policy's days (30 by default)
    ImportPolicy.objects.filter(pk=ImportPolicy.current().pk).update(keep_uploads_days=1)
    assert import_uploads_purge(now=stored.stat().st_mtime + 2 * 86400) == 2  # the body and its note
    assert not stored.exists()


def test_a_service_account_token_feeds_with_the_model_permissions_hr_gave_it(clients, worker) -> None:
    feed_user = UserFactory(username="core-banking")
    token = ApiTokenFactory(user=feed_user, service_account=True)
    http = HttpClient()
    body = HEADER + "ACME-001,2026-01,1,1\n"
    assert _post_csv(http, body, **auth_header(token)).status_code == 403
    feed_user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_businessrecord", "change_businessrecord"])
    )
    run = worker(http, body, **auth_header(token))
    assert (run["state"], run["started_by"], run["created"]) == ("succeeded", "core-banking", 1)


def test_a_manager_or_a_read_only_token_cannot_feed_nor_read_anothers_run(clients, worker) -> None:
    run = worker(_hr(), HEADER + "BETA-002,2026-01,1,1\n")
    manager = AccountManagerFactory(user=UserFactory(role=Role.ACCOUNT_MANAGER))
    http = HttpClient()
    http.force_login(manager.user)
    assert _post_csv(http, HEADER + "ACME-001,2026-01,1,1\n").status_code == 403
    assert http.get(run["url"]).status_code == 404
    read_only = ApiTokenFactory(user=hr_user(), scope=ApiToken.Scope.READ)
    assert _post_csv(HttpClient(), HEADER + "ACME-001,2026-01,1,1\n", **auth_header(read_only)).status_code == 403
    assert list(_records()) == [("BETA-002", dt.date(2026, 1, 1))]
    assert FeedRun.objects.count() == 1


def test_the_command_loads_a_file_and_refuses_a_bad_one(clients, tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "ACME-001,2026-01,1500,3\nBETA-002,2026-01,7,1\n", encoding="utf-8")
    call_command("import_business_records", str(good))
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 refused." in capsys.readouterr().out
    call_command("import_business_records", str(good))
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "ACME-001,2026-02,1,1\nNOPE,2026-02,1,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_business_records", str(bad))
    assert "line 3 (NOPE 2026-02)" in capsys.readouterr().err
    assert ("ACME-001", dt.date(2026, 2, 1)) not in _records()
    call_command("import_business_records", str(bad), "--valid-rows-only")
    assert ("ACME-001", dt.date(2026, 2, 1)) in _records()
    # Each command run is recorded as the API's are, with its row count, and ran in the terminal (no job).
    assert list(FeedRun.objects.order_by("pk").values_list("source", "state", "rows", "rows_total")) == [
        ("command", "succeeded", 2, 2),
        ("command", "succeeded", 2, 2),
        ("command", "refused", 2, 2),
        ("command", "succeeded", 2, 2),
    ]
    assert not JobOccurrence.objects.exists()


def test_the_service_works_in_batches_and_refuses_across_them(clients, monkeypatch) -> None:
    monkeypatch.setattr("clients.feeds.BATCH_SIZE", 2)
    rows = [
        {"client_code": "ACME-001", "month": f"2026-{m:02d}", "volume": "1", "products_used": "1"} for m in range(1, 6)
    ]
    rows.append({"client_code": "ACME-001", "month": "2026-05", "volume": "2", "products_used": "1"})
    result = business_records_feed(rows=rows, all_or_nothing=False)
    assert (result.rows, result.created, result.refused_count) == (6, 5, 1)
    assert result.refused[0].line == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: progress lands with the commit")
def test_progress_is_seen_from_outside_after_each_batch_while_the_feed_is_uncommitted(clients, monkeypatch) -> None:
    monkeypatch.setattr("clients.feeds.BATCH_SIZE", 2)
    rows = [
        {"client_code": "ACME-001", "month": f"2026-{m:02d}", "volume": "1", "products_used": 1} for m in range(1, 6)
    ]
    lines = [(json.dumps(row) + "\n").encode() for row in rows]
    run = FeedRun.objects.create(
        kind="business_records", source="api", rows_total=5, payload=upload_store(lines, fmt="jsonl", meta={})
    )
    observer = connections.create_connection(DEFAULT_DB_ALIAS)  # another client of the database, as the API is
    seen = []
    report = _Progress.__call__

    def watched(progress: _Progress, done: int) -> None:
        report(progress, done)
        with observer.cursor() as cursor:
            cursor.execute(
                "SELECT state, rows, (SELECT count(*) FROM clients_businessrecord) FROM clients_feedrun WHERE id = %s",
                [run.pk],
            )
            seen.append(cursor.fetchone())

    monkeypatch.setattr(_Progress, "__call__", watched)
    try:
        feed_run_execute(run_id=run.pk)
    finally:
        observer.close()
    # Batches of 2 over 5 rows: 2, 4, then 5 read; the records appear only with the commit.
    assert seen == [("running", 2, 0), ("running", 4, 0), ("running", 5, 0)]
    assert (FeedRun.objects.get().state, BusinessRecord.objects.count()) == ("succeeded", 5)
