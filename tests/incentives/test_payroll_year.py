"""A year of payroll with half-year cycles: twelve monthly runs, each approved before the next, under either choice
of which appraisal pays. No month fails, every employed manager has a statement every month, and every line says
which days and which appraisal (or which rule) it comes from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appraisals.models import Appeal, Appraisal, AppraisalCycle
from core.roles import Role
from incentives.explanation import OWED_BASES, RegularPay, pay_explanation_from_json
from incentives.models import PayStatement, PerformanceBasis
from incentives.services import pay_period_approve, pay_scheme_create, pay_statements_generate
from managers.models import GradeChange
from tests.core.factories import UserFactory
from tests.incentives.factories import (
    AppealFactory,
    ClosedCycleFactory,
    DepartureFactory,
    FinalAppraisalFactory,
    PayPeriodFactory,
)
from tests.managers.factories import AccountManagerFactory, GradeChangeFactory, grade

pytestmark = pytest.mark.django_db

D = Decimal


def _cycle(name: str, start: dt.date, end: dt.date, state: str) -> AppraisalCycle:
    return ClosedCycleFactory(name=name, period_start=start, period_end=end, rating_deadline=end, state=state)


@pytest.fixture
def company():
    """Four managers over 2026, and a fifth hired in August whom no cycle of the year appraises."""
    first = {"performance_rate": D("40"), "performance_cap": D("4000"), "behaviour_rate": D("15")}
    senior = {"performance_rate": D("80"), "performance_floor": D("1000"), "performance_cap": D("6000")}
    h2_2025 = _cycle("2025 H2", dt.date(2025, 7, 1), dt.date(2025, 12, 31), AppraisalCycle.State.CLOSED)
    h1 = _cycle("2026 H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), AppraisalCycle.State.OPEN)
    _cycle("2026 H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), AppraisalCycle.State.OPEN)
    steady = AccountManagerFactory(grade="first")
    hired = AccountManagerFactory(hire_date=dt.date(2026, 3, 16), grade__since=dt.date(2026, 3, 16), grade="first")
    promoted = AccountManagerFactory(grade="first")
    GradeChangeFactory(
        manager=promoted,
        from_grade=grade("first"),
        to_grade=grade("senior"),
        reason=GradeChange.Reason.APPRAISAL,
        effective_date=dt.date(2026, 5, 16),
    )
    leaver = AccountManagerFactory(grade="first")
    DepartureFactory(manager=leaver, last_day=dt.date(2026, 9, 15))
    late = AccountManagerFactory(hire_date=dt.date(2026, 8, 10), grade__since=dt.date(2026, 8, 10), grade="first")
    for manager, score in ((steady, "70"), (promoted, "75"), (leaver, "65")):
        FinalAppraisalFactory(cycle=h2_2025, manager=manager, performance_score=D(score), behaviour_score=D(score))
    appraisals = {
        manager: FinalAppraisalFactory(cycle=h1, manager=manager, performance_score=D(perf), behaviour_score=D(beh))
        for manager, perf, beh in (
            (steady, "80", "75"),
            (hired, "60", "80"),
            (promoted, "90", "85"),
            (leaver, "70", "70"),
        )
    }
    appeal = AppealFactory(appraisal=appraisals[steady])
    return {
        "first": first,
        "senior": senior,
        "h1": h1,
        "appeal": appeal,
        "steady": steady,
        "hired": hired,
        "promoted": promoted,
        "leaver": leaver,
        "late": late,
    }


def _employed(company: dict, month: int) -> set[int]:
    employed = {company["steady"].pk, company["promoted"].pk}
    if month <= 9:
        employed.add(company["leaver"].pk)  # last day 15 September
    if month >= 3:
        employed.add(company["hired"].pk)  # hired 16 March
    if month >= 8:
        employed.add(company["late"].pk)  # hired 10 August
    return employed


def _explained(statement: PayStatement) -> RegularPay:
    """The statement's explanation, checked: every figure adds up and every line says where it comes from."""
    pay = pay_explanation_from_json(statement.explanation)
    assert isinstance(pay, RegularPay)
    assert sum((term.amount for term in pay.terms), D("0")) == pay.total == statement.total
    for term in pay.terms:
        assert sum((part.amount for part in term.parts), D("0")) == term.amount == getattr(statement, term.name)
        for part in term.parts:
            assert part.pays_for is not None and part.days > 0 and part.basis_label
            if term.name != "base_salary":
                assert part.appraisal is not None or part.basis in OWED_BASES | {"no_appraisal_none"}
    return pay


