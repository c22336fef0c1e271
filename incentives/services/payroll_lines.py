"""The lines of one monthly statement, computed from rows already loaded (no query here).

Pay (物质激励, 004 §七(四)): income = base salary + performance pay + behaviour component
(个人收入 = 基础工资 + 绩效工资 + 行为考核评分), per month, with
    performance pay     = clamp(performance score × performance rate, floor, cap)
    behaviour component = clamp(behaviour score × behaviour rate, floor, cap)
from the pay scheme of the grade held, for the month's year.

Days: every amount is the full-month amount × the days employed in that grade / the days of the month (hire and
last day included; days before a grade earn nothing). Rounding (incentives.money): each line is rounded to the cent
half-up, a term is the sum of its rounded lines, the total the sum of the terms.

Which appraisal: the scheme of the grade held at the end of the month names it (PayScheme.performance_basis): the
latest closed regular appraisal, or in arrears the appraisal of the cycle covering the month. A month never waits:
with no appraisal to pay from, it pays nothing and says why; when the scheme catches such days up, the first
statement after an appraisal closes carries a catch-up line for them.

Earlier months: the lines of locked statements store the scores they were paid on; when an appraisal's current
scores differ (an appeal upheld and re-scored) the statement being generated gets an adjustment line for the
difference, naming the appraisal and why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from appraisals.models import Appeal, Appraisal, AppraisalCycle
from incentives.explanation import (
    BASIS_APPEAL_UPHELD,
    BASIS_AWAITING_CYCLE,
    BASIS_CATCH_UP,
    BASIS_COVERING_CYCLE,
    BASIS_DAYS_IN_GRADE,
    BASIS_LAST_CLOSED,
    BASIS_NO_APPRAISAL_CATCH_UP,
    BASIS_NO_APPRAISAL_NONE,
    BASIS_RESCORED,
    LINE_ADJUSTMENT,
    LINE_CATCH_UP,
    LINE_MONTH,
    TERMS,
    AppraisalScores,
    GradeHeld,
    PeriodShown,
    RegularPay,
    Term,
    TermInput,
    TermPart,
    pay_explanation_from_json,
)
from incentives.models import PayPeriod, PayScheme, PayStatement, PerformanceBasis, WithoutAppraisal
from incentives.money import ZERO, clamp, money
from managers.models import AccountManager, GradeChange

SCORED_TERMS = ("performance_pay", "behaviour_component")
SCORE_INPUT = {"performance_pay": "performance_score", "behaviour_component": "behaviour_score"}

# --- days -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeSpan:
    """Days of a period during which the manager held one grade."""

    grade_id: int
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def grade_spans(*, changes: list[GradeChange], start: date, end: date) -> list[GradeSpan]:
    """The grades held from start to end (inclusive), from grade changes ordered by effective date then pk."""
    spans: list[GradeSpan] = []
    current: int | None = None
    since = start
    for change in changes:
        if change.effective_date > end:
            break
        day = max(change.effective_date, start)
        if change.to_grade_id == current:
            continue
        if current is not None and day > since:
            spans.append(GradeSpan(current, since, day - timedelta(days=1)))
        current, since = change.to_grade_id, day
    if current is not None:
        spans.append(GradeSpan(current, since, end))
    return spans


def employed_days(manager: AccountManager, *, start: date, end: date) -> tuple[date, date] | None:
    """The first and last day of start–end the manager was employed (hire date to last day), or None."""
    departure = getattr(manager, "departure", None)
    first = max(start, manager.hire_date)
    last = min(end, departure.last_day) if departure is not None else end
    return (first, last) if first <= last else None


# --- amounts ----------------------------------------------------------------------------------------------------


def _share(full: Decimal, *, days: int, period_days: int) -> tuple[Decimal, str]:
    """The share of a full-month amount for the days, and its formula."""
    if days == period_days:
        return full, f"{full}"
    amount = money(full * days / period_days)
    return amount, f"{full} × {days}/{period_days} = {amount}"


def _score_pay(score: Decimal, *, rate: Decimal, floor: Decimal, cap: Decimal) -> tuple[Decimal, str]:
    """clamp(score × rate, floor, cap) for a full month, rounded to the cent, and its formula."""
    raw = score * rate
    amount = money(clamp(raw, floor=floor, cap=cap))
    return amount, f"clamp({score} × {rate} = {money(raw)}, {floor}, {cap}) = {amount}"


@dataclass(frozen=True)
class Rates:
    """A scored term's rate, floor and cap, as a scheme gives them and as a paid line stores them."""

    rate: Decimal
    floor: Decimal
    cap: Decimal

    @classmethod
    def of(cls, scheme: PayScheme, term: str) -> Rates:
        if term == "performance_pay":
            return cls(scheme.performance_rate, scheme.performance_floor, scheme.performance_cap)
        return cls(scheme.behaviour_rate, scheme.behaviour_floor, scheme.behaviour_cap)

    @classmethod
    def stored(cls, part: TermPart) -> Rates:
        return cls(part.input("rate") or ZERO, part.input("floor") or ZERO, part.input("cap") or ZERO)

    def inputs(self, term: str, score: Decimal | None) -> tuple[TermInput, ...]:
        scored = (TermInput(SCORE_INPUT[term], score),) if score is not None else ()
        return (*scored, TermInput("rate", self.rate), TermInput("floor", self.floor), TermInput("cap", self.cap))


