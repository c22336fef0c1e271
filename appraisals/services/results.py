"""Use of results (考评结果的使用): recommendations from the rule, HR's decisions, acknowledgement and appeals;
and the reads behind the managers' result pages (history, explanation, their line's results)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from appraisals import selectors as permissions
from appraisals.models import Appeal, Appraisal, AppraisalCycle, Indicator, RaterType, Recommendation, ResultRule
from appraisals.models.plans import Dimension
from core.roles import Role, role_of
from managers.models import AccountManager, Grade, GradeChange
from managers.selectors import manager_for_user, manager_line

DEFAULT_APPEAL_DAYS = 14
CENT = Decimal("0.01")


# --- the rule -----------------------------------------------------------------------------------------------------


def result_rule_active() -> ResultRule | None:
    """The rule in force: the oldest active one."""
    return ResultRule.objects.filter(active=True).order_by("pk").first()


def _grade_of(appraisal: Appraisal) -> Grade | None:
    return appraisal.grade or appraisal.manager.grade_on(appraisal.cycle.period_end)


@transaction.atomic
def recommendations_make(*, cycle: AppraisalCycle) -> list[Recommendation]:
    """Turn the closed cycle's results into recommendations by the active rule; returns those made now (a re-run
    makes none: one recommendation per appraisal and kind).

    Promotion: the manager's last N closed appraisals (N = excellent_cycles_for_promotion, by period end, up to this
    cycle) are all excellent, all at the grade held now (a promotion restarts the count), and a higher grade exists.
    Demotion: a fail, when the rule says so, and a lower grade exists (none below trainee). Reward: an excellent
    result, when the rule says so.
    """
    if cycle.state != AppraisalCycle.State.CLOSED:
        raise ValidationError(_("Recommendations are made from a closed cycle only."))
    rule = result_rule_active()
    if rule is None:
        return []
    appraisals = list(
        cycle.appraisals.filter(finalised_at__isnull=False)
        .exclude(band="")
        .select_related("manager__user", "grade", "cycle")
        .defer("explanation")  # the rule reads bands and totals, not the (large) explanations
        .order_by("manager__employee_no")
    )
    if not appraisals:
        return []
    grades = list(Grade.objects.order_by("rank"))
    n = max(1, rule.excellent_cycles_for_promotion)
    # The recent closed history of every manager of the cycle, in one query, newest first.
    history: dict[int, list[Appraisal]] = {}
    recent = (
        Appraisal.objects.filter(
            manager_id__in=[a.manager_id for a in appraisals],
            finalised_at__isnull=False,
            cycle__state=AppraisalCycle.State.CLOSED,
            cycle__period_end__lte=cycle.period_end,
        )
        .only("manager", "cycle", "grade", "band")
        .order_by("manager_id", "-cycle__period_end", "-cycle_id")
    )
    for past in recent:
        history.setdefault(past.manager_id, []).append(past)
    existing = set(Recommendation.objects.filter(appraisal__cycle=cycle).values_list("appraisal_id", "kind"))
    made: list[Recommendation] = []

    def propose(appraisal: Appraisal, kind: str, grade: Grade | None, basis: str) -> None:
        if (appraisal.pk, kind) not in existing:
            made.append(
                Recommendation(
                    manager=appraisal.manager, appraisal=appraisal, kind=kind, proposed_grade=grade, basis=basis
                )
            )

    for appraisal in appraisals:
        grade = _grade_of(appraisal)
        higher = next((g for g in grades if grade and g.rank > grade.rank), None)
        lower = next((g for g in reversed(grades) if grade and g.rank < grade.rank), None)
        if appraisal.band == Appraisal.Band.EXCELLENT:
            last = history.get(appraisal.manager_id, [])[:n]
            in_a_row = (
                len(last) == n
                and all(a.band == Appraisal.Band.EXCELLENT for a in last)
                and all(grade and (a.grade_id or grade.pk) == grade.pk for a in last)
            )
            if in_a_row and higher is not None:
                propose(
                    appraisal,
                    Recommendation.Kind.PROMOTION,
                    higher,
                    _("%(n)s excellent results in a row as %(grade)s, the last in %(cycle)s.")
                    % {"n": n, "grade": grade, "cycle": cycle},
                )
            if rule.reward_on_excellent:
                propose(
                    appraisal,
                    Recommendation.Kind.REWARD,
                    None,
                    _("Excellent result (%(total)s) in %(cycle)s.") % {"total": appraisal.total_score, "cycle": cycle},
                )
        elif appraisal.band == Appraisal.Band.FAIL and rule.demote_on_fail and lower is not None:
            propose(
                appraisal,
                Recommendation.Kind.DEMOTION,
                lower,
                _("Fail (%(total)s) in %(cycle)s as %(grade)s.")
                % {"total": appraisal.total_score, "cycle": cycle, "grade": grade},
            )
    for recommendation in made:
        # The foreign keys come from rows just loaded; validating them again would cost a query per recommendation.
        recommendation.clean_fields(exclude=["manager", "appraisal", "proposed_grade"])
    # A concurrent run that made the same one first makes this one fail on the unique constraint and roll back;
    # its retry then finds them made.
    bulk_create_with_history(made, Recommendation, default_change_reason="recommended by the result rule")
    return made


def _require_hr(user: AbstractBaseUser, message: str) -> None:
    if role_of(user) != Role.HR:
        raise ValidationError(message)


def _lock_pending(recommendation: Recommendation) -> Recommendation:
    locked = Recommendation.objects.select_for_update().select_related("manager__user").get(pk=recommendation.pk)
    if locked.state != Recommendation.State.PENDING:
        raise ValidationError(
            _("This recommendation was already decided (%(state)s).") % {"state": locked.get_state_display()}
        )
    return locked


@transaction.atomic
def recommendation_approve(
    *, recommendation: Recommendation, by: AbstractBaseUser, effective_date: dt.date, note: str = ""
) -> Recommendation:
    """HR approves a recommendation: a promotion or demotion writes the GradeChange; a reward is only recorded."""
    from managers.services import grade_change

    _require_hr(by, _("Only HR decides on recommendations."))
    locked = _lock_pending(recommendation)
    if locked.kind in (Recommendation.Kind.PROMOTION, Recommendation.Kind.DEMOTION):
        if effective_date is None:
            raise ValidationError({"effective_date": _("Give the date the new grade takes effect.")})
        locked.grade_change = grade_change(
            manager=locked.manager,
            to_grade=locked.proposed_grade,
            reason=GradeChange.Reason.APPRAISAL,
            effective_date=effective_date,
            approved_by=by,
            note=note or locked.basis,
        )
    locked.state = Recommendation.State.APPROVED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def recommendation_reject(*, recommendation: Recommendation, by: AbstractBaseUser, note: str) -> Recommendation:
    """HR rejects a recommendation, saying why."""
    _require_hr(by, _("Only HR decides on recommendations."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the recommendation is rejected.")})
    locked = _lock_pending(recommendation)
    locked.state = Recommendation.State.REJECTED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.full_clean()
    locked.save()
    return locked


# --- acknowledgement and appeals ------------------------------------------------------------------------------------


def appeal_deadline(*, appraisal: Appraisal) -> dt.datetime | None:
    """Until when the manager may acknowledge or appeal: the cycle's close plus the rule's appeal days."""
    if appraisal.cycle.closed_at is None:
        return None
    rule = result_rule_active()
    days = rule.appeal_days if rule is not None else DEFAULT_APPEAL_DAYS
    return appraisal.cycle.closed_at + dt.timedelta(days=days)


def _check_own_final_in_time(*, appraisal: Appraisal, by: AbstractBaseUser) -> None:
    if appraisal.manager.user_id != by.pk:
        raise ValidationError(_("Only the appraised account manager may do this."))
    if not appraisal.is_final or appraisal.cycle.state != AppraisalCycle.State.CLOSED:
        raise ValidationError(_("The appraisal is not final yet."))
    deadline = appeal_deadline(appraisal=appraisal)
    if deadline is None or timezone.now() > deadline:
        raise ValidationError(_("The deadline to acknowledge or appeal has passed."))


@transaction.atomic
def appraisal_acknowledge(*, appraisal: Appraisal, by: AbstractBaseUser) -> Appraisal:
    """The manager acknowledges (确认) their final result, once, within the deadline."""
    _check_own_final_in_time(appraisal=appraisal, by=by)
    # Lock the row so two clicks cannot both acknowledge; acknowledged_at is the one field a closed appraisal may
    # still take (saved alone, the closed-cycle guard lets it through, and the history records it).
    locked = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
    if locked.acknowledged_at is not None:
        raise ValidationError(_("You have already acknowledged this result."))
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["acknowledged_at"])
    appraisal.acknowledged_at = locked.acknowledged_at
    return appraisal


@transaction.atomic
def appeal_create(*, appraisal: Appraisal, by: AbstractBaseUser, text: str) -> Appeal:
    """The manager appeals (申诉) their final result, once, within the deadline, giving grounds."""
    _check_own_final_in_time(appraisal=appraisal, by=by)
    if not (text or "").strip():
        raise ValidationError({"text": _("Give the grounds of your appeal.")})
    if Appraisal.objects.filter(pk=appraisal.pk, acknowledged_at__isnull=False).exists():
        raise ValidationError(_("You have acknowledged this result; it can no longer be appealed."))
    if Appeal.objects.filter(appraisal=appraisal).exists():
        raise ValidationError(_("This appraisal has already been appealed."))
    appeal = Appeal(appraisal=appraisal, text=text.strip())
    appeal.full_clean()
    appeal.save()
    return appeal


@transaction.atomic
def appeal_resolve(*, appeal: Appeal, by: AbstractBaseUser, state: str, resolution: str) -> Appeal:
    """HR resolves an open appeal: upheld or rejected, with the resolution written out."""
    _require_hr(by, _("Only HR resolves appeals."))
    if state not in (Appeal.State.UPHELD, Appeal.State.REJECTED):
        raise ValidationError({"state": _("An appeal is resolved as upheld or rejected.")})
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Write the resolution of the appeal.")})
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.state != Appeal.State.OPEN:
        raise ValidationError(_("This appeal is already resolved."))
    locked.state = state
    locked.resolution = resolution.strip()
    locked.resolved_by = by
    locked.resolved_at = timezone.now()
    locked.full_clean()
    locked.save()
    return locked


# --- reads behind the pages -----------------------------------------------------------------------------------------


def appraisals_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Appraisal]:
    """Final appraisals of closed cycles the user may see: their own, their line's, their department's (as its
    head); HR sees every appraisal. Decided by core.permissions (the matrix)."""
    return permissions.appraisals_visible_to(user)


def appraisal_for_user(user: AbstractBaseUser, pk: int) -> Appraisal:
    """The appraisal with what its page shows, or 404 when the user may not see it."""
    appraisal = (
        appraisals_visible_to(user)
        .select_related("cycle", "manager__user", "manager__department", "grade", "appeal")
        .filter(pk=pk)
        .first()
    )
    if appraisal is None:
        raise Http404(_("No such appraisal."))
    return appraisal


@dataclass
class HistoryRow:
    appraisal: Appraisal
    change: Decimal | None  # against the previous closed cycle; None for the first


def appraisal_history(*, manager: AccountManager) -> list[HistoryRow]:
    """The manager's final results across closed cycles, newest first, with the change from the one before."""
    appraisals = list(
        Appraisal.objects.filter(manager=manager, finalised_at__isnull=False, cycle__state=AppraisalCycle.State.CLOSED)
        .select_related("cycle", "grade", "appeal")
        .defer("explanation")  # read only on the appraisal's own page
        .order_by("cycle__period_end", "cycle_id")
    )
    rows: list[HistoryRow] = []
    previous: Decimal | None = None
    for appraisal in appraisals:
        total = appraisal.total_score
        change = total - previous if total is not None and previous is not None else None
        rows.append(HistoryRow(appraisal=appraisal, change=change))
        previous = total if total is not None else previous
    return rows[::-1]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        return Decimal("0.00")


