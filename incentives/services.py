"""Business rules of pay and recognition (writes). Admin actions, pages, tasks and the demo all call these.

Pay (物质激励, 004 §七(四)): income = base salary + performance pay + behaviour component
(个人收入 = 基础工资 + 绩效工资 + 行为考核评分), with
    performance pay     = clamp(performance score × performance rate, floor, cap)
    behaviour component = clamp(behaviour score × behaviour rate, floor, cap)
from the pay scheme of the manager's grade for the period's year.

Proration: when the grade changed during the period, each term is split by the days each grade was held: the
full-period amount under that grade's scheme × days held / days in the period. Days before the manager held any
grade earn nothing. Rounding (incentives.money): each part is rounded to the cent half-up, a term is the sum of its
rounded parts, the total is the sum of the terms — so every figure on a statement adds up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from appraisals.models import Appraisal, AppraisalCycle
from incentives.models import PayPeriod, PayScheme, PayStatement, Recognition
from incentives.money import CURRENCY, ZERO, clamp, money
from managers.models import AccountManager, Grade, GradeChange

TERMS = ("base_salary", "performance_pay", "behaviour_component")
# The fields generation writes; a recomputed draft is updated only when one of them differs.
COMPUTED_FIELDS = [*TERMS, "total", "grade", "grades_used", "appraisal", "explanation"]


# --- schemes, periods -------------------------------------------------------------------------------------------


@transaction.atomic
def pay_scheme_create(
    *,
    grade: Grade,
    year: int,
    performance_rate: Decimal,
    performance_cap: Decimal,
    behaviour_rate: Decimal,
    behaviour_cap: Decimal,
    base_salary: Decimal | None = None,
    performance_floor: Decimal = ZERO,
    behaviour_floor: Decimal = ZERO,
) -> PayScheme:
    """Create the pay scheme of a grade for a year; the base salary defaults to the grade's."""
    scheme = PayScheme(
        grade=grade,
        year=year,
        base_salary=base_salary,
        performance_rate=performance_rate,
        performance_floor=performance_floor,
        performance_cap=performance_cap,
        behaviour_rate=behaviour_rate,
        behaviour_floor=behaviour_floor,
        behaviour_cap=behaviour_cap,
    )
    scheme.full_clean()
    scheme.save()
    return scheme


def _covering_cycle(period: PayPeriod) -> AppraisalCycle:
    """The closed cycle whose scores pay the period: the one set on it, else the narrowest closed one covering it."""
    if period.cycle_id:
        cycle = period.cycle
        if cycle.state != AppraisalCycle.State.CLOSED:
            raise ValidationError(
                _("Appraisal cycle %(cycle)s is not closed yet; its scores cannot be paid.") % {"cycle": cycle}
            )
        if cycle.period_start > period.start or cycle.period_end < period.end:
            raise ValidationError(
                _("Appraisal cycle %(cycle)s does not cover pay period %(period)s.")
                % {"cycle": cycle, "period": period}
            )
        return cycle
    cycle = (
        AppraisalCycle.objects.filter(
            state=AppraisalCycle.State.CLOSED, period_start__lte=period.start, period_end__gte=period.end
        )
        # Prefer the regular cycle, then the narrowest one.
        .order_by("-kind", "-period_start", "period_end", "pk")
        .first()
    )
    if cycle is None:
        raise ValidationError(
            _("No closed appraisal cycle covers pay period %(period)s (%(start)s – %(end)s).")
            % {"period": period, "start": period.start, "end": period.end}
        )
    return cycle


@transaction.atomic
def pay_period_create(*, code: str, start: date, end: date, cycle: AppraisalCycle | None = None) -> PayPeriod:
    """Create a draft pay period (e.g. 2026-H1), optionally naming the closed cycle that pays it."""
    period = PayPeriod(code=code, start=start, end=end, cycle=cycle)
    period.full_clean()
    if cycle is not None:
        _covering_cycle(period)
    period.save()
    return period


# --- generation -------------------------------------------------------------------------------------------------


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


def _part(full: Decimal, *, days: int, period_days: int) -> tuple[Decimal, str]:
    """The share of a full-period amount for the days held, and its formula."""
    if days == period_days:
        return full, f"{full}"
    amount = money(full * days / period_days)
    return amount, f"{full} × {days}/{period_days} = {amount}"


def _score_pay(score: Decimal, *, rate: Decimal, floor: Decimal, cap: Decimal) -> tuple[Decimal, str]:
    """clamp(score × rate, floor, cap) for a full period, rounded to the cent, and its formula."""
    raw = score * rate
    amount = money(clamp(raw, floor=floor, cap=cap))
    return amount, f"clamp({score} × {rate} = {money(raw)}, {floor}, {cap}) = {amount}"


