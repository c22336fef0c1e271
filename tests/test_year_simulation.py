"""A year run as HR runs it, through the real services: twelve monthly pay runs, two half-year cycles opened and held
by the daily job at their rating deadlines and closed by HR with a reason, an upheld appeal paid back on the next
statement, and two promotions that fail the qualification requirements (任职条件), one blocked and one overridden."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from appraisals.models import Appeal, Appraisal, AppraisalCycle, AppraisalVersion, Rating, Recommendation
from appraisals.services.appeals import appeal_uphold
from appraisals.services.cycles import cycle_close, cycles_due_run
from appraisals.services.results import appeal_create, recommendation_approve
from incentives.explanation import (
    BASIS_AWAITING_CYCLE,
    BASIS_NO_APPRAISAL_CATCH_UP,
    BASIS_NO_APPRAISAL_NONE,
    RegularPay,
    pay_explanation_from_json,
)
from incentives.models import PayStatement
from incentives.services import pay_period_approve, pay_scheme_create, pay_statements_generate
from managers.models import AccountManager
from tests.appraisals.factories import AppraisalCycleFactory, TemplateFactory, hr_user, rated_indicator, rating_fill
from tests.appraisals.factories_results import result_rule
from tests.incentives.factories import PayPeriodFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory, grade

pytestmark = pytest.mark.django_db

D = Decimal
OVERRIDE = "Ran the key accounts of a departing senior for a year; the committee judges the experience sufficient."
# A pay or behaviour line without an appraisal says why: waiting for a cycle, or owed/not owed until one closes.
NO_APPRAISAL_BASES = {BASIS_AWAITING_CYCLE, BASIS_NO_APPRAISAL_CATCH_UP, BASIS_NO_APPRAISAL_NONE}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def month_end(month: int) -> dt.date:
    return (dt.date(2026, month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def pay_month(month: int, *, hr) -> list[PayStatement]:
    """Generate and approve the month (a refusal would raise and fail the test: no month may fail)."""
    period = PayPeriodFactory(start=dt.date(2026, month, 1))
    pay_statements_generate(period=period)
    pay_period_approve(period=period, by=hr)
    return list(PayStatement.objects.filter(period=period, kind="regular").select_related("manager"))


def explained(statement: PayStatement) -> RegularPay:
    explanation = pay_explanation_from_json(statement.explanation)
    assert isinstance(explanation, RegularPay)
    return explanation


def assert_explained(statement: PayStatement) -> None:
    """The lines add up to each term, the terms to the total; every line names its days and its appraisal source."""
    explanation = explained(statement)
    terms = {term.name: term for term in explanation.terms}
    assert (terms["base_salary"].amount, terms["performance_pay"].amount, terms["behaviour_component"].amount) == (
        statement.base_salary,
        statement.performance_pay,
        statement.behaviour_component,
    )
    for term in explanation.terms:
        assert sum((part.amount for part in term.parts), D("0.00")) == term.amount, (statement, term.name)
    assert sum((term.amount for term in explanation.terms), D("0.00")) == explanation.total == statement.total
    for name, part in explanation.parts():
        assert part.pays_for is not None and 0 < part.days <= part.period_days, (statement, name, part)
        assert part.basis, (statement, name, part)
        if name != "base_salary":
            assert part.appraisal is not None or part.basis in NO_APPRAISAL_BASES, (statement, name, part)


def fill(cycle: AppraisalCycle, manager: AccountManager, values: dict[str, dict], *, skip: tuple[str, ...] = ()):
    """Submit the manager's self and head ratings with the given values per indicator (rater types in skip stay
    missing)."""
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    for rating in appraisal.ratings.all():
        if rating.rater_type not in skip:
            rating_fill(rating, values[rating.rater_type])
    return appraisal


def test_a_year_of_pay_runs_cycles_appeals_and_promotions() -> None:
    # Second-level: base 6500.00 (seeded grade); performance 30 a point up to 3000; behaviour 10 a point up to 1000.
    # First-level: base 9000.00; performance 40 up to 4000; behaviour 15 up to 1500. Default scheme: last closed
    # cycle, months without an appraisal caught up in arrears.
    hr = hr_user()
    pay_scheme_create(
        grade=grade("second"),
        year=2026,
        performance_rate=D("30.00"),
        performance_cap=D("3000.00"),
        behaviour_rate=D("10.00"),
        behaviour_cap=D("1000.00"),
    )
    pay_scheme_create(
        grade=grade("first"),
        year=2026,
        performance_rate=D("40.00"),
        performance_cap=D("4000.00"),
        behaviour_rate=D("15.00"),
        behaviour_cap=D("1500.00"),
    )
    # One promotion per excellent cycle; no reward recommendation, so the promotions are the only ones.
    result_rule(excellent_cycles_for_promotion=1, reward_on_excellent=False)

    # Template: performance 60, behaviour 25, ability 15; self 20, head 35 (no client or peer raters, so their
    # weights are shared out by the default missing-data policy). P rated by self and head, B by head, A by both.
    template = TemplateFactory(name="Year template")
    P = rated_indicator(template, "performance", "P", 100, "sh")
    B = rated_indicator(template, "behaviour", "B", 100, "h")
    A = rated_indicator(template, "ability", "A", 100, "sh")
    h1 = AppraisalCycleFactory(
        template=template,
        kind=AppraisalCycle.Kind.REGULAR,
        name="2026 H1",
        cause="",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 6, 30),
        rating_deadline=dt.date(2026, 7, 15),
    )
    h2 = AppraisalCycleFactory(
        template=template,
        kind=AppraisalCycle.Kind.REGULAR,
        name="2026 H2",
        cause="",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 12, 31),
        rating_deadline=dt.date(2027, 1, 15),
    )

    department = DepartmentFactory(name="Year")
    appellant = AccountManagerFactory(grade="second", department=department)
    steady = AccountManagerFactory(grade="second", department=department)
    # Second-level since 2025-01-01 with 1.5 years of similar work: a first-level manager needs 3.0 years.
    blocked = AccountManagerFactory(
        grade="second", grade__since=dt.date(2025, 1, 1), years_experience=D("1.5"), department=department
    )
    overridden = AccountManagerFactory(
        grade="second", grade__since=dt.date(2025, 1, 1), years_experience=D("1.5"), department=department
    )
    staff = [appellant, steady, blocked, overridden]
    statements: dict[tuple[int, int], PayStatement] = {}
    recommendations: dict[int, Recommendation] = {}

    def pay(month: int) -> None:
        paid = pay_month(month, hr=hr)
        employed = {manager.pk for manager in staff if manager.hire_date <= month_end(month)}
        assert {statement.manager_id for statement in paid} == employed, month
        for statement in paid:
            assert_explained(statement)
            statements[(statement.manager_id, month)] = statement

    # January: the daily job opens H1 on its first day.
    assert cycles_due_run(today=dt.date(2026, 1, 1)).opened == [h1.pk]
    for month in (1, 2):
        pay(month)

    # March: a manager hired on the 16th, paid base from that day. March has 31 days, 16–31 March = 16 days:
    #   6500.00 × 16/31 = 3354.838… → 3354.84; no appraisal yet, so no performance or behaviour pay.
    hired = AccountManagerFactory(
        grade="second", grade__since=dt.date(2026, 3, 16), hire_date=dt.date(2026, 3, 16), department=department
    )
    staff.append(hired)
    pay(3)
    march = statements[(hired.pk, 3)]
    assert (march.base_salary, march.performance_pay, march.behaviour_component, march.total) == (
        D("3354.84"),
        D("0.00"),
        D("0.00"),
        D("3354.84"),
    )
    (base,) = explained(march).term("base_salary").parts
    assert (base.pays_for.start, base.pays_for.end, base.days) == (dt.date(2026, 3, 16), dt.date(2026, 3, 31), 16)
    for month in (4, 5, 6):
        pay(month)

    # H1's ratings: the appellant's head rated P 2 (the appeal's subject), everyone else as below.
    h1_fours = {"self": {P: 4, A: 4}, "head": {P: 4, B: 4, A: 4}}
    h1_appraisal = fill(h1, appellant, {"self": {P: 4, A: 4}, "head": {P: 2, B: 4, A: 4}})
    fill(h1, steady, h1_fours)
    for candidate in (blocked, overridden):
        fill(h1, candidate, {"self": {P: 5, A: 5}, "head": {P: 5, B: 5, A: 5}})

    # July: the daily job opens H2; after H1's deadline it holds H1 and never closes it.
    assert cycles_due_run(today=dt.date(2026, 7, 1)).opened == [h2.pk]
    assert cycles_due_run(today=dt.date(2026, 7, 15)).held == []
    assert cycles_due_run(today=dt.date(2026, 7, 16)).held == [h1.pk]
    h1.refresh_from_db()
    assert (h1.state, h1.closed_at, h1.close_reason) == (AppraisalCycle.State.REVIEW, None, "")
    assert not h1.appraisals.filter(finalised_at__isnull=False).exists()
    cycle_close(cycle=h1, by=hr, reason="All H1 ratings are in; the committee closes the cycle.")
    h1.refresh_from_db()
    assert h1.state == AppraisalCycle.State.CLOSED and h1.closed_by == hr

    # The appellant before the appeal (points = rating × 20; rater shares renormalised over self and head):
    #   P: (20 × 80 + 35 × 40) / 55 = 3000 / 55 = 54.545… → 54.55; B: 80.00; A: 80.00
    #   total 54.55 × 60 % = 32.73 + 80 × 25 % = 20.00 + 80 × 15 % = 12.00 → 64.73 → pass
    h1_appraisal.refresh_from_db()
    assert (h1_appraisal.performance_score, h1_appraisal.behaviour_score, h1_appraisal.total_score) == (
        D("54.55"),
        D("80.00"),
        D("64.73"),
    )
    appeal = appeal_create(appraisal=h1_appraisal, by=appellant.user, text="My head scored P after a dispute.")

    # The candidates scored 100 (excellent): each is recommended for first-level.
    for candidate in (blocked, overridden):
        recommendations[candidate.pk] = Recommendation.objects.get(
            appraisal__cycle=h1, appraisal__manager=candidate, kind=Recommendation.Kind.PROMOTION
        )
    assert not Recommendation.objects.filter(appraisal__manager__in=[appellant, steady])

    # July pays H1 (the appeal still open, so the appellant's pay is provisional) and catches up January–June.
    #   steady: performance 80 × 30 = 2400.00 × 7 months = 16800.00; behaviour 80 × 10 = 800.00 × 7 = 5600.00;
    #           total 6500.00 + 16800.00 + 5600.00 = 28900.00
    #   appellant: performance 54.55 × 30 = 1636.50 × 7 = 11455.50; behaviour 5600.00;
    #           total 6500.00 + 11455.50 + 5600.00 = 23555.50
    #   hired: April–June caught up in full, March 16/31: performance 2400.00 × 16/31 = 1238.709… → 1238.71 ...
    #          (not asserted exactly: the hire has no H1 appraisal, so the months stay owed until H2 closes)
    pay(7)
    july = statements[(steady.pk, 7)]
    assert (july.performance_pay, july.behaviour_component, july.total) == (D("16800.00"), D("5600.00"), D("28900.00"))
    assert [part.line for part in explained(july).term("performance_pay").parts] == ["month"] + ["catch_up"] * 6
    assert statements[(appellant.pk, 7)].total == D("23555.50")

    # The promotions: the open check fails both (1.5 of the 3.0 years); HR blocks one and overrides the other.
    with pytest.raises(ValidationError, match=r"at least 3\.0 years of similar work; there are 1\.5"):
        recommendation_approve(recommendation=recommendations[blocked.pk], by=hr, effective_date=dt.date(2026, 8, 1))
    approved = recommendation_approve(
        recommendation=recommendations[overridden.pk],
        by=hr,
        effective_date=dt.date(2026, 8, 1),
        override_reason=OVERRIDE,
    )
    assert (approved.state, approved.qualification_override) == (Recommendation.State.APPROVED, OVERRIDE)
    assert "3.0 years" in approved.qualification_failures
    recommendations[blocked.pk].refresh_from_db()
    assert recommendations[blocked.pk].state == Recommendation.State.PENDING
    assert blocked.grade_on(dt.date(2026, 8, 1)) == grade("second")
    assert overridden.grade_on(dt.date(2026, 8, 1)) == grade("first")

    # The appeal upheld in August: the head's P corrected from 2 to 4, re-scored through the close's scoring:
    #   P: 80.00, B: 80.00, A: 80.00 → total 80.00 → good. Both versions kept.
    head_p = Rating.objects.get(appraisal=h1_appraisal, rater_type="head").scores.get(indicator=P)
    appeal_uphold(appeal=appeal, by=hr, resolution="The head confirms P was keyed as 2 instead of 4.",
                  corrections={head_p: 4})  # fmt: skip
    h1_appraisal.refresh_from_db()
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.UPHELD
    assert (h1_appraisal.performance_score, h1_appraisal.total_score) == (D("80.00"), D("80.00"))
    earlier = AppraisalVersion.objects.get(appraisal=h1_appraisal)
    assert (earlier.number, earlier.total_score) == (1, D("64.73"))

    # August: the appellant's own month 80 × 30 = 2400.00, and an adjustment for each month paid on 54.55:
    #   2400.00 − 1636.50 = 763.50 × 7 (January–July) = 5344.50; performance 2400.00 + 5344.50 = 7744.50;
    #   behaviour 800.00 (unchanged); total 6500.00 + 7744.50 + 800.00 = 15044.50
    # The overridden manager is first-level from 1 August: base 9000.00.
    pay(8)
    august = statements[(appellant.pk, 8)]
    assert (august.performance_pay, august.behaviour_component, august.total) == (
        D("7744.50"),
        D("800.00"),
        D("15044.50"),
    )
    adjustments = [part for part in explained(august).term("performance_pay").parts if part.line == "adjustment"]
    assert [(part.pays_for.code, part.paid_before, part.amount) for part in adjustments] == [
        (f"2026-{month:02d}", D("1636.50"), D("763.50")) for month in range(1, 8)
    ]
    assert all(part.basis == "appeal_upheld" and part.appraisal.id == h1_appraisal.pk for part in adjustments)
    assert statements[(overridden.pk, 8)].base_salary == D("9000.00")
    # The approved July statement is as it was.
    assert PayStatement.objects.get(pk=statements[(appellant.pk, 7)].pk).total == D("23555.50")

    # H2's ratings, the hire's self rating never submitted.
    for manager in (appellant, steady, blocked, overridden, hired):
        fill(h2, manager, h1_fours, skip=("self",) if manager == hired else ())
    for month in range(9, 13):
        pay(month)

    # January 2027: H2's deadline passes; the job holds it; HR closes it, naming the missing rating.
    assert cycles_due_run(today=dt.date(2027, 1, 16)).held == [h2.pk]
    h2.refresh_from_db()
    assert (h2.state, h2.closed_at) == (AppraisalCycle.State.REVIEW, None)
    with pytest.raises(ValidationError, match=r"1 rating\(s\) are still missing"):
        cycle_close(cycle=h2, by=hr)
    cycle_close(cycle=h2, by=hr, reason="The new hire's self rating never came; closed without it.")
    h2.refresh_from_db()
    assert h2.state == AppraisalCycle.State.CLOSED

    # Every employed manager had a statement every month.
    assert len(statements) == 4 * 12 + 10
