"""Measured indicators on a small hand example, computed set-based."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from appraisals.models import Appraisal, MeasuredValue
from appraisals.services.cycles import cycle_open
from appraisals.services.measures import measured_values_compute, previous_period
from tests.appraisals.factories import AppraisalCycleFactory, TemplateFactory, measured_indicator, rated_indicator
from tests.clients.factories import AssignmentFactory, BusinessRecordFactory, ClientFactory, FeedbackFactory
from tests.managers.factories import AccountManagerFactory, TargetFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _template_measuring_everything():
    template = TemplateFactory()
    metrics = [
        ("new_clients", "5", "ratio"),
        ("volume_growth", "10", "ratio"),
        ("scope_growth", "2", "ratio"),
        ("target_completion", "100", "ratio"),
    ]
    for n, (metric, target, rule) in enumerate(metrics):
        measured_indicator(template, "performance", f"P{n}", 25, metric, target, rule)
    measured_indicator(template, "behaviour", "B1", 30, "avg_satisfaction", "5", "ratio")
    measured_indicator(template, "behaviour", "B2", 30, "complaints", "20", "penalty")
    measured_indicator(template, "behaviour", "B3", 40, "interactions", "24", "ratio")
    rated_indicator(template, "ability", "A1", 100, "sh")
    return template


def test_the_previous_period_has_the_same_months() -> None:
    assert previous_period(dt.date(2026, 1, 1), dt.date(2026, 6, 30)) == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert previous_period(dt.date(2026, 7, 1), dt.date(2026, 12, 31)) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert previous_period(dt.date(2026, 3, 10), dt.date(2026, 3, 19)) == (dt.date(2026, 2, 28), dt.date(2026, 3, 9))


def test_measured_values_on_a_small_hand_example() -> None:
    manager = AccountManagerFactory(grade="senior")
    colleague = AccountManagerFactory(grade="senior")
    # Two clients in M's book on 30 June; one client who left M in March is not in it.
    old, new = ClientFactory(), ClientFactory()
    AssignmentFactory(client=old, manager=manager, start=dt.date(2024, 1, 1))
    AssignmentFactory(client=new, manager=manager, start=dt.date(2026, 2, 1))
    gone = ClientFactory()
    AssignmentFactory(client=gone, manager=manager, start=dt.date(2024, 1, 1), end=dt.date(2026, 3, 31))
    AssignmentFactory(client=gone, manager=colleague, start=dt.date(2026, 4, 1))
    # Volumes (period 2026 H1, previous 2025 H2):
    #   old: 2025-12 100 000 (2 products); 2026-01 120 000 (2), 2026-05 130 000 (4)
    #   new: 2026-03 50 000 (1)
    #   gone: 2025-10 900 000, 2026-02 900 000 (not M's book: ignored)
    BusinessRecordFactory(client=old, month=dt.date(2025, 12, 1), volume=D("100000"), products_used=2)
    BusinessRecordFactory(client=old, month=dt.date(2026, 1, 1), volume=D("120000"), products_used=2)
    BusinessRecordFactory(client=old, month=dt.date(2026, 5, 1), volume=D("130000"), products_used=4)
    BusinessRecordFactory(client=new, month=dt.date(2026, 3, 1), volume=D("50000"), products_used=1)
    BusinessRecordFactory(client=gone, month=dt.date(2025, 10, 1), volume=D("900000"), products_used=5)
    BusinessRecordFactory(client=gone, month=dt.date(2026, 2, 1), volume=D("900000"), products_used=5)
    BusinessRecordFactory(client=old, month=dt.date(2026, 7, 1), volume=D("999999"), products_used=9)  # after
    # Targets inside the period: 200 000 + 100 000; one for the year does not lie inside H1.
    TargetFactory(
        manager=manager, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), business_volume=D("200000")
    )
    TargetFactory(
        manager=manager, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 6, 30), business_volume=D("100000")
    )
    TargetFactory(
        manager=manager,
        horizon="middle",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        business_volume=D("9000000"),
    )
    # Feedback: satisfaction 4 and 5 → 4.5; one complaint (without a score); one outside the period.
    FeedbackFactory(manager=manager, client=old, date=dt.date(2026, 2, 1), satisfaction=4)
    FeedbackFactory(manager=manager, client=new, date=dt.date(2026, 4, 1), satisfaction=5)
    FeedbackFactory(manager=manager, client=new, date=dt.date(2026, 4, 2), satisfaction=None, complaint="Slow")
    FeedbackFactory(manager=manager, client=old, date=dt.date(2026, 8, 1), satisfaction=1, complaint="Later")

    cycle = AppraisalCycleFactory(template=_template_measuring_everything())
    cycle_open(cycle=cycle)
    assert measured_values_compute(cycle=cycle) == 2 * 7  # two managers, seven measured indicators
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    values = {
        v.indicator.metric: v for v in MeasuredValue.objects.filter(appraisal=appraisal).select_related("indicator")
    }
    # new clients: `new` (first assignment 2026-02-01) = 1; `old` started 2024, `gone` was not new
    assert values["new_clients"].value == D("1")
    # volume: now 120 000 + 130 000 + 50 000 = 300 000; before 100 000 → (300 000 − 100 000) / 100 000 = 200 %
    assert values["volume_growth"].value == D("200")
    assert values["volume_growth"].inputs["volume_in_period"] == "300000.00"
    # scope: old 4 − 2 = 2; new 1 − 0 = 1 → 3 products added
    assert values["scope_growth"].value == D("3")
    # target completion: 300 000 / (200 000 + 100 000) = 100 %
    assert values["target_completion"].value == D("100")
    assert values["target_completion"].inputs["targets"] == 2
    assert values["avg_satisfaction"].value == D("4.5")
    assert values["complaints"].value == D("1")
    assert values["interactions"].value == D("0")

    # The colleague: no target inside the period and no survey answer are no data, never a made-up 100 or 0: each
    # value carries its gap code, for scoring to apply the missing-data policy.
    other = {
        v.indicator.metric: v
        for v in MeasuredValue.objects.filter(appraisal__manager=colleague).select_related("indicator")
    }
    assert other["target_completion"].inputs["gap"] == "no_target" and "note" in other["target_completion"].inputs
    assert other["avg_satisfaction"].inputs["gap"] == "no_survey_answers"
    assert other["avg_satisfaction"].inputs["answers"] == 0

    # Idempotent: a re-run rewrites the same rows.
    assert measured_values_compute(cycle=cycle) == 14
    assert MeasuredValue.objects.filter(appraisal__cycle=cycle).count() == 14


def test_measured_values_take_the_same_queries_for_3_or_12_managers(django_assert_num_queries) -> None:
    counts = []
    for managers in (3, 12):
        for _ in range(managers):
            manager = AccountManagerFactory(grade="second")
            client = ClientFactory()
            AssignmentFactory(client=client, manager=manager, start=dt.date(2026, 2, 1))
            BusinessRecordFactory(client=client, month=dt.date(2026, 2, 1))
            FeedbackFactory(manager=manager, client=client, date=dt.date(2026, 2, 1))
        cycle = AppraisalCycleFactory(template=_template_measuring_everything())
        cycle_open(cycle=cycle)
        # savepoint, indicators, appraisals, new clients, book volumes, targets, interactions, feedback,
        # upsert, release
        with django_assert_num_queries(10):
            counts.append(measured_values_compute(cycle=cycle))
    assert counts[1] > counts[0]


def test_a_closed_cycle_keeps_its_measured_values() -> None:
    cycle = AppraisalCycleFactory(template=_template_measuring_everything(), state="closed")
    with pytest.raises(ValidationError, match="frozen"):
        measured_values_compute(cycle=cycle)
