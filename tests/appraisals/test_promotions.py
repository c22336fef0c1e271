"""Promotions respect the qualification requirements (任职条件) of the proposed grade: a failed check blocks the
approval unless HR overrides it with a written reason, recorded and shown; a trainee's fail has the consequence the
result rule names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from appraisals.models import Recommendation, ResultRule
from appraisals.services.results import recommendation_approve, recommendations_make
from managers.models import GradeChange
from tests.appraisals.factories_results import FinalAppraisalFactory, hr_user, result_rule
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = pytest.mark.django_db

EFFECTIVE = dt.date(2026, 8, 1)
OVERRIDE = "Ran the key accounts of a departing senior for a year; the committee judges the experience sufficient."


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hr():
    return hr_user()


def promotion_of(manager) -> Recommendation:
    """One excellent result (95) with a rule of one excellent cycle: the manager is recommended for the next grade."""
    result_rule(excellent_cycles_for_promotion=1, reward_on_excellent=False)
    appraisal = FinalAppraisalFactory(manager=manager, total=Decimal("95"))
    return recommendations_make(cycle=appraisal.cycle)[0]


@pytest.fixture
def short_of_experience():
    # Second-level since 2025-01-01 with 1.5 years of similar work. A first-level manager needs (seeded grades):
    #   3.0 years of similar work → 1.5 < 3.0: fails;
    #   12 months as second-level → 2025-01-01 … 2026-08-01 = 19 whole months ≥ 12: met;
    #   the basic conditions (ethics, record, health, associate degree, ≥ 1 year) → met.
    return AccountManagerFactory(grade="second", grade__since=dt.date(2025, 1, 1), years_experience=Decimal("1.5"))


def test_a_promotion_that_fails_the_qualification_requirements_is_blocked(hr, short_of_experience):
    promotion = promotion_of(short_of_experience)
    assert promotion.proposed_grade == grade("first")

    with pytest.raises(ValidationError, match=r"at least 3\.0 years of similar work; there are 1\.5"):
        recommendation_approve(recommendation=promotion, by=hr, effective_date=EFFECTIVE)

    promotion.refresh_from_db()
    assert promotion.state == Recommendation.State.PENDING
    assert short_of_experience.grade_on(EFFECTIVE) == grade("second")
    assert not GradeChange.objects.filter(manager=short_of_experience, to_grade=grade("first")).exists()


def test_hr_overrides_a_failed_check_with_a_written_reason_recorded_and_shown(client, hr, short_of_experience):
    promotion = promotion_of(short_of_experience)
    with pytest.raises(ValidationError, match="qualification requirements"):
        recommendation_approve(recommendation=promotion, by=hr, effective_date=EFFECTIVE, override_reason="   ")

    approved = recommendation_approve(
        recommendation=promotion, by=hr, effective_date=EFFECTIVE, override_reason=OVERRIDE
    )

    assert approved.state == Recommendation.State.APPROVED
    assert short_of_experience.grade_on(EFFECTIVE) == grade("first")
    assert "3.0 years" in approved.qualification_failures
    assert approved.qualification_override == OVERRIDE
    assert approved.is_overridden
    assert OVERRIDE in approved.grade_change.note
    # Shown on the manager's own page (the grade history) …
    client.force_login(short_of_experience.user)
    assert OVERRIDE in client.get(reverse("managers:profile")).content.decode()
    # … and in the admin's recommendation page.
    client.force_login(hr)
    page = client.get(reverse("admin:appraisals_recommendation_change", args=[approved.pk])).content.decode()
    assert OVERRIDE in page


def test_a_qualified_promotion_records_no_override(hr):
    # Second-level since 2020 with 4 years: 4 ≥ 3 years, 79 months ≥ 12 as second-level.
    promotion = promotion_of(AccountManagerFactory(grade="second"))
    approved = recommendation_approve(recommendation=promotion, by=hr, effective_date=EFFECTIVE, override_reason="n/a")
    assert (approved.qualification_failures, approved.qualification_override) == ("", "")
    assert not approved.is_overridden


def test_the_override_goes_through_the_admins_approve_form(client, hr, short_of_experience):
    promotion = promotion_of(short_of_experience)
    client.force_login(hr)
    changelist = reverse("admin:appraisals_recommendation_changelist")
    form = {"action": "approve", "_selected_action": [promotion.pk], "apply": "1", "effective_date": "2026-08-01"}

    client.post(changelist, form)
    promotion.refresh_from_db()
    assert promotion.state == Recommendation.State.PENDING  # refused: no reason given

    client.post(changelist, {**form, "override_reason": OVERRIDE})
    promotion.refresh_from_db()
    assert (promotion.state, promotion.qualification_override) == (Recommendation.State.APPROVED, OVERRIDE)


# --- a trainee's fail -----------------------------------------------------------------------------------------------


def test_by_default_a_trainees_fail_recommends_an_extended_probation(hr):
    # The seeded rule: a trainee's fail → extend the probation by 6 months (a trainee has no lower grade).
    rule = result_rule(demote_on_fail=True)
    assert rule.trainee_fail_outcome == ResultRule.TraineeFailOutcome.EXTEND_PROBATION
    trainee = AccountManagerFactory(grade="trainee")
    appraisal = FinalAppraisalFactory(manager=trainee, total=Decimal("48"))

    [probation] = recommendations_make(cycle=appraisal.cycle)
    assert (probation.kind, probation.proposed_grade) == (Recommendation.Kind.PROBATION, None)
    assert "6 months" in probation.basis

    approved = recommendation_approve(recommendation=probation, by=hr, effective_date=EFFECTIVE)
    assert approved.state == Recommendation.State.APPROVED
    assert approved.grade_change is None
    assert "2026-08-01" in approved.decision_note
    assert trainee.grade_on(EFFECTIVE) == grade("trainee")


def test_a_rule_may_say_a_trainees_fail_has_no_consequence():
    result_rule(trainee_fail_outcome=ResultRule.TraineeFailOutcome.NONE)
    appraisal = FinalAppraisalFactory(manager=AccountManagerFactory(grade="trainee"), total=Decimal("48"))
    assert recommendations_make(cycle=appraisal.cycle) == []
