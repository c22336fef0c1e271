"""Use of results (考评结果的使用): the rule's recommendations, HR's decisions, acknowledgement and appeals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisals.models import Appeal, Appraisal, Recommendation, ResultRule
from appraisals.services.appeals import appeal_resolve
from appraisals.services.results import (
    appeal_create,
    appraisal_acknowledge,
    recommendation_approve,
    recommendation_reject,
    recommendations_make,
)
from managers.models import GradeChange
from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory, hr_user, result_rule
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Factories hash a password per user; the default hasher makes each test take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hr():
    return hr_user()


def two_cycles():
    """H1 and H2 of 2025, both closed, H2 the later by period end."""
    h1 = ClosedCycleFactory(name="2025 H1", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30))
    h2 = ClosedCycleFactory(name="2025 H2", period_start=dt.date(2025, 7, 1), period_end=dt.date(2025, 12, 31))
    return h1, h2


def kinds(recommendations):
    return sorted(r.kind for r in recommendations)


def test_promotion_is_recommended_only_after_n_excellent_cycles_in_a_row():
    # Rule: N = 2. A second-level manager scores 92 (excellent) in H1 and 95 (excellent) in H2.
    # After H1: one excellent result of the two needed → a reward, no promotion.
    # After H2: the last two closed appraisals (H2, H1) are both excellent → promotion to the next grade by rank,
    # second (rank below first) → first-level; and a reward for H2.
    result_rule(excellent_cycles_for_promotion=2, reward_on_excellent=True)
    manager = AccountManagerFactory(grade="second")
    h1, h2 = two_cycles()
    FinalAppraisalFactory(cycle=h1, manager=manager, total=Decimal("92"))
    FinalAppraisalFactory(cycle=h2, manager=manager, total=Decimal("95"))

    assert kinds(recommendations_make(cycle=h1)) == ["reward"]
    made = recommendations_make(cycle=h2)
    assert kinds(made) == ["promotion", "reward"]
    promotion = next(r for r in made if r.kind == Recommendation.Kind.PROMOTION)
    assert promotion.proposed_grade == grade("first")
    assert promotion.manager == manager


def test_a_good_cycle_in_between_breaks_the_run():
    # H1 good (85), H2 excellent (95): the last two are not both excellent → reward only.
    result_rule(excellent_cycles_for_promotion=2)
    manager = AccountManagerFactory(grade="second")
    h1, h2 = two_cycles()
    FinalAppraisalFactory(cycle=h1, manager=manager, total=Decimal("85"))
    FinalAppraisalFactory(cycle=h2, manager=manager, total=Decimal("95"))
    assert kinds(recommendations_make(cycle=h2)) == ["reward"]


def test_a_senior_manager_is_not_proposed_for_a_promotion_there_is_no_higher_grade():
    result_rule(excellent_cycles_for_promotion=1, reward_on_excellent=False)
    appraisal = FinalAppraisalFactory(manager=AccountManagerFactory(grade="senior"), total=Decimal("98"))
    assert recommendations_make(cycle=appraisal.cycle) == []


def test_demotion_is_recommended_after_a_fail_except_for_a_trainee():
    # 55 < 60 → fail. Second-level → the next lower grade, trainee. A trainee has no lower grade, and this rule says
    # a trainee's fail has no consequence.
    result_rule(demote_on_fail=True, trainee_fail_outcome=ResultRule.TraineeFailOutcome.NONE)
    cycle = ClosedCycleFactory()
    second = FinalAppraisalFactory(cycle=cycle, manager=AccountManagerFactory(grade="second"), total=Decimal("55"))
    FinalAppraisalFactory(cycle=cycle, manager=AccountManagerFactory(grade="trainee"), total=Decimal("40"))
    FinalAppraisalFactory(cycle=cycle, manager=AccountManagerFactory(grade="first"), total=Decimal("70"))  # pass

    made = recommendations_make(cycle=cycle)
    assert [(r.kind, r.appraisal, r.proposed_grade) for r in made] == [("demotion", second, grade("trainee"))]


def test_making_recommendations_twice_makes_nothing_more():
    result_rule(demote_on_fail=True, reward_on_excellent=True)
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle, total=Decimal("50"))
    FinalAppraisalFactory(cycle=cycle, total=Decimal("91"))
    assert len(recommendations_make(cycle=cycle)) == 2
    assert recommendations_make(cycle=cycle) == []
    assert Recommendation.objects.count() == 2


def test_no_active_rule_makes_no_recommendation():
    result_rule(active=False)
    appraisal = FinalAppraisalFactory(total=Decimal("40"))
    assert recommendations_make(cycle=appraisal.cycle) == []


def test_approving_a_promotion_changes_the_grade_from_the_effective_date(hr):
    result_rule(excellent_cycles_for_promotion=2)
    manager = AccountManagerFactory(grade="second")
    h1, h2 = two_cycles()
    FinalAppraisalFactory(cycle=h1, manager=manager, total=Decimal("93"))
    FinalAppraisalFactory(cycle=h2, manager=manager, total=Decimal("94"))
    promotion = next(r for r in recommendations_make(cycle=h2) if r.kind == Recommendation.Kind.PROMOTION)

    effective = dt.date(2026, 2, 1)
    approved = recommendation_approve(recommendation=promotion, by=hr, effective_date=effective, note="Well done")

    assert manager.grade_on(effective) == grade("first")
    assert manager.grade_on(effective - dt.timedelta(days=1)) == grade("second")
    assert approved.state == Recommendation.State.APPROVED
    assert approved.grade_change.reason == GradeChange.Reason.APPRAISAL
    assert approved.grade_change.approved_by == hr
    with pytest.raises(ValidationError, match="already decided"):
        recommendation_approve(recommendation=promotion, by=hr, effective_date=effective)


def test_approving_a_demotion_changes_the_grade_and_a_reward_only_its_state(hr):
    result_rule(demote_on_fail=True, reward_on_excellent=True)
    cycle = ClosedCycleFactory()
    failing = AccountManagerFactory(grade="first")
    FinalAppraisalFactory(cycle=cycle, manager=failing, total=Decimal("52"))
    FinalAppraisalFactory(cycle=cycle, total=Decimal("96"))
    made = {r.kind: r for r in recommendations_make(cycle=cycle)}

    recommendation_approve(recommendation=made["demotion"], by=hr, effective_date=dt.date(2026, 3, 1))
    assert failing.grade_on(dt.date(2026, 3, 1)) == grade("second")

    reward = recommendation_approve(recommendation=made["reward"], by=hr, effective_date=dt.date(2026, 3, 1))
    assert reward.state == Recommendation.State.APPROVED
    assert reward.grade_change is None


def test_a_refused_grade_change_leaves_the_recommendation_pending(hr):
    result_rule(demote_on_fail=True)
    manager = AccountManagerFactory(grade="first")
    appraisal = FinalAppraisalFactory(manager=manager, total=Decimal("30"))
    demotion = recommendations_make(cycle=appraisal.cycle)[0]
    # A grade change already recorded that day: the managers' service refuses a second one.
    GradeChange.objects.create(
        manager=manager, to_grade=grade("first"), reason="request", effective_date=dt.date(2026, 4, 1)
    )
    with pytest.raises(ValidationError, match="already has a grade change"):
        recommendation_approve(recommendation=demotion, by=hr, effective_date=dt.date(2026, 4, 1))
    demotion.refresh_from_db()
    assert demotion.state == Recommendation.State.PENDING


def test_rejecting_needs_a_note(hr):
    result_rule(demote_on_fail=True)
    appraisal = FinalAppraisalFactory(total=Decimal("45"))
    demotion = recommendations_make(cycle=appraisal.cycle)[0]
    with pytest.raises(ValidationError, match="Say why"):
        recommendation_reject(recommendation=demotion, by=hr, note="  ")
    rejected = recommendation_reject(recommendation=demotion, by=hr, note="First fail after a long illness.")
    assert rejected.state == Recommendation.State.REJECTED
    assert rejected.decision_note == "First fail after a long illness."


def test_only_hr_decides_on_recommendations():
    result_rule(demote_on_fail=True)
    appraisal = FinalAppraisalFactory(total=Decimal("45"))
    demotion = recommendations_make(cycle=appraisal.cycle)[0]
    with pytest.raises(ValidationError, match="Only HR"):
        recommendation_reject(recommendation=demotion, by=appraisal.manager.user, note="No thanks")


# --- acknowledge and appeal -----------------------------------------------------------------------------------------


def test_the_manager_acknowledges_once_within_the_deadline():
    appraisal = FinalAppraisalFactory()
    appraisal_acknowledge(appraisal=appraisal, by=appraisal.manager.user)
    assert Appraisal.objects.get(pk=appraisal.pk).acknowledged_at is not None
    with pytest.raises(ValidationError, match="already acknowledged"):
        appraisal_acknowledge(appraisal=appraisal, by=appraisal.manager.user)


def test_nobody_but_the_manager_acknowledges_or_appeals():
    appraisal = FinalAppraisalFactory()
    other = AccountManagerFactory(grade="second").user
    with pytest.raises(ValidationError, match="Only the appraised"):
        appraisal_acknowledge(appraisal=appraisal, by=other)
    with pytest.raises(ValidationError, match="Only the appraised"):
        appeal_create(appraisal=appraisal, by=other, text="Unfair")


def test_after_the_deadline_neither_acknowledge_nor_appeal():
    # Rule: 14 days. Closed 15 days ago → past the deadline; closed 13 days ago → still within.
    result_rule(appeal_days=14)
    late = FinalAppraisalFactory(cycle=ClosedCycleFactory(closed_at=timezone.now() - dt.timedelta(days=15)))
    with pytest.raises(ValidationError, match="deadline"):
        appraisal_acknowledge(appraisal=late, by=late.manager.user)
    with pytest.raises(ValidationError, match="deadline"):
        appeal_create(appraisal=late, by=late.manager.user, text="Too late?")

    in_time = FinalAppraisalFactory(cycle=ClosedCycleFactory(closed_at=timezone.now() - dt.timedelta(days=13)))
    assert appeal_create(appraisal=in_time, by=in_time.manager.user, text="The client data is wrong.").pk


def test_an_appraisal_is_appealed_once_with_grounds():
    appraisal = FinalAppraisalFactory()
    with pytest.raises(ValidationError, match="grounds"):
        appeal_create(appraisal=appraisal, by=appraisal.manager.user, text=" ")
    appeal = appeal_create(
        appraisal=appraisal, by=appraisal.manager.user, text="Complaint count includes a lost client."
    )
    assert appeal.state == Appeal.State.OPEN
    with pytest.raises(ValidationError, match="already been appealed"):
        appeal_create(appraisal=appraisal, by=appraisal.manager.user, text="Again")


def test_an_acknowledged_result_cannot_be_appealed():
    appraisal = FinalAppraisalFactory()
    appraisal_acknowledge(appraisal=appraisal, by=appraisal.manager.user)
    with pytest.raises(ValidationError, match="acknowledged"):
        appeal_create(appraisal=appraisal, by=appraisal.manager.user, text="Changed my mind")


def test_hr_resolves_an_appeal_with_a_resolution(hr):
    appraisal = FinalAppraisalFactory()
    appeal = appeal_create(appraisal=appraisal, by=appraisal.manager.user, text="Wrong complaint count")
    with pytest.raises(ValidationError, match="resolution"):
        appeal_resolve(appeal=appeal, by=hr, state=Appeal.State.UPHELD, resolution="")
    with pytest.raises(ValidationError, match="Only HR"):
        appeal_resolve(appeal=appeal, by=appraisal.manager.user, state=Appeal.State.UPHELD, resolution="Yes")
    resolved = appeal_resolve(appeal=appeal, by=hr, state=Appeal.State.REJECTED, resolution="The complaint stands.")
    assert (resolved.state, resolved.resolved_by) == (Appeal.State.REJECTED, hr)
    with pytest.raises(ValidationError, match="already resolved"):
        appeal_resolve(appeal=appeal, by=hr, state=Appeal.State.UPHELD, resolution="On second thought")