def _due(score: Decimal, rates: Rates, *, days: int, period_days: int) -> tuple[Decimal, Decimal, str]:
    """The full-month amount for the score, the share of it for the days, and the formula of both."""
    full, full_formula = _score_pay(score, rate=rates.rate, floor=rates.floor, cap=rates.cap)
    amount, share_formula = _share(full, days=days, period_days=period_days)
    return full, amount, full_formula if days == period_days else f"{full_formula}; {share_formula}"


def _term(name: str, parts: list[TermPart]) -> Term:
    """A term as the sum of its rounded lines, with the sum written out when there is more than one."""
    amount = money(sum((part.amount for part in parts), ZERO))
    formula = " + ".join(str(part.amount) for part in parts) + f" = {amount}" if len(parts) > 1 else ""
    return Term(name=name, parts=tuple(parts), amount=amount, formula=formula)


# --- what the loaded rows say -----------------------------------------------------------------------------------


@dataclass
class Loaded:
    """Everything one run reads, loaded in a fixed number of queries whatever the number of managers."""

    period: PayPeriod
    schemes: dict[int, PayScheme]
    appraisals: dict[int, list[Appraisal]]  # per manager: closed regular appraisals with scores, oldest period first
    by_id: dict[int, Appraisal]  # those, and every appraisal an earlier line names
    appeals: dict[int, str]  # appraisal id → state of its appeal
    covering: AppraisalCycle | None  # the regular cycle covering the month

    def scores(self, appraisal: Appraisal) -> AppraisalScores:
        return AppraisalScores(
            id=appraisal.pk,
            cycle=appraisal.cycle_id,
            performance_score=appraisal.performance_score,
            behaviour_score=appraisal.behaviour_score,
            total_score=appraisal.total_score,
            band=appraisal.band,
            cycle_name=appraisal.cycle.name,
            appeal_open=self.appeals.get(appraisal.pk) == Appeal.State.OPEN,
        )


@dataclass(frozen=True)
class MonthSource:
    """What pays the month's own scored lines: an appraisal, or nothing and why."""

    appraisal: Appraisal | None
    basis: str
    cycle_name: str = ""


def _month_source(*, manager_id: int, scheme: PayScheme, loaded: Loaded) -> MonthSource:
    """The appraisal the scheme names for the month, or the rule that applies without one."""
    period = loaded.period
    own = loaded.appraisals.get(manager_id, [])
    if scheme.performance_basis == PerformanceBasis.ARREARS:
        covering = loaded.covering
        if covering is not None and covering.state != AppraisalCycle.State.CLOSED:
            return MonthSource(None, BASIS_AWAITING_CYCLE, covering.name)
        paying = next((a for a in own if covering is not None and a.cycle_id == covering.pk), None)
        if paying is not None:
            return MonthSource(paying, BASIS_COVERING_CYCLE)
    else:
        # Of the cycles ended by the month's end: a month generated late is paid as it would have been on time.
        ended = [a for a in own if a.cycle.period_end <= period.end]
        if ended:
            return MonthSource(ended[-1], BASIS_LAST_CLOSED)
    if scheme.without_appraisal == WithoutAppraisal.NONE:
        return MonthSource(None, BASIS_NO_APPRAISAL_NONE)
    return MonthSource(None, BASIS_NO_APPRAISAL_CATCH_UP)