def _statement_figures(
    *, appraisal: Appraisal, spans: list[GradeSpan], schemes: dict[int, PayScheme], period: PayPeriod
) -> dict[str, object]:
    """The terms, total and explanation of one manager's regular statement."""
    period_days = period.days
    performance, behaviour = appraisal.performance_score, appraisal.behaviour_score
    terms: dict[str, dict[str, object]] = {term: {"parts": []} for term in TERMS}
    grades = []
    for span in spans:
        scheme = schemes[span.grade_id]
        grades.append(
            {
                "grade": scheme.grade.code,
                "from": span.start.isoformat(),
                "to": span.end.isoformat(),
                "days": span.days,
                "scheme": {"id": scheme.pk, "year": scheme.year},
            }
        )
        base_full = scheme.base_salary
        perf_full, perf_formula = _score_pay(
            performance, rate=scheme.performance_rate, floor=scheme.performance_floor, cap=scheme.performance_cap
        )
        beh_full, beh_formula = _score_pay(
            behaviour, rate=scheme.behaviour_rate, floor=scheme.behaviour_floor, cap=scheme.behaviour_cap
        )
        inputs = {
            "base_salary": ({"base_salary": str(base_full)}, f"{base_full}", base_full),
            "performance_pay": (
                {
                    "performance_score": str(performance),
                    "rate": str(scheme.performance_rate),
                    "floor": str(scheme.performance_floor),
                    "cap": str(scheme.performance_cap),
                },
                perf_formula,
                perf_full,
            ),
            "behaviour_component": (
                {
                    "behaviour_score": str(behaviour),
                    "rate": str(scheme.behaviour_rate),
                    "floor": str(scheme.behaviour_floor),
                    "cap": str(scheme.behaviour_cap),
                },
                beh_formula,
                beh_full,
            ),
        }
        for term, (term_inputs, full_formula, full) in inputs.items():
            amount, share_formula = _part(full, days=span.days, period_days=period_days)
            formula = full_formula if span.days == period_days else f"{full_formula}; {share_formula}"
            terms[term]["parts"].append(
                {
                    "grade": scheme.grade.code,
                    "inputs": term_inputs,
                    "full_period": str(full),
                    "days": span.days,
                    "period_days": period_days,
                    "formula": formula,
                    "amount": str(amount),
                }
            )
    amounts: dict[str, Decimal] = {}
    for term in TERMS:
        parts = [Decimal(part["amount"]) for part in terms[term]["parts"]]
        amounts[term] = money(sum(parts, ZERO))
        terms[term]["amount"] = str(amounts[term])
        terms[term]["formula"] = " + ".join(str(p) for p in parts) + f" = {amounts[term]}" if len(parts) > 1 else ""
    total = money(sum(amounts.values(), ZERO))
    explanation = {
        "kind": PayStatement.Kind.REGULAR,
        "currency": CURRENCY,
        "period": {
            "code": period.code,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period_days,
        },
        "appraisal": {
            "id": appraisal.pk,
            "cycle": appraisal.cycle_id,
            "performance_score": str(performance),
            "behaviour_score": str(behaviour),
            "total_score": str(appraisal.total_score) if appraisal.total_score is not None else None,
            "band": appraisal.band,
        },
        "prorated": len(spans) > 1 or spans[0].days != period_days,
        "grades": grades,
        "terms": terms,
        "total": {"amount": str(total), "formula": " + ".join(str(amounts[t]) for t in TERMS) + f" = {total}"},
    }
    return {
        **amounts,
        "total": total,
        "grade_id": spans[-1].grade_id,
        "grades_used": " → ".join(g["grade"] for g in grades),
        "explanation": explanation,
    }


