"""Submitting a rating, pending ratings and reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from appraisals.models import AppraisalCycle, RaterType, Rating, RatingScore
from appraisals.selectors import indicators_rated_by, ratings_pending_for
from appraisals.services.ratings import comment_field, rating_submit, ratings_remind, value_field
from core.roles import Role
from tests.appraisals.factories_ratings import AppraisalFactory, ClientRatingFactory, RatingFactory, rater_user

pytestmark = pytest.mark.django_db


def _answers(rating: Rating, value: int = 4) -> tuple[dict[int, int], dict[int, str]]:
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type)
    return {i.pk: value for i in indicators}, {i.pk: "" for i in indicators}


def test_a_complete_rating_is_saved_with_a_score_per_indicator():
    rating = RatingFactory()
    values, comments = _answers(rating)

    rating_submit(rating=rating, by=rating.rater, values=values, comments=comments, comment="Good half-year")

    rating.refresh_from_db()
    assert rating.submitted_at is not None
    assert rating.comment == "Good half-year"
    # Self rates P1, P2, B1, B2, A1: five scores of 4.
    assert sorted(rating.scores.values_list("indicator__code", "value")) == [
        ("A1", 4),
        ("B1", 4),
        ("B2", 4),
        ("P1", 4),
        ("P2", 4),
    ]


def test_a_missing_indicator_is_refused_naming_it_and_nothing_is_saved():
    rating = RatingFactory()
    values, comments = _answers(rating)
    missing = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=RaterType.SELF).get(code="B2")
    del values[missing.pk]

    with pytest.raises(ValidationError) as error:
        rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)

    assert "Client satisfaction" in error.value.message_dict[value_field(missing.pk)][0]
    rating.refresh_from_db()
    assert rating.submitted_at is None
    assert not RatingScore.objects.exists()


@pytest.mark.parametrize("extreme", [1, 5])
def test_an_extreme_value_without_a_comment_is_refused_and_nothing_is_saved(extreme):
    rating = RatingFactory()
    values, comments = _answers(rating)
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    values[p1.pk] = extreme
    comments[p1.pk] = "   "

    with pytest.raises(ValidationError) as error:
        rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)

    assert "Task completion" in error.value.message_dict[comment_field(p1.pk)][0]
    assert not RatingScore.objects.exists()
    assert Rating.objects.get(pk=rating.pk).submitted_at is None


def test_an_extreme_value_with_a_comment_is_accepted():
    rating = RatingFactory()
    values, comments = _answers(rating)
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    values[p1.pk], comments[p1.pk] = 5, "Closed three large deals"

    rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)

    assert rating.scores.get(indicator=p1).comment == "Closed three large deals"


@pytest.mark.parametrize("bad", [0, 6, "4.5", "x"])
def test_a_value_off_the_scale_is_refused(bad):
    rating = RatingFactory()
    values, comments = _answers(rating)
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    values[p1.pk] = bad

    with pytest.raises(ValidationError) as error:
        rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)

    assert "from 1 to 5" in error.value.message_dict[value_field(p1.pk)][0]
    assert not RatingScore.objects.exists()


def test_a_value_for_an_indicator_the_rater_does_not_rate_is_refused():
    rating = RatingFactory()
    values, comments = _answers(rating)
    measured = rating.appraisal.cycle.template.indicators.get(code="M1")
    values[measured.pk] = 3

    with pytest.raises(ValidationError, match="does not rate"):
        rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)
    assert not RatingScore.objects.exists()


def test_submitting_twice_is_refused_and_the_first_answers_stay():
    rating = RatingFactory()
    values, comments = _answers(rating, 4)
    rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)

    values, comments = _answers(rating, 2)
    with pytest.raises(ValidationError, match="already submitted"):
        rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)

    assert set(rating.scores.values_list("value", flat=True)) == {4}


def test_only_the_rater_may_submit():
    rating = RatingFactory()
    values, comments = _answers(rating)

    with pytest.raises(PermissionDenied):
        rating_submit(rating=rating, by=rater_user(Role.ACCOUNT_MANAGER), values=values, comments=comments)
    assert Rating.objects.get(pk=rating.pk).submitted_at is None


def test_a_client_rating_cannot_be_submitted_by_a_user():
    rating = ClientRatingFactory()
    values, comments = _answers(rating)

    with pytest.raises(ValidationError, match="survey link"):
        rating_submit(rating=rating, by=rating.appraisal.manager.user, values=values, comments=comments)


@pytest.mark.parametrize("state", [AppraisalCycle.State.CLOSED, AppraisalCycle.State.DRAFT])
def test_a_cycle_not_taking_ratings_refuses_them(state):
    rating = RatingFactory()
    AppraisalCycle.objects.filter(pk=rating.appraisal.cycle_id).update(state=state)
    values, comments = _answers(rating)

    with pytest.raises(ValidationError):
        rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)
    assert not RatingScore.objects.exists()


def test_a_rating_is_accepted_during_review():
    rating = RatingFactory()
    AppraisalCycle.objects.filter(pk=rating.appraisal.cycle_id).update(state=AppraisalCycle.State.REVIEW)
    values, comments = _answers(rating)

    rating_submit(rating=rating, by=rating.rater, values=values, comments=comments)
    assert Rating.objects.get(pk=rating.pk).submitted_at is not None


def test_pending_ratings_are_the_users_unsubmitted_ones_in_open_cycles():
    head = rater_user(Role.DEPARTMENT_HEAD)
    mine = RatingFactory(rater_type=RaterType.HEAD, rater=head)
    RatingFactory(rater_type=RaterType.HEAD, rater=head, submitted_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    closed = RatingFactory(rater_type=RaterType.HEAD, rater=head)
    AppraisalCycle.objects.filter(pk=closed.appraisal.cycle_id).update(state=AppraisalCycle.State.CLOSED)
    RatingFactory()  # someone else's

    assert list(ratings_pending_for(head)) == [mine]


def test_reminders_go_once_a_day_per_rater_listing_all_their_ratings():
    head = rater_user(Role.DEPARTMENT_HEAD)
    first = RatingFactory(rater_type=RaterType.HEAD, rater=head)
    RatingFactory(rater_type=RaterType.HEAD, rater=head, appraisal=AppraisalFactory(cycle=first.appraisal.cycle))
    self_rating = RatingFactory()
    monday = dt.date(2026, 7, 6)

    assert ratings_remind(today=monday) == 2  # the head (two ratings, one e-mail) and the manager
    assert len(mail.outbox) == 2
    to_head = next(m for m in mail.outbox if m.to == [head.email])
    assert "2 pending ratings" in to_head.subject
    assert "/appraisals/ratings/" in to_head.body

    # A rating created later the same day does not earn the head a second e-mail today.
    RatingFactory(rater_type=RaterType.HEAD, rater=head, appraisal=AppraisalFactory(cycle=first.appraisal.cycle))
    assert ratings_remind(today=monday) == 0
    assert len(mail.outbox) == 2

    # The next day each rater with pending ratings gets one again; a rater who submitted gets none.
    Rating.objects.filter(pk=self_rating.pk).update(submitted_at=dt.datetime(2026, 7, 6, tzinfo=dt.UTC))
    assert ratings_remind(today=monday + dt.timedelta(days=1)) == 1
    assert mail.outbox[-1].to == [head.email]
    assert "3 pending ratings" in mail.outbox[-1].subject
    assert set(Rating.objects.filter(rater=head).values_list("last_reminded_on", flat=True)) == {
        monday + dt.timedelta(days=1)
    }