def _label(choices: Any, value: str | None) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


@dataclass
class Explanation:
    """The frozen explanation of an appraisal, with labels, ready for the page."""

    dimensions: list[dict[str, Any]] = field(default_factory=list)
    spot_checks: list[dict[str, Any]] = field(default_factory=list)
    spot_check_effect: Decimal = Decimal("0.00")
    excluded_ratings: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    contributions_sum: Decimal = Decimal("0.00")
    computed_total: Decimal = Decimal("0.00")
    total: Decimal | None = None
    band: str = ""

    @property
    def adds_up(self) -> bool:
        return self.total is not None and self.computed_total == self.total


def appraisal_explanation(*, appraisal: Appraisal) -> Explanation:
    """Appraisal.explanation (written at close, anonymous by contract) turned into rows with translated labels.
    Only fields of the contract are read, so a rater's identity can never reach the page."""
    data = appraisal.explanation or {}
    result = Explanation(total=appraisal.total_score, band=appraisal.get_band_display())
    for dim in data.get("dimensions", []):
        indicators = []
        for ind in dim.get("indicators", []):
            measured = ind.get("measured") or None
            if measured:
                measured = {
                    "metric": _label(Indicator.Metric, measured.get("metric")),
                    "value": measured.get("value", ""),
                    "target": measured.get("target", ""),
                    "rule": _label(Indicator.Rule, measured.get("rule")),
                }
            indicators.append(
                {
                    "code": ind.get("code", ""),
                    "name": ind.get("name", ""),
                    "kind": _label(Indicator.Kind, ind.get("kind")),
                    "weight": ind.get("weight", ""),
                    "score": _decimal(ind.get("score")),
                    "contribution": _decimal(ind.get("contribution")),
                    "raters": [
                        {
                            "rater_type": _label(RaterType, r.get("rater_type")),
                            "weight": r.get("weight", ""),
                            "effective_weight": r.get("effective_weight", ""),
                            "count": r.get("count", 0),
                            "average": r.get("average", ""),
                            "score": r.get("score", ""),
                        }
                        for r in ind.get("raters", [])
                    ],
                    "measured": measured,
                    "notes": [str(n) for n in ind.get("notes", [])],
                }
            )
        contribution = _decimal(dim.get("contribution"))
        result.dimensions.append(
            {
                "dimension": _label(Dimension, dim.get("dimension")),
                "weight": dim.get("weight", ""),
                "score": _decimal(dim.get("score")),
                "contribution": contribution,
                "indicators": indicators,
            }
        )
        result.contributions_sum += contribution
    result.spot_checks = [
        {"effect": _decimal(c.get("effect")), "findings": c.get("findings", "")} for c in data.get("spot_checks", [])
    ]
    result.spot_check_effect = _decimal(data.get("spot_check_effect", appraisal.spot_check_effect))
    result.excluded_ratings = [
        {"rater_type": _label(RaterType, e.get("rater_type")), "reason": e.get("reason", "")}
        for e in data.get("excluded_ratings", [])
    ]
    result.notes = [str(n) for n in data.get("notes", [])]
    result.computed_total = result.contributions_sum + result.spot_check_effect
    return result