def _lines(pay: RegularPay, term: str) -> list[tuple[str, str]]:
    return [(part.line, part.pays_for.code) for part in pay.term(term).parts]


@pytest.mark.parametrize("basis", [PerformanceBasis.LAST_CLOSED, PerformanceBasis.ARREARS])
def test_a_year_of_monthly_payroll_pays_every_employed_manager_every_month(company, basis) -> None:
    hr = UserFactory(role=Role.HR)
    pay_scheme_create(
        grade=grade("first"), year=2026, behaviour_cap=D("1500"), performance_basis=basis, **company["first"]
    )
    pay_scheme_create(
        grade=grade("senior"),
        year=2026,
        behaviour_rate=D("30"),
        behaviour_cap=D("3000"),
        performance_basis=basis,
        **company["senior"],
    )
    steady, hired, promoted = company["steady"], company["hired"], company["promoted"]
    paid: dict[int, dict[int, RegularPay]] = {}
    for month in range(1, 13):
        if month == 7:  # 2026 H1 closes on 20 July, before July's payroll runs on 1 August
            AppraisalCycle.objects.filter(pk=company["h1"].pk).update(state=AppraisalCycle.State.CLOSED)
        if month == 10:  # the steady manager's appeal is upheld and H1 re-scored: performance 80.00 → 88.00
            Appeal.objects.filter(pk=company["appeal"].pk).update(state=Appeal.State.UPHELD)
            Appraisal.objects.filter(pk=company["appeal"].appraisal_id).update(performance_score=D("88.00"))
        period = PayPeriodFactory(start=dt.date(2026, month, 1))
        pay_statements_generate(period=period)  # never refused: no month waits for an appraisal
        pay_period_approve(period=period, by=hr)
        statements = PayStatement.objects.filter(period=period)
        assert {s.manager_id for s in statements} == _employed(company, month), month
        paid[month] = {s.manager_id: _explained(s) for s in statements}

    # The promotion on 16 May: 15 days first-level, 16 days senior.
    assert [(held.grade, held.days) for held in paid[5][promoted.pk].grades] == [("first", 15), ("senior", 16)]
    # The hire on 16 March: 16 of 31 days of base salary (9000.00 × 16/31 = 4645.161… → 4645.16).
    assert paid[3][hired.pk].term("base_salary").amount == D("4645.16")
    # The late hire, whom no cycle of 2026 appraised, is paid the base salary and waits for an appraisal.
    assert {part.basis for part in paid[12][company["late"].pk].term("performance_pay").parts} <= OWED_BASES

    if basis == PerformanceBasis.LAST_CLOSED:
        # January to June pay the steady manager from 2025 H2 (70 × 40 = 2800.00); July on from 2026 H1.
        assert paid[1][steady.pk].appraisal.cycle_name == "2025 H2"
        assert paid[1][steady.pk].term("performance_pay").amount == D("2800.00")
        assert paid[7][steady.pk].appraisal.cycle_name == "2026 H1"
        # The March hire had no closed appraisal until H1: July catches up March to June.
        assert _lines(paid[7][hired.pk], "performance_pay") == [
            ("month", "2026-07"),
            ("catch_up", "2026-03"),
            ("catch_up", "2026-04"),
            ("catch_up", "2026-05"),
            ("catch_up", "2026-06"),
        ]
        # The upheld appeal: October adjusts July, August and September by (88 − 80) × 40 = 320.00 each.
        adjusted = [p for p in paid[10][steady.pk].term("performance_pay").parts if p.line == "adjustment"]
        assert [(p.pays_for.code, p.amount) for p in adjusted] == [
            ("2026-07", D("320.00")),
            ("2026-08", D("320.00")),
            ("2026-09", D("320.00")),
        ]
    else:
        # In arrears: January to June wait for H1, July catches them up; July to December wait for H2.
        assert paid[1][steady.pk].term("performance_pay").amount == D("0.00")
        assert _lines(paid[7][steady.pk], "performance_pay") == [("month", "2026-07")] + [
            ("catch_up", f"2026-0{month}") for month in range(1, 7)
        ]
        assert paid[12][steady.pk].term("performance_pay").parts[0].basis == "awaiting_cycle"
        # The upheld appeal re-scores H1, which paid January to June: October adjusts those six months.
        adjusted = [p for p in paid[10][steady.pk].term("performance_pay").parts if p.line == "adjustment"]
        assert [p.pays_for.code for p in adjusted] == [f"2026-0{month}" for month in range(1, 7)]
        assert {p.amount for p in adjusted} == {D("320.00")}
    # November has nothing more to adjust.
    assert {p.line for p in paid[11][steady.pk].term("performance_pay").parts} <= {"month"}