@transaction.atomic
def pay_statements_generate(*, period: PayPeriod) -> int:
    """Create or recompute the regular draft statements of a period from its closed cycle; returns how many changed.

    Idempotent: a second run finds every draft already equal and changes nothing; approved statements are never
    touched. Loading takes a fixed number of queries whatever the number of managers.
    """
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state != PayPeriod.State.DRAFT:
        # Code and parameters, not a formatted text: a job's refusal is shown later in the reader's language.
        raise ValidationError(
            _("Pay period %(period)s is %(state)s; statements are generated only while it is a draft."),
            code="pay_period_not_draft",
            params={"period": str(period), "state": period.get_state_display()},
        )
    cycle = _covering_cycle(period)
    if period.cycle_id != cycle.pk:
        period.cycle = cycle
        period.save(update_fields=["cycle"])
    changes = GradeChange.objects.filter(effective_date__lte=period.end).order_by("effective_date", "pk")
    appraisals = list(
        Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False)
        .select_related("manager")
        .prefetch_related(Prefetch("manager__grade_changes", queryset=changes))
        .order_by("manager__employee_no")
    )
    schemes = {s.grade_id: s for s in PayScheme.objects.filter(year=period.start.year).select_related("grade")}
    existing = {
        s.manager_id: s
        for s in PayStatement.objects.select_for_update().filter(period=period, kind=PayStatement.Kind.REGULAR)
    }

    computed: list[tuple[Appraisal, dict[str, object]]] = []
    missing: set[int] = set()
    for appraisal in appraisals:
        if appraisal.performance_score is None or appraisal.behaviour_score is None:
            raise ValidationError(
                _("The appraisal of %(manager)s has no performance or behaviour score; it cannot be paid.")
                % {"manager": appraisal.manager.employee_no}
            )
        spans = grade_spans(changes=list(appraisal.manager.grade_changes.all()), start=period.start, end=period.end)
        if not spans:
            continue  # held no grade during the period: not an account manager yet, nothing to pay
        missing |= {span.grade_id for span in spans if span.grade_id not in schemes}
        if not missing:
            computed.append(
                (appraisal, _statement_figures(appraisal=appraisal, spans=spans, schemes=schemes, period=period))
            )
    if missing:
        # Refuse the whole run: a period paid half under schemes and half not is an input accepted half-way.
        names = ", ".join(sorted(str(g) for g in Grade.objects.filter(pk__in=missing)))
        raise ValidationError(
            _("There is no %(year)s pay scheme for: %(grades)s. Create it before generating statements.")
            % {"year": period.start.year, "grades": names}
        )

    now = timezone.now()
    to_create: list[PayStatement] = []
    to_update: list[PayStatement] = []
    for appraisal, figures in computed:
        statement = existing.get(appraisal.manager_id)
        if statement is None:
            to_create.append(
                PayStatement(
                    period=period,
                    manager=appraisal.manager,
                    kind=PayStatement.Kind.REGULAR,
                    appraisal=appraisal,
                    currency=CURRENCY,
                    computed_at=now,
                    **figures,
                )
            )
            continue
        if statement.state != PayStatement.State.DRAFT:
            continue  # approved: locked, a correction is an adjustment
        figures = {**figures, "appraisal_id": appraisal.pk}
        if any(getattr(statement, name) != value for name, value in figures.items()):
            for name, value in figures.items():
                setattr(statement, name, value)
            statement.computed_at = now
            to_update.append(statement)
    if to_create:
        bulk_create_with_history(to_create, PayStatement, default_change_reason="generated")
    if to_update:
        bulk_update_with_history(
            to_update,
            PayStatement,
            fields=[*TERMS, "total", "grade", "grades_used", "appraisal", "explanation", "computed_at"],
            default_change_reason="recomputed",
        )
    return len(to_create) + len(to_update)


# --- approval, corrections --------------------------------------------------------------------------------------


@transaction.atomic
def pay_statement_approve(*, statement: PayStatement, by: AbstractBaseUser) -> PayStatement:
    """Approve a draft statement; from now on it is locked."""
    statement = PayStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.state != PayStatement.State.DRAFT:
        raise ValidationError(
            _("Pay statement %(pk)s is already %(state)s.")
            % {"pk": statement.pk, "state": statement.get_state_display()}
        )
    statement.state = PayStatement.State.APPROVED
    statement.approved_at = timezone.now()
    statement.approved_by = by
    statement.full_clean()
    statement.save()
    return statement


@transaction.atomic
def pay_period_approve(*, period: PayPeriod, by: AbstractBaseUser) -> int:
    """Approve every draft statement of a period and the period itself; returns how many statements were approved."""
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state == PayPeriod.State.EXPORTED:
        raise ValidationError(_("Pay period %(period)s has been exported already.") % {"period": period})
    statements = list(PayStatement.objects.select_for_update().filter(period=period))
    if not statements:
        raise ValidationError(_("Pay period %(period)s has no statements to approve.") % {"period": period})
    now = timezone.now()
    drafts = [s for s in statements if s.state == PayStatement.State.DRAFT]
    for statement in drafts:
        statement.state = PayStatement.State.APPROVED
        statement.approved_at = now
        statement.approved_by = by
    if drafts:
        bulk_update_with_history(
            drafts, PayStatement, fields=["state", "approved_at", "approved_by"], default_change_reason="approved"
        )
    if period.state != PayPeriod.State.APPROVED:
        period.state = PayPeriod.State.APPROVED
        period.approved_at = now
        period.approved_by = by
        period.save(update_fields=["state", "approved_at", "approved_by"])
    return len(drafts)


