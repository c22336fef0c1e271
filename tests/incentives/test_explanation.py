"""The pay explanation as a typed value: written once as JSON, read back the same, and stored ones still read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.roles import Role
from incentives.explanation import (
    AppraisalScores,
    GradeHeld,
    PayAdjustment,
    PeriodShown,
    RegularPay,
    Term,
    TermAmounts,
    TermInput,
    TermPart,
    pay_explanation_from_json,
)
from incentives.models import PayStatement
from incentives.selectors import pay_statement_row, pay_statements_of_manager
from incentives.services import pay_adjustment_create, pay_period_approve, pay_statements_generate
from managers.models import GradeChange
from tests.core.factories import UserFactory
from tests.incentives.factories import FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory, PayStatementFactory
from tests.managers.factories import AccountManagerFactory, GradeChangeFactory, grade

# A regular statement as generation stored it before the explanation had a schema version, with its inputs in the
# order PostgreSQL's jsonb returns an object's keys (shortest first), not the order they were written in.
STORED_REGULAR = {
    "kind": "regular",
    "currency": "CNY",
    "period": {"code": "2026-H1", "start": "2026-01-01", "end": "2026-06-30", "days": 181},
    "appraisal": {
        "id": 4,
        "cycle": 2,
        "performance_score": "85.50",
        "behaviour_score": "90.00",
        "total_score": "87.00",
        "band": "good",
    },
    "prorated": True,
    "grades": [
        {"grade": "first", "from": "2026-01-01", "to": "2026-03-31", "days": 90, "scheme": {"id": 1, "year": 2026}},
        {"grade": "senior", "from": "2026-04-01", "to": "2026-06-30", "days": 91, "scheme": {"id": 2, "year": 2026}},
    ],
    "terms": {
        "base_salary": {
            "parts": [
                {"grade": "first", "inputs": {"base_salary": "9000.00"}, "full_period": "9000.00", "days": 90,
                 "period_days": 181, "formula": "9000.00; 9000.00 × 90/181 = 4475.14", "amount": "4475.14"},
                {"grade": "senior", "inputs": {"base_salary": "12000.00"}, "full_period": "12000.00", "days": 91,
                 "period_days": 181, "formula": "12000.00; 12000.00 × 91/181 = 6033.15", "amount": "6033.15"},
            ],
            "amount": "10508.29",
            "formula": "4475.14 + 6033.15 = 10508.29",
        },
        "performance_pay": {
            "parts": [
                {"grade": "senior", "inputs": {"cap": "6000.00", "rate": "80.00", "floor": "1000.00",
                                               "performance_score": "85.50"},
                 "full_period": "6000.00", "days": 181, "period_days": 181,
                 "formula": "clamp(85.50 × 80.00 = 6840.00, 1000.00, 6000.00) = 6000.00", "amount": "6000.00"},
            ],
            "amount": "6000.00",
            "formula": "",
        },
    },
    "total": {"amount": "16508.29", "formula": "10508.29 + 6000.00 = 16508.29"},
}  # fmt: skip

STORED_ADJUSTMENT = {
    "kind": "adjustment",
    "currency": "CNY",
    "adjusts": {"id": 9, "period": "2026-H1", "total": "13325.00"},
    "differences": {"base_salary": "0.00", "performance_pay": "-200.01", "behaviour_component": "0.00"},
    "corrected": {"base_salary": "9000.00", "performance_pay": "2999.99", "behaviour_component": "1125.00",
                  "total": "13124.99"},
    "total": {"amount": "-200.01", "formula": "0.00 + -200.01 + 0.00 = -200.01"},
}  # fmt: skip


def test_todays_stored_regular_shape_reads_typed() -> None:
    pay = pay_explanation_from_json(STORED_REGULAR)
    assert isinstance(pay, RegularPay) and pay.schema_version == 1
    assert pay.period == PeriodShown("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), 181)
    assert pay.appraisal.performance_score == Decimal("85.50") and pay.appraisal.total_score == Decimal("87.00")
    assert pay.grades_used == ("first", "senior")
    assert pay.grades[1] == GradeHeld("senior", dt.date(2026, 4, 1), dt.date(2026, 6, 30), 91, 2, 2026)
    assert [term.name for term in pay.terms] == ["base_salary", "performance_pay"]
    assert pay.term("base_salary").amount == Decimal("10508.29")
    (part,) = pay.term("performance_pay").parts
    assert [(given.name, str(given.value)) for given in part.inputs] == [
        ("performance_score", "85.50"),
        ("rate", "80.00"),
        ("floor", "1000.00"),
        ("cap", "6000.00"),
    ]
    assert (pay.total, pay.total_formula) == (Decimal("16508.29"), "10508.29 + 6000.00 = 16508.29")


def test_todays_stored_adjustment_shape_reads_typed_and_writes_back_as_it_was() -> None:
    pay = pay_explanation_from_json(STORED_ADJUSTMENT)
    assert isinstance(pay, PayAdjustment)
    assert (pay.adjusts_id, pay.adjusts_period, pay.adjusts_total) == (9, "2026-H1", Decimal("13325.00"))
    assert pay.differences.performance_pay == Decimal("-200.01")
    assert (pay.corrected.performance_pay, pay.corrected_total) == (Decimal("2999.99"), Decimal("13124.99"))
    assert pay.to_json() == {"schema_version": 1, **STORED_ADJUSTMENT}


def test_from_json_of_to_json_gives_the_same_explanation() -> None:
    regular = RegularPay(
        period=PeriodShown("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), 181),
        appraisal=AppraisalScores(4, 2, Decimal("85.50"), Decimal("90.00"), None, "good"),
        prorated=False,
        grades=(GradeHeld("first", dt.date(2026, 1, 1), dt.date(2026, 6, 30), 181, 1, 2026),),
        terms=(
            Term(
                "behaviour_component",
                (
                    TermPart(
                        "first",
                        (TermInput("behaviour_score", Decimal("90.00")), TermInput("rate", Decimal("15.00"))),
                        Decimal("1350.00"),
                        181,
                        181,
                        "clamp(90.00 × 15.00 = 1350.00, 0.00, 1500.00) = 1350.00",
                        Decimal("1350.00"),
                    ),
                ),
                Decimal("1350.00"),
                "",
            ),
        ),
        total=Decimal("1350.00"),
        total_formula="1350.00 = 1350.00",
    )
    assert pay_explanation_from_json(regular.to_json()) == regular
    adjustment = PayAdjustment(
        adjusts_id=9,
        adjusts_period="2026-H1",
        adjusts_total=Decimal("13325.00"),
        differences=TermAmounts(Decimal("100.00"), Decimal("0.00"), Decimal("0.00")),
        corrected=TermAmounts(Decimal("9100.00"), Decimal("3200.00"), Decimal("1125.00")),
        corrected_total=Decimal("13425.00"),
        total=Decimal("100.00"),
        total_formula="100.00 + 0.00 + 0.00 = 100.00",
    )
    assert pay_explanation_from_json(adjustment.to_json()) == adjustment


@pytest.mark.django_db
def test_a_generated_statement_reads_back_as_it_was_computed_and_its_grades_are_a_list() -> None:
    PaySchemeFactory(grade=grade("first"))
    PaySchemeFactory(grade=grade("senior"))
    manager = AccountManagerFactory(grade="first")
    GradeChangeFactory(
        manager=manager,
        from_grade=grade("first"),
        to_grade=grade("senior"),
        reason=GradeChange.Reason.APPRAISAL,
        effective_date=dt.date(2026, 7, 16),
    )
    FinalAppraisalFactory(manager=manager, performance_score=Decimal("80.00"), behaviour_score=Decimal("75.00"))
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    statement = PayStatement.objects.get(manager=manager)

    pay = pay_explanation_from_json(statement.explanation)
    assert pay.to_json() == statement.explanation
    assert pay.grades_used == ("first", "senior") and [held.days for held in pay.grades] == [15, 16]
    assert sum((term.amount for term in pay.terms), Decimal("0")) == pay.total == statement.total
    assert [term.amount for term in pay.terms] == [
        statement.base_salary,
        statement.performance_pay,
        statement.behaviour_component,
    ]

    pay_period_approve(period=period, by=UserFactory(role=Role.HR))
    pay_adjustment_create(
        statement=statement, by=UserFactory(role=Role.HR), reason="correction", base_salary=Decimal("10")
    )
    rows = {row.statement.kind: row for row in pay_statements_of_manager(manager=manager)}
    regular, adjustment = rows["regular"], rows["adjustment"]
    assert isinstance(adjustment.explanation, PayAdjustment)
    # An adjustment names the grades of the statement it corrects.
    assert adjustment.grades == regular.grades == pay.grades
    assert regular.grades_label == "first-level account manager → senior account manager"


@pytest.mark.django_db
def test_a_statement_without_a_stored_explanation_shows_the_grade_it_ends_in() -> None:
    row = pay_statement_row(PayStatementFactory())
    assert row.grades == () and row.grades_label == "first-level account manager"


def test_the_first_schema_version_reads_with_each_line_given_its_days_and_appraisal() -> None:
    pay = pay_explanation_from_json(STORED_REGULAR)
    base_first, base_senior = pay.term("base_salary").parts
    assert (base_first.pays_for.start, base_first.pays_for.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert (base_first.basis, base_first.appraisal) == ("days_in_grade", None)
    (performance,) = pay.term("performance_pay").parts
    assert performance.appraisal == pay.appraisal and performance.basis == "covering_cycle"
    assert performance.pays_for.code == "2026-H1" and performance.line == "month"


def test_a_catch_up_line_writes_and_reads_back_the_same() -> None:
    used = AppraisalScores(4, 2, Decimal("80.00"), Decimal("70.00"), Decimal("76.00"), "good", "2026 H1", True)
    line = TermPart(
        "first",
        (TermInput("performance_score", Decimal("80.00")), TermInput("rate", Decimal("40.00"))),
        Decimal("3200.00"),
        21,
        31,
        "clamp(80.00 × 40.00 = 3200.00, 0.00, 4000.00) = 3200.00; 3200.00 × 21/31 = 2167.74; 2167.74 − 0.00 = 2167.74",
        Decimal("2167.74"),
        line="catch_up",
        pays_for=PeriodShown("2026-05", dt.date(2026, 5, 11), dt.date(2026, 5, 31), 21),
        appraisal=used,
        basis="catch_up",
    )
    assert TermPart.from_json(line.to_json()) == line
    assert line.days_label == "2026-05: 2026-05-11 – 2026-05-31 (21 days)"
    assert "under appeal" in line.appraisal_label and "2026 H1" in line.basis_label
