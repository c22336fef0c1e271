"""Pay statements: monthly generation, proration on promotion, idempotency, approval, corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appraisals.models import Appraisal
from core.models import JobRun
from core.roles import Role
from incentives.explanation import pay_explanation_from_json
from incentives.models import PayPeriod, PayStatement
from incentives.services import (
    pay_adjustment_create,
    pay_period_approve,
    pay_scheme_create,
    pay_statement_approve,
    pay_statements_generate,
)
from incentives.tasks import pay_statements_generate_task
from managers.models import GradeChange
from tests.core.factories import UserFactory
from tests.incentives.factories import (
    ClosedCycleFactory,
    FinalAppraisalFactory,
    PayPeriodFactory,
)
from tests.managers.factories import AccountManagerFactory, GradeChangeFactory, grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


@pytest.fixture
def schemes_2026():
    """The 2026 schemes of the worked example; base salaries default to the grades' (first 9000, senior 12000)."""
    first = pay_scheme_create(
        grade=grade("first"),
        year=2026,
        performance_rate=Decimal("40.00"),
        performance_cap=Decimal("4000.00"),
        behaviour_rate=Decimal("15.00"),
        behaviour_cap=Decimal("1500.00"),
    )
    senior = pay_scheme_create(
        grade=grade("senior"),
        year=2026,
        performance_rate=Decimal("80.00"),
        performance_floor=Decimal("1000.00"),
        performance_cap=Decimal("6000.00"),
        behaviour_rate=Decimal("30.00"),
        behaviour_cap=Decimal("3000.00"),
    )
    return first, senior


def test_scheme_base_salary_defaults_to_the_grade_and_is_kept(schemes_2026) -> None:
    first, senior = schemes_2026
    assert (first.base_salary, senior.base_salary) == (Decimal("9000.00"), Decimal("12000.00"))
    first_grade = grade("first")
    first_grade.base_salary = Decimal("9500.00")
    first_grade.save()
    first.refresh_from_db()
    assert first.base_salary == Decimal("9000.00")  # the year's scheme does not follow a later change


def test_mid_month_promotion_worked_example_matches_to_the_cent(schemes_2026) -> None:
    # A first-level manager promoted to senior on 2026-07-16; pay period 2026-07 = 31 days:
    #   first-level 1–15 July = 15 days; senior 16–31 July = 16 days. Paid from the latest closed appraisal
    #   (2026 H1): performance 85.50, behaviour 90.00.
    # Base salary:  first  9000.00 × 15/31 = 4354.8387… → 4354.84
    #               senior 12000.00 × 16/31 = 6193.5483… → 6193.55          base = 10548.39
    # Performance:  first  clamp(85.50 × 40 = 3420.00, 0, 4000) = 3420.00 × 15/31 = 1654.8387… → 1654.84
    #               senior clamp(85.50 × 80 = 6840.00, 1000, 6000) = 6000.00 (capped) × 16/31 = 3096.7741… → 3096.77
    #                                                                          performance = 4751.61
    # Behaviour:    first  clamp(90 × 15 = 1350.00, 0, 1500) = 1350.00 × 15/31 = 653.2258… → 653.23
    #               senior clamp(90 × 30 = 2700.00, 0, 3000) = 2700.00 × 16/31 = 1393.5483… → 1393.55
    #                                                                          behaviour = 2046.78
    # Total = 10548.39 + 4751.61 + 2046.78 = 17346.78
    manager = AccountManagerFactory(grade="first")
    GradeChangeFactory(
        manager=manager,
        from_grade=grade("first"),
        to_grade=grade("senior"),
        reason=GradeChange.Reason.APPRAISAL,
        effective_date=dt.date(2026, 7, 16),
    )
    appraisal = FinalAppraisalFactory(
        manager=manager, performance_score=Decimal("85.50"), behaviour_score=Decimal("90.00")
    )
    period = PayPeriodFactory()

    assert pay_statements_generate(period=period) == 1

    statement = PayStatement.objects.get(manager=manager, period=period)
    assert statement.base_salary == Decimal("10548.39")
    assert statement.performance_pay == Decimal("4751.61")
    assert statement.behaviour_component == Decimal("2046.78")
    assert statement.total == Decimal("17346.78")
    assert statement.grade == grade("senior")
    assert statement.grades_used == "first → senior"
    assert statement.appraisal == appraisal
    explanation = statement.explanation
    assert explanation["prorated"] is True
    assert [(g["grade"], g["days"]) for g in explanation["grades"]] == [("first", 15), ("senior", 16)]
    perf_parts = explanation["terms"]["performance_pay"]["parts"]
    assert (
        perf_parts[1]["formula"]
        == "clamp(85.50 × 80.00 = 6840.00, 1000.00, 6000.00) = 6000.00; 6000.00 × 16/31 = 3096.77"
    )
    # Each line says which days and which appraisal it comes from.
    assert perf_parts[1]["pays_for"] == {"code": "2026-07", "start": "2026-07-16", "end": "2026-07-31", "days": 16}
    assert perf_parts[1]["appraisal"]["id"] == appraisal.pk and perf_parts[1]["basis"] == "last_closed"
    assert explanation["total"]["formula"] == "10548.39 + 4751.61 + 2046.78 = 17346.78"


