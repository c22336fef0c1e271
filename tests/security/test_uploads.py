"""Uploads: the admin's CSV/XLSX import refuses a forged type and an oversize file, saying why, and imports nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.admin import IMPORT_MAX_BYTES
from clients.imports import import_jobs
from clients.models import Client
from clients.tasks import import_check_task
from tests.appraisals.factories_results import hr_user

pytestmark = pytest.mark.django_db

GOOD = b"registration_code,name,industry,size,status,address,tier\n91310000AAA,Acme Trading,Retail,small,active,,\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def format_index(client, title: str) -> str:
    """The import page's choice value of a format (its position in the admin's list of formats)."""
    form = client.get(reverse("admin:clients_client_import")).context["form"]
    return next(value for value, label in form.fields["format"].choices if label.lower() == title)


def upload(client, name: str, content: bytes, fmt: str):
    data = {"format": format_index(client, fmt), "import_file": SimpleUploadedFile(name, content)}
    return client.post(reverse("admin:clients_client_import"), data)


def checked(client, response) -> str:
    """Run the check job the upload started; the import page's text after it."""
    assert response.status_code == 302
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    import_check_task.apply(args=[token], task_id=import_jobs(token)["check"])
    return client.get(response.url).content.decode()


@pytest.fixture
def hr(client):
    client.force_login(hr_user())
    return client


def test_only_csv_and_xlsx_are_offered(hr) -> None:
    form = hr.get(reverse("admin:clients_client_import")).context["form"]
    assert [label for _value, label in form.fields["format"].choices] == ["csv", "xlsx"]
    for name in ("assignment", "businessrecord"):
        page = hr.get(reverse(f"admin:clients_{name}_import")).context["form"]
        assert [label.lower() for _value, label in page.fields["format"].choices] == ["csv", "xlsx"]


def test_a_genuine_csv_passes_the_check_and_is_checked_by_a_job(hr) -> None:
    page = checked(hr, upload(hr, "clients.csv", GOOD, "csv"))
    assert "1 row checked: it is valid." in page
    assert "not a CSV" not in page
    assert not Client.objects.exists()  # nothing is written before HR confirms


def test_an_executable_renamed_to_csv_is_refused(hr) -> None:
    response = upload(hr, "clients.csv", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "csv")
    assert "This file is not a CSV text file" in response.content.decode()
    assert not Client.objects.exists()


def test_a_pdf_sent_as_xlsx_is_refused(hr) -> None:
    response = upload(hr, "clients.xlsx", b"%PDF-1.7\n" + b"x" * 100, "xlsx")
    assert "This file is not an XLSX workbook" in response.content.decode()


def test_a_real_workbook_passes_as_xlsx(hr) -> None:
    workbook = openpyxl.Workbook()
    for row in GOOD.decode().strip().split("\n"):
        workbook.active.append(row.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = checked(hr, upload(hr, "clients.xlsx", buffer.getvalue(), "xlsx"))
    assert "This file is not" not in page
    assert "1 row checked: it is valid." in page


def test_a_file_over_5_mb_is_refused_with_its_size(hr) -> None:
    big = GOOD + b"9" * (IMPORT_MAX_BYTES + 1)
    response = upload(hr, "clients.csv", big, "csv")
    assert "the limit is 5 MB" in response.content.decode()
    assert not Client.objects.exists()
