"""HR's decision on an appeal (申诉). Rejected: the result stands and its consequences resume. Upheld: HR corrects
ratings or excludes them with a reason, the appraisal is re-scored by the close's own scoring, the earlier result is
kept as a version, and the rule's recommendations are made again from the new result. Every write leaves a history
row naming HR and the decision.

An appraisal of a closed cycle is otherwise read-only (its models refuse save()): an upheld appeal is the one path
that changes it, with bulk updates that write the history rows themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appraisals.explanation import Note
from appraisals.models import (
    Appeal,
    Appraisal,
    AppraisalCycle,
    AppraisalVersion,
    RaterType,
    Rating,
    RatingScore,
    SpotCheck,
)
from appraisals.models.plans import SCALE_MAX, SCALE_MIN
from appraisals.services.cycles import cycle_rating_summaries
from appraisals.services.policies import cycle_scoring_policy, managers_gaps
from appraisals.services.results import Remade, recommendations_remake
from appraisals.services.scoring import AppraisalResult, RatingSummary, appraisal_score, result_write, scoring_plan
from core.roles import Role, role_of
from notifications.events import APPEAL_DECIDED
from notifications.services import notify

# The fields a re-score writes: those the close writes, but for finalised_at (the result is final since the close).
SCORE_FIELDS = ["performance_score", "behaviour_score", "ability_score", "spot_check_effect", "total_score", "band"]
SCORE_FIELDS += ["incomplete", "explanation"]
# simple_history's change reason is at most 100 characters.
REASON_LENGTH = 100


@dataclass(frozen=True)
class AppealDecision:
    """What deciding an appeal did: the appeal, the version it superseded (upheld only) and the recommendations
    withdrawn, made again and left standing (upheld only)."""

    appeal: Appeal
    superseded: AppraisalVersion | None = None
    total: Decimal | None = None  # the re-scored total (upheld only)
    recommendations: Remade | None = None


def _require_hr(by: AbstractBaseUser) -> None:
    if role_of(by) != Role.HR:
        raise ValidationError(_("Only HR resolves appeals."))


def _lock_open(appeal: Appeal) -> Appeal:
    locked = Appeal.objects.select_for_update().select_related("appraisal__cycle__template").get(pk=appeal.pk)
    if locked.state != Appeal.State.OPEN:
        raise ValidationError(_("This appeal is already resolved."))
    return locked


def _resolution_text(resolution: str) -> str:
    text = (resolution or "").strip()
    if not text:
        raise ValidationError({"resolution": _("Write the resolution of the appeal.")})
    return text


def _close(appeal: Appeal, *, state: str, resolution: str, by: AbstractBaseUser) -> Appeal:
    appeal.state = state
    appeal.resolution = resolution
    appeal.resolved_by = by
    appeal.resolved_at = timezone.now()
    appeal._history_user = by  # outside a request the history would not know who
    appeal.full_clean()
    appeal.save()
    appraisal = appeal.appraisal
    notify(
        event=APPEAL_DECIDED,
        recipient=appraisal.manager.user,
        params={
            "cycle": str(appraisal.cycle),
            "decision": state,
            "link": reverse("appraisals:detail", args=[appraisal.pk]),
        },
        key=f"appeal:{appeal.pk}",
    )
    return appeal


@transaction.atomic
def appeal_reject(*, appeal: Appeal, by: AbstractBaseUser, resolution: str) -> AppealDecision:
    """HR rejects the appeal: the result stands, and its recommendations can be decided again."""
    _require_hr(by)
    resolution = _resolution_text(resolution)
    locked = _lock_open(appeal)
    return AppealDecision(appeal=_close(locked, state=Appeal.State.REJECTED, resolution=resolution, by=by))


def appraisal_rescore(*, appraisal: Appraisal) -> AppraisalResult:
    """The appraisal scored again as the close scores it: the same summary of its ratings (submitted, not excluded,
    as they stand now), the measured values and spot-checks frozen at the close, and the same scoring function."""
    cycle = appraisal.cycle
    template = cycle.template
    indicators = list(template.indicators.all())
    summary = cycle_rating_summaries(cycle).get(appraisal.pk) or RatingSummary()
    measured = {value.indicator_id: value for value in appraisal.measured_values.all()}
    checks = list(SpotCheck.objects.filter(applied_to=appraisal).order_by("checked_on", "pk"))
    own_gaps = managers_gaps(manager_ids=[appraisal.manager_id], start=cycle.period_start, end=cycle.period_end)
    return appraisal_score(
        template=template,
        indicators=indicators,
        ratings=summary,
        measured=measured,
        spot_checks=checks,
        plan=scoring_plan(template=template, indicators=indicators),
        policy=cycle_scoring_policy(cycle),
        manager_gaps=own_gaps.get(appraisal.manager_id, ()),
    )


def _exclusions_apply(
    *, appraisal: Appraisal, exclusions: Mapping[Rating, str], by: AbstractBaseUser, reason: str
) -> list[dict]:
    ratings = {
        rating.pk: rating for rating in Rating.objects.filter(appraisal=appraisal, pk__in=[r.pk for r in exclusions])
    }
    changes: list[dict] = []
    for given, why in exclusions.items():
        rating = ratings.get(given.pk)
        if rating is None:
            raise ValidationError(_("A rating to exclude is not one of this appraisal's."))
        if rating.submitted_at is None or rating.excluded:
            raise ValidationError(_("Only a submitted rating that still counts can be excluded."))
        why = (why or "").strip()
        if not why:
            raise ValidationError({"exclusions": _("Give the reason for excluding each rating.")})
        rating.excluded = True
        rating.excluded_reason = why
        rating.excluded_by = by
        changes.append({"change": "excluded", "rating": rating.pk, "rater_type": rating.rater_type, "reason": why})
    if ratings:
        bulk_update_with_history(
            list(ratings.values()),
            Rating,
            ["excluded", "excluded_reason", "excluded_by"],
            default_user=by,
            default_change_reason=reason,
        )
    return changes


def _corrections_apply(
    *,
    appraisal: Appraisal,
    corrections: Mapping[RatingScore, int],
    excluded: set[int],
    by: AbstractBaseUser,
    reason: str,
) -> list[dict]:
    scores = {
        score.pk: score
        for score in RatingScore.objects.filter(
            rating__appraisal=appraisal, pk__in=[s.pk for s in corrections]
        ).select_related("rating", "indicator")
    }
    changes: list[dict] = []
    changed: list[RatingScore] = []
    for given, value in corrections.items():
        score = scores.get(given.pk)
        if score is None:
            raise ValidationError(_("A rating score to correct is not one of this appraisal's."))
        if score.rating.submitted_at is None or score.rating.excluded or score.rating_id in excluded:
            raise ValidationError(_("Only a score of a submitted rating that still counts can be corrected."))
        if not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
            raise ValidationError(
                {
                    "corrections": _("A corrected score is from %(min)s to %(max)s.")
                    % {"min": SCALE_MIN, "max": SCALE_MAX}
                }
            )
        if value == score.value:
            continue
        changes.append(
            {
                "change": "corrected",
                "rating": score.rating_id,
                "rater_type": score.rating.rater_type,
                "indicator": score.indicator.code,
                "from": score.value,
                "to": value,
            }
        )
        score.value = value
        changed.append(score)
    if changed:
        bulk_update_with_history(changed, RatingScore, ["value"], default_user=by, default_change_reason=reason)
    return changes


@transaction.atomic
def appeal_uphold(
    *,
    appeal: Appeal,
    by: AbstractBaseUser,
    resolution: str,
    exclusions: Mapping[Rating, str] | None = None,
    corrections: Mapping[RatingScore, int] | None = None,
) -> AppealDecision:
    """HR upholds the appeal: excludes ratings (each with its reason) and corrects rating scores (to a value on the
    scale), re-scores the appraisal through the close's scoring, keeps the earlier result as a version, and applies
    the rule again to the new result. An upheld appeal changes at least one rating."""
    _require_hr(by)
    resolution = _resolution_text(resolution)
    exclusions = dict(exclusions or {})
    corrections = dict(corrections or {})
    locked = _lock_open(appeal)
    appraisal = Appraisal.objects.select_for_update().select_related("cycle__template").get(pk=locked.appraisal_id)
    if appraisal.cycle.state != AppraisalCycle.State.CLOSED or not appraisal.is_final:
        raise ValidationError(_("Only the final result of a closed cycle is re-scored on appeal."))
    reason = (_("appeal upheld: %(resolution)s") % {"resolution": resolution})[:REASON_LENGTH]

    changes = _exclusions_apply(appraisal=appraisal, exclusions=exclusions, by=by, reason=reason)
    changes += _corrections_apply(
        appraisal=appraisal,
        corrections=corrections,
        excluded={c["rating"] for c in changes},
        by=by,
        reason=reason,
    )
    if not changes:
        raise ValidationError(
            _("An upheld appeal changes the result: exclude a rating or correct a score, or reject the appeal."),
            code="nothing_changed",
        )

    now = timezone.now()
    superseded = _version_keep(appraisal=appraisal, appeal=locked, changes=changes, by=by, now=now)
    result = _rescore_save(appraisal=appraisal, superseded=superseded, changes=changes, by=by, reason=reason, now=now)

    decided = _close(locked, state=Appeal.State.UPHELD, resolution=resolution, by=by)
    remade = recommendations_remake(
        appraisal=appraisal,
        by=by,
        reason=_("Withdrawn: the appeal was upheld and the appraisal re-scored (%(total)s).") % {"total": result.total},
    )
    return AppealDecision(appeal=decided, superseded=superseded, total=result.total, recommendations=remade)


def _version_keep(
    *, appraisal: Appraisal, appeal: Appeal, changes: list[dict], by: AbstractBaseUser, now: datetime
) -> AppraisalVersion:
    """Save the result as it stands before the re-score as the appraisal's next version."""
    number = appraisal.versions.count() + 1
    superseded = AppraisalVersion(
        appraisal=appraisal,
        number=number,
        performance_score=appraisal.performance_score,
        behaviour_score=appraisal.behaviour_score,
        ability_score=appraisal.ability_score,
        spot_check_effect=appraisal.spot_check_effect,
        total_score=appraisal.total_score,
        band=appraisal.band,
        explanation=appraisal.explanation,
        scored_at=appraisal.finalised_at if number == 1 else appraisal.versions.order_by("-number")[0].superseded_at,
        superseded_at=now,
        superseded_by=by,
        appeal=appeal,
        changes=changes,
    )
    superseded.full_clean(exclude=["appraisal", "appeal"])
    superseded.save()
    return superseded