# --- this month's lines -----------------------------------------------------------------------------------------


def _month_lines(
    *, spans: list[GradeSpan], source: MonthSource, loaded: Loaded
) -> tuple[dict[str, list[TermPart]], list[GradeHeld]]:
    """The month's own line of each term for each grade held, and the grades held."""
    period = loaded.period
    period_days = period.days
    used = loaded.scores(source.appraisal) if source.appraisal is not None else None
    lines: dict[str, list[TermPart]] = {name: [] for name in TERMS}
    grades: list[GradeHeld] = []
    for span in spans:
        scheme = loaded.schemes[span.grade_id]
        code = scheme.grade.code
        grades.append(GradeHeld(code, span.start, span.end, span.days, scheme.pk, scheme.year))
        days = PeriodShown(code=period.code, start=span.start, end=span.end, days=span.days)
        base, share_formula = _share(scheme.base_salary, days=span.days, period_days=period_days)
        base_formula = f"{scheme.base_salary}" if span.days == period_days else f"{scheme.base_salary}; {share_formula}"
        lines["base_salary"].append(
            TermPart(
                grade=code,
                inputs=(TermInput("base_salary", scheme.base_salary),),
                full_period=scheme.base_salary,
                days=span.days,
                period_days=period_days,
                formula=f"{scheme.base_salary}"
                if span.days == period_days
                else f"{scheme.base_salary}; {base_formula}",
                amount=base,
                pays_for=days,
                basis=BASIS_DAYS_IN_GRADE,
            )
        )
        for term in SCORED_TERMS:
            rates = Rates.of(scheme, term)
            score = used.score(term) if used is not None else None
            full, amount, formula = (
                (ZERO, ZERO, "") if score is None else _due(score, rates, days=span.days, period_days=period_days)
            )
            lines[term].append(
                TermPart(
                    grade=code,
                    inputs=rates.inputs(term, score),
                    full_period=full,
                    days=span.days,
                    period_days=period_days,
                    formula=formula,
                    amount=amount,
                    line=LINE_MONTH,
                    pays_for=days,
                    appraisal=used,
                    basis=source.basis,
                    cycle_name=source.cycle_name,
                )
            )
    return lines, grades


# --- earlier months: catch-ups and adjustments ------------------------------------------------------------------


@dataclass
class Slot:
    """What has been paid, on approved statements, for one scored term of some days of an earlier month."""

    term: str
    origin: TermPart
    paid: Decimal = ZERO
    owed: bool = False  # paid nothing while it waited for an appraisal, and not caught up yet
    last: AppraisalScores | None = None  # the scores the days were last paid on


def paid_ledger(statements: list[PayStatement], *, before: date) -> dict[int, list[Slot]]:
    """Per manager, the scored lines paid for days before `before`, grouped by term, month, grade and first day."""
    slots: dict[int, dict[tuple, Slot]] = defaultdict(dict)
    for statement in statements:
        pay = pay_explanation_from_json(statement.explanation, kind=statement.kind)
        if not isinstance(pay, RegularPay):
            continue
        for term, part in pay.parts():
            shown = part.pays_for
            if term not in SCORED_TERMS or shown is None or shown.start is None or shown.start >= before:
                continue
            key = (term, shown.code, part.grade, shown.start)
            slot = slots[statement.manager_id].get(key)
            if slot is None:
                slot = slots[statement.manager_id][key] = Slot(term=term, origin=part, owed=part.is_owed)
            slot.paid += part.amount
            if part.appraisal is not None:
                slot.last, slot.owed = part.appraisal, False
    return {manager_id: list(by_key.values()) for manager_id, by_key in slots.items()}