@dataclass
class LineResults:
    cycle: AppraisalCycle | None
    appraisals: list[Appraisal]
    scope: str  # "line", "department" or "all"


def line_results(*, user: AbstractBaseUser) -> LineResults | None:
    """The latest closed cycle's results of the user's line (a supervisor), department (its head) or everyone (HR);
    None when the user supervises no one and heads no department."""
    allowed = permissions.scope_of(user, permissions.Kind.APPRAISAL, permissions.Action.LIST)
    me = manager_for_user(user)
    if allowed == permissions.Scope.ALL:
        managers: QuerySet[AccountManager] | None = None
        scope = "all"
    elif allowed == permissions.Scope.DEPARTMENT:
        managers = permissions.managers_in_scope(user, allowed)
        scope = "department"
    elif allowed == permissions.Scope.LINE and me is not None and me.subordinates.exists():
        managers = manager_line(me)
        scope = "line"
    else:
        return None
    cycle = (
        AppraisalCycle.objects.filter(state=AppraisalCycle.State.CLOSED)
        .order_by("-period_end", "-closed_at", "-pk")
        .first()
    )
    if cycle is None:
        return LineResults(cycle=None, appraisals=[], scope=scope)
    appraisals = cycle.appraisals.filter(finalised_at__isnull=False).select_related(
        "manager__user", "manager__department", "grade"
    )
    if managers is not None:
        appraisals = appraisals.filter(manager__in=managers.values("pk"))
    return LineResults(
        cycle=cycle,
        appraisals=list(appraisals.order_by("-total_score", "manager__employee_no")),
        scope=scope,
    )
