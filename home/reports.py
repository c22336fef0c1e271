"""The one-page reports as spreadsheet rows: an appraisal with its explanation, a pay statement with its terms.

The same figures as the printable pages, read from the typed explanations (no rater is named)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from appraisals.explanation import Explanation
from appraisals.models import Appraisal
from incentives.explanation import RegularPay
from incentives.selectors import PayStatementRow


def appraisal_report_rows(*, appraisal: Appraisal, explanation: Explanation) -> list[list[Any]]:
    """Who and which cycle, then every indicator with its score and contribution, the dimensions, the spot-check
    effect and the total."""
    rows: list[list[Any]] = [
        [_("Appraisal report")],
        [_("account manager"), appraisal.manager.name, _("employee number"), appraisal.manager.employee_no],
        [
            _("appraisal cycle"),
            appraisal.cycle.name,
            _("period"),
            f"{appraisal.cycle.period_start} – {appraisal.cycle.period_end}",
        ],
        [_("grade"), str(appraisal.grade or ""), _("department"), appraisal.manager.department.name],
        [_("total score"), appraisal.total_score, _("band"), appraisal.get_band_display()],
        [],
        [_("dimension"), _("indicator"), _("kind"), _("weight"), _("score"), _("contribution to total")],
    ]
    for dimension in explanation.dimensions:
        for line in dimension.indicators:
            name = f"{line.code} {line.name}"
            rows.append([dimension.label, name, line.kind_label, line.weight, line.score, line.contribution])
        rows.append(
            [
                dimension.label,
                _("Dimension contribution"),
                "",
                dimension.weight,
                dimension.score,
                dimension.contribution,
            ]
        )
    rows.append([_("spot-check effect"), "", "", "", "", explanation.spot_check_effect])
    rows.append([_("total score"), "", "", "", "", explanation.computed_total])
    return rows


def pay_statement_report_rows(*, row: PayStatementRow) -> list[list[Any]]:
    """Period, manager, each term and the total, and (for a regular statement) how each term was computed."""
    statement = row.statement
    rows: list[list[Any]] = [
        [_("Pay statement")],
        [_("account manager"), statement.manager.name, _("employee number"), statement.manager.employee_no],
        [_("pay period"), statement.period.code, _("period"), f"{statement.period.start} – {statement.period.end}"],
        [_("kind"), statement.get_kind_display(), _("state"), statement.get_state_display()],
        [_("grades used"), row.grades_label],
        [],
        [_("term"), _("amount"), _("currency")],
        [_("base salary"), statement.base_salary, statement.currency],
        [_("performance pay"), statement.performance_pay, statement.currency],
        [_("behaviour component"), statement.behaviour_component, statement.currency],
        [_("total"), statement.total, statement.currency],
    ]
    if isinstance(row.explanation, RegularPay) and row.explanation.terms:
        rows += [[], [_("term"), _("grade"), _("formula"), _("amount")]]
        for term in row.explanation.terms:
            for part in term.parts:
                rows.append([term.label, part.grade_label, part.formula, part.amount])
    return rows
