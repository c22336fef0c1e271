"""HR's admin for results: approve / reject recommendations and resolve appeals through intermediate forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from appraisals.models import Appeal, Recommendation
from appraisals.services.results import appeal_create, recommendations_make
from managers.models import GradeChange
from tests.appraisals.factories_results import FinalAppraisalFactory, hr_user, result_rule
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:appraisals_recommendation_changelist"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Factories hash a password per user; the default hasher makes each test take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demotion():
    result_rule(demote_on_fail=True)
    appraisal = FinalAppraisalFactory(manager=AccountManagerFactory(grade="first"), total=Decimal("50"))
    return recommendations_make(cycle=appraisal.cycle)[0]


def test_approve_asks_for_the_effective_date_then_writes_the_grade_change(client, demotion):
    client.force_login(hr_user())
    selected = {"action": "approve", "_selected_action": [demotion.pk]}
    form = client.post(reverse(CHANGELIST), selected)
    assert "effective date" in form.content.decode()
    demotion.refresh_from_db()
    assert demotion.state == Recommendation.State.PENDING  # nothing until the form is sent

    response = client.post(
        reverse(CHANGELIST), {**selected, "apply": "1", "effective_date": "2026-05-01", "note": "Agreed"}, follow=True
    )
    assert "1 done." in response.content.decode()
    demotion.refresh_from_db()
    assert demotion.state == Recommendation.State.APPROVED
    assert demotion.manager.grade_on(dt.date(2026, 5, 1)) == grade("second")


def test_a_grade_change_refusal_is_shown_as_an_admin_message(client, demotion):
    GradeChange.objects.create(
        manager=demotion.manager, to_grade=grade("first"), reason="request", effective_date=dt.date(2026, 5, 1)
    )
    client.force_login(hr_user())
    response = client.post(
        reverse(CHANGELIST),
        {"action": "approve", "_selected_action": [demotion.pk], "apply": "1", "effective_date": "2026-05-01"},
        follow=True,
    )
    assert "already has a grade change" in response.content.decode()
    demotion.refresh_from_db()
    assert demotion.state == Recommendation.State.PENDING


def test_reject_requires_a_note_in_the_form(client, demotion):
    client.force_login(hr_user())
    selected = {"action": "reject", "_selected_action": [demotion.pk], "apply": "1"}
    response = client.post(reverse(CHANGELIST), {**selected, "note": ""})
    assert "This field is required" in response.content.decode()
    client.post(reverse(CHANGELIST), {**selected, "note": "Sick leave most of the period."})
    demotion.refresh_from_db()
    assert demotion.state == Recommendation.State.REJECTED


def test_hr_rejects_appeals_in_the_admin(client):
    # Upholding changes ratings, so it has a page of its own per appeal (tests/appraisals/test_appeals.py).
    appraisal = FinalAppraisalFactory()
    appeal = appeal_create(appraisal=appraisal, by=appraisal.manager.user, text="Wrong count")
    client.force_login(hr_user())
    client.post(
        reverse("admin:appraisals_appeal_changelist"),
        {
            "action": "reject",
            "_selected_action": [appeal.pk],
            "apply": "1",
            "resolution": "Recounted: the count stands.",
        },
    )
    appeal.refresh_from_db()
    assert (appeal.state, appeal.resolution) == (Appeal.State.REJECTED, "Recounted: the count stands.")


def test_the_admin_pages_of_results_and_spot_checks_open(client, demotion):
    from appraisals.services.spotchecks import spot_check_draw

    draw = spot_check_draw(sample_size=1)
    client.force_login(hr_user())
    for name, args in [
        ("admin:appraisals_resultrule_changelist", []),
        ("admin:appraisals_recommendation_changelist", []),
        ("admin:appraisals_recommendation_change", [demotion.pk]),
        ("admin:appraisals_appeal_changelist", []),
        ("admin:appraisals_spotcheckpolicy_changelist", []),
        ("admin:appraisals_spotcheckdraw_changelist", []),
        ("admin:appraisals_spotcheckdraw_change", [draw.pk]),
        ("admin:appraisals_spotcheck_changelist", []),
        ("admin:appraisals_spotcheck_change", [draw.checks.get().pk]),
        ("admin:appraisals_peerdraw_changelist", []),
        ("admin:appraisals_clientsampledraw_changelist", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
