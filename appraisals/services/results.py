"""Use of results (考评结果的使用): recommendations from the rule, HR's decisions (a promotion checked against the
任职条件 of its grade), acknowledgement and appeals (HR's decision on an appeal: appraisals/services/appeals.py)."""

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
from managers.qualification import qualification_check
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


def _final_appraisals(cycle: AppraisalCycle, *, only: Appraisal | None = None) -> list[Appraisal]:
    """The cycle's final appraisals with a band (or only the one given, if it is)."""
    appraisals = cycle.appraisals.filter(finalised_at__isnull=False).exclude(band="")
    if only is not None:
        appraisals = appraisals.filter(pk=only.pk)
    return list(
        appraisals.select_related("manager__user", "grade", "cycle")
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
    elif (
        appraisal.band == Appraisal.Band.FAIL
        and grade is not None
        and grade.code == Grade.Code.TRAINEE
        and rule.trainee_fail_outcome == ResultRule.TraineeFailOutcome.EXTEND_PROBATION
    ):
        # A trainee has no lower grade: the rule names the consequence instead of letting the fail pass unnoticed.
        basis = _("Fail (%(total)s) in %(cycle)s as %(grade)s: extend the probation by %(months)s months.") % {
            "total": appraisal.total_score,
            "cycle": cycle,
            "grade": grade,
            "months": rule.probation_extension_months,
        }
        proposals.append(Proposal(Recommendation.Kind.PROBATION, None, basis))
    return proposals


def _recommendations_create(
    *, appraisals: list[Appraisal], cycle: AppraisalCycle, rule: ResultRule, reason: str
) -> list[Recommendation]:
    """The rule applied to these final appraisals of the cycle; a kind an appraisal already has (pending or decided,
    not withdrawn) is not made again."""
    grades = list(Grade.objects.order_by("rank"))
    history = _recent_history(appraisals=appraisals, cycle=cycle)
    existing = set(
        Recommendation.objects.filter(appraisal__in=[a.pk for a in appraisals])
        .exclude(state=Recommendation.State.WITHDRAWN)
        .values_list("appraisal_id", "kind")
    )
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
    bulk_create_with_history(made, Recommendation, default_change_reason=reason)
    return made


@transaction.atomic
def recommendations_make(*, cycle: AppraisalCycle) -> list[Recommendation]:
    """Turn the closed cycle's results into recommendations by the active rule; returns those made now (a re-run
    makes none: one recommendation per appraisal and kind).

    Promotion: the manager's last N closed appraisals (N = excellent_cycles_for_promotion, by period end, up to this
    cycle) are all excellent, all at the grade held now (a promotion restarts the count), and a higher grade exists.
    Demotion: a fail, when the rule says so, and a lower grade exists (none below trainee). A trainee's fail: an
    extended probation, unless the rule says it has no consequence. Reward: an excellent result, when the rule says so.
    """
    if cycle.state != AppraisalCycle.State.CLOSED:
        raise ValidationError(_("Recommendations are made from a closed cycle only."))
    rule = result_rule_active()
    if rule is None:
        return []
    appraisals = _final_appraisals(cycle)
    if not appraisals:
        return []
    return _recommendations_create(
        appraisals=appraisals, cycle=cycle, rule=rule, reason="recommended by the result rule"
    )


@dataclass(frozen=True)
class Remade:
    """What applying the rule again to a re-scored appraisal did: the pending recommendations withdrawn, those made
    now, and those HR had already decided (they stand: a GradeChange is never undone by a re-score)."""

    withdrawn: list[Recommendation]
    made: list[Recommendation]
    decided: list[Recommendation]


@transaction.atomic
def recommendations_remake(*, appraisal: Appraisal, by: AbstractBaseUser, reason: str) -> Remade:
    """Apply the active rule again to one appraisal whose result changed (an upheld appeal): its pending
    recommendations are withdrawn and the rule makes those that follow from the new result."""
    pending = list(
        Recommendation.objects.select_for_update().filter(appraisal=appraisal, state=Recommendation.State.PENDING)
    )
    now = timezone.now()
    for recommendation in pending:
        recommendation.state = Recommendation.State.WITHDRAWN
        recommendation.decided_by = by
        recommendation.decided_at = now
        recommendation.decision_note = reason
        recommendation._change_reason = "withdrawn: the appraisal was re-scored"
        recommendation._history_user = by  # outside a request the history would not know who
        recommendation.full_clean()
        recommendation.save()
    decided = list(
        Recommendation.objects.filter(
            appraisal=appraisal, state__in=[Recommendation.State.APPROVED, Recommendation.State.REJECTED]
        )
    )
    rule = result_rule_active()
    final = _final_appraisals(appraisal.cycle, only=appraisal) if rule is not None else []
    made = (
        _recommendations_create(appraisals=final, cycle=appraisal.cycle, rule=rule, reason="re-made after a re-score")
        if final
        else []
    )
    return Remade(withdrawn=pending, made=made, decided=decided)


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


def appeal_open_refuse(*, appraisal_id: int) -> None:
    """Refuse (ValidationError) while the appraisal has an open appeal: it suspends the result's consequences."""
    if Appeal.objects.filter(appraisal_id=appraisal_id, state=Appeal.State.OPEN).exists():
        raise ValidationError(
            _("The appraisal behind this recommendation is under appeal: decide the appeal first."),
            code="appeal_open",
        )


def promotion_qualification_failures(*, recommendation: Recommendation, day: dt.date) -> list[str]:
    """The qualification requirements (任职条件) of the proposed grade the manager fails on the day; [] when met or
    when the recommendation is not a promotion."""
    if recommendation.kind != Recommendation.Kind.PROMOTION or recommendation.proposed_grade is None:
        return []
    return qualification_check(person=recommendation.manager, grade=recommendation.proposed_grade, day=day)


@transaction.atomic
def recommendation_approve(
    *,
    recommendation: Recommendation,
    by: AbstractBaseUser,
    effective_date: dt.date,
    note: str = "",
    override_reason: str = "",
) -> Recommendation:
    """HR approves a recommendation: a promotion or demotion writes the GradeChange; a reward or an extended
    probation is only recorded.

    Refused while the appraisal is under appeal. A promotion must meet the qualification requirements (任职条件) of
    the proposed grade on the effective date; when it does not, only HR's written `override_reason` lets it through,
    and the failures and the reason are recorded on the recommendation and in the grade change's note.
    """
    _require_hr(by, _("Only HR decides on recommendations."))
    locked = _lock_pending(recommendation)
    appeal_open_refuse(appraisal_id=locked.appraisal_id)
    if locked.kind in (Recommendation.Kind.PROMOTION, Recommendation.Kind.DEMOTION) and effective_date is None:
        raise ValidationError({"effective_date": _("Give the date the new grade takes effect.")})
    override_reason = (override_reason or "").strip()
    failures = promotion_qualification_failures(recommendation=locked, day=effective_date)
    if failures and not override_reason:
        raise ValidationError(
            _(
                "%(manager)s does not meet the qualification requirements of %(grade)s: %(failures)s Only HR may "
                "approve the promotion anyway, giving a written reason."
            )
            % {"manager": locked.manager.name, "grade": locked.proposed_grade, "failures": " ".join(failures)},
            code="qualification_failed",
        )
    grade_note = note or locked.basis
    if failures:
        locked.qualification_failures = "\n".join(failures)
        locked.qualification_override = override_reason
        grade_note = _("%(note)s Qualification requirements not met (%(failures)s); approved by HR: %(reason)s") % {
            "note": grade_note,
            "failures": " ".join(failures),
            "reason": override_reason,
        }
    if locked.kind in (Recommendation.Kind.PROMOTION, Recommendation.Kind.DEMOTION):
        locked.grade_change = grade_change(
            manager=locked.manager,
            to_grade=locked.proposed_grade,
            reason=GradeChange.Reason.APPRAISAL,
            effective_date=effective_date,
            approved_by=by,
            note=grade_note,
        )
    elif locked.kind == Recommendation.Kind.PROBATION and effective_date is not None:
        note = " ".join(
            part for part in (_("Probation extended from %(day)s.") % {"day": effective_date}, note) if part
        )
    locked.state = Recommendation.State.APPROVED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked._history_user = by  # outside a request the history would not know who
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
    locked._history_user = by  # outside a request the history would not know who
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
    # Acknowledge and appeal exclude each other: an appealed result waits for HR's decision instead.
    if Appeal.objects.filter(appraisal=locked).exists():
        raise ValidationError(_("You have appealed this result; it can no longer be acknowledged."))
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["acknowledged_at"])
    appraisal.acknowledged_at = locked.acknowledged_at
    return appraisal


@transaction.atomic
def appeal_create(*, appraisal: Appraisal, by: AbstractBaseUser, text: str) -> Appeal:
    """The manager appeals (申诉) their final result, once, within the deadline, giving grounds; until HR decides,
    no recommendation of the appraisal can be approved."""
    _check_own_final_in_time(appraisal=appraisal, by=by)
    if not (text or "").strip():
        raise ValidationError({"text": _("Give the grounds of your appeal.")})
    # The appraisal row is locked as acknowledging locks it, so an appeal and an acknowledgement cannot cross.
    locked = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
    if locked.acknowledged_at is not None:
        raise ValidationError(_("You have acknowledged this result; it can no longer be appealed."))
    if Appeal.objects.filter(appraisal=appraisal).exists():
        raise ValidationError(_("This appraisal has already been appealed."))
    appeal = Appeal(appraisal=appraisal, text=text.strip())
    appeal._history_user = by  # outside a request the history would not know who
    appeal.full_clean()
    appeal.save()
    return appeal
