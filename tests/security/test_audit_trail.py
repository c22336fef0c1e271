"""The audit trail: every change to grades, assignments, assistants, ratings and their scores, appraisals,
spot-checks and their draws, pay statements and recommendations leaves a history record naming who, when, and the
values before and after; the admin shows it under "History".

Changes made through a page are recorded with the page's user by simple_history's middleware; the tests marked
"through a page" prove that wiring. The others call the service inside ``acting_as(user)``, which sets the request
exactly as the middleware does, because those changes are made in the admin's actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords

from appraisals.models import Appraisal, RaterType, Rating, RatingScore, Recommendation, SpotCheck, SpotCheckDraw
from appraisals.services.results import recommendation_reject
from appraisals.services.spotchecks import spot_check_draw, spot_check_record
from clients.models import Assignment
from clients.services import assignment_create
from incentives.models import PayStatement
from incentives.services import pay_statement_approve
from managers.models import Assistant, GradeChange
from managers.services import grade_change
from tests.appraisals.factories_ratings import AppraisalCycleFactory
from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory, hr_user
from tests.clients.factories import ClientFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory, grade

pytestmark = pytest.mark.django_db


@contextmanager
def acting_as(user) -> Iterator[None]:
    """What HistoryRequestMiddleware does for a request: the changes made inside are recorded as the user's."""
    request = RequestFactory().post("/admin/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def latest(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


def test_a_grade_change_is_recorded_with_who_approved_it() -> None:
    hr = hr_user()
    manager = AccountManagerFactory(grade="trainee")
    with acting_as(hr):
        change = grade_change(
            manager=manager,
            to_grade=grade("second"),
            reason=GradeChange.Reason.APPRAISAL,
            effective_date=dt.date(2026, 7, 1),
            approved_by=hr,
        )
    record = latest(change)
    assert record.history_type == "+"
    assert record.history_user == hr
    assert record.to_grade_id == grade("second").pk


def test_an_assignment_and_its_end_are_recorded_before_and_after() -> None:
    hr = hr_user()
    first, second = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")
    client = ClientFactory()
    with acting_as(hr):
        old = assignment_create(client=client, manager=first, start=dt.date(2026, 1, 1), reason="new client")
        assignment_create(client=client, manager=second, start=dt.date(2026, 6, 1), reason="rebalancing")
    old.refresh_from_db()
    record = latest(old)
    assert record.history_user == hr
    # Before: open; after: ended the day the new manager took over.
    delta = record.diff_against(record.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "end"] == [("end", None, dt.date(2026, 5, 31))]


def test_an_assistant_moved_to_another_manager_is_recorded() -> None:
    hr = hr_user()
    assistant = AssistantFactory()
    other = AccountManagerFactory(grade="senior")
    with acting_as(hr):
        assistant.manager = other
        assistant.save()
    record = latest(assistant)
    assert record.history_user == hr
    assert record.prev_record.manager_id != other.pk and record.manager_id == other.pk


def test_a_rating_and_its_scores_submitted_through_the_page_are_recorded_with_the_rater(client) -> None:
    cycle = AppraisalCycleFactory()
    rated = AccountManagerFactory(grade="second")
    rater = AccountManagerFactory(grade="second").user
    appraisal = Appraisal.objects.create(cycle=cycle, manager=rated)
    rating = Rating.objects.create(appraisal=appraisal, rater_type=RaterType.PEER, rater=rater)
    indicators = list(cycle.template.indicators.filter(rated_by_peer=True))
    client.force_login(rater)
    data = {f"value_{i.pk}": "4" for i in indicators} | {"comment": "Solid year."}
    response = client.post(reverse("appraisals:rate", args=[rating.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rating.refresh_from_db()
    assert rating.is_submitted
    record = latest(rating)
    assert record.history_user == rater
    assert record.prev_record.submitted_at is None and record.submitted_at is not None
    scores = RatingScore.history.filter(rating_id=rating.pk)
    assert scores.count() == len(indicators) > 0
    assert {s.history_user for s in scores} == {rater}


def test_acknowledging_an_appraisal_through_the_page_is_recorded(client) -> None:
    appraisal = FinalAppraisalFactory(cycle=ClosedCycleFactory(), total=Decimal("84"))
    owner = appraisal.manager.user
    client.force_login(owner)
    client.post(reverse("appraisals:acknowledge", args=[appraisal.pk]))
    appraisal.refresh_from_db()
    assert appraisal.acknowledged_at is not None
    record = latest(appraisal)
    assert record.history_user == owner
    assert record.prev_record.acknowledged_at is None


def test_a_spot_check_draw_its_checks_and_the_findings_are_recorded() -> None:
    hr = hr_user()
    for _ in range(4):
        AccountManagerFactory(grade="second")
    with acting_as(hr):
        draw = spot_check_draw(sample_size=2, by=hr)
    assert latest(draw).history_user == hr
    checks = list(SpotCheck.objects.filter(draw=draw))
    # Created with bulk_create_with_history: a record each, naming who drew.
    assert SpotCheck.history.filter(draw_id=draw.pk, history_type="+").count() == 2
    assert {r.history_user for r in SpotCheck.history.filter(draw_id=draw.pk)} == {hr}
    with acting_as(hr):
        spot_check_record(
            check=checks[0],
            by=hr,
            mode=SpotCheck.Mode.ON_SITE,
            method=SpotCheck.Method.values[0],
            checked_on=timezone.localdate(),
            findings="Client files incomplete for two clients.",
            score_effect=Decimal("-2"),
        )
    record = latest(checks[0])
    assert record.history_user == hr
    assert record.prev_record.findings == "" and "incomplete" in record.findings
    assert SpotCheckDraw.history.filter(id=draw.pk).count() == 1


def test_approving_a_pay_statement_is_recorded() -> None:
    hr = hr_user()
    statement = PayStatementFactory()
    with acting_as(hr):
        pay_statement_approve(statement=statement, by=hr)
    record = latest(statement)
    assert record.history_user == hr
    assert (record.prev_record.state, record.state) == ("draft", "approved")


def test_rejecting_a_recommendation_is_recorded() -> None:
    hr = hr_user()
    appraisal = FinalAppraisalFactory(cycle=ClosedCycleFactory(), total=Decimal("95"))
    recommendation = Recommendation.objects.create(
        manager=appraisal.manager, appraisal=appraisal, kind=Recommendation.Kind.REWARD, basis="Excellent result."
    )
    with acting_as(hr):
        recommendation_reject(recommendation=recommendation, by=hr, note="Budget spent this year.")
    record = latest(recommendation)
    assert record.history_user == hr
    assert record.prev_record.state == Recommendation.State.PENDING and record.state != Recommendation.State.PENDING


AUDITED = [GradeChange, Assignment, Assistant, Rating, RatingScore, Appraisal, SpotCheck, SpotCheckDraw,
           PayStatement, Recommendation]  # fmt: skip


@pytest.mark.parametrize("model", AUDITED, ids=lambda m: m.__name__)
def test_every_audited_model_shows_its_history_in_the_admin(client, model) -> None:
    """SimpleHistoryAdmin (not Django's own log of admin edits) shows the records of every path, services included."""
    assert isinstance(admin.site._registry[model], SimpleHistoryAdmin)
    assert hasattr(model, "history")
