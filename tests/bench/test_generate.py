"""The benchmark company generator at a tiny scale, and the floors against the services they stand in for."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from appraisals.models import Appraisal, AppraisalCycle, RaterType, Rating, RatingScore
from appraisals.services.cycles import cycle_close
from bench.build import generate
from bench.floors import cycle_totals_floor, tiering_floor
from clients.models import Assignment, BusinessRecord, Client, Interaction
from clients.tiering import tiering_run, tiering_window, tiers_for_volumes
from managers.models import AccountManager, Grade
from managers.selectors import managers_with_grade

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"
)

TODAY = date(2026, 11, 23)


@pytest.fixture
def company(db):
    return generate(managers=20, clients=200, interactions=2000, seed=7, today=TODAY, echo=lambda line: None)


@postgres_only
def test_tiny_company_has_every_part(company):
    assert AccountManager.objects.count() == 20
    assert Client.objects.count() == 200
    # 12 months of business per client, the interactions asked for.
    assert BusinessRecord.objects.count() == 200 * 12
    assert Interaction.objects.count() == 2000
    # One open assignment per client; every manager has a grade on the period's last day.
    assert Assignment.objects.filter(end__isnull=True).count() == 200
    graded = managers_with_grade(day=company.period[1])
    assert not graded.filter(grade_code_on__isnull=True).exists()
    assert {m.grade_code_on for m in graded} == {"senior", "first", "second", "trainee"}
    # Users cannot log in with a password.
    assert not any(manager.user.has_usable_password() for manager in AccountManager.objects.select_related("user"))


@postgres_only
def test_supervisors_hold_a_higher_grade_and_tiers_fit_the_grades(company):
    rank = dict(Grade.objects.values_list("pk", "rank"))
    grade_of = {m.pk: m.grade_id_on for m in managers_with_grade(day=TODAY)}
    for manager in AccountManager.objects.filter(supervisor__isnull=False):
        assert rank[grade_of[manager.supervisor_id]] > rank[grade_of[manager.pk]]
    serves = {grade.pk: grade.client_tiers for grade in Grade.objects.all()}
    for assignment in Assignment.objects.filter(end__isnull=True).select_related("client"):
        assert assignment.client.tier in serves[grade_of[assignment.manager_id]]
    # core clients only with senior and first-level managers
    core_grades = {grade_of[a.manager_id] for a in Assignment.objects.filter(end__isnull=True, client__tier="core")}
    assert core_grades <= set(Grade.objects.filter(code__in=["senior", "first"]).values_list("pk", flat=True))


@postgres_only
def test_cycle_is_open_with_every_rating_submitted_and_scored(company):
    cycle = AppraisalCycle.objects.get(pk=company.cycle_id)
    assert cycle.state == AppraisalCycle.State.OPEN
    assert cycle.template.name == "Standard appraisal"
    assert Appraisal.objects.filter(cycle=cycle).count() == 20
    ratings = Rating.objects.filter(appraisal__cycle=cycle)
    assert not ratings.filter(submitted_at__isnull=True).exists()
    assert {rating.rater_type for rating in ratings} == set(RaterType.values)
    # Every rating scored exactly the indicators its rater type rates.
    indicators = list(cycle.template.indicators.filter(kind="rated"))
    for rating in ratings.prefetch_related("scores")[:40]:
        expected = {i.pk for i in indicators if rating.rater_type in i.rater_types}
        assert {score.indicator_id for score in rating.scores.all()} == expected
    assert not RatingScore.objects.filter(value__in=[1, 5], comment="").exists()


@postgres_only
def test_cycle_totals_floor_equals_cycle_close(company):
    cycle = AppraisalCycle.objects.get(pk=company.cycle_id)
    with connection.cursor() as cursor:
        floor = cycle_totals_floor(cursor, cycle_id=cycle.pk)
    cycle_close(cycle=cycle)
    closed = list(
        Appraisal.objects.filter(cycle=cycle).order_by("pk").values_list("pk", "manager_id", "total_score", "band")
    )
    assert len(floor) == 20
    assert [tuple(row) for row in floor] == closed


@postgres_only
def test_tiering_floor_changes_the_same_clients_as_tiering_run(company):
    window = tiering_window(TODAY)
    floor = tiering_floor(start=window.start, end=window.end)
    run = tiering_run(today=TODAY)
    changes = sorted(run.changes.values_list("client_id", "from_tier", "to_tier"))
    assert changes == sorted(floor)


@pytest.mark.django_db
def test_the_generator_tiers_volumes_by_the_service_rule():
    # volumes 50, 30, 10, 6, 4, 0 of 100: before-volumes 0, 50, 80, 90, 96 → core while before < 80 (50, 30),
    # key while before < 95 (10, 6), then ordinary (4) and no volume ordinary (0).
    tiers = tiers_for_volumes({1: 50, 2: 30, 3: 10, 4: 6, 5: 4, 6: 0})
    assert tiers == {1: "core", 2: "core", 3: "key", 4: "key", 5: "ordinary", 6: "ordinary"}
