"""The admin's imports of assignments and business records run as the client import's two jobs: the upload is
stored, a check job names each refused row with its line and why, HR confirms, an apply job writes every row or
none. The nightly purge deletes old uploads after the retention HR sets."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from clients.imports import import_jobs, import_path, import_store, import_uploads_purge
from clients.models import Assignment, BusinessRecord, ImportPolicy
from clients.tasks import import_apply_task, import_check_task, import_uploads_purge_task
from core.choices import ClientTier
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import BusinessRecordFactory, ClientFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hr(client):
    client.force_login(hr_user())
    return client


@pytest.fixture
def people():
    senior = AccountManagerFactory(grade="senior", employee_no="S001")
    trainee = AccountManagerFactory(grade="trainee", employee_no="T001")
    core = ClientFactory(registration_code="CORE1", tier=ClientTier.CORE)
    plain = ClientFactory(registration_code="PLAIN1")
    return senior, trainee, core, plain


def upload(hr, model: str, name: str, content: bytes, fmt: str = "0"):
    response = hr.post(
        reverse(f"admin:clients_{model}_import"), {"format": fmt, "import_file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url, response.url.rstrip("/").rsplit("/", 1)[-1]


def check(hr, url: str, token: str) -> str:
    import_check_task.apply(args=[token], task_id=import_jobs(token)["check"])
    return hr.get(url).content.decode()


def confirm(hr, url: str, token: str) -> str:
    assert hr.post(url).status_code == 302
    import_apply_task.apply(args=[token], task_id=import_jobs(token)["apply"])
    return hr.get(url).content.decode()


ASSIGNMENTS = (
    "client,client_name,manager,manager_name,start,end,reason\n"
    "CORE1,,S001,,2026-01-01,,initial\n"
    "PLAIN1,,T001,,2026-01-01,,initial\n"
    "PLAIN1,,S001,,2026-06-01,,trainee overloaded\n"
)


def test_an_assignment_file_is_checked_then_applied_through_the_reassignment_rules(hr, people) -> None:
    senior, trainee, core, plain = people
    url, token = upload(hr, "assignment", "a.csv", ASSIGNMENTS.encode())
    assert "Checking every row of the file" in hr.get(url).content.decode()

    page = check(hr, url, token)
    assert "3 rows checked: every row is valid." in page
    assert not Assignment.objects.exists()  # the check wrote each row to test it, and rolled them all back

    page = confirm(hr, url, token)
    assert "Imported: 3 rows (3 created, 0 updated, 0 unchanged)." in page
    history = list(plain.assignments.order_by("start").values_list("manager__employee_no", "start", "end"))
    # The third line is a reassignment: the trainee's row ends the day before, a new row opens.
    assert history == [("T001", dt.date(2026, 1, 1), dt.date(2026, 5, 31)), ("S001", dt.date(2026, 6, 1), None)]
    assert set(Assignment.objects.values_list("created_by__username", flat=True)) == {
        hr.get(reverse("admin:index")).context["user"].username
    }


def test_one_bad_assignment_row_shows_its_error_and_imports_nothing(hr, people) -> None:
    text = ASSIGNMENTS + "CORE1,,T001,,2026-07-01,,a trainee may not serve a core client\n"
    url, token = upload(hr, "assignment", "a.csv", text.encode())

    page = check(hr, url, token)
    assert "1 of 4 rows is refused: nothing will be imported." in page
    assert "<td>5</td><td>CORE1</td>" in page and "may not serve core clients" in page
    assert "Confirm: import every row" not in page
    hr.post(url)  # a confirmation of a refused file starts nothing
    assert "apply" not in import_jobs(token) and not Assignment.objects.exists()


def test_an_ambiguous_assignment_date_is_a_row_error(hr, people) -> None:
    url, token = upload(hr, "assignment", "a.csv", b"client,manager,start,reason\nCORE1,S001,01/02/2026,initial\n")
    page = check(hr, url, token)
    assert "1 of 1 rows is refused" in page and "ambiguous" in page and "YYYY-MM-DD" in page


def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_business_workbook_is_checked_then_applied_as_the_nightly_feed_upserts(hr) -> None:
    client = ClientFactory(registration_code="91310000AAA")
    BusinessRecordFactory(client=client, month=dt.date(2026, 5, 1), volume=Decimal("1"), profit=None)
    content = _workbook(
        [
            ["client", "client_name", "month", "volume", "profit", "products_used"],
            ["91310000AAA", "Acme", dt.datetime(2026, 5, 1), 1200.5, -30.25, 3],  # a spreadsheet's date cell
            ["91310000AAA", "Acme", "2026-06", 800, None, 2],
        ]
    )
    url, token = upload(hr, "businessrecord", "b.xlsx", content, fmt="1")
    assert "2 rows checked: every row is valid." in check(hr, url, token)
    assert BusinessRecord.objects.count() == 1

    page = confirm(hr, url, token)
    assert "Imported: 2 rows (1 created, 1 updated, 0 unchanged)." in page
    rows = {r.month: (r.volume, r.profit, r.products_used) for r in BusinessRecord.objects.filter(client=client)}
    assert rows == {
        dt.date(2026, 5, 1): (Decimal("1200.50"), Decimal("-30.25"), 3),  # replaced; a loss is a negative profit
        dt.date(2026, 6, 1): (Decimal("800.00"), None, 2),  # profit not known: empty, not 0
    }

    # The same file again: every row unchanged.
    url, token = upload(hr, "businessrecord", "b.xlsx", content, fmt="1")
    check(hr, url, token)
    assert "Imported: 2 rows (0 created, 0 updated, 2 unchanged)." in confirm(hr, url, token)


def test_one_bad_business_row_shows_its_error_and_imports_nothing(hr) -> None:
    ClientFactory(registration_code="91310000AAA")
    text = "client,month,volume,profit,products_used\n91310000AAA,2026-05,100,10,1\n91310000ZZZ,2026-05,100,10,1\n"
    url, token = upload(hr, "businessrecord", "b.csv", text.encode())
    page = check(hr, url, token)
    assert "1 of 2 rows is refused: nothing will be imported." in page
    assert "<td>3</td><td>91310000ZZZ</td>" in page and "No client has the registration code" in page
    assert not BusinessRecord.objects.exists()

    # Even applied directly (a stale page), the file is refused whole.
    import_apply_task.apply(args=[token])
    assert not BusinessRecord.objects.exists()


def test_an_import_page_belongs_to_its_kind_and_the_in_request_import_is_closed(hr, people) -> None:
    url, token = upload(hr, "assignment", "a.csv", ASSIGNMENTS.encode())
    assert hr.get(reverse("admin:clients_businessrecord_import_status", args=[token])).status_code == 404
    assert hr.get(reverse("admin:clients_client_import_status", args=[token])).status_code == 404
    for model in ("assignment", "businessrecord"):
        assert hr.post(reverse(f"admin:clients_{model}_process_import"), {}).status_code == 404


def test_the_purge_deletes_uploads_older_than_the_retention_hr_sets(tmp_path) -> None:
    old = import_store(SimpleUploadedFile("a.csv", b"client\n"), fmt="csv", kind="assignments")
    new = import_store(SimpleUploadedFile("b.csv", b"client\n"), fmt="csv", kind="assignments")
    folder, day = tmp_path / "imports", 86400
    for token, age_days in ((old, 31), (new, 10)):
        for path in folder.glob(f"{token}.*"):
            os.utime(path, (time.time() - age_days * day, time.time() - age_days * day))

    import_uploads_purge_task.apply()  # the default retention: 30 days
    assert not list(folder.glob(f"{old}.*"))
    assert import_path(new).exists()

    ImportPolicy.objects.filter(pk=ImportPolicy.current().pk).update(keep_uploads_days=7)
    assert import_uploads_purge() == 2  # the upload and its note of what it imports
    assert not list(folder.iterdir())


def test_the_purge_is_a_seeded_nightly_beat_row_with_a_catch_up_bound() -> None:
    row = PeriodicTask.objects.select_related("crontab", "catch_up").get(name="Purge old import uploads")
    assert (row.task, row.enabled, row.crontab.hour, row.crontab.minute) == (
        "clients.import_uploads_purge",
        True,
        "3",
        "45",
    )
    assert row.catch_up.within == dt.timedelta(days=1)
    assert ImportPolicy.current().keep_uploads_days == 30