def _earlier_lines(*, manager_id: int, slots: list[Slot], loaded: Loaded) -> list[tuple[str, TermPart]]:
    """The catch-up and adjustment lines the earlier months of one manager call for now."""
    lines: list[tuple[str, TermPart]] = []
    own = loaded.appraisals.get(manager_id, [])
    for slot in slots:
        origin, term = slot.origin, slot.term
        start = origin.pays_for.start
        if slot.owed:
            # The days are paid from the first of the manager's appraisals to close over them or after them (of
            # the cycles ended by the month's end, as for the month's own lines).
            paying = next((a for a in own if start <= a.cycle.period_end <= loaded.period.end), None)
            if paying is None:
                continue
            line, basis, previous = LINE_CATCH_UP, BASIS_CATCH_UP, None
        elif slot.last is not None:
            paying = loaded.by_id.get(slot.last.id)
            if paying is None or paying.performance_score is None or paying.behaviour_score is None:
                continue
            if loaded.scores(paying).score(term) == slot.last.score(term):
                continue
            line, previous = LINE_ADJUSTMENT, slot.last
            basis = BASIS_APPEAL_UPHELD if loaded.appeals.get(paying.pk) == Appeal.State.UPHELD else BASIS_RESCORED
        else:
            continue
        used = loaded.scores(paying)
        rates = Rates.stored(origin)
        full, due, formula = _due(used.score(term), rates, days=origin.days, period_days=origin.period_days)
        difference = due - slot.paid
        if difference == ZERO:
            continue
        lines.append(
            (
                term,
                TermPart(
                    grade=origin.grade,
                    inputs=rates.inputs(term, used.score(term)),
                    full_period=full,
                    days=origin.days,
                    period_days=origin.period_days,
                    formula=f"{formula}; {due} − {slot.paid} = {difference}",
                    amount=difference,
                    line=line,
                    pays_for=origin.pays_for,
                    appraisal=used,
                    basis=basis,
                    paid_before=slot.paid,
                    previous=previous,
                ),
            )
        )
    lines.sort(key=lambda pair: (pair[1].pays_for.start, pair[1].grade, pair[0]))
    return lines


# --- one statement ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementFigures:
    """What generation writes on one regular statement: how it was computed, the grade it ends the month in and the
    appraisal that paid the month's own lines."""

    pay: RegularPay
    grade_id: int
    appraisal_id: int | None

    def fields(self) -> dict[str, object]:
        """The statement's computed fields; the explanation is serialised here, once."""
        return {
            **{term.name: term.amount for term in self.pay.terms},
            "total": self.pay.total,
            "grade_id": self.grade_id,
            "grades_used": " → ".join(self.pay.grades_used),  # the payroll file's column, as written
            "appraisal_id": self.appraisal_id,
            "explanation": self.pay.to_json(),
        }


def statement_figures(
    *, manager: AccountManager, spans: list[GradeSpan], slots: list[Slot], loaded: Loaded
) -> StatementFigures | None:
    """The statement of one manager for the month, or None when there is nothing to state (not employed in it and
    nothing owed from before)."""
    period = loaded.period
    earlier = _earlier_lines(manager_id=manager.pk, slots=slots, loaded=loaded)
    if not spans and not earlier:
        return None
    lines: dict[str, list[TermPart]] = {name: [] for name in TERMS}
    grades: list[GradeHeld] = []
    source = MonthSource(None, "")
    if spans:
        source = _month_source(manager_id=manager.pk, scheme=loaded.schemes[spans[-1].grade_id], loaded=loaded)
        lines, grades = _month_lines(spans=spans, source=source, loaded=loaded)
    for term, part in earlier:
        lines[term].append(part)
    terms = tuple(_term(name, lines[name]) for name in TERMS)
    total = money(sum((term.amount for term in terms), ZERO))
    pay = RegularPay(
        period=PeriodShown(code=period.code, start=period.start, end=period.end, days=period.days),
        appraisal=loaded.scores(source.appraisal) if source.appraisal is not None else None,
        prorated=any(span.days != period.days for span in spans),
        grades=tuple(grades),
        terms=terms,
        total=total,
        total_formula=" + ".join(str(term.amount) for term in terms) + f" = {total}",
    )
    if spans:
        grade_id = spans[-1].grade_id
    else:  # a leaver paid only what is owed: the grade they left in
        held = [c for c in manager.grade_changes.all() if c.effective_date <= period.end]
        if not held:
            return None
        grade_id = held[-1].to_grade_id
    appraisal_id = source.appraisal.pk if source.appraisal is not None else None
    return StatementFigures(pay=pay, grade_id=grade_id, appraisal_id=appraisal_id)
