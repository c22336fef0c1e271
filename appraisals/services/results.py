"""Use of results (考评结果的使用): recommendations from the rule, HR's decisions, acknowledgement and appeals;
and the reads behind the managers' result pages (history, explanation, their line's results)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from appraisals.models import Appeal, Appraisal, AppraisalCycle, Recommendation, ResultRule
from core.roles import Role, role_of
from managers.models import Grade, GradeChange
from managers.services import grade_change

DEFAULT_APPEAL_DAYS = 14


# --- the rule -----------------------------------------------------------------------------------------------------


def result_rule_active() -> ResultRule | None:
    """The rule in force: the oldest active one."""
    return ResultRule.objects.filter(active=True).order_by("pk").first()


def _grade_of(appraisal: Appraisal) -> Grade | None:
    return appraisal.grade or appraisal.manager.grade_on(appraisal.cycle.period_end)


@dataclass(frozen=True)
class Proposal:
    """What the rule proposes for one appraisal: a kind, the grade proposed (promotion, demotion) and why."""

    kind: str
    grade: Grade | None
    basis: str


def _final_appraisals(cycle: AppraisalCycle) -> list[Appraisal]:
    return list(
        cycle.appraisals.filter(finalised_at__isnull=False)
        .exclude(band="")
        .select_related("manager__user", "grade", "cycle")
        .defer("explanation")  # the rule reads bands and totals, not the (large) explanations
        .order_by("manager__employee_no")
    )


def _recent_history(*, appraisals: list[Appraisal], cycle: AppraisalCycle) -> dict[int, list[Appraisal]]:
    """The closed history of each manager up to the cycle, newest first (one query)."""
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
    return history


def _proposals(
    *, appraisal: Appraisal, cycle: AppraisalCycle, rule: ResultRule, grades: list[Grade], history: list[Appraisal]
) -> list[Proposal]:
    """The rule applied to one appraisal of the cycle, given the grades by rank and the manager's history, newest
    first."""
    grade = _grade_of(appraisal)
    higher = next((g for g in grades if grade and g.rank > grade.rank), None)
    lower = next((g for g in reversed(grades) if grade and g.rank < grade.rank), None)
    proposals: list[Proposal] = []
    if appraisal.band == Appraisal.Band.EXCELLENT:
        n = max(1, rule.excellent_cycles_for_promotion)
        last = history[:n]
        in_a_row = (
            len(last) == n
            and all(a.band == Appraisal.Band.EXCELLENT for a in last)
            and all(grade and (a.grade_id or grade.pk) == grade.pk for a in last)
        )
        if in_a_row and higher is not None:
            basis = _("%(n)s excellent results in a row as %(grade)s, the last in %(cycle)s.") % {
                "n": n,
                "grade": grade,
                "cycle": cycle,
            }
            proposals.append(Proposal(Recommendation.Kind.PROMOTION, higher, basis))
        if rule.reward_on_excellent:
            basis = _("Excellent result (%(total)s) in %(cycle)s.") % {"total": appraisal.total_score, "cycle": cycle}
            proposals.append(Proposal(Recommendation.Kind.REWARD, None, basis))
    elif appraisal.band == Appraisal.Band.FAIL and rule.demote_on_fail and lower is not None:
        basis = _("Fail (%(total)s) in %(cycle)s as %(grade)s.") % {
            "total": appraisal.total_score,
            "cycle": cycle,
            "grade": grade,
        }
        proposals.append(Proposal(Recommendation.Kind.DEMOTION, lower, basis))
    return proposals


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
    appraisals = _final_appraisals(cycle)
    if not appraisals:
        return []
    grades = list(Grade.objects.order_by("rank"))
    history = _recent_history(appraisals=appraisals, cycle=cycle)
    existing = set(Recommendation.objects.filter(appraisal__cycle=cycle).values_list("appraisal_id", "kind"))
    made = [
        Recommendation(
            manager=appraisal.manager,
            appraisal=appraisal,
            kind=proposal.kind,
            proposed_grade=proposal.grade,
            basis=proposal.basis,
        )
        for appraisal in appraisals
        for proposal in _proposals(
            appraisal=appraisal, cycle=cycle, rule=rule, grades=grades, history=history.get(appraisal.manager_id, [])
        )
        if (appraisal.pk, proposal.kind) not in existing
    ]
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
