"""The client import as jobs: the upload is stored, a job checks every row (row errors with their lines on the
import page), and on confirmation a second job applies every row or none, upserting by registration code."""

from __future__ import annotations

import os
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from clients.imports import client_import_run, import_date, import_jobs, import_report, import_store
from clients.models import Client
from clients.tasks import import_apply_task, import_check_task
from core.choices import ClientTier
from core.models import JobOccurrence
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db

HEADER = "registration_code,name,industry,size,status,address,tier\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def stored(text: str) -> str:
    return import_store(SimpleUploadedFile("clients.csv", text.encode()), fmt="csv")


def test_the_check_names_every_bad_line_and_writes_nothing() -> None:
    ClientFactory(registration_code="91310000OLD", name="Old name")
    token = stored(
        HEADER + "91310000OLD,New name,Retail,small,active,,\n"
        "91310000CCC,Good Co,Retail,huge,active,,\n"
        ",No Code Ltd,Retail,small,active,,\n"
        "91310000DDD,Fine Co,Retail,small,active,,\n"
        "91310000DDD,Twice Co,Retail,small,active,,\n"
        "91310000EEE,,Retail,small,sleeping,,\n"
    )
    import_check_task.apply(args=[token])

    report = import_report(token, "check")
    assert (report.rows, report.refused_count) == (6, 4)
    assert [row.line for row in report.refused] == [3, 4, 6, 7]
    assert "'huge' is not a valid choice" in report.refused[0].errors["size"][0]
    assert report.refused[1].errors["registration_code"] == ["This column is required."]
    assert "appears twice in the file" in report.refused[2].errors["registration_code"][0]
    assert set(report.refused[3].errors) == {"name", "status"}
    assert list(Client.objects.values_list("registration_code", "name")) == [("91310000OLD", "Old name")]


def test_apply_upserts_by_registration_code_never_sets_the_tier_and_is_idempotent() -> None:
    ClientFactory(registration_code="91310000OLD", name="Old name", tier=ClientTier.CORE)
    token = stored(HEADER + "91310000OLD,New name,Retail,small,active,,ordinary\n91310000NEW,New Co,Retail,large,,,\n")

    import_apply_task.apply(args=[token])
    first = import_report(token, "apply")
    import_apply_task.apply(args=[token])
    second = import_report(token, "apply")

    assert (first.created, first.updated, first.applied) == (1, 1, True)
    assert (second.created, second.updated) == (0, 2)
    assert dict(Client.objects.values_list("registration_code", "name")) == {
        "91310000OLD": "New name",
        "91310000NEW": "New Co",
    }
    assert Client.objects.get(registration_code="91310000OLD").tier == ClientTier.CORE
    assert Client.objects.get(registration_code="91310000NEW").status == "prospect"


def test_apply_with_a_bad_row_is_refused_and_writes_nothing() -> None:
    token = stored(HEADER + "91310000AAA,Acme,Retail,small,active,,\n91310000BBB,Bad,Retail,huge,active,,\n")
    import_apply_task.apply(args=[token])

    assert not Client.objects.exists()
    assert JobOccurrence.objects.get(task="import apply").status == "refused"
    assert import_report(token, "apply").refused_count == 1


def test_the_admin_flow_upload_check_confirm_apply(client) -> None:
    client.force_login(hr_user())
    response = client.post(
        reverse("admin:clients_client_import"),
        {
            "format": "0",
            "import_file": SimpleUploadedFile("c.csv", (HEADER + "91310000AAA,Acme,Retail,small,,,\n").encode()),
        },
    )
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    assert "Checking every row" in client.get(response.url).content.decode()
    import_check_task.apply(args=[token], task_id=import_jobs(token)["check"])
    assert "Confirm: import every row" in client.get(response.url).content.decode()

    assert client.post(response.url).status_code == 302
    import_apply_task.apply(args=[token], task_id=import_jobs(token)["apply"])
    page = client.get(response.url).content.decode()
    assert "Imported: 1 rows (1 created, 0 updated, 0 unchanged)." in page
    assert Client.objects.get().name == "Acme"
    client.post(response.url)  # a second confirmation starts nothing more
    assert JobOccurrence.objects.filter(task="clients.import_apply").count() <= 1


