"""The monthly payroll run: a regular statement for every manager employed in the month, whatever the appraisals'
timing (the lines themselves: incentives.services.payroll_lines).

An approved statement never changes. Each month the locked statements of the last LOOKBACK_MONTHS are read back,
so that the statement being generated carries the catch-ups and adjustments they call for.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from appraisals.models import Appeal, Appraisal, AppraisalCycle
from incentives.explanation import TERMS
from incentives.models import PayPeriod, PayScheme, PayStatement
from incentives.money import CURRENCY
from incentives.services.payroll_lines import (
    GradeSpan,
    Loaded,
    Slot,
    StatementFigures,
    employed_days,
    grade_spans,
    paid_ledger,
    statement_figures,
)
from managers.models import AccountManager, Grade, GradeChange

# The fields generation writes; a recomputed draft is updated only when one of them differs.
COMPUTED_FIELDS = [*TERMS, "total", "grade", "grades_used", "appraisal", "explanation"]
# How far back earlier statements are read for catch-ups and re-scored appraisals: a cycle closes, and an appeal is
# decided, well within two years; reading every statement ever paid would grow the run without end.
LOOKBACK_MONTHS = 24

# --- the run ----------------------------------------------------------------------------------------------------


def _lock_draft_period(period: PayPeriod) -> PayPeriod:
    period = PayPeriod.objects.select_for_update().get(pk=period.pk)
    pay_statements_generate_check(period=period)
    return period


def pay_statements_generate_check(*, period: PayPeriod) -> None:
    """Refuse (ValidationError, with a code and parameters) what generation would refuse for the period as it is
    read: a period no longer a draft, or not one calendar month. Also asked before generation is queued."""
    if period.state != PayPeriod.State.DRAFT:
        raise ValidationError(
            _(
                "Pay period %(period)s is already %(state)s, so its statements are locked and are not generated "
                "again. A change to someone's pay for %(period)s is paid on a later month's statement: generate "
                "that month, or correct a statement with an adjusting statement."
            ),
            code="pay_period_not_draft",
            params={"period": str(period), "state": period.get_state_display()},
        )
    if not period.is_month:
        raise ValidationError(
            _("Pay period %(period)s is not one calendar month; statements are generated for months only."),
            code="pay_period_not_month",
            params={"period": str(period)},
        )


def _months_before(day: date, months: int) -> date:
    month = day.year * 12 + day.month - 1 - months
    return date(month // 12, month % 12 + 1, 1)


def _load(period: PayPeriod) -> tuple[Loaded, list[AccountManager], dict[int, list[Slot]]]:
    """The rows of one run: earlier locked statements, the managers to pay, schemes, appraisals, appeals, cycle."""
    earlier = list(
        PayStatement.objects.filter(
            kind=PayStatement.Kind.REGULAR,
            period__start__gte=_months_before(period.start, LOOKBACK_MONTHS),
        )
        .exclude(state=PayStatement.State.DRAFT)
        .exclude(period=period)
        .only("pk", "manager_id", "kind", "explanation")
        .order_by("period__start", "pk")
    )
    ledger = paid_ledger(earlier, before=period.start)
    changes = GradeChange.objects.filter(effective_date__lte=period.end).order_by("effective_date", "pk")
    managers = list(
        AccountManager.objects.filter(
            Q(hire_date__lte=period.end, grade_changes__effective_date__lte=period.end)
            & (Q(departure__isnull=True) | Q(departure__last_day__gte=period.start))
            | Q(pk__in=list(ledger))
        )
        .distinct()
        .select_related("departure")
        .prefetch_related(Prefetch("grade_changes", queryset=changes))
        .order_by("employee_no")
    )
    named = {slot.last.id for slots in ledger.values() for slot in slots if slot.last is not None}
    appraisals = list(
        Appraisal.objects.filter(
            Q(
                manager__in=managers,
                cycle__kind=AppraisalCycle.Kind.REGULAR,
                cycle__state=AppraisalCycle.State.CLOSED,
                finalised_at__isnull=False,
                performance_score__isnull=False,
                behaviour_score__isnull=False,
            )
            | Q(pk__in=named)
        )
        .select_related("cycle")
        .defer("explanation", "cycle__cause", "cycle__close_reason")
        .order_by("cycle__period_end", "cycle__closed_at", "pk")
    )
    by_manager: dict[int, list[Appraisal]] = defaultdict(list)
    for appraisal in appraisals:
        cycle = appraisal.cycle
        paying = cycle.kind == AppraisalCycle.Kind.REGULAR and cycle.state == AppraisalCycle.State.CLOSED
        if paying and appraisal.finalised_at and None not in (appraisal.performance_score, appraisal.behaviour_score):
            by_manager[appraisal.manager_id].append(appraisal)
    appeals = dict(Appeal.objects.filter(appraisal__in=appraisals).values_list("appraisal_id", "state"))
    covering = (
        AppraisalCycle.objects.filter(
            kind=AppraisalCycle.Kind.REGULAR, period_start__lte=period.end, period_end__gte=period.start
        )
        .order_by("-period_start", "pk")
        .first()
    )
    schemes = {s.grade_id: s for s in PayScheme.objects.filter(year=period.start.year).select_related("grade")}
    loaded = Loaded(
        period=period,
        schemes=schemes,
        appraisals=dict(by_manager),
        by_id={a.pk: a for a in appraisals},
        appeals=appeals,
        covering=covering,
    )
    return loaded, managers, ledger


def _all_figures(
    *, loaded: Loaded, managers: list[AccountManager], ledger: dict[int, list[Slot]]
) -> list[tuple[AccountManager, StatementFigures]]:
    """The figures of every manager to pay; refuses the whole run when a grade's scheme or a leaver's last day is
    missing (a month paid half is an input accepted half-way)."""
    period = loaded.period
    computed: list[tuple[AccountManager, StatementFigures]] = []
    missing: set[int] = set()
    undated: list[str] = []
    spans_of: dict[int, list[GradeSpan]] = {}
    for manager in managers:
        days = employed_days(manager, start=period.start, end=period.end)
        if days is not None and manager.status == AccountManager.Status.LEFT and not hasattr(manager, "departure"):
            undated.append(manager.employee_no)
        spans = grade_spans(changes=list(manager.grade_changes.all()), start=days[0], end=days[1]) if days else []
        missing |= {span.grade_id for span in spans if span.grade_id not in loaded.schemes}
        spans_of[manager.pk] = spans
    if undated:
        raise ValidationError(
            _(
                "%(managers)s left (status 'left') with no last day recorded; record it under Pay › Departures so "
                "that %(period)s is paid up to that day, then generate again."
            ),
            code="leaver_without_last_day",
            params={"managers": ", ".join(sorted(undated)), "period": str(period)},
        )
    if missing:
        names = ", ".join(sorted(str(g) for g in Grade.objects.filter(pk__in=missing)))
        raise ValidationError(
            _("There is no %(year)s pay scheme for: %(grades)s. Create it before generating statements."),
            code="pay_scheme_missing",
            params={"year": period.start.year, "grades": names},
        )
    for manager in managers:
        figures = statement_figures(
            manager=manager, spans=spans_of[manager.pk], slots=ledger.get(manager.pk, []), loaded=loaded
        )
        if figures is not None:
            computed.append((manager, figures))
    return computed


@transaction.atomic
def pay_statements_generate(*, period: PayPeriod) -> int:
    """Create or recompute the regular draft statements of a month; returns how many were created or changed.

    Every manager employed in the month gets one (base salary for the days employed, performance pay and behaviour
    component as the scheme names), and so does a leaver still owed a catch-up or adjustment. Idempotent: a second
    run finds every draft equal and changes nothing; approved statements are never touched. Refused, with the
    reason, for a period already approved. Loading takes a fixed number of queries whatever the number of managers.
    """
    period = _lock_draft_period(period)
    loaded, managers, ledger = _load(period)
    existing = {
        s.manager_id: s
        for s in PayStatement.objects.select_for_update().filter(period=period, kind=PayStatement.Kind.REGULAR)
    }
    now = timezone.now()
    to_create: list[PayStatement] = []
    to_update: list[PayStatement] = []
    computed = _all_figures(loaded=loaded, managers=managers, ledger=ledger)
    # A draft of someone no longer paid this month (e.g. a hire date corrected) goes; approved ones stay.
    paid = {manager.pk for manager, _figures in computed}
    stale = [s.pk for s in existing.values() if s.manager_id not in paid and s.state == PayStatement.State.DRAFT]
    if stale:
        PayStatement.objects.filter(pk__in=stale).delete()
    for manager, figures in computed:
        statement = existing.get(manager.pk)
        fields = figures.fields()
        if statement is None:
            to_create.append(
                PayStatement(
                    period=period,
                    manager=manager,
                    kind=PayStatement.Kind.REGULAR,
                    currency=CURRENCY,
                    computed_at=now,
                    **fields,
                )
            )
        elif statement.state == PayStatement.State.DRAFT and any(  # approved ones are locked
            getattr(statement, name) != value for name, value in fields.items()
        ):
            for name, value in fields.items():
                setattr(statement, name, value)
            statement.computed_at = now
            to_update.append(statement)
    if to_create:
        bulk_create_with_history(to_create, PayStatement, default_change_reason="generated")
    if to_update:
        bulk_update_with_history(
            to_update, PayStatement, fields=[*COMPUTED_FIELDS, "computed_at"], default_change_reason="recomputed"
        )
    return len(to_create) + len(to_update) + len(stale)
