"""Exports and printable reports: the same visibility as the pages, the same filters, files a spreadsheet opens."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.choices import ClientTier
from core.roles import Role
from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory
from tests.clients.factories import AssignmentFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    assert "attachment" in response["Content-Disposition"]
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_clients_export_has_the_list_filters_and_only_the_users_clients(client) -> None:
    me = AccountManagerFactory(grade="senior")
    AssignmentFactory(manager=me, client__name="Core One", client__tier=ClientTier.CORE)
    AssignmentFactory(manager=me, client__name="Key One", client__tier=ClientTier.KEY)
    AssignmentFactory(client__name="Someone Else's", client__tier=ClientTier.CORE)
    client.force_login(me.user)

    everything = csv_rows(client.get(reverse("reports:clients"), {"export": "csv"}))
    core = csv_rows(client.get(reverse("reports:clients"), {"export": "csv", "tier": "core"}))

    assert everything[0][:2] == ["name", "registration code"]
    assert sorted(row[0] for row in everything[1:]) == ["Core One", "Key One"]
    assert [row[0] for row in core[1:]] == ["Core One"]


def test_clients_xlsx_keeps_numbers_and_neutralises_formulas(client) -> None:
    me = AccountManagerFactory(grade="senior")
    AssignmentFactory(manager=me, client__name='=HYPERLINK("http://evil")')
    client.force_login(me.user)
    rows = xlsx_rows(client.get(reverse("reports:clients"), {"export": "xlsx"}))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][-1] == 0  # volume this year, a number
    csv_name = csv_rows(client.get(reverse("reports:clients"), {"export": "csv"}))[1][0]
    assert csv_name.startswith("'=")


def test_unknown_export_format_is_not_found(client) -> None:
    client.force_login(AccountManagerFactory(grade="senior").user)
    assert client.get(reverse("reports:clients"), {"export": "pdf"}).status_code == 404


def test_cycle_results_export_is_for_hr_ranked_and_filtered(client) -> None:
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle, manager__grade="first", total=Decimal("70"))
    best = FinalAppraisalFactory(cycle=cycle, manager__grade="second", total=Decimal("93"))
    FinalAppraisalFactory(cycle=cycle, manager__grade="second", total=Decimal("60"))
    client.force_login(AccountManagerFactory(grade="senior").user)
    assert client.get(reverse("reports:cycle_results"), {"cycle": cycle.pk}).status_code == 403

    client.force_login(UserFactory(role=Role.HR))
    rows = csv_rows(client.get(reverse("reports:cycle_results"), {"cycle": cycle.pk, "export": "csv"}))
    assert [row[9] for row in rows[1:]] == ["93.00", "70.00", "60.00"]  # total score, best first
    second = xlsx_rows(
        client.get(reverse("reports:cycle_results"), {"cycle": cycle.pk, "grade": best.grade_id, "export": "xlsx"})
    )
    assert [(row[0], row[1]) for row in second[1:]] == [(1, best.manager.employee_no), (2, second[2][1])]
    assert len(second) == 3


def test_appraisal_report_same_access_as_the_appraisal_page(client) -> None:
    appraisal = FinalAppraisalFactory(total=Decimal("86"))
    url = reverse("reports:appraisal", args=[appraisal.pk])
    client.force_login(AccountManagerFactory(grade="second").user)  # a colleague outside the line
    assert client.get(url).status_code == 404

    client.force_login(appraisal.manager.user)
    page = client.get(url)
    assert page.status_code == 200 and "86.00" in page.content.decode()
    rows = xlsx_rows(client.get(url, {"export": "xlsx"}))
    assert ("total score", None, None, None, None, 86) in rows  # the sum of the contributions, as a number


def test_pay_statement_report_only_for_its_owner_and_hr(client) -> None:
    statement = PayStatementFactory(total=Decimal("13325.00"))
    url = reverse("reports:pay_statement", args=[statement.pk])
    client.force_login(AccountManagerFactory(grade="first").user)
    assert client.get(url).status_code == 404

    client.force_login(statement.manager.user)
    assert "CNY 13,325.00" in client.get(url).content.decode()  # the total, in the format filters' money
    client.force_login(UserFactory(role=Role.HR))
    rows = xlsx_rows(client.get(url, {"export": "xlsx"}))
    assert ("total", 13325, "CNY") in [tuple(row[:3]) for row in rows]
