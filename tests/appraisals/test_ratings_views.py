"""The raters' pages, the public survey page, and HR's admin of ratings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appraisals.models import AppraisalCycle, RaterType, Rating, RatingDraft, RatingScore
from appraisals.selectors import indicators_rated_by
from appraisals.services.ratings import comment_field, value_field
from appraisals.services.surveys import survey_token
from core.roles import Role
from tests.appraisals.factories_ratings import (
    AppraisalFactory,
    IndicatorFactory,
    RatingFactory,
    SurveyInvitationFactory,
    client_with_contact,
    rater_user,
    submitted_client_rating,
    template_with_indicators,
)

pytestmark = pytest.mark.django_db


def _post_data(rating: Rating, value: int = 4) -> dict[str, str]:
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type)
    data = {value_field(i.pk): str(value) for i in indicators}
    data.update({comment_field(i.pk): "" for i in indicators})
    data["comment"] = "Overall fine"
    return data


# --- my pending ratings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 4])
def test_the_pending_list_shows_the_heads_ratings_in_a_fixed_number_of_queries(
    client, django_assert_num_queries, count
):
    head = rater_user(Role.DEPARTMENT_HEAD)
    ratings = [RatingFactory(rater_type=RaterType.HEAD, rater=head) for _ in range(count)]
    client.force_login(head)

    # session, user, the ratings with manager, user, department and cycle, the user's groups (navigation)
    with django_assert_num_queries(4):
        response = client.get(reverse("appraisals:pending_ratings"))

    assert response.status_code == 200
    body = response.content.decode()
    for rating in ratings:
        assert rating.appraisal.manager.name in body
        assert reverse("appraisals:rate", args=[rating.pk]) in body


def test_the_rating_form_shows_each_indicator_with_the_scale_in_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    rating = RatingFactory()
    client.force_login(rating.rater)

    # session, user, the rating with manager, cycle and template, the indicators, the user's groups (navigation)
    with django_assert_num_queries(5):
        response = client.get(reverse("appraisals:rate", args=[rating.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    for label in ("Task completion", "Quality of work", "Attitude", "Client analysis", "1 = fail", "5 = excellent"):
        assert label in body
    assert "New clients" not in body  # measured: nobody rates it
    # Dimensions in the template's order: performance, behaviour, ability.
    assert body.index("Task completion") < body.index("Attitude") < body.index("Client analysis")


def test_another_users_rating_is_a_404(client):
    rating = RatingFactory()
    client.force_login(rater_user())

    assert client.get(reverse("appraisals:rate", args=[rating.pk])).status_code == 404
    assert client.post(reverse("appraisals:rate", args=[rating.pk]), _post_data(rating)).status_code == 404
    assert not RatingScore.objects.exists()


def test_the_pending_list_needs_a_login(client):
    response = client.get(reverse("appraisals:pending_ratings"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_a_submitted_rating_leaves_the_pending_list(client):
    rating = RatingFactory()
    client.force_login(rating.rater)

    response = client.post(reverse("appraisals:rate", args=[rating.pk]), _post_data(rating), follow=True)

    assert response.redirect_chain[-1][0] == reverse("appraisals:pending_ratings")
    assert "You have no pending ratings." in response.content.decode()
    assert Rating.objects.get(pk=rating.pk).scores.count() == 5


def test_an_extreme_without_a_comment_shows_the_error_next_to_the_field_and_keeps_the_answers(client):
    rating = RatingFactory()
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    data = _post_data(rating, 3)
    data[value_field(p1.pk)] = "5"
    data["comment"] = "My overall words"
    client.force_login(rating.rater)

    response = client.post(reverse("appraisals:rate", args=[rating.pk]), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert "Task completion" in form.errors[comment_field(p1.pk)][0]
    body = response.content.decode()
    assert f'name="{value_field(p1.pk)}" value="5"' in body and "checked" in body
    assert "My overall words" in body  # nothing lost
    assert not RatingScore.objects.exists()


def test_a_submitted_rating_cannot_be_posted_again(client):
    rating = RatingFactory()
    client.force_login(rating.rater)
    client.post(reverse("appraisals:rate", args=[rating.pk]), _post_data(rating, 4))

    response = client.post(reverse("appraisals:rate", args=[rating.pk]), _post_data(rating, 2), follow=True)

    assert "already submitted" in response.content.decode()
    assert set(RatingScore.objects.values_list("value", flat=True)) == {4}


# --- the public survey ---------------------------------------------------------------------------------------------


def test_the_survey_page_needs_no_login_and_names_the_client_and_the_manager(client):
    invitation = SurveyInvitationFactory()
    url = reverse("appraisals:survey", args=[survey_token(invitation)])

    response = client.get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert invitation.rating.client.name in body
    assert invitation.rating.appraisal.manager.name in body
    assert "Attitude" in body and "Quality of work" not in body  # the client sample rates P1, B1, B2 only


def test_the_survey_link_works_once_then_says_it_was_used(client):
    invitation = SurveyInvitationFactory()
    url = reverse("appraisals:survey", args=[survey_token(invitation)])

    response = client.post(url, _post_data(invitation.rating, 4))
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert invitation.rating.scores.count() == 3

    again = client.get(url)
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    assert client.post(url, _post_data(invitation.rating, 2)).status_code == 410
    assert set(invitation.rating.scores.values_list("value", flat=True)) == {4}


def test_an_expired_survey_link_says_so(client):
    invitation = SurveyInvitationFactory(expires_at=timezone.now() - dt.timedelta(hours=1))

    response = client.get(reverse("appraisals:survey", args=[survey_token(invitation)]))

    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_forged_survey_link_is_not_found(client):
    invitation = SurveyInvitationFactory()
    token = survey_token(invitation)

    response = client.get(reverse("appraisals:survey", args=[token[:-1] + ("x" if token[-1] != "x" else "y")]))

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


# --- HR's admin ---------------------------------------------------------------------------------------------------


def test_hr_sees_who_rated_and_excludes_with_a_reason_through_the_admin(client):
    hr = rater_user(Role.HR)
    appraisal = AppraisalFactory()
    rating = submitted_client_rating(appraisal, [1, 1, 1])
    client.force_login(hr)
    changelist = reverse("admin:appraisals_rating_changelist")

    listing = client.get(changelist, {"rater_type__exact": "client"})
    assert rating.client.name in listing.content.decode()

    refused = client.post(changelist, {"action": "exclude_with_reason", "_selected_action": [rating.pk], "apply": "1"})
    assert refused.status_code == 200  # the intermediate form again, asking for the reason
    assert not Rating.objects.get(pk=rating.pk).excluded

    client.post(
        changelist,
        {"action": "exclude_with_reason", "_selected_action": [rating.pk], "apply": "1", "reason": "Wrong client"},
    )
    rating.refresh_from_db()
    assert (rating.excluded, rating.excluded_reason, rating.excluded_by) == (True, "Wrong client", hr)


def test_the_invitation_admin_never_shows_the_nonce(client):
    invitation = SurveyInvitationFactory()
    client.force_login(rater_user(Role.HR))

    page = client.get(reverse("admin:appraisals_surveyinvitation_change", args=[invitation.pk]))

    assert page.status_code == 200
    assert invitation.email in page.content.decode()
    assert invitation.nonce not in page.content.decode()
    assert survey_token(invitation) not in page.content.decode()


def test_hr_draws_the_client_sample_from_the_admin(client, django_capture_on_commit_callbacks):
    appraisal = AppraisalFactory()
    client_with_contact(appraisal.manager)
    client.force_login(rater_user(Role.HR))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:appraisals_rating_draw_client_sample"), {"cycle": appraisal.cycle.pk, "sample_size": ""}
        )

    assert response.status_code == 302
    assert Rating.objects.filter(appraisal=appraisal, rater_type=RaterType.CLIENT).count() == 1
    assert len(mail.outbox) == 1


def test_the_draw_page_offers_only_cycles_taking_ratings(client):
    open_cycle = AppraisalFactory().cycle
    closed = AppraisalFactory().cycle
    AppraisalCycle.objects.filter(pk=closed.pk).update(state=AppraisalCycle.State.CLOSED)
    client.force_login(rater_user(Role.HR))

    body = client.get(reverse("admin:appraisals_rating_draw_client_sample")).content.decode()

    assert f'value="{open_cycle.pk}"' in body and f'value="{closed.pk}"' not in body


# --- the compact form: error summary and drafts --------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 6])
def test_the_rating_form_has_a_fieldset_per_indicator_in_a_fixed_number_of_queries(
    client, django_assert_num_queries, extra
):
    template = template_with_indicators()
    for n in range(extra):
        IndicatorFactory(template=template, code=f"X{n}", name=f"Extra {n}", rated_by_self=True, order=20 + n)
    rating = RatingFactory(appraisal__cycle__template=template)
    client.force_login(rating.rater)

    # session, user, the rating with manager, cycle, template and draft, the indicators, the user's groups
    with django_assert_num_queries(5):
        response = client.get(reverse("appraisals:rate", args=[rating.pk]))

    body = response.content.decode()
    assert body.count("<fieldset") == 5 + extra  # P1, P2, B1, B2, A1 and the extras
    assert body.count('type="radio"') == 5 * (5 + extra)
    assert 'name="action" value="draft"' in body


def test_an_incomplete_rating_shows_an_error_summary_linking_to_each_field(client):
    rating = RatingFactory()
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    b1 = rating.appraisal.cycle.template.indicators.get(code="B1")
    data = _post_data(rating, 3)
    data[value_field(p1.pk)] = ""  # no value
    data[value_field(b1.pk)] = "1"  # an extreme without a comment
    client.force_login(rating.rater)

    response = client.post(reverse("appraisals:rate", args=[rating.pk]), data)

    body = response.content.decode()
    summary = body[body.index('id="error-summary"') : body.index("</div>", body.index('id="error-summary"'))]
    assert "There are 2 problems" in summary
    assert f'href="#id_{value_field(p1.pk)}_0"' in summary and "Task completion" in summary
    assert f'href="#id_{comment_field(b1.pk)}"' in summary and "Attitude" in summary
    assert f'id="id_{value_field(p1.pk)}_0"' in body  # the link lands on the scale's first button
    assert 'aria-invalid="true"' in body
    assert not RatingScore.objects.exists()


def test_a_draft_keeps_partial_answers_counts_nothing_and_comes_back(client):
    rating = RatingFactory()
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    client.force_login(rating.rater)
    url = reverse("appraisals:rate", args=[rating.pk])
    # One value at an extreme, no comment yet, nothing else: acceptable in a draft, refused on submit.
    partial = {value_field(p1.pk): "5", "comment": "Half done", "action": "draft"}

    response = client.post(url, partial, follow=True)

    assert response.redirect_chain[-1][0] == url
    body = response.content.decode()
    assert 'id="draft-saved"' in body
    assert f'id="id_{value_field(p1.pk)}_4" checked' in body  # 5, the fifth button
    assert "Half done" in body
    assert not RatingScore.objects.exists()
    assert Rating.objects.get(pk=rating.pk).submitted_at is None

    submitted = client.post(url, {**partial, "action": "submit"})
    assert submitted.status_code == 200 and not RatingScore.objects.exists()  # submit checks every indicator

    data = _post_data(rating, 4)
    client.post(url, data)
    assert Rating.objects.get(pk=rating.pk).scores.count() == 5
    assert not RatingDraft.objects.exists()  # the answers now live in the scores


def test_a_draft_value_off_the_scale_is_refused_with_a_message(client):
    rating = RatingFactory()
    p1 = rating.appraisal.cycle.template.indicators.get(code="P1")
    client.force_login(rating.rater)

    response = client.post(reverse("appraisals:rate", args=[rating.pk]), {value_field(p1.pk): "9", "action": "draft"})

    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert not RatingDraft.objects.exists()


def test_a_client_saves_a_survey_draft_and_finishes_it_through_the_same_link(client):
    invitation = SurveyInvitationFactory()
    url = reverse("appraisals:survey", args=[survey_token(invitation)])
    b1 = invitation.rating.appraisal.cycle.template.indicators.get(code="B1")

    response = client.post(url, {value_field(b1.pk): "2", "action": "draft"}, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert f'id="id_{value_field(b1.pk)}_1" checked' in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None and not invitation.rating.scores.exists()

    done = client.post(url, _post_data(invitation.rating, 4))
    assert "Thank you" in done.content.decode()
    assert invitation.rating.scores.count() == 3


@pytest.mark.parametrize("extra", [0, 4])
def test_the_survey_page_takes_a_fixed_number_of_queries(client, django_assert_num_queries, extra):
    template = template_with_indicators()
    for n in range(extra):
        IndicatorFactory(template=template, code=f"C{n}", name=f"Extra {n}", rated_by_client=True, order=20 + n)
    invitation = SurveyInvitationFactory(rating__appraisal__cycle__template=template)

    # the invitation with rating, client, appraisal, manager, cycle, template and draft; the indicators
    with django_assert_num_queries(2):
        response = client.get(reverse("appraisals:survey", args=[survey_token(invitation)]))

    assert response.content.decode().count("<fieldset") == 3 + extra


def test_a_survey_link_of_a_rating_submitted_otherwise_is_refused_before_the_form(client):
    rating = submitted_client_rating(AppraisalFactory(), [4, 4, 4])
    invitation = SurveyInvitationFactory(rating=rating)  # the link was never used, but the rating is answered

    response = client.get(reverse("appraisals:survey", args=[survey_token(invitation)]))

    body = response.content.decode()
    assert response.status_code == 410
    assert "already been answered" in body and "<fieldset" not in body
    assert 'class="navbar' in body or "<nav" in body  # on the site's layout


def test_a_survey_link_of_a_closed_cycle_says_the_appraisal_is_closed(client):
    invitation = SurveyInvitationFactory()
    AppraisalCycle.objects.update(state=AppraisalCycle.State.CLOSED)

    response = client.get(reverse("appraisals:survey", args=[survey_token(invitation)]))

    assert response.status_code == 410
    assert "is closed" in response.content.decode() and "<fieldset" not in response.content.decode()
