"""HR's admin: reassignment through the service, read-only history and tier, CSV upload, fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.imports import import_jobs
from clients.models import Assignment, Client
from clients.services import assignment_create
from clients.tasks import import_check_task
from clients.tiering import tiering_run
from core.choices import ClientTier
from tests.clients.factories import BusinessRecordFactory, ClientFactory, InteractionFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The factories give every user a password; the production hasher takes seconds per user on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_adding_an_assignment_in_the_admin_obeys_the_grade_rule(admin_client) -> None:
    client = ClientFactory(tier=ClientTier.CORE)
    trainee = AccountManagerFactory(grade="trainee")

    response = admin_client.post(
        reverse("admin:clients_assignment_add"),
        {"client": client.pk, "manager": trainee.pk, "start": "2026-03-01", "reason": "try"},
    )

    assert response.status_code == 200  # the form again, with the service's message
    assert "A trainee account manager may not serve core clients" in response.content.decode()
    assert not Assignment.objects.exists()


def test_reassigning_in_the_admin_ends_the_old_row_and_opens_a_new_one(admin_client, admin_user) -> None:
    client = ClientFactory()
    old_manager, new_manager = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="first")
    old = assignment_create(client=client, manager=old_manager, start=dt.date(2026, 1, 1), reason="initial")

    response = admin_client.post(
        reverse("admin:clients_assignment_add"),
        {"client": client.pk, "manager": new_manager.pk, "start": "2026-04-01", "reason": "workload"},
    )

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.end == dt.date(2026, 3, 31)
    new = client.assignments.get(end__isnull=True)
    assert (new.manager, new.created_by) == (new_manager, admin_user)


def test_assignments_cannot_be_edited_in_place(admin_client) -> None:
    client = ClientFactory()
    assignment = assignment_create(
        client=client, manager=AccountManagerFactory(grade="senior"), start=dt.date(2026, 1, 1), reason="initial"
    )

    response = admin_client.post(
        reverse("admin:clients_assignment_change", args=[assignment.pk]),
        {"client": client.pk, "manager": assignment.manager_id, "start": "2025-01-01", "reason": "rewrite"},
    )

    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.start == dt.date(2026, 1, 1)


def test_the_tier_cannot_be_set_in_the_admin(admin_client) -> None:
    client = ClientFactory()
    data = {
        "name": "Renamed",
        "registration_code": client.registration_code,
        "industry": client.industry,
        "size": client.size,
        "status": client.status,
        "address": "",
        "tier": ClientTier.CORE,
        # management forms of the inlines: contacts (editable), assignment and tier history (read-only)
        **{
            f"{prefix}-{key}": 0
            for prefix in ("contacts", "assignments", "tier_changes")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }

    response = admin_client.post(reverse("admin:clients_client_change", args=[client.pk]), data)

    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.name, client.tier) == ("Renamed", ClientTier.ORDINARY)


def test_a_bad_csv_uploaded_in_the_admin_lists_every_bad_row_and_imports_nothing(admin_client) -> None:
    upload = SimpleUploadedFile(
        "clients.csv",
        b"registration_code,name,industry,size,status,address\n"
        b"R1,Good,Retail,small,active,\nR2,Bad size,Retail,huge,active,\nR3,Bad status,Retail,small,zzz,\n",
        content_type="text/csv",
    )

    response = admin_client.post(reverse("admin:clients_client_import"), {"import_file": upload, "format": "0"})
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    import_check_task.apply(args=[token], task_id=import_jobs(token)["check"])  # the check job

    page = admin_client.get(response.url).content.decode()
    assert "2 of 3 rows are refused: nothing will be imported." in page
    assert "huge" in page and "zzz" in page
    assert "Confirm: import every row" not in page
    assert not Client.objects.exists()


def changelist_queries(admin_client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert admin_client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("admin_url", ["admin:clients_assignment_changelist", "admin:clients_interaction_changelist"])
def test_list_pages_do_not_query_per_row(admin_client, admin_url) -> None:
    def add_rows(n: int) -> None:
        for _ in range(n):
            client = ClientFactory()
            manager = AccountManagerFactory(grade="senior")
            assignment_create(client=client, manager=manager, start=dt.date(2026, 1, 1), reason="initial")
            InteractionFactory(client=client, manager=manager)

    url = reverse(admin_url)
    add_rows(2)
    few = changelist_queries(admin_client, url)
    add_rows(4)
    many = changelist_queries(admin_client, url)

    assert many == few


def test_a_tiering_run_page_lists_the_clients_needing_reassignment(admin_client) -> None:
    client = ClientFactory(name="Big Client")
    second = AccountManagerFactory(grade="second")
    assignment_create(client=client, manager=second, start=dt.date(2026, 1, 1), reason="initial")
    BusinessRecordFactory(client=client, month=dt.date(2026, 5, 1))
    run = tiering_run(today=dt.date(2026, 11, 23))

    response = admin_client.get(reverse("admin:clients_tieringrun_change", args=[run.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Big Client" in page and second.employee_no in page and "second-level account manager" in page
