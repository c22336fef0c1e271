"""The fairness review (公正性判断) of client ratings, and HR's exclusion of a rating."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appraisals.models import AppraisalCycle, Rating
from appraisals.services.fairness import fairness_outliers, fairness_review, rating_exclude, rating_include
from core.roles import Role
from tests.appraisals.factories_ratings import (
    AppraisalFactory,
    ClientRatingFactory,
    rater_user,
    submitted_client_rating,
)

pytestmark = pytest.mark.django_db


def test_fairness_flags_the_outlier_of_a_hand_computed_example_and_not_the_others():
    appraisal = AppraisalFactory()
    # The client sample rates three indicators; the means of five clients' ratings:
    a = submitted_client_rating(appraisal, [4, 4, 5])  # 13/3 = 4.33
    b = submitted_client_rating(appraisal, [4, 4, 4])  # 4.00
    c = submitted_client_rating(appraisal, [3, 4, 4])  # 11/3 = 3.67
    d = submitted_client_rating(appraisal, [5, 4, 4])  # 4.33
    e = submitted_client_rating(appraisal, [1, 2, 2])  # 5/3 = 1.67
    ClientRatingFactory(appraisal=appraisal)  # not answered: not part of the review
    # Sorted means 1.67, 3.67, 4.00, 4.33, 4.33 → median 4.00.
    # Distances: a 0.33, b 0, c 0.33, d 0.33, e 2.33 > 1.5 → only e; one of five is a minority → flagged.

    flagged = fairness_review(appraisal=appraisal)

    assert flagged == [e]
    e.refresh_from_db()
    assert e.flag_reason == (
        "Mean value 1.67 is 2.33 points from the median 4.00 of the 5 client ratings of this manager (limit 1.5)."
    )
    assert not Rating.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk], flagged=True).exists()


def test_fairness_clears_a_flag_no_longer_warranted():
    appraisal = AppraisalFactory()
    submitted_client_rating(appraisal, [5, 5, 5])
    submitted_client_rating(appraisal, [5, 5, 5])
    low = submitted_client_rating(appraisal, [2, 2, 2])  # 3 points below the median 5
    assert fairness_review(appraisal=appraisal) == [low]

    # Two more clients agree with the low one: median of 5, 5, 2, 2, 2 is 2; the 5s are 3 away, but two of five
    # are a minority, so now the 5s are the outliers and the low rating's flag is cleared.
    submitted_client_rating(appraisal, [2, 2, 2])
    submitted_client_rating(appraisal, [2, 2, 2])
    flagged = fairness_review(appraisal=appraisal)

    low.refresh_from_db()
    assert not low.flagged and low.flag_reason == ""
    assert {tuple(r.scores.values_list("value", flat=True)) for r in flagged} == {(5, 5, 5)}
    assert len(flagged) == 2


@pytest.mark.parametrize(
    ("means", "outliers"),
    [
        # Two ratings: neither is the odd one out.
        (["5", "1"], set()),
        # Three, two agree: median 5, the 1 is 4 away → flagged; the 5s are not (a leave-one-out median of
        # 5 and 1 = 3 would have flagged a 5 as well).
        (["5", "5", "1"], {2}),
        # Exactly 1.5 from the median is not flagged; a hair more is.
        (["4", "4", "2.5"], set()),
        (["4", "4", "2.49"], {2}),
        # Spread opinions 5, 3, 1: median 3, both ends 2 away = two of three → no majority to be far from.
        (["5", "3", "1"], set()),
        # Split 5, 5, 1, 1: median 3, all four 2 away → nobody flagged.
        (["5", "5", "1", "1"], set()),
        # The robust z-score would be silent here (MAD of 4, 4, 1 is 0); the distance rule is not.
        (["4", "4", "1"], {2}),
    ],
)
def test_the_outlier_rule_at_its_edges(means, outliers):
    assert set(fairness_outliers({i: Decimal(m) for i, m in enumerate(means)})) == outliers


def test_an_excluded_rating_stays_in_the_review():
    appraisal = AppraisalFactory()
    submitted_client_rating(appraisal, [5, 5, 5])
    submitted_client_rating(appraisal, [5, 5, 5])
    low = submitted_client_rating(appraisal, [1, 1, 1])
    rating_exclude(rating=low, by=rater_user(Role.HR), reason="Client in a dispute with the bank")

    assert fairness_review(appraisal=appraisal) == [low]


# --- exclusion ---------------------------------------------------------------------------------------------------


def test_hr_excludes_a_rating_with_a_recorded_reason():
    hr = rater_user(Role.HR)
    rating = submitted_client_rating(AppraisalFactory(), [1, 1, 1])

    rating_exclude(rating=rating, by=hr, reason="  The client confused us with another bank  ")

    rating.refresh_from_db()
    assert rating.excluded
    assert rating.excluded_reason == "The client confused us with another bank"
    assert rating.excluded_by == hr
    assert rating.history.first().excluded  # the change is in the audit trail


@pytest.mark.parametrize("reason", ["", "   "])
def test_exclusion_requires_a_reason(reason):
    rating = submitted_client_rating(AppraisalFactory(), [1, 1, 1])

    with pytest.raises(ValidationError) as error:
        rating_exclude(rating=rating, by=rater_user(Role.HR), reason=reason)

    assert "reason" in error.value.message_dict
    assert not Rating.objects.get(pk=rating.pk).excluded


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.ACCOUNT_MANAGER])
def test_only_hr_may_exclude(role):
    rating = submitted_client_rating(AppraisalFactory(), [1, 1, 1])

    with pytest.raises(PermissionDenied):
        rating_exclude(rating=rating, by=rater_user(role), reason="I do not like it")
    assert not Rating.objects.get(pk=rating.pk).excluded


def test_a_rating_of_a_closed_cycle_cannot_be_excluded_or_included():
    hr = rater_user(Role.HR)
    rating = submitted_client_rating(AppraisalFactory(), [1, 1, 1])
    rating_exclude(rating=rating, by=hr, reason="dispute")
    AppraisalCycle.objects.update(state=AppraisalCycle.State.CLOSED)

    with pytest.raises(ValidationError, match="closed"):
        rating_include(rating=rating, by=hr)
    assert Rating.objects.get(pk=rating.pk).excluded


def test_hr_can_include_an_excluded_rating_again_before_close():
    hr = rater_user(Role.HR)
    rating = submitted_client_rating(AppraisalFactory(), [1, 1, 1])
    rating_exclude(rating=rating, by=hr, reason="dispute")

    rating_include(rating=rating, by=hr)

    rating.refresh_from_db()
    assert (rating.excluded, rating.excluded_reason, rating.excluded_by) == (False, "", None)


def test_a_pending_rating_cannot_be_excluded():
    rating = ClientRatingFactory()
    with pytest.raises(ValidationError, match="submitted"):
        rating_exclude(rating=rating, by=rater_user(Role.HR), reason="dispute")
