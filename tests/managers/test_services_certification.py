import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.roles import GROUP_NAMES, Role
from managers.models import Certification, CertificationScheme, Education, GradeChange
from managers.qualification import qualification_check
from managers.services import certification_decide
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, CertificationFactory, grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


def test_qualification_names_each_failing_condition() -> None:
    candidate = CertificationFactory(
        good_ethics=False,
        bad_business_record=True,
        healthy=False,
        education=Education.SECONDARY,
        years_experience=Decimal("0.5"),
    )

    failures = qualification_check(person=candidate, grade=grade("trainee"))

    text = "\n".join(failures)
    assert "ethics" in text
    assert "bad business record" in text
    assert "health" in text
    assert "associate degree" in text
    assert "one year of similar work" in text
    # One message per failing condition (the trainee grade's own one-year minimum is the basic one, not repeated).
    assert len(failures) == 5


def test_a_qualified_candidate_passes_the_check() -> None:
    assert qualification_check(person=CertificationFactory(), grade=grade("trainee")) == []


def test_promotion_needs_the_grades_own_minimums_from_the_history() -> None:
    # First-level: at least 3 years of similar work and 12 months as second-level.
    manager = AccountManagerFactory(grade="second", grade__since=dt.date(2026, 1, 1), years_experience=Decimal("2.5"))

    failures = qualification_check(person=manager, grade=grade("first"), day=dt.date(2026, 7, 1))

    assert len(failures) == 2
    assert "at least 3.0 years" in failures[0]
    assert "held for 6" in failures[1]
    assert qualification_check(person=manager, grade=grade("first"), day=dt.date(2027, 1, 1))[1:] == []


def test_certification_passes_on_the_worked_example_and_creates_the_trainee(hr) -> None:
    # Weights 15/20/25/20/20, pass mark 70.
    # 15×80 + 20×70 + 25×65 + 20×72 + 20×68 = 1200 + 1400 + 1625 + 1440 + 1360 = 7025 → 7025 / 100 = 70.25 ≥ 70.
    candidate = CertificationFactory(
        employee_no="E2026-07",
        score_education=Decimal("80"),
        score_experience=Decimal("70"),
        score_track_record=Decimal("65"),
        score_written=Decimal("72"),
        score_interview=Decimal("68"),
    )

    decided = certification_decide(certification=candidate, decided_by=hr, day=dt.date(2026, 4, 1))

    assert decided.composite == Decimal("70.25")
    assert decided.outcome == Certification.Outcome.PASSED
    manager = decided.manager
    assert manager.user.username == "e2026-07"
    assert not manager.user.has_usable_password()
    assert manager.user.groups.filter(name=GROUP_NAMES[Role.ACCOUNT_MANAGER]).exists()
    change = manager.grade_changes.get()
    assert (change.to_grade, change.reason, change.approved_by) == (grade("trainee"), "certification", hr)
    assert manager.grade_on(dt.date(2026, 4, 1)) == grade("trainee")


def test_certification_below_the_pass_mark_fails_and_keeps_the_reason(hr) -> None:
    # 15×80 + 20×70 + 25×60 + 20×72 + 20×67.5 = 1200 + 1400 + 1500 + 1440 + 1350 = 6890 → 68.90 < 70.
    candidate = CertificationFactory(
        score_education=Decimal("80"),
        score_experience=Decimal("70"),
        score_track_record=Decimal("60"),
        score_written=Decimal("72"),
        score_interview=Decimal("67.5"),
    )

    decided = certification_decide(certification=candidate, decided_by=hr)

    assert decided.composite == Decimal("68.90")
    assert decided.outcome == Certification.Outcome.FAILED
    assert "68.90 is below the pass mark 70" in decided.reason
    assert decided.manager is None
    assert not GradeChange.objects.exists()


def test_a_high_score_with_a_failed_condition_still_fails_and_says_which(hr) -> None:
    candidate = CertificationFactory(education=Education.SECONDARY)  # composite 80.00

    decided = certification_decide(certification=candidate, decided_by=hr)

    assert decided.composite == Decimal("80.00")
    assert decided.outcome == Certification.Outcome.FAILED
    assert "associate degree" in decided.reason


def test_composite_rounds_half_up_to_two_places(hr) -> None:
    # 15×80.05 + 20×0 + 25×0 + 20×0 + 20×0 = 1200.75 → 1200.75 / 100 = 12.0075 → 12.01 (half up).
    candidate = CertificationFactory(
        score_education=Decimal("80.05"),
        score_experience=Decimal("0"),
        score_track_record=Decimal("0"),
        score_written=Decimal("0"),
        score_interview=Decimal("0"),
    )
    assert certification_decide(certification=candidate, decided_by=hr).composite == Decimal("12.01")


def test_deciding_twice_is_refused(hr) -> None:
    candidate = CertificationFactory()
    certification_decide(certification=candidate, decided_by=hr)

    with pytest.raises(ValidationError, match="already decided"):
        certification_decide(certification=candidate, decided_by=hr)


def test_scheme_weights_not_summing_to_100_are_refused_with_a_message() -> None:
    scheme = CertificationScheme(
        name="Bad",
        weight_education=15,
        weight_experience=20,
        weight_track_record=25,
        weight_written=20,
        weight_interview=10,
        pass_mark=Decimal("70"),
        entry_grade=grade("trainee"),
    )
    with pytest.raises(ValidationError, match="add up to 90"):
        scheme.full_clean()


def test_a_candidate_whose_employee_number_is_taken_is_refused_and_nothing_is_written(hr) -> None:
    AccountManagerFactory(employee_no="E777", grade="trainee")
    candidate = CertificationFactory(employee_no="E777")

    with pytest.raises(ValidationError, match="E777"):
        certification_decide(certification=candidate, decided_by=hr)
    candidate.refresh_from_db()
    assert candidate.outcome == Certification.Outcome.PENDING
