"""Measured indicators on a small hand example, computed set-based."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appraisals.models import Appraisal, Indicator, MeasuredValue, MeasureGap, MissingDataGap
from appraisals.services.cycles import cycle_open
from appraisals.services.measures import measured_values_compute, previous_period
from appraisals.services.scoring import measured_gap, measured_score
from clients.models import BusinessCreditPolicy, Client, Interaction
from tests.appraisals.factories import AppraisalCycleFactory, TemplateFactory, measured_indicator, rated_indicator
from tests.clients.factories import (
    AssignmentFactory,
    BusinessRecordFactory,
    ClientFactory,
    FeedbackFactory,
    InteractionFactory,
)
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
    # The company credits a client's business to whoever serves it on the period's last day.
    BusinessCreditPolicy.objects.create(year=2026, mode=BusinessCreditPolicy.Mode.PERIOD_END_HOLDER)
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

    # The colleague: no target inside the period and no survey answer are no data (a gap), never 100 or 0.
    other = {
        v.indicator.metric: v
        for v in MeasuredValue.objects.filter(appraisal__manager=colleague).select_related("indicator")
    }
    assert other["target_completion"].value is None and other["target_completion"].gap == "no_target"
    assert "note" in other["target_completion"].inputs
    assert other["avg_satisfaction"].value is None and other["avg_satisfaction"].gap == "no_survey_answers"
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
        # savepoint, indicators, appraisals, the business credit rule, the books (with new clients), targets,
        # interactions, feedback, upsert, release
        with django_assert_num_queries(10):
            counts.append(measured_values_compute(cycle=cycle))
    assert counts[1] > counts[0]


def test_a_closed_cycle_keeps_its_measured_values() -> None:
    cycle = AppraisalCycleFactory(template=_template_measuring_everything(), state="closed")
    with pytest.raises(ValidationError, match="frozen"):
        measured_values_compute(cycle=cycle)


def test_data_that_does_not_exist_is_a_gap_never_a_figure() -> None:
    """A newcomer with no client, no target, no survey answer: every measure that needs them says which data is
    missing instead of scoring a made-up 100 or 0; the measures that exist keep their value."""
    newcomer = AccountManagerFactory(grade="trainee")
    # A manager whose one client had no volume in the previous period: growth has nothing to grow from.
    grower = AccountManagerFactory(grade="senior")
    client = ClientFactory()
    AssignmentFactory(client=client, manager=grower, start=dt.date(2024, 1, 1))
    BusinessRecordFactory(client=client, month=dt.date(2026, 3, 1), volume=D("1000"), products_used=1)
    cycle = AppraisalCycleFactory(template=_template_measuring_everything())
    cycle_open(cycle=cycle)
    measured_values_compute(cycle=cycle)

    def values(manager):
        rows = MeasuredValue.objects.filter(appraisal__manager=manager, appraisal__cycle=cycle)
        return {v.indicator.metric: (v.value, v.gap) for v in rows.select_related("indicator")}

    assert values(newcomer) == {
        "new_clients": (D("0"), ""),  # winning no client is a fact, not missing data
        "volume_growth": (None, "no_clients"),
        "scope_growth": (None, "no_clients"),
        "target_completion": (None, "no_target"),
        "avg_satisfaction": (None, "no_survey_answers"),
        "complaints": (None, "no_clients"),
        "interactions": (None, "no_clients"),
    }
    grown = values(grower)
    assert grown["volume_growth"] == (None, "no_earlier_period")
    assert grown["scope_growth"] == (D("1"), "")
    assert grown["complaints"] == (D("0"), "")  # a manager with clients and no complaint: a real zero


def test_every_gap_the_measures_report_is_a_gap_the_policy_names_and_scores_no_figure() -> None:
    assert set(MeasureGap.values) <= set(MissingDataGap.values)
    indicator = Indicator(code="X", kind="measured", metric="target_completion", target=D("100"), rule="ratio")
    for gap in MeasureGap.values:
        # No figure under the default policy (left out), whatever a made-up 0 or 100 would have scored.
        assert measured_gap(MeasuredValue(value=None, gap=gap)) == gap
    assert measured_gap(MeasuredValue(value=D("42"), gap="")) is None
    assert measured_score(indicator=indicator, value=D("42")) == D("42")


def _template_measuring(*metrics: str):
    template = TemplateFactory()
    for n, metric in enumerate(metrics):
        weight = 100 // len(metrics) + (100 % len(metrics) if n == 0 else 0)
        measured_indicator(template, "performance", f"P{n}", weight, metric, "10", "ratio")
    rated_indicator(template, "behaviour", "B1", 100, "sh")
    rated_indicator(template, "ability", "A1", 100, "sh")
    return template


def _values(cycle, manager) -> dict:
    rows = MeasuredValue.objects.filter(appraisal__cycle=cycle, appraisal__manager=manager).select_related("indicator")
    return {v.indicator.metric: v for v in rows}


def test_a_client_handed_over_on_the_16th_is_credited_by_the_days_each_served_it() -> None:
    """June 2026 has 30 days. Client C moves from A to B on the 16th: A's assignment ends on the 15th (dates are
    inclusive), so A served it 1–15 June = 15 days and B 16–30 June = 15 days: 15/30 of its business to each.

        C's volume: May (previous period) 1 000.00, June 1 500.00; products: May 2, June 4
        A: volume now 1 500 × 15/30 = 750.00, before 1 000 × 15/30 = 500.00 → growth (750 − 500) / 500 = 50 %
           products added (4 − 2) × 15/30 = 1
        B: the same: 750.00, 500.00, 50 %, 1
    Client N is new: its first assignment ever is to A on 1 June, handed to B on the 21st (A 1–20 June = 20 days,
    B 21–30 June = 10 days): new clients A 20/30 = 0.6667, B 10/30 = 0.3333 (4 places).
    Held at the period's end instead (the other setting): all of C and N to B: volume 1 500 / 1 000 → 50 %,
    products 2, new clients 1; A has no client left in the book: no data.
    """
    a, b = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")
    c, n = ClientFactory(), ClientFactory()
    AssignmentFactory(client=c, manager=a, start=dt.date(2024, 1, 1), end=dt.date(2026, 6, 15))
    AssignmentFactory(client=c, manager=b, start=dt.date(2026, 6, 16))
    AssignmentFactory(client=n, manager=a, start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 20))
    AssignmentFactory(client=n, manager=b, start=dt.date(2026, 6, 21))
    BusinessRecordFactory(client=c, month=dt.date(2026, 5, 1), volume=D("1000"), products_used=2)
    BusinessRecordFactory(client=c, month=dt.date(2026, 6, 1), volume=D("1500"), products_used=4)
    template = _template_measuring("volume_growth", "scope_growth", "new_clients")
    cycle = AppraisalCycleFactory(template=template, period_start=dt.date(2026, 6, 1), period_end=dt.date(2026, 6, 30))
    cycle_open(cycle=cycle)

    measured_values_compute(cycle=cycle)  # the seeded rule: split by days served

    for manager in (a, b):
        values = _values(cycle, manager)
        assert values["volume_growth"].value == D("50")
        assert values["volume_growth"].inputs["volume_in_period"] == "750.00"
        assert values["volume_growth"].inputs["volume_in_previous_period"] == "500.00"
        assert values["scope_growth"].value == D("1")
    assert _values(cycle, a)["new_clients"].value == D("0.6667")
    assert _values(cycle, b)["new_clients"].value == D("0.3333")

    BusinessCreditPolicy.objects.create(year=2026, mode=BusinessCreditPolicy.Mode.PERIOD_END_HOLDER)
    measured_values_compute(cycle=cycle)

    at_end = _values(cycle, b)
    assert at_end["volume_growth"].value == D("50") and at_end["volume_growth"].inputs["volume_in_period"] == "1500.00"
    assert at_end["scope_growth"].value == D("2") and at_end["new_clients"].value == D("1")
    assert _values(cycle, a)["volume_growth"].gap == "no_clients"


def test_a_same_day_correction_gives_the_day_to_the_newer_assignment() -> None:
    """C was assigned to A on 10 June and corrected to B the same day (A's row is 10–10 June): A served it 0 days,
    B 10–30 June = 21 days of 21: all of June's 2 100.00 to B."""
    a, b = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")
    c = ClientFactory()
    AssignmentFactory(client=c, manager=a, start=dt.date(2026, 6, 10), end=dt.date(2026, 6, 10))
    AssignmentFactory(client=c, manager=b, start=dt.date(2026, 6, 10))
    BusinessRecordFactory(client=c, month=dt.date(2026, 6, 1), volume=D("2100"), products_used=1)
    cycle = AppraisalCycleFactory(
        template=_template_measuring("volume_growth", "new_clients"),
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
    )
    cycle_open(cycle=cycle)
    measured_values_compute(cycle=cycle)
    assert _values(cycle, b)["volume_growth"].inputs["volume_in_period"] == "2100.00"
    assert _values(cycle, b)["new_clients"].value == D("1")
    assert _values(cycle, a)["volume_growth"].gap == "no_clients"


def test_retention_rate_counts_the_clients_served_at_the_start_still_served_and_active_at_the_end() -> None:
    """Period 2026 H1. M serves four clients on 1 January:
        K1 still M's on 30 June, active          → kept
        K2 still M's, but lost (status)          → not kept
        K3 handed to a colleague on 1 April      → not kept
        K4 M's until 30 June inclusive, active   → kept
    and K5 taken on in March (not served at the start: not counted). Retention = 2 / 4 = 50 %.
    A manager with no client on 1 January has no retention rate: no data."""
    manager, colleague = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="senior")
    k1, k2, k3, k4, k5 = (ClientFactory() for _ in range(5))
    Client.objects.filter(pk=k2.pk).update(status=Client.Status.LOST)
    AssignmentFactory(client=k1, manager=manager, start=dt.date(2024, 1, 1))
    AssignmentFactory(client=k2, manager=manager, start=dt.date(2025, 1, 1))
    AssignmentFactory(client=k3, manager=manager, start=dt.date(2025, 1, 1), end=dt.date(2026, 3, 31))
    AssignmentFactory(client=k3, manager=colleague, start=dt.date(2026, 4, 1))
    AssignmentFactory(client=k4, manager=manager, start=dt.date(2025, 6, 1), end=dt.date(2026, 6, 30))
    AssignmentFactory(client=k5, manager=manager, start=dt.date(2026, 3, 1))
    cycle = AppraisalCycleFactory(template=_template_measuring("retention_rate"))
    cycle_open(cycle=cycle)
    measured_values_compute(cycle=cycle)

    retention = _values(cycle, manager)["retention_rate"]
    assert retention.value == D("50")
    assert retention.inputs["clients_at_start"] == 4 and retention.inputs["kept_and_active_at_end"] == 2
    assert _values(cycle, colleague)["retention_rate"].gap == "no_clients"


def test_a_withdrawn_interaction_counts_in_no_measure() -> None:
    manager = AccountManagerFactory(grade="senior")
    client = ClientFactory()
    AssignmentFactory(client=client, manager=manager, start=dt.date(2024, 1, 1))
    # Three interactions in 2026 H1; the author withdrew one: 3 − 1 = 2 counted.
    kept = [InteractionFactory(client=client, manager=manager, date=dt.date(2026, m, 10)) for m in (1, 2)]
    withdrawn = InteractionFactory(client=client, manager=manager, date=dt.date(2026, 3, 10))
    Interaction.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now(), withdrawn_reason="Wrong client")

    cycle = AppraisalCycleFactory(template=_template_measuring_everything())
    cycle_open(cycle=cycle)
    measured_values_compute(cycle=cycle)

    value = MeasuredValue.objects.get(appraisal__manager=manager, indicator__metric="interactions")
    assert value.value == D(len(kept)) == D("2")