def _rescore_save(
    *,
    appraisal: Appraisal,
    superseded: AppraisalVersion,
    changes: list[dict],
    by: AbstractBaseUser,
    reason: str,
    now: datetime,
) -> AppraisalResult:
    """Re-score the appraisal, note why and what it was before, and write the new result with its history row."""
    result = appraisal_rescore(appraisal=appraisal)
    result.explanation.notes = (
        *result.explanation.notes,
        # Worded when shown, in the reader's language (the changes are summed up in words now).
        Note(
            "rescored_after_appeal",
            {
                "day": timezone.localdate(now).isoformat(),
                "changes": _changes_summary(changes),
                "total": str(superseded.total_score),
                "band": superseded.band,
            },
        ),
    )
    result_write(appraisal, result)
    bulk_update_with_history([appraisal], Appraisal, SCORE_FIELDS, default_user=by, default_change_reason=reason)
    return result


def _changes_summary(changes: list[dict]) -> str:
    """What changed, as the manager may read it: rater types and indicators, never who rated."""
    parts = []
    for change in changes:
        rater = RaterType(change["rater_type"]).label
        if change["change"] == "excluded":
            parts.append(_("a %(rater)s rating excluded (%(reason)s)") % {"rater": rater, "reason": change["reason"]})
        else:
            parts.append(
                _("a %(rater)s score of %(indicator)s corrected from %(old)s to %(new)s")
                % {"rater": rater, "indicator": change["indicator"], "old": change["from"], "new": change["to"]}
            )
    return "; ".join(parts)


@transaction.atomic
def appeal_resolve(
    *,
    appeal: Appeal,
    by: AbstractBaseUser,
    state: str,
    resolution: str,
    exclusions: Mapping[Rating, str] | None = None,
    corrections: Mapping[RatingScore, int] | None = None,
) -> Appeal:
    """HR resolves an open appeal: upheld (with the ratings it excludes or corrects) or rejected, with the
    resolution written out."""
    _require_hr(by)
    if state not in (Appeal.State.UPHELD, Appeal.State.REJECTED):
        raise ValidationError({"state": _("An appeal is resolved as upheld or rejected.")})
    if state == Appeal.State.REJECTED:
        return appeal_reject(appeal=appeal, by=by, resolution=resolution).appeal
    return appeal_uphold(
        appeal=appeal, by=by, resolution=resolution, exclusions=exclusions, corrections=corrections
    ).appeal