def test_whole_period_in_one_grade_is_not_prorated_and_the_floor_applies(schemes_2026) -> None:
    # Senior all period; performance 10 × 80 = 800 < floor 1000 → 1000.00; behaviour 50 × 30 = 1500.00.
    # Total = 12000.00 + 1000.00 + 1500.00 = 14500.00
    manager = AccountManagerFactory(grade="senior")
    FinalAppraisalFactory(manager=manager, performance_score=Decimal("10.00"), behaviour_score=Decimal("50.00"))
    pay_statements_generate(period=PayPeriodFactory())
    statement = PayStatement.objects.get(manager=manager)
    assert (statement.performance_pay, statement.behaviour_component, statement.total) == (
        Decimal("1000.00"),
        Decimal("1500.00"),
        Decimal("14500.00"),
    )
    assert statement.explanation["prorated"] is False


def test_generating_twice_makes_no_duplicates_and_changes_nothing(schemes_2026) -> None:
    cycle = ClosedCycleFactory()
    for _ in range(3):
        FinalAppraisalFactory(cycle=cycle)
    period = PayPeriodFactory()
    assert pay_statements_generate(period=period) == 3
    history = PayStatement.history.count()

    assert pay_statements_generate(period=period) == 0
    assert PayStatement.objects.filter(period=period).count() == 3
    assert PayStatement.history.count() == history


def test_regenerating_recomputes_drafts_and_leaves_approved_statements_alone(schemes_2026, hr) -> None:
    cycle = ClosedCycleFactory()
    approved_one = FinalAppraisalFactory(cycle=cycle)
    draft_one = FinalAppraisalFactory(cycle=cycle)
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    approved = pay_statement_approve(statement=PayStatement.objects.get(manager=approved_one.manager), by=hr)
    first, _senior = schemes_2026
    first.base_salary = Decimal("9900.00")
    first.save()

    assert pay_statements_generate(period=period) == 1

    assert PayStatement.objects.get(manager=draft_one.manager).base_salary == Decimal("9900.00")
    assert PayStatement.objects.get(pk=approved.pk).base_salary == Decimal("9000.00")


def test_generation_loads_in_a_fixed_number_of_queries(schemes_2026, hr) -> None:
    def generate(month: dt.date) -> tuple[int, int]:
        period = PayPeriodFactory(start=month)
        with CaptureQueriesContext(connection) as captured:
            changed = pay_statements_generate(period=period)
        return changed, len(captured)

    cycle = ClosedCycleFactory()
    rescored = FinalAppraisalFactory(cycle=cycle)
    july, july_queries = generate(dt.date(2026, 7, 1))
    pay_period_approve(period=PayPeriod.objects.get(code="2026-07"), by=hr)
    for _ in range(4):
        FinalAppraisalFactory(cycle=cycle)
    Appraisal.objects.filter(pk=rescored.pk).update(performance_score=Decimal("90.00"))  # an adjustment line too

    august, august_queries = generate(dt.date(2026, 8, 1))

    assert (july, august) == (1, 5)
    assert july_queries == august_queries


