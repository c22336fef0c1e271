"""The nightly feed of business records: one service behind POST /api/business-records/bulk/ and
manage.py import_business_records; upsert by (registration code, month), idempotent, every refused row reported,
all-or-nothing or valid rows only."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import reverse

from api.models import ApiToken
from clients.feeds import business_records_feed
from clients.models import BusinessRecord
from core.roles import Role
from tests.api.factories import ApiTokenFactory, auth_header
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import BusinessRecordFactory, ClientFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db

HEADER = "client_code,month,volume,products_used\n"


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


def test_a_feed_creates_then_updates_and_a_second_load_changes_nothing(clients) -> None:
    BusinessRecordFactory(client=clients[0], month=dt.date(2026, 1, 1), volume=Decimal("10.00"), products_used=1)
    body = HEADER + "ACME-001,2026-01,1500.50,3\nACME-001,2026-02-14,1600,3\nBETA-002,2026-01,99.99,1\n"
    http = _hr()
    first = _post_csv(http, body).json()
    assert (first["rows"], first["created"], first["updated"], first["unchanged"]) == (3, 2, 1, 0)
    assert first["applied"] is True and first["refused"] == []
    after_first = _records()
    assert after_first[("ACME-001", dt.date(2026, 2, 1))] == (Decimal("1600.00"), 3)  # any day is the month

    second = _post_csv(http, body).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert _records() == after_first


def test_all_or_nothing_reports_every_bad_row_and_writes_nothing(clients) -> None:
    body = (
        HEADER
        + "ACME-001,2026-01,1500,3\n"  # line 2: fine
        + "NOPE-404,2026-01,1,1\n"  # line 3: unknown client
        + "BETA-002,January,-5,x\n"  # line 4: bad month, negative volume, products not a number
        + "ACME-001,2026-01-31,1,1\n"  # line 5: the same client and month as line 2
    )
    response = _post_csv(_hr(), body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "rows.3.client_code",
        "rows.4.month",
        "rows.4.volume",
        "rows.4.products_used",
        "rows.5.month",
    }
    assert response.json()["detail"] == "3 rows were refused; nothing was written."
    assert BusinessRecord.objects.count() == 0


def test_valid_rows_only_writes_the_good_ones_and_lists_the_refused(clients) -> None:
    body = HEADER + "ACME-001,2026-01,1500,3\nNOPE-404,2026-01,1,1\n"
    result = _post_csv(_hr(), body, all_or_nothing="false").json()
    assert (result["created"], result["refused_count"], result["applied"]) == (1, 1, True)
    assert result["refused"] == [
        {
            "line": 3,
            "client_code": "NOPE-404",
            "month": "2026-01",
            "external_id": "",  # the refused-row shape is shared with the interactions feed
            "errors": {"client_code": ["No client has the registration code “NOPE-404”."]},
        }
    ]
    assert list(_records()) == [("ACME-001", dt.date(2026, 1, 1))]


def test_a_json_feed_goes_through_the_same_service(clients) -> None:
    rows = [{"client_code": "BETA-002", "month": "2026-03", "volume": "12.5", "products_used": 2}]
    response = _hr().post(
        reverse("api:business-record-bulk"), json.dumps({"rows": rows}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert _records() == {("BETA-002", dt.date(2026, 3, 1)): (Decimal("12.50"), 2)}


def test_a_csv_without_its_columns_is_a_400() -> None:
    response = _post_csv(_hr(), "code,when\nA,B\n")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["csv"]


def test_a_service_account_token_feeds_with_the_model_permissions_hr_gave_it(clients) -> None:
    feed_user = UserFactory(username="core-banking")
    token = ApiTokenFactory(user=feed_user, service_account=True)
    http = HttpClient()
    body = HEADER + "ACME-001,2026-01,1,1\n"
    assert _post_csv(http, body, **auth_header(token)).status_code == 403
    feed_user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_businessrecord", "change_businessrecord"])
    )
    assert _post_csv(http, body, **auth_header(token)).status_code == 200


def test_a_manager_or_a_read_only_token_cannot_feed(clients) -> None:
    manager = AccountManagerFactory(user=UserFactory(role=Role.ACCOUNT_MANAGER))
    http = HttpClient()
    http.force_login(manager.user)
    assert _post_csv(http, HEADER + "ACME-001,2026-01,1,1\n").status_code == 403
    read_only = ApiTokenFactory(user=hr_user(), scope=ApiToken.Scope.READ)
    assert _post_csv(HttpClient(), HEADER + "ACME-001,2026-01,1,1\n", **auth_header(read_only)).status_code == 403
    assert BusinessRecord.objects.count() == 0


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


def test_the_service_works_in_batches_and_refuses_across_them(clients, monkeypatch) -> None:
    monkeypatch.setattr("clients.feeds.BATCH_SIZE", 2)
    rows = [
        {"client_code": "ACME-001", "month": f"2026-{m:02d}", "volume": "1", "products_used": "1"} for m in range(1, 6)
    ]
    rows.append({"client_code": "ACME-001", "month": "2026-05", "volume": "2", "products_used": "1"})
    result = business_records_feed(rows=rows, all_or_nothing=False)
    assert (result.rows, result.created, result.refused_count) == (6, 5, 1)
    assert result.refused[0].line == 6
