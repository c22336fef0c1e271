"""Payroll export: one row per statement, corrections as their own rows, totals equal to the statements' sum."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from core.roles import Role
from incentives.models import PayPeriod, PayStatement
from incentives.services import pay_adjustment_create, pay_period_approve, pay_period_export, pay_statements_generate
from tests.core.factories import UserFactory
from tests.incentives.factories import ClosedCycleFactory, FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = pytest.mark.django_db

TOTAL_COLUMN = (
    11  # 0-based: period, statement, kind, corrects, employee no, name, department, grades, base, perf, beh, total
)


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


@pytest.fixture
def approved_period(hr) -> PayPeriod:
    """Two first-level managers and one senior, all approved.

    first:  scheme rate 40 cap 4000, behaviour 15 cap 1500, base 9000; scores 80 / 75 → 3200.00 + 1125.00
            total = 9000.00 + 3200.00 + 1125.00 = 13325.00 (each of the two)
    senior: scheme rate 80 cap 6000, behaviour 30 cap 3000, base 12000; scores 80 / 75 → 6000.00 (capped) + 2250.00
            total = 12000.00 + 6000.00 + 2250.00 = 20250.00
    Period total = 13325.00 × 2 + 20250.00 = 46900.00
    """
    PaySchemeFactory(grade=grade("first"))
    PaySchemeFactory(
        grade=grade("senior"),
        performance_rate=Decimal("80"),
        performance_cap=Decimal("6000"),
        behaviour_rate=Decimal("30"),
        behaviour_cap=Decimal("3000"),
    )
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle)
    FinalAppraisalFactory(cycle=cycle)
    FinalAppraisalFactory(cycle=cycle, manager=AccountManagerFactory(grade="senior"))
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    pay_period_approve(period=period, by=hr)
    return period


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheet programs read UTF-8 names correctly
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_totals_row_equals_the_sum_of_the_statements(approved_period) -> None:
    rows = _csv_rows(pay_period_export(period=approved_period, fmt="csv"))
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert header[TOTAL_COLUMN] == "total"
    assert len(body) == 3
    assert totals[TOTAL_COLUMN] == "46900.00"
    assert sum(Decimal(row[TOTAL_COLUMN]) for row in body) == Decimal("46900.00")
    assert sum(PayStatement.objects.values_list("total", flat=True)) == Decimal("46900.00")


def test_xlsx_totals_row_equals_the_sum_of_the_statements(approved_period) -> None:
    sheet = load_workbook(io.BytesIO(pay_period_export(period=approved_period, fmt="xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    body, totals = rows[1:-1], rows[-1]
    assert len(body) == 3
    assert Decimal(str(totals[TOTAL_COLUMN])) == Decimal("46900.00")
    assert sum(Decimal(str(row[TOTAL_COLUMN])) for row in body) == Decimal("46900.00")
    # base + performance + behaviour = total on every row
    for row in body:
        assert sum(Decimal(str(v)) for v in row[8:11]) == Decimal(str(row[TOTAL_COLUMN]))


def test_a_correction_nets_out_in_the_export(approved_period, hr) -> None:
    # The senior's performance pay was 6000.00 and should have been 5800.00: an adjustment of −200.00.
    # Export rows: 13325.00, 13325.00, 20250.00, −200.00 → total 46700.00; the senior nets 20050.00.
    senior_statement = PayStatement.objects.get(grade__code="senior")
    adjustment = pay_adjustment_create(
        statement=senior_statement, by=hr, reason="Cap misapplied", performance_pay=Decimal("-200.00")
    )
    pay_period_approve(period=approved_period, by=hr)

    rows = _csv_rows(pay_period_export(period=approved_period, fmt="csv"))
    body, totals = rows[1:-1], rows[-1]
    assert len(body) == 4
    senior_rows = [row for row in body if row[4] == senior_statement.manager.employee_no]
    assert [row[TOTAL_COLUMN] for row in senior_rows] == ["20250.00", "-200.00"]
    assert senior_rows[1][3] == str(senior_statement.pk)  # the adjustment names the statement it corrects
    assert sum(Decimal(row[TOTAL_COLUMN]) for row in senior_rows) == Decimal("20050.00")
    assert totals[TOTAL_COLUMN] == "46700.00"
    assert adjustment.pk in {int(row[1]) for row in body}


def test_export_marks_the_period_and_statements_exported_and_again_gives_the_same_rows(approved_period) -> None:
    first = pay_period_export(period=approved_period, fmt="csv")
    approved_period.refresh_from_db()
    assert approved_period.state == PayPeriod.State.EXPORTED
    assert set(PayStatement.objects.values_list("state", flat=True)) == {PayStatement.State.EXPORTED}
    assert _csv_rows(pay_period_export(period=approved_period, fmt="csv")) == _csv_rows(first)


def test_export_refuses_a_draft_period_and_unapproved_corrections(approved_period, hr) -> None:
    draft = PayPeriodFactory(code="2026-H2", start="2026-07-01", end="2026-12-31")
    with pytest.raises(ValidationError, match="must be approved"):
        pay_period_export(period=draft)
    pay_adjustment_create(
        statement=PayStatement.objects.first(), by=hr, reason="Late correction", base_salary=Decimal("100")
    )
    with pytest.raises(ValidationError, match="draft statements"):
        pay_period_export(period=approved_period)


def test_an_exported_period_takes_no_more_corrections(approved_period, hr) -> None:
    pay_period_export(period=approved_period)
    with pytest.raises(ValidationError, match="exported"):
        pay_adjustment_create(
            statement=PayStatement.objects.first(), by=hr, reason="Too late", base_salary=Decimal("100")
        )
