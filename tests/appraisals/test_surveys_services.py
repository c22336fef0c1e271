"""The client sample: the draw, the signed single-use links, the answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisals.models import AppraisalCycle, RaterType, Rating, RatingScore, SurveyInvitation
from appraisals.selectors import indicators_rated_by
from appraisals.services.ratings import comment_field
from appraisals.services.surveys import (
    SURVEY_SALT,
    SurveyLinkExpired,
    SurveyLinkInvalid,
    SurveyLinkUsed,
    client_sample_draw,
    survey_answer,
    survey_invitation_from_token,
    survey_token,
)
from tests.appraisals.factories_ratings import (
    AppraisalFactory,
    SurveyInvitationFactory,
    client_with_contact,
    submitted_client_rating,
)
from tests.clients.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def _client_answers(invitation: SurveyInvitation, value: int = 4) -> dict:
    indicators = indicators_rated_by(template=invitation.rating.appraisal.cycle.template, rater_type=RaterType.CLIENT)
    return {"values": {i.pk: value for i in indicators}, "comments": {}, "comment": ""}


# --- the draw -----------------------------------------------------------------------------------------------------


def test_the_draw_samples_up_to_the_sample_size_of_clients_with_an_email_and_mails_each(
    django_capture_on_commit_callbacks,
):
    appraisal = AppraisalFactory()  # template.client_sample_size = 3
    manager = appraisal.manager
    reachable = {client_with_contact(manager).pk for _ in range(4)}
    client_with_contact(manager, has_email=False)  # no address: cannot be asked
    ended = client_with_contact(manager)
    type(ended).objects.get(pk=ended.pk).assignments.update(end=dt.date(2026, 3, 1))  # no longer the manager's
    AssignmentFactory(client=ended)  # now someone else's client

    with django_capture_on_commit_callbacks(execute=True):
        created = client_sample_draw(cycle=appraisal.cycle)

    sampled = set(Rating.objects.filter(appraisal=appraisal, rater_type="client").values_list("client", flat=True))
    assert created == 3
    assert len(sampled) == 3 and sampled <= reachable
    assert len(mail.outbox) == 3
    invitation = SurveyInvitation.objects.select_related("rating").first()
    message = next(m for m in mail.outbox if m.to == [invitation.email])
    assert survey_token(invitation) in message.body
    assert manager.name in message.body
    assert invitation.sent_at is not None
    # The link expires at the end of the rating deadline's day (2099-07-15, local time).
    assert timezone.localtime(invitation.expires_at).date() == dt.date(2099, 7, 15)


def test_the_draw_is_idempotent_and_only_tops_up(django_capture_on_commit_callbacks):
    appraisal = AppraisalFactory()
    for _ in range(2):
        client_with_contact(appraisal.manager)

    with django_capture_on_commit_callbacks(execute=True):
        assert client_sample_draw(cycle=appraisal.cycle) == 2  # only two clients: both drawn
        assert client_sample_draw(cycle=appraisal.cycle) == 0  # nothing new
    assert len(mail.outbox) == 2

    client_with_contact(appraisal.manager)  # a third client arrives: the sample of 3 is topped up with it
    with django_capture_on_commit_callbacks(execute=True):
        assert client_sample_draw(cycle=appraisal.cycle) == 1
        assert client_sample_draw(cycle=appraisal.cycle) == 0
    assert Rating.objects.filter(appraisal=appraisal, rater_type=RaterType.CLIENT).count() == 3
    assert len(mail.outbox) == 3


def test_the_draw_is_refused_for_a_closed_cycle():
    appraisal = AppraisalFactory()
    client_with_contact(appraisal.manager)
    AppraisalCycle.objects.update(state=AppraisalCycle.State.CLOSED)

    with pytest.raises(ValidationError, match="open or in review"):
        client_sample_draw(cycle=appraisal.cycle)
    assert not Rating.objects.exists()


def test_a_late_draw_gives_the_link_fourteen_days(django_capture_on_commit_callbacks):
    appraisal = AppraisalFactory(cycle__rating_deadline=timezone.localdate() - dt.timedelta(days=1))
    client_with_contact(appraisal.manager)

    client_sample_draw(cycle=appraisal.cycle)

    invitation = SurveyInvitation.objects.get()
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=13, hours=23)


# --- links -------------------------------------------------------------------------------------------------------


def test_a_survey_link_works_once_then_is_refused():
    invitation = SurveyInvitationFactory()
    token = survey_token(invitation)

    rating = survey_answer(token=token, **_client_answers(invitation))

    assert rating.submitted_at is not None
    assert RatingScore.objects.filter(rating=rating).count() == 3  # P1, B1, B2
    invitation.refresh_from_db()
    assert invitation.used_at == rating.submitted_at
    with pytest.raises(SurveyLinkUsed):
        survey_answer(token=token, **_client_answers(invitation, 2))
    assert set(rating.scores.values_list("value", flat=True)) == {4}


def test_an_expired_link_is_refused():
    invitation = SurveyInvitationFactory(expires_at=timezone.now() - dt.timedelta(minutes=1))

    with pytest.raises(SurveyLinkExpired):
        survey_answer(token=survey_token(invitation), **_client_answers(invitation))
    assert not RatingScore.objects.exists()


def test_a_link_of_a_closed_cycle_is_expired():
    invitation = SurveyInvitationFactory()
    AppraisalCycle.objects.update(state=AppraisalCycle.State.CLOSED)

    with pytest.raises(SurveyLinkExpired):
        survey_invitation_from_token(survey_token(invitation))


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, inv: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # altered signature
        lambda token, inv: signing.Signer(salt="another.salt").sign_object([inv.pk, inv.nonce]),  # other salt
        lambda token, inv: signing.Signer(salt=SURVEY_SALT).sign_object([inv.pk, "guessed"]),  # right key, wrong nonce
        lambda token, inv: "not-a-token",
    ],
)
def test_a_forged_link_is_refused(forge):
    invitation = SurveyInvitationFactory()

    with pytest.raises(SurveyLinkInvalid):
        survey_answer(token=forge(survey_token(invitation), invitation), **_client_answers(invitation))
    assert not RatingScore.objects.exists()
    assert SurveyInvitation.objects.get().used_at is None


def test_an_incomplete_answer_saves_nothing_and_leaves_the_link_usable():
    invitation = SurveyInvitationFactory()
    answers = _client_answers(invitation)
    p1 = invitation.rating.appraisal.cycle.template.indicators.get(code="P1")
    answers["values"][p1.pk] = 1  # an extreme without a comment

    with pytest.raises(ValidationError) as error:
        survey_answer(token=survey_token(invitation), **answers)

    assert comment_field(p1.pk) in error.value.message_dict
    assert not RatingScore.objects.exists()
    assert SurveyInvitation.objects.get().used_at is None
    survey_invitation_from_token(survey_token(invitation))  # still valid


def test_an_answer_runs_the_fairness_review():
    invitation = SurveyInvitationFactory()
    appraisal = invitation.rating.appraisal
    submitted_client_rating(appraisal, [5, 5, 5])
    submitted_client_rating(appraisal, [5, 4, 5])
    answers = _client_answers(invitation, 1)
    answers["comments"] = dict.fromkeys(answers["values"], "slow to answer")

    rating = survey_answer(token=survey_token(invitation), **answers)

    # Means 5, 4.67, 1 → median 4.67; the answer is 3.67 points away (> 1.5): flagged, the others not.
    rating.refresh_from_db()
    assert rating.flagged
    assert list(Rating.objects.filter(flagged=True)) == [rating]


def test_opening_a_cycle_draws_the_client_sample(django_capture_on_commit_callbacks):
    from appraisals.services.cycles import cycle_open
    from tests.appraisals.factories_ratings import AppraisalCycleFactory, rater_user
    from tests.managers.factories import AccountManagerFactory

    cycle = AppraisalCycleFactory(state=AppraisalCycle.State.DRAFT)
    manager = AccountManagerFactory(grade="second", user=rater_user())
    client = client_with_contact(manager)

    with django_capture_on_commit_callbacks(execute=True):
        cycle_open(cycle=cycle)

    invitation = SurveyInvitation.objects.select_related("rating__appraisal").get(rating__client=client)
    assert invitation.rating.appraisal.manager == manager
    assert [m.to for m in mail.outbox if survey_token(invitation) in m.body] == [[invitation.email]]
