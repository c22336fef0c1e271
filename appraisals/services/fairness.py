"""Fairness review of ratings (公正性判断): for every rater type with more than one rater (the client sample, peers),
flag a rating far from the others of the same type for the same manager; HR excludes it with a reason.

The method, stated once here and in the flag reason HR reads, applied to each rater type of an appraisal apart:

1. Each submitted rating of that type is reduced to its mean value on the 1–5 scale.
2. With fewer than MIN_RATINGS (3) such ratings nothing is flagged: with two, neither is "the odd one out".
3. The centre is the median of all of them; a rating is an outlier when its mean lies more than OUTLIER_DISTANCE
   (1.5 scale points, i.e. 30 score points) from that median — strictly more: 1.5 exactly is not flagged.
4. An outlier is far from a majority: when half or more of the ratings would be flagged, the raters simply
   disagree and nothing is flagged.
Self and head ratings are one rater each: there is no "others" to compare with.

Why this rule and not the others considered:
- The robust z-score 0.6745·|x − median| / MAD (Iglewicz & Hoaglin) needs a usable MAD. Samples are 3–5
  ratings, and as soon as more than half of them agree the MAD is 0 (e.g. 4, 4, 1: deviations 0, 0, 3 → MAD 0),
  so the rule is silent exactly where an outlier is plainest.
- The distance to the median of the *others* (leave-one-out) flags the majority in the smallest samples: with
  5, 5, 1 a "5" is compared with the median of 5 and 1, which is 3, and is 2 points away.
- A fixed distance in scale points is something HR and the manager can check by hand.
Excluded ratings stay in the computation: exclusion is HR's decision about a flag, not new data, so excluding one
rating does not make another one look far.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appraisals.models import Appraisal, AppraisalCycle, RaterType, Rating
from appraisals.services.ratings import rating_lock
from core.roles import Role, role_of

MIN_RATINGS = 3
OUTLIER_DISTANCE = Decimal("1.5")
TWO_PLACES = Decimal("0.01")
# The rater types that can have more than one rater per appraisal.
REVIEWED_TYPES = (RaterType.CLIENT, RaterType.PEER)


def rating_mean(values: list[int]) -> Decimal:
    """The mean of a rating's values, exactly (Decimal)."""
    return Decimal(sum(values)) / Decimal(len(values))


def fairness_outliers(means: dict[int, Decimal], *, rater_type: str = RaterType.CLIENT) -> dict[int, str]:
    """The rule above on {rating id: mean value} of one rater type: {rating id: reason} for the outliers."""
    if len(means) < MIN_RATINGS:
        return {}
    centre = statistics.median(means.values())
    far = {pk: mean for pk, mean in means.items() if abs(mean - centre) > OUTLIER_DISTANCE}
    if len(far) * 2 >= len(means):
        return {}
    return {
        pk: _(
            "Mean value %(mean)s is %(distance)s points from the median %(median)s of the %(count)s %(rater_type)s "
            "ratings of this manager (limit %(limit)s)."
        )
        % {
            "mean": mean.quantize(TWO_PLACES),
            "distance": abs(mean - centre).quantize(TWO_PLACES),
            "median": Decimal(centre).quantize(TWO_PLACES),
            "count": len(means),
            "rater_type": _("peer") if rater_type == RaterType.PEER else _("client"),
            "limit": OUTLIER_DISTANCE,
        }
        for pk, mean in far.items()
    }


def _flags_set(ratings: list[Rating]) -> list[Rating]:
    """Apply the rule to loaded ratings (scores prefetched), each appraisal and rater type apart; save the flags
    that changed (with history). Returns the ratings flagged now."""
    means: dict[tuple[int, str], dict[int, Decimal]] = defaultdict(dict)
    for rating in ratings:
        values = [score.value for score in rating.scores.all()]
        if rating.submitted_at is not None and values:
            means[(rating.appraisal_id, rating.rater_type)][rating.pk] = rating_mean(values)
    reasons: dict[int, str] = {}
    for (_appraisal_id, rater_type), of_type in means.items():
        reasons.update(fairness_outliers(of_type, rater_type=rater_type))
    changed = []
    for rating in ratings:
        flagged, reason = rating.pk in reasons, reasons.get(rating.pk, "")[:300]
        if (rating.flagged, rating.flag_reason) != (flagged, reason):
            rating.flagged, rating.flag_reason = flagged, reason
            changed.append(rating)
    bulk_update_with_history(changed, Rating, ["flagged", "flag_reason"], default_change_reason="fairness review")
    return [rating for rating in ratings if rating.flagged]


@transaction.atomic
def fairness_review(*, appraisal: Appraisal) -> list[Rating]:
    """Flag the appraisal's ratings far from the others of their type (method in the module docstring), for every
    rater type with more than one rater; clear old flags. Returns the ratings flagged now."""
    appraisal.assert_editable()
    ratings = list(
        Rating.objects.select_for_update()
        .filter(appraisal=appraisal, rater_type__in=REVIEWED_TYPES)
        .prefetch_related("scores")
        .order_by("pk")
    )
    return _flags_set(ratings)


@transaction.atomic
def fairness_review_cycle(*, cycle: AppraisalCycle) -> list[Rating]:
    """The fairness review of every appraisal of an open or in-review cycle at once (three queries and the changed
    flags' update): when the deadline holds the cycle and when it moves to review, so HR sees the flags before
    closing. A closed cycle is left as it is."""
    if cycle.state not in (AppraisalCycle.State.OPEN, AppraisalCycle.State.REVIEW):
        return []
    ratings = list(
        Rating.objects.select_for_update()
        .filter(appraisal__cycle=cycle, rater_type__in=REVIEWED_TYPES)
        .prefetch_related("scores")
        .order_by("pk")
    )
    return _flags_set(ratings)


def _hr_check(by: AbstractBaseUser) -> None:
    if role_of(by) != Role.HR:
        raise PermissionDenied(_("Only HR may exclude or include a rating."))


@transaction.atomic
def rating_exclude(*, rating: Rating, by: AbstractBaseUser, reason: str) -> Rating:
    """HR excludes a submitted rating from the score, with a recorded reason (while the cycle is not closed)."""
    _hr_check(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the rating is excluded: the reason is recorded.")})
    rating = rating_lock(rating)
    rating.appraisal.assert_editable()
    if rating.submitted_at is None:
        raise ValidationError(_("Only a submitted rating can be excluded; a pending one does not count anyway."))
    if rating.excluded:
        raise ValidationError(_("This rating is already excluded."))
    rating.excluded, rating.excluded_reason, rating.excluded_by = True, reason, by
    rating.full_clean(exclude=["appraisal", "rater", "client"])
    rating.save(update_fields=["excluded", "excluded_reason", "excluded_by"])
    return rating


@transaction.atomic
def rating_include(*, rating: Rating, by: AbstractBaseUser) -> Rating:
    """HR undoes an exclusion before the cycle closes (the history keeps the earlier exclusion)."""
    _hr_check(by)
    rating = rating_lock(rating)
    rating.appraisal.assert_editable()
    if not rating.excluded:
        raise ValidationError(_("This rating is not excluded."))
    rating.excluded, rating.excluded_reason, rating.excluded_by = False, "", None
    rating.save(update_fields=["excluded", "excluded_reason", "excluded_by"])
    return rating
