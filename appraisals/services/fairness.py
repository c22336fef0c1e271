"""Fairness review of client ratings (公正性判断): flag a client rating far from the others; HR excludes with a reason.

The method, stated once here and in the flag reason HR reads:

1. Each submitted client sample rating of the appraisal is reduced to its mean value on the 1–5 scale.
2. With fewer than MIN_RATINGS (3) such ratings nothing is flagged: with two, neither is "the odd one out".
3. The centre is the median of all of them; a rating is an outlier when its mean lies more than OUTLIER_DISTANCE
   (1.5 scale points, i.e. 30 score points) from that median — strictly more: 1.5 exactly is not flagged.
4. An outlier is far from a majority: when half or more of the ratings would be flagged, the clients simply
   disagree and nothing is flagged.

Why this rule and not the others considered:
- The robust z-score 0.6745·|x − median| / MAD (Iglewicz & Hoaglin) needs a usable MAD. Client samples are 3–5
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
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from appraisals.models import Appraisal, RaterType, Rating
from appraisals.services.ratings import rating_lock
from core.roles import Role, role_of

MIN_RATINGS = 3
OUTLIER_DISTANCE = Decimal("1.5")
TWO_PLACES = Decimal("0.01")


def rating_mean(values: list[int]) -> Decimal:
    """The mean of a rating's values, exactly (Decimal)."""
    return Decimal(sum(values)) / Decimal(len(values))


def fairness_outliers(means: dict[int, Decimal]) -> dict[int, str]:
    """The rule above on {rating id: mean value}: {rating id: reason} for the outliers."""
    if len(means) < MIN_RATINGS:
        return {}
    centre = statistics.median(means.values())
    far = {pk: mean for pk, mean in means.items() if abs(mean - centre) > OUTLIER_DISTANCE}
    if len(far) * 2 >= len(means):
        return {}
    return {
        pk: _(
            "Mean value %(mean)s is %(distance)s points from the median %(median)s of the %(count)s client ratings "
            "of this manager (limit %(limit)s)."
        )
        % {
            "mean": mean.quantize(TWO_PLACES),
            "distance": abs(mean - centre).quantize(TWO_PLACES),
            "median": Decimal(centre).quantize(TWO_PLACES),
            "count": len(means),
            "limit": OUTLIER_DISTANCE,
        }
        for pk, mean in far.items()
    }


@transaction.atomic
def fairness_review(*, appraisal: Appraisal) -> list[Rating]:
    """Flag the appraisal's client ratings far from the others (method in the module docstring); clear old flags.

    Returns the ratings flagged now.
    """
    appraisal.assert_editable()
    ratings = list(
        Rating.objects.select_for_update()
        .filter(appraisal=appraisal, rater_type=RaterType.CLIENT)
        .prefetch_related("scores")
        .order_by("pk")
    )
    means = {
        rating.pk: rating_mean([score.value for score in rating.scores.all()])
        for rating in ratings
        if rating.submitted_at is not None and rating.scores.all()
    }
    reasons = fairness_outliers(means)
    changed = []
    for rating in ratings:
        flagged, reason = rating.pk in reasons, reasons.get(rating.pk, "")[:300]
        if (rating.flagged, rating.flag_reason) != (flagged, reason):
            rating.flagged, rating.flag_reason = flagged, reason
            changed.append(rating)
    bulk_update_with_history(changed, Rating, ["flagged", "flag_reason"], default_change_reason="fairness review")
    return [rating for rating in ratings if rating.flagged]


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