def test_a_refused_row_is_shown_on_the_import_page_and_cannot_be_confirmed(client) -> None:
    client.force_login(hr_user())
    response = client.post(
        reverse("admin:clients_client_import"),
        {
            "format": "0",
            "import_file": SimpleUploadedFile("c.csv", (HEADER + "91310000AAA,Acme,Retail,huge,,,\n").encode()),
        },
    )
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    import_check_task.apply(args=[token], task_id=import_jobs(token)["check"])
    page = client.get(response.url).content.decode()
    assert "1 of 1 rows is refused: nothing will be imported." in page
    assert "<td>2</td><td>91310000AAA</td>" in page and "huge" in page
    client.post(response.url)
    assert "apply" not in import_jobs(token) and not Client.objects.exists()


def test_an_unknown_import_is_not_found(client) -> None:
    client.force_login(hr_user())
    assert client.get(reverse("admin:clients_client_import_status", args=["0" * 32])).status_code == 404
    assert client.get(reverse("admin:clients_client_import_status", args=["..%2Fetc"])).status_code == 404


def test_dates_are_iso_only_and_an_ambiguous_one_says_so() -> None:
    assert str(import_date("2026-02-01")) == "2026-02-01"
    with pytest.raises(ValueError, match="ambiguous"):
        import_date("01/02/2026")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        import_date("next tuesday")


ROWS = 100_000


def big_file(bad_line: int | None) -> str:
    """ROWS short client rows (the file stays under the 5 MB upload limit); bad_line gets an unknown size."""
    lines = [HEADER]
    for n in range(ROWS):
        size = "huge" if n + 2 == bad_line else "small"
        lines.append(f"C{n:06d},N{n},R,{size},active,,\n")
    return "".join(lines)


def measured(label: str, call):
    """call(); with IMPORT_BENCH=1 its time and tracemalloc peak are printed (tracemalloc slows it down)."""
    trace = os.environ.get("IMPORT_BENCH") == "1"
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    value = call()
    elapsed = time.perf_counter() - started
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"\n{label}: {elapsed:.1f} s, tracemalloc peak {peak / 1024 / 1024:.1f} MiB")
    else:
        print(f"\n{label}: {elapsed:.1f} s")
    return value


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the 100,000-row import runs on PostgreSQL (CI)")
def test_100000_rows_one_bad_row_is_reported_and_nothing_imported_without_it_all_are() -> None:
    bad = stored(big_file(bad_line=50_002))
    report = measured("check 100,000 rows (one bad)", lambda: client_import_run(token=bad, apply=False))
    assert (report.rows, report.refused_count) == (ROWS, 1)
    assert report.refused[0].line == 50_002 and "huge" in report.refused[0].errors["size"][0]
    import_apply_task.apply(args=[bad])
    assert not Client.objects.exists()

    good = stored(big_file(bad_line=None))
    report = measured("check 100,000 rows", lambda: client_import_run(token=good, apply=False))
    assert report.refused_count == 0
    report = measured("apply 100,000 rows", lambda: client_import_run(token=good, apply=True))
    assert (report.created, report.applied) == (ROWS, True)
    assert Client.objects.count() == ROWS


def test_a_gb18030_file_is_read() -> None:
    token = import_store(
        SimpleUploadedFile("c.csv", (HEADER + "91310000AAA,上海贸易,零售,small,active,,\n").encode("gb18030")),
        fmt="csv",
    )
    assert client_import_run(token=token, apply=True).created == 1
    assert Client.objects.get().name == "上海贸易"


def test_the_in_request_import_of_django_import_export_is_closed_for_clients(client) -> None:
    client.force_login(hr_user())
    assert client.post(reverse("admin:clients_client_process_import"), {}).status_code == 404
