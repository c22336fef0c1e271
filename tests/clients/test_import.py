"""CSV import (through the import jobs' runner) and export of clients and assignments: all or nothing, every bad
line reported with its number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.imports import ImportReport, import_report, import_run, import_store
from clients.models import Assignment, Client
from clients.resources import AssignmentResource, ClientResource
from core.choices import ClientTier
from tests.clients.factories import ClientFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The factories give every user a password; the production hasher takes seconds per user on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def imported(kind: str, text: str) -> ImportReport:
    """Apply the file as the import's apply job does; the report (a refused file raises, having written nothing)."""
    token = import_store(SimpleUploadedFile("f.csv", (text.strip() + "\n").encode()), fmt="csv", kind=kind)
    try:
        return import_run(token=token, apply=True)
    except ValidationError:
        return import_report(token, "apply")


def import_errors(report: ImportReport) -> list[str]:
    """Every refused row as "line N: column: reasons", N counted in the file (the header is line 1)."""
    return [
        f"line {row.line}: " + "; ".join(f"{name}: {' '.join(messages)}" for name, messages in row.errors.items())
        for row in report.refused
    ]


GOOD_CLIENTS = """
registration_code,name,industry,size,status,address,tier
91310000AAA,Acme Trading,Retail,small,active,Shanghai,core
91310000BBB,Borealis Steel,Manufacturing,large,prospect,,
"""


def test_a_good_client_file_imports_and_never_sets_the_tier() -> None:
    result = imported("clients", GOOD_CLIENTS)

    assert import_errors(result) == []
    acme = Client.objects.get(registration_code="91310000AAA")
    assert (acme.name, acme.size, acme.status) == ("Acme Trading", "small", "active")
    assert acme.tier == ClientTier.ORDINARY  # the tier column is ignored: only the 80/20 tiering sets it
    assert Client.objects.count() == 2


def test_a_client_file_with_bad_lines_imports_nothing_and_names_every_bad_line() -> None:
    ClientFactory(registration_code="91310000OLD", name="Old name")
    text = """
registration_code,name,industry,size,status,address
91310000OLD,New name,Retail,small,active,
91310000CCC,Good Co,Retail,huge,active,
,No Code Ltd,Retail,small,active,
91310000DDD,Fine Co,Retail,small,active,
91310000DDD,Twice Co,Retail,small,active,
91310000EEE,,Retail,small,sleeping,
"""
    result = imported("clients", text)

    errors = import_errors(result)
    # File lines: 1 header, 2 OLD (fine), 3 CCC bad size, 4 no code, 5 DDD (fine), 6 DDD again, 7 EEE no name + status
    assert [error.split(":")[0] for error in errors] == ["line 3", "line 4", "line 6", "line 7"]
    assert "'huge' is not a valid choice" in errors[0]
    assert "registration_code: This column is required." in errors[1]
    assert "appears twice in the file" in errors[2]
    assert "name: This field cannot be blank." in errors[3] and "'sleeping' is not a valid choice" in errors[3]
    # Nothing changed, not even the good lines.
    assert list(Client.objects.values_list("registration_code", "name")) == [("91310000OLD", "Old name")]


@pytest.fixture
def people():
    senior = AccountManagerFactory(grade="senior", employee_no="S001")
    trainee = AccountManagerFactory(grade="trainee", employee_no="T001")
    core = ClientFactory(registration_code="CORE1", tier=ClientTier.CORE)
    plain = ClientFactory(registration_code="PLAIN1")
    return senior, trainee, core, plain


def test_a_good_assignment_file_goes_through_the_rules(people) -> None:
    senior, trainee, core, plain = people
    text = """
client,manager,start,reason
CORE1,S001,2026-01-01,initial
PLAIN1,T001,2026-01-01,initial
PLAIN1,S001,2026-06-01,trainee overloaded
"""
    result = imported("assignments", text)

    assert import_errors(result) == []
    history = list(plain.assignments.order_by("start").values_list("manager__employee_no", "start", "end"))
    # The third line is a reassignment: the trainee's row ends the day before, a new row opens.
    assert history == [("T001", dt.date(2026, 1, 1), dt.date(2026, 5, 31)), ("S001", dt.date(2026, 6, 1), None)]
    assert core.assignments.get().manager == senior


def test_an_assignment_file_with_bad_lines_imports_nothing_and_names_every_bad_line(people) -> None:
    text = """
client,manager,start,reason
PLAIN1,S001,2026-01-01,fine on its own
CORE1,T001,2026-01-01,a trainee may not serve a core client
NOPE,S001,2026-01-01,unknown client
CORE1,X999,2026-01-01,unknown manager
CORE1,S001,01/02/2026x,bad date
CORE1,S001,2026-01-01,
PLAIN1,T001,2025-12-01,starts before the current assignment
"""
    result = imported("assignments", text)

    errors = import_errors(result)
    assert [error.split(":")[0] for error in errors] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8)]
    assert "A trainee account manager may not serve core clients" in errors[0]
    assert "No client has the registration code “NOPE”" in errors[1]
    assert "No account manager has the staff number “X999”" in errors[2]
    assert "start:" in errors[3]
    assert "reason: This column is required." in errors[4]
    assert "before the current one" in errors[5]
    assert not Assignment.objects.exists()


def test_export_contains_every_row(people, django_assert_max_num_queries) -> None:
    senior, trainee, core, plain = people
    imported("assignments", "client,manager,start,reason\nCORE1,S001,2026-01-01,initial\n")
    imported("assignments", "client,manager,start,reason\nPLAIN1,T001,2026-01-01,initial\n")

    with django_assert_max_num_queries(1):  # the assignments joined to client, manager and user: one query
        exported = AssignmentResource().export(Assignment.objects.order_by("client__registration_code"))

    assert exported.headers == ["client", "client_name", "manager", "manager_name", "start", "end", "reason"]
    assert [row[0] for row in exported] == ["CORE1", "PLAIN1"]
    assert exported[1][2] == "T001" and exported[1][3] == trainee.name
    clients = ClientResource().export()
    assert {row[0] for row in clients} == {"CORE1", "PLAIN1"}
    assert {row[0]: row[6] for row in clients}["CORE1"] == "core"


def test_an_ambiguous_assignment_date_is_a_row_error_not_a_guess(people) -> None:
    result = imported("assignments", "client,manager,start,reason\nCORE1,S001,01/02/2026,initial\n")

    errors = import_errors(result)
    assert len(errors) == 1 and errors[0].startswith("line 2")
    assert "ambiguous" in errors[0] and "YYYY-MM-DD" in errors[0]
    assert not Assignment.objects.exists()
