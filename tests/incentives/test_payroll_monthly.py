"""Monthly pay, worked by hand: a mid-month hire, a leaver, catch-ups when an appraisal closes, an upheld appeal's
adjustments across months, and the scheme's choices of which appraisal pays a month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from appraisals.models import Appeal, Appraisal, AppraisalCycle
from core.roles import Role
from incentives.explanation import RegularPay, pay_explanation_from_json
from incentives.models import PayPeriod, PayStatement, PerformanceBasis, WithoutAppraisal
from incentives.services import pay_period_approve, pay_scheme_create, pay_statements_generate
from managers.models import AccountManager
from tests.core.factories import UserFactory
from tests.incentives.factories import (
    AppealFactory,
    ClosedCycleFactory,
    DepartureFactory,
    FinalAppraisalFactory,
    PayPeriodFactory,
    PayStatementFactory,
)
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


def first_scheme(**settings: object):
    """First-level 2026: base 9000.00 a month; performance 40 per point up to 4000; behaviour 15 up to 1500."""
    return pay_scheme_create(
        grade=grade("first"),
        year=2026,
        performance_rate=D("40.00"),
        performance_cap=D("4000.00"),
        behaviour_rate=D("15.00"),
        behaviour_cap=D("1500.00"),
        **settings,
    )


def pay(month: int, *, by=None) -> PayPeriod:
    """Generate the month of 2026 and, given who, approve it, as HR does each month."""
    period = PayPeriodFactory(start=dt.date(2026, month, 1))
    pay_statements_generate(period=period)
    if by is not None:
        pay_period_approve(period=period, by=by)
    return period


def statement_of(manager: AccountManager, month: int) -> PayStatement:
    return PayStatement.objects.get(manager=manager, period__code=f"2026-{month:02d}", kind="regular")


def lines(statement: PayStatement, term: str) -> list:
    explained = pay_explanation_from_json(statement.explanation)
    assert isinstance(explained, RegularPay)
    return list(explained.term(term).parts)


def close(cycle: AppraisalCycle) -> None:
    """Close the cycle as the close would leave it (its appraisals are already final)."""
    AppraisalCycle.objects.filter(pk=cycle.pk).update(state=AppraisalCycle.State.CLOSED)


def test_mid_month_hire_is_paid_base_from_the_first_day_and_caught_up_when_the_first_appraisal_closes(hr) -> None:
    # Hired 2026-05-11 as first-level: May = 31 days, employed 11–31 May = 21 days. 2026 H1 is still in review when
    # May and June are paid, so performance pay and behaviour component wait (default: caught up in arrears).
    #   May:  base 9000.00 × 21/31 = 6096.774… → 6096.77; performance 0.00; behaviour 0.00; total 6096.77
    #   June: base 9000.00; 0.00; 0.00; total 9000.00
    # H1 closes (performance 80.00, behaviour 70.00) before July is paid:
    #   full month: performance clamp(80 × 40, 0, 4000) = 3200.00; behaviour clamp(70 × 15, 0, 1500) = 1050.00
    #   July's own:        3200.00 and 1050.00
    #   catch-up May 21/31: 3200.00 × 21/31 = 2167.741… → 2167.74; 1050.00 × 21/31 = 711.290… → 711.29
    #   catch-up June:     3200.00 and 1050.00
    #   performance = 3200.00 + 2167.74 + 3200.00 = 8567.74; behaviour = 1050.00 + 711.29 + 1050.00 = 2811.29
    #   total = 9000.00 + 8567.74 + 2811.29 = 20379.03
    # August: nothing left to catch up: 9000.00 + 3200.00 + 1050.00 = 13250.00
    first_scheme()
    h1 = ClosedCycleFactory(state=AppraisalCycle.State.REVIEW)
    hired = AccountManagerFactory(hire_date=dt.date(2026, 5, 11), grade__since=dt.date(2026, 5, 11), grade="first")
    appraisal = FinalAppraisalFactory(cycle=h1, manager=hired, performance_score=D("80.00"), behaviour_score=D("70.00"))

    pay(5, by=hr)
    pay(6, by=hr)
    may = statement_of(hired, 5)
    assert (may.base_salary, may.performance_pay, may.behaviour_component, may.total) == (
        D("6096.77"),
        D("0.00"),
        D("0.00"),
        D("6096.77"),
    )
    (base,) = lines(may, "base_salary")
    assert "9000.00 × 21/31 = 6096.77" in base.formula
    assert (base.pays_for.start, base.pays_for.end, base.days) == (dt.date(2026, 5, 11), dt.date(2026, 5, 31), 21)
    (waiting,) = lines(may, "performance_pay")
    assert waiting.is_owed and "caught up in arrears" in waiting.basis_label
    assert statement_of(hired, 6).total == D("9000.00")

    close(h1)
    pay(7, by=hr)
    july = statement_of(hired, 7)
    assert (july.base_salary, july.performance_pay, july.behaviour_component, july.total) == (
        D("9000.00"),
        D("8567.74"),
        D("2811.29"),
        D("20379.03"),
    )
    performance = lines(july, "performance_pay")
    assert [(part.line, part.pays_for.code, part.days, part.amount) for part in performance] == [
        ("month", "2026-07", 31, D("3200.00")),
        ("catch_up", "2026-05", 21, D("2167.74")),
        ("catch_up", "2026-06", 30, D("3200.00")),
    ]
    assert all(part.appraisal.id == appraisal.pk for part in performance)
    assert performance[1].formula == (
        "clamp(80.00 × 40.00 = 3200.00, 0.00, 4000.00) = 3200.00; 3200.00 × 21/31 = 2167.74; 2167.74 − 0.00 = 2167.74"
    )
    # May's approved statement is as it was.
    assert statement_of(hired, 5).total == D("6096.77")

    pay(8)
    assert statement_of(hired, 8).total == D("13250.00")
    assert [part.line for part in lines(statement_of(hired, 8), "performance_pay")] == ["month"]


def test_a_scheme_that_does_not_catch_up_pays_nothing_before_the_first_appraisal_and_says_so(hr) -> None:
    # The same hire under a scheme whose months without an appraisal pay nothing: July pays its own month only,
    # 9000.00 + 3200.00 + 1050.00 = 13250.00, and May's line said it would not be caught up.
    first_scheme(without_appraisal=WithoutAppraisal.NONE)
    h1 = ClosedCycleFactory(state=AppraisalCycle.State.REVIEW)
    hired = AccountManagerFactory(hire_date=dt.date(2026, 5, 11), grade__since=dt.date(2026, 5, 11), grade="first")
    FinalAppraisalFactory(cycle=h1, manager=hired, performance_score=D("80.00"), behaviour_score=D("70.00"))
    pay(5, by=hr)
    (line,) = lines(statement_of(hired, 5), "performance_pay")
    assert line.basis == "no_appraisal_none" and not line.is_owed
    assert "does not catch up" in line.basis_label
    close(h1)
    pay(7, by=hr)
    assert statement_of(hired, 7).total == D("13250.00")


def test_an_upheld_appeal_adjusts_the_months_already_paid_on_the_next_statement(hr) -> None:
    # First-level all year; 2026 H1 closed with performance 70.00, behaviour 80.00, appealed at once.
    #   July, August (approved): performance 70 × 40 = 2800.00; behaviour 80 × 15 = 1200.00; total 13000.00 each,
    #   provisional while the appeal is open.
    # The appeal is upheld in September and the appraisal re-scored: performance 78.00 (behaviour unchanged).
    #   September's own: performance 78 × 40 = 3120.00; behaviour 1200.00
    #   adjustment July:   due 3120.00 − paid 2800.00 = 320.00
    #   adjustment August: due 3120.00 − paid 2800.00 = 320.00
    #   performance = 3120.00 + 320.00 + 320.00 = 3760.00; total = 9000.00 + 3760.00 + 1200.00 = 13960.00
    # October: 9000.00 + 3120.00 + 1200.00 = 13320.00, nothing more to adjust.
    first_scheme()
    appraisal = FinalAppraisalFactory(performance_score=D("70.00"), behaviour_score=D("80.00"))
    manager = appraisal.manager
    appeal = AppealFactory(appraisal=appraisal)
    pay(7, by=hr)
    pay(8, by=hr)
    july = statement_of(manager, 7)
    assert july.total == D("13000.00") and statement_of(manager, 8).total == D("13000.00")
    (paid,) = lines(july, "performance_pay")
    assert paid.appraisal.appeal_open and "under appeal" in paid.appraisal_label

    Appeal.objects.filter(pk=appeal.pk).update(state=Appeal.State.UPHELD)
    Appraisal.objects.filter(pk=appraisal.pk).update(performance_score=D("78.00"), total_score=D("78.45"))
    pay(9, by=hr)

    september = statement_of(manager, 9)
    assert (september.performance_pay, september.behaviour_component, september.total) == (
        D("3760.00"),
        D("1200.00"),
        D("13960.00"),
    )
    adjustments = [part for part in lines(september, "performance_pay") if part.line == "adjustment"]
    assert [(part.pays_for.code, part.paid_before, part.amount) for part in adjustments] == [
        ("2026-07", D("2800.00"), D("320.00")),
        ("2026-08", D("2800.00"), D("320.00")),
    ]
    assert all(part.appraisal.id == appraisal.pk and part.basis == "appeal_upheld" for part in adjustments)
    assert (adjustments[0].previous.performance_score, adjustments[0].appraisal.performance_score) == (
        D("70.00"),
        D("78.00"),
    )
    assert "appeal upheld" in adjustments[0].basis_label and "70.00 → 78.00" in adjustments[0].basis_label
    assert [part.line for part in lines(september, "behaviour_component")] == ["month"]
    # The approved statements never changed.
    assert (statement_of(manager, 7).total, statement_of(manager, 8).total) == (D("13000.00"), D("13000.00"))

    pay(10)
    october = statement_of(manager, 10)
    assert october.total == D("13320.00")
    assert [part.line for part in lines(october, "performance_pay")] == ["month"]


def test_in_arrears_a_month_waits_for_the_cycle_covering_it_and_is_caught_up_when_it_closes(hr) -> None:
    # Scheme "in arrears": July and August are covered by the regular cycle 2026 Q3 (1 July – 30 September), still
    # open, so they pay the base salary only (9000.00) and say which cycle they wait for.
    # Q3 closes with performance 85.00, behaviour 60.00 before September is paid:
    #   full month: performance 85 × 40 = 3400.00; behaviour 60 × 15 = 900.00
    #   September: own 3400.00 + catch-up July 3400.00 + catch-up August 3400.00 = 10200.00 performance,
    #              900.00 × 3 = 2700.00 behaviour; total = 9000.00 + 10200.00 + 2700.00 = 21900.00
    # The closed 2026 H1 appraisal (performance 95) pays none of it: in arrears only the covering cycle pays.
    first_scheme(performance_basis=PerformanceBasis.ARREARS)
    h1 = FinalAppraisalFactory(performance_score=D("95.00"))
    manager = h1.manager
    q3 = ClosedCycleFactory(
        name="2026 Q3",
        state=AppraisalCycle.State.OPEN,
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        rating_deadline=dt.date(2026, 10, 10),
    )
    FinalAppraisalFactory(cycle=q3, manager=manager, performance_score=D("85.00"), behaviour_score=D("60.00"))
    pay(7, by=hr)
    pay(8, by=hr)
    july = statement_of(manager, 7)
    assert july.total == D("9000.00")
    (waiting,) = lines(july, "performance_pay")
    assert waiting.basis == "awaiting_cycle" and "2026 Q3" in waiting.basis_label

    close(q3)
    pay(9, by=hr)
    september = statement_of(manager, 9)
    assert (september.performance_pay, september.behaviour_component, september.total) == (
        D("10200.00"),
        D("2700.00"),
        D("21900.00"),
    )
    assert [(part.line, part.pays_for.code) for part in lines(september, "behaviour_component")] == [
        ("month", "2026-09"),
        ("catch_up", "2026-07"),
        ("catch_up", "2026-08"),
    ]


def test_a_leaver_is_paid_to_the_last_day_and_not_after() -> None:
    # Last day 2026-07-20: July = 20 of 31 days. Scores 80 / 75.
    #   base 9000.00 × 20/31 = 5806.451… → 5806.45; performance 3200.00 × 20/31 = 2064.516… → 2064.52;
    #   behaviour 1125.00 × 20/31 = 725.806… → 725.81; total = 5806.45 + 2064.52 + 725.81 = 8596.78
    first_scheme()
    leaver = FinalAppraisalFactory().manager
    DepartureFactory(manager=leaver, last_day=dt.date(2026, 7, 20))
    AccountManager.objects.filter(pk=leaver.pk).update(status=AccountManager.Status.LEFT)
    pay(7)
    assert statement_of(leaver, 7).total == D("8596.78")
    pay(8)
    assert not PayStatement.objects.filter(manager=leaver, period__code="2026-08").exists()


def test_a_leaver_without_a_recorded_last_day_is_named_and_nothing_is_saved() -> None:
    first_scheme()
    FinalAppraisalFactory()
    leaver = FinalAppraisalFactory().manager
    AccountManager.objects.filter(pk=leaver.pk).update(status=AccountManager.Status.LEFT)
    with pytest.raises(ValidationError, match=f"{leaver.employee_no} left .* no last day recorded"):
        pay(7)
    assert not PayStatement.objects.exists()


def test_a_leaver_still_owed_gets_a_statement_of_the_catch_up_only(hr) -> None:
    # Hired 2026-05-11, left 2026-06-20, appraised in H1 (80 / 75) which closes in July:
    #   catch-up May 21/31: performance 3200.00 × 21/31 = 2167.74; behaviour 1125.00 × 21/31 = 762.096… → 762.10
    #   catch-up June 20/30: performance 3200.00 × 20/30 = 2133.33; behaviour 1125.00 × 20/30 = 750.00
    #   July: base 0.00; performance 2167.74 + 2133.33 = 4301.07; behaviour 762.10 + 750.00 = 1512.10;
    #   total 5813.17
    first_scheme()
    h1 = ClosedCycleFactory(state=AppraisalCycle.State.REVIEW)
    leaver = AccountManagerFactory(hire_date=dt.date(2026, 5, 11), grade__since=dt.date(2026, 5, 11), grade="first")
    FinalAppraisalFactory(cycle=h1, manager=leaver)
    DepartureFactory(manager=leaver, last_day=dt.date(2026, 6, 20))
    pay(5, by=hr)
    pay(6, by=hr)
    assert statement_of(leaver, 6).base_salary == D("6000.00")  # 9000.00 × 20/30
    close(h1)
    pay(7)
    july = statement_of(leaver, 7)
    assert (july.base_salary, july.performance_pay, july.behaviour_component, july.total) == (
        D("0.00"),
        D("4301.07"),
        D("1512.10"),
        D("5813.17"),
    )
    assert {part.line for part in lines(july, "performance_pay")} == {"catch_up"}


def test_a_statement_of_the_first_schema_version_is_adjusted_when_its_appraisal_is_re_scored(hr) -> None:
    # An approved statement written before monthly pay: 2026-H1 (181 days) paid from the appraisal's 80.00,
    # performance clamp(80 × 40 = 3200.00) = 3200.00 for the whole period. Re-scored to 82.00:
    #   due clamp(82 × 40 = 3280.00) = 3280.00; 3280.00 − 3200.00 = 80.00 on July's statement.
    first_scheme()
    appraisal = FinalAppraisalFactory()
    half_year = PayPeriod.objects.create(code="2026-H1", start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30))
    inputs = {"performance_score": "80.00", "rate": "40.00", "floor": "0.00", "cap": "4000.00"}
    part = {"grade": "first", "inputs": inputs, "full_period": "3200.00", "days": 181, "period_days": 181,
            "formula": "clamp(80.00 × 40.00 = 3200.00, 0.00, 4000.00) = 3200.00", "amount": "3200.00"}  # fmt: skip
    old = PayStatementFactory(
        period=half_year,
        manager=appraisal.manager,
        appraisal=appraisal,
        performance_pay=D("3200.00"),
        explanation={
            "kind": "regular",
            "period": {"code": "2026-H1", "start": "2026-01-01", "end": "2026-06-30", "days": 181},
            "appraisal": {
                "id": appraisal.pk,
                "cycle": appraisal.cycle_id,
                "performance_score": "80.00",
                "behaviour_score": "75.00",
                "total_score": "77.25",
                "band": "good",
            },  # fmt: skip
            "grades": [{"grade": "first", "from": "2026-01-01", "to": "2026-06-30", "days": 181}],
            "terms": {"performance_pay": {"parts": [part], "amount": "3200.00", "formula": ""}},
        },
    )
    pay_period_approve(period=half_year, by=hr)
    Appraisal.objects.filter(pk=appraisal.pk).update(performance_score=D("82.00"))

    pay(7)

    adjustment = [p for p in lines(statement_of(appraisal.manager, 7), "performance_pay") if p.line == "adjustment"]
    assert [(p.pays_for.code, p.days, p.period_days, p.amount) for p in adjustment] == [
        ("2026-H1", 181, 181, D("80.00"))
    ]
    assert adjustment[0].basis == "rescored"
    assert PayStatement.objects.get(pk=old.pk).performance_pay == D("3200.00")


def test_generating_an_approved_month_is_refused_with_the_reason(hr) -> None:
    first_scheme()
    FinalAppraisalFactory()
    period = pay(7, by=hr)
    with pytest.raises(ValidationError) as refused:
        pay_statements_generate(period=period)
    assert refused.value.messages == [
        "Pay period 2026-07 is already approved, so its statements are locked and are not generated again. A change "
        "to someone's pay for 2026-07 is paid on a later month's statement: generate that month, or correct a "
        "statement with an adjusting statement."
    ]