@transaction.atomic
def pay_adjustment_create(
    *,
    statement: PayStatement,
    by: AbstractBaseUser,
    reason: str,
    base_salary: Decimal = ZERO,
    performance_pay: Decimal = ZERO,
    behaviour_component: Decimal = ZERO,
    period: PayPeriod | None = None,
) -> PayStatement:
    """Correct an approved statement with a NEW adjusting statement carrying the differences (never an edit)."""
    statement = PayStatement.objects.select_related("period", "manager").get(pk=statement.pk)
    if statement.state == PayStatement.State.DRAFT:
        raise ValidationError(_("A draft statement is corrected by generating it again, not by an adjustment."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    differences = {
        "base_salary": money(base_salary),
        "performance_pay": money(performance_pay),
        "behaviour_component": money(behaviour_component),
    }
    if not any(differences.values()):
        raise ValidationError(_("An adjustment must change at least one amount."))
    period = PayPeriod.objects.select_for_update().get(pk=(period or statement.period).pk)
    if period.state == PayPeriod.State.EXPORTED:
        raise ValidationError(
            _("Pay period %(period)s has been exported; put the correction in a later period.") % {"period": period}
        )
    if period.start < statement.period.start:
        raise ValidationError(_("A correction cannot be paid in a period before the statement it corrects."))
    total = money(sum(differences.values(), ZERO))
    corrected = {name: str(getattr(statement, name) + diff) for name, diff in differences.items()}
    corrected["total"] = str(statement.total + total)
    adjustment = PayStatement(
        period=period,
        manager=statement.manager,
        kind=PayStatement.Kind.ADJUSTMENT,
        adjusts=statement,
        appraisal_id=statement.appraisal_id,
        grade_id=statement.grade_id,
        grades_used=statement.grades_used,
        currency=CURRENCY,
        total=total,
        reason=reason.strip(),
        created_by=by,
        computed_at=timezone.now(),
        explanation={
            "kind": PayStatement.Kind.ADJUSTMENT,
            "currency": CURRENCY,
            "adjusts": {"id": statement.pk, "period": statement.period.code, "total": str(statement.total)},
            "differences": {name: str(value) for name, value in differences.items()},
            "corrected": corrected,
            "total": {
                "amount": str(total),
                "formula": " + ".join(str(v) for v in differences.values()) + f" = {total}",
            },
        },
        **differences,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


# --- export -----------------------------------------------------------------------------------------------------


@transaction.atomic
def pay_period_export(*, period: PayPeriod, fmt: str = "csv") -> bytes:
    """The payroll file of an approved period (one row per statement, adjustments included, and a totals row).

    Marks the period and its statements exported; exporting again gives the same rows.
    """
    from incentives.exports import payroll_rows, render_csv, render_xlsx

    renderers = {"csv": render_csv, "xlsx": render_xlsx}
    if fmt not in renderers:
        raise ValidationError(_("Unknown export format %(fmt)s.") % {"fmt": fmt})
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state == PayPeriod.State.DRAFT:
        raise ValidationError(_("Pay period %(period)s must be approved before it is exported.") % {"period": period})
    statements = list(
        PayStatement.objects.select_for_update(of=("self",))
        .filter(period=period)
        .select_related("manager__user", "manager__department", "grade")
        .order_by("manager__employee_no", "-kind", "pk")  # regular first, then its corrections
    )
    if any(s.state == PayStatement.State.DRAFT for s in statements):
        raise ValidationError(
            _("Pay period %(period)s has draft statements (corrections awaiting approval); approve them first.")
            % {"period": period}
        )
    content = renderers[fmt](payroll_rows(period=period, statements=statements))
    now = timezone.now()
    fresh = [s for s in statements if s.state == PayStatement.State.APPROVED]
    for statement in fresh:
        statement.state = PayStatement.State.EXPORTED
        statement.exported_at = now
    if fresh:
        bulk_update_with_history(fresh, PayStatement, fields=["state", "exported_at"], default_change_reason="exported")
    if period.state != PayPeriod.State.EXPORTED:
        period.state = PayPeriod.State.EXPORTED
        period.exported_at = now
        period.save(update_fields=["state", "exported_at"])
    return content


# --- recognition ------------------------------------------------------------------------------------------------


@transaction.atomic
def recognition_award(
    *,
    manager: AccountManager,
    kind: str,
    day: date,
    title: str,
    reason: str,
    by: AbstractBaseUser,
    appraisal: Appraisal | None = None,
) -> Recognition:
    """Award a commendation, honorary title or training opportunity (精神激励) to a manager."""
    if appraisal is not None and appraisal.manager_id != manager.pk:
        raise ValidationError({"appraisal": _("The appraisal must be one of this manager's.")})
    recognition = Recognition(
        manager=manager, kind=kind, date=day, title=title, reason=reason, appraisal=appraisal, awarded_by=by
    )
    recognition.full_clean()
    recognition.save()
    return recognition