def test_a_month_without_a_closed_cycle_is_paid_and_says_why(schemes_2026) -> None:
    # No closed cycle: the month still pays the base salary, 9000.00; performance pay and behaviour component wait
    # (the default scheme catches them up when the first appraisal closes), and each line says so.
    cycle = ClosedCycleFactory(state="review")
    FinalAppraisalFactory(cycle=cycle)
    pay_statements_generate(period=PayPeriodFactory())
    statement = PayStatement.objects.get()
    assert (statement.base_salary, statement.performance_pay, statement.behaviour_component) == (
        Decimal("9000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert statement.appraisal is None
    pay = pay_explanation_from_json(statement.explanation)
    (part,) = pay.term("performance_pay").parts
    assert part.basis == "no_appraisal_catch_up" and part.is_owed
    assert "no closed appraisal yet" in part.basis_label


def test_generation_refuses_whole_run_when_a_grade_has_no_scheme(schemes_2026) -> None:
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle)
    FinalAppraisalFactory(cycle=cycle, manager=AccountManagerFactory(grade="trainee"))
    with pytest.raises(ValidationError, match="no 2026 pay scheme"):
        pay_statements_generate(period=PayPeriodFactory())
    assert not PayStatement.objects.exists()  # not half of the period


def test_approved_statement_cannot_be_approved_again_or_regenerated_or_adjusted_as_draft(schemes_2026, hr) -> None:
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    statement = PayStatement.objects.get()
    with pytest.raises(ValidationError, match="draft statement is corrected by generating"):
        pay_adjustment_create(statement=statement, by=hr, reason="typo", base_salary=Decimal("1"))
    pay_statement_approve(statement=statement, by=hr)
    with pytest.raises(ValidationError, match="already approved"):
        pay_statement_approve(statement=statement, by=hr)
    pay_period_approve(period=period, by=hr)
    with pytest.raises(ValidationError, match="2026-07 is already approved, so its statements are locked"):
        pay_statements_generate(period=period)


def test_approved_statement_cannot_be_saved_changed_or_deleted(schemes_2026, hr) -> None:
    FinalAppraisalFactory()
    pay_statements_generate(period=PayPeriodFactory())
    statement = pay_statement_approve(statement=PayStatement.objects.get(), by=hr)

    # Each refusal rolls back its own transaction (a failed save marks the enclosing one for rollback).
    statement.base_salary = Decimal("99999.00")
    with pytest.raises(ValidationError, match="locked"), transaction.atomic():
        statement.save()
    statement.refresh_from_db()
    statement.state = PayStatement.State.DRAFT
    with pytest.raises(ValidationError, match="locked"), transaction.atomic():
        statement.save()
    with pytest.raises(ValidationError, match="locked"), transaction.atomic():
        statement.delete()
    with pytest.raises(ValidationError, match="locked"), transaction.atomic():
        PayStatement.objects.filter(pk=statement.pk).delete()
    assert PayStatement.objects.get(pk=statement.pk).base_salary == Decimal("9000.00")


def test_an_approved_statement_saved_directly_may_only_be_marked_exported(schemes_2026, hr) -> None:
    FinalAppraisalFactory()
    pay_statements_generate(period=PayPeriodFactory())
    statement = pay_statement_approve(statement=PayStatement.objects.get(), by=hr)

    statement.state = PayStatement.State.EXPORTED
    statement.exported_at = timezone.now()
    statement.reason = "exported and edited"
    with pytest.raises(ValidationError, match="locked"), transaction.atomic():
        statement.save()
    statement.reason = ""
    statement.save()  # the export: approved → exported with its time, nothing else
    assert PayStatement.objects.get(pk=statement.pk).state == PayStatement.State.EXPORTED


def test_database_refuses_an_update_that_changes_an_approved_statement(schemes_2026, hr) -> None:
    FinalAppraisalFactory()
    pay_statements_generate(period=PayPeriodFactory())
    statement = pay_statement_approve(statement=PayStatement.objects.get(), by=hr)
    with pytest.raises(DatabaseError), transaction.atomic():
        PayStatement.objects.filter(pk=statement.pk).update(total=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        PayStatement.objects.filter(pk=statement.pk).update(state=PayStatement.State.DRAFT)
    assert PayStatement.objects.get(pk=statement.pk).total == statement.total


def test_a_correction_is_a_new_adjusting_statement(schemes_2026, hr) -> None:
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    pay_period_approve(period=period, by=hr)
    original = PayStatement.objects.get()

    adjustment = pay_adjustment_create(
        statement=original, by=hr, reason="Performance score corrected on appeal", performance_pay=Decimal("-200.005")
    )

    # −200.005 rounds half-up to −200.01; the original is unchanged.
    assert adjustment.kind == PayStatement.Kind.ADJUSTMENT
    assert adjustment.adjusts == original
    assert (adjustment.performance_pay, adjustment.total) == (Decimal("-200.01"), Decimal("-200.01"))
    assert adjustment.explanation["corrected"]["total"] == str(original.total - Decimal("200.01"))
    assert PayStatement.objects.get(pk=original.pk).total == original.total
    with pytest.raises(ValidationError):
        pay_adjustment_create(statement=original, by=hr, reason="", performance_pay=Decimal("5"))
    with pytest.raises(ValidationError, match="at least one amount"):
        pay_adjustment_create(statement=original, by=hr, reason="nothing")


def test_period_approval_approves_every_draft_and_locks_the_period(schemes_2026, hr) -> None:
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle)
    FinalAppraisalFactory(cycle=cycle)
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    assert pay_period_approve(period=period, by=hr) == 2
    period.refresh_from_db()
    assert period.state == PayPeriod.State.APPROVED
    assert set(PayStatement.objects.values_list("state", flat=True)) == {PayStatement.State.APPROVED}


def test_the_task_generates_and_records_its_run(schemes_2026) -> None:
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    assert pay_statements_generate_task.apply(args=[period.pk]).get() == 1
    run = JobRun.objects.get(name="incentives.pay_statements_generate")
    assert run.status == JobRun.Status.SUCCEEDED
    assert "1 statement" in run.result
    assert pay_statements_generate_task.apply(args=[period.pk]).get() == 0
