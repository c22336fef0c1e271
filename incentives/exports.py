"""The payroll file of a pay period: one row per statement (adjustments as their own rows) and a totals row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from incentives.models import PayPeriod, PayStatement
from incentives.money import CURRENCY, ZERO, money


def payroll_header() -> list[str]:
    return [
        _("pay period"),
        _("statement"),
        _("kind"),
        _("corrects statement"),
        _("employee number"),
        _("account manager"),
        _("department"),
        _("grades used"),
        _("base salary"),
        _("performance pay"),
        _("behaviour component"),
        _("total"),
        _("currency"),
    ]


def _amounts(statement: PayStatement) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The money columns of a statement's row: its three terms and its total."""
    return (statement.base_salary, statement.performance_pay, statement.behaviour_component, statement.total)


def payroll_rows(*, period: PayPeriod, statements: Iterable[PayStatement]) -> list[list[object]]:
    """Header, one row per statement, and a totals row that is the sum of the rows above it."""
    rows: list[list[object]] = [payroll_header()]
    totals = [ZERO, ZERO, ZERO, ZERO]
    for statement in statements:
        manager = statement.manager
        amounts = _amounts(statement)
        rows.append(
            [
                period.code,
                statement.pk,
                statement.get_kind_display(),
                statement.adjusts_id or "",
                manager.employee_no,
                manager.name,
                manager.department.name,
                statement.grades_used,  # the grade codes as generation wrote them, e.g. "first → senior"
                *amounts,
                statement.currency,
            ]
        )
        totals = [total + amount for total, amount in zip(totals, amounts, strict=True)]
    rows.append([period.code, "", _("Total"), "", "", "", "", "", *(money(total) for total in totals), CURRENCY])
    return rows


def render_csv(rows: list[list[object]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([f"{value:.2f}" if isinstance(value, Decimal) else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(rows: list[list[object]]) -> bytes:
    """An XLSX workbook with the amounts as numbers to two decimals (values, not formulas: the file is the record)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Payroll")
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in sheet.iter_cols(min_col=9, max_col=12, min_row=2):
        for cell in column:
            cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
