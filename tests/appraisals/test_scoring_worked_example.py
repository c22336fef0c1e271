"""THE WORKED EXAMPLE: one manager rated by every rater type, with measured indicators and a spot-check effect,
computed by hand below and compared with what cycle_close writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appraisals.explanation import Explanation
from appraisals.models import Appraisal, Rating, SpotCheck
from appraisals.services.cycles import cycle_close, cycle_open
from tests.appraisals.factories import AppraisalCycleFactory, SpotCheckFactory, rating_fill, small_template
from tests.clients.factories import AssignmentFactory, ClientFactory, FeedbackFactory, InteractionFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def example():
    """Manager M (second-level) in a department with a head and two peers of the same grade."""
    department = DepartmentFactory(name="Corporate clients")
    manager = AccountManagerFactory(grade="second", department=department)
    peers = [AccountManagerFactory(grade="second", department=department) for _ in range(2)]
    AccountManagerFactory(grade="senior", department=department)  # another grade: never M's peer
    template = small_template(name="Worked example")
    cycle = AppraisalCycleFactory(template=template, name="2026 H1 worked example")
    indicators = {indicator.code: indicator for indicator in template.indicators.all()}

    # Measured data for 2026-01-01 … 2026-06-30.
    # P1 new clients: three clients assigned to M for the first time in the period …
    for month in (2, 3, 4):
        AssignmentFactory(manager=manager, start=dt.date(2026, month, 1))
    # … not a client M has served since 2024, nor one taken over from a colleague (it had an earlier manager).
    AssignmentFactory(manager=manager, start=dt.date(2024, 1, 1))
    taken_over = ClientFactory()
    AssignmentFactory(client=taken_over, manager=peers[0], start=dt.date(2025, 1, 1), end=dt.date(2026, 4, 30))
    AssignmentFactory(client=taken_over, manager=manager, start=dt.date(2026, 5, 1))
    # B1 complaints: one in the period (one before the period does not count; praise is not a complaint).
    FeedbackFactory(manager=manager, date=dt.date(2026, 3, 3), satisfaction=None, complaint="Late reply")
    FeedbackFactory(manager=manager, date=dt.date(2025, 12, 30), satisfaction=None, complaint="Old complaint")
    FeedbackFactory(manager=manager, date=dt.date(2026, 3, 4), satisfaction=5)
    # A2 interactions: 18 in the period, one after it.
    client = ClientFactory()
    for day in range(18):
        InteractionFactory(manager=manager, client=client, date=dt.date(2026, 1, 5) + dt.timedelta(days=day * 9))
    InteractionFactory(manager=manager, client=client, date=dt.date(2026, 7, 2))

    # Spot-checks: +10 (checked in the period) and −2 (in the period) apply; one checked after the period waits.
    SpotCheckFactory(manager=manager, checked_on=dt.date(2026, 5, 10), score_effect=D("10"), findings="Exemplary")
    SpotCheckFactory(manager=manager, checked_on=dt.date(2026, 6, 1), score_effect=D("-2"), findings="File gaps")
    later = SpotCheckFactory(manager=manager, checked_on=dt.date(2026, 8, 1), score_effect=D("-20"))

    cycle_open(cycle=cycle)
    appraisal = Appraisal.objects.get(cycle=cycle, manager=manager)
    ratings = {(r.rater_type, r.rater_id): r for r in appraisal.ratings.all()}
    assert sorted(rater_type for rater_type, _ in ratings) == ["head", "peer", "peer", "self"]

    P2, B2, A1 = indicators["P2"], indicators["B2"], indicators["A1"]
    rating_fill(ratings[("self", manager.user_id)], {P2: 5, A1: 4})
    rating_fill(ratings[("head", department.head_id)], {P2: 4, B2: 3, A1: 3})
    rating_fill(ratings[("peer", peers[0].user_id)], {P2: 4, B2: 4})
    rating_fill(ratings[("peer", peers[1].user_id)], {P2: 5, B2: 4})
    # The client sample (created by the surveys area when clients have contacts; written here directly).
    for values in ({P2: 4, B2: 5}, {P2: 3, B2: 4}):
        rating_fill(Rating.objects.create(appraisal=appraisal, rater_type="client", client=ClientFactory()), values)
    # A client rating far from the others, excluded by HR in the fairness review: it must not count.
    outlier = rating_fill(
        Rating.objects.create(appraisal=appraisal, rater_type="client", client=ClientFactory()), {P2: 1, B2: 1}
    )
    outlier.excluded, outlier.excluded_reason = True, "Rated the previous manager's service"
    outlier.save(update_fields=["excluded", "excluded_reason"])

    # The peers' own appraisals keep pending ratings: HR closes with a reason.
    cycle_close(cycle=cycle, reason="Peers' appraisals are not part of the example")
    appraisal.refresh_from_db()
    return appraisal, later


def test_worked_example_total_band_and_explanation(example) -> None:
    appraisal, later = example
    # Hand computation (rater weights self 20 / client 30 / head 35 / peer 15; a value is worth value × 20):
    #
    # PERFORMANCE (weight 60)
    #   P1 new clients: 3 (Feb, Mar, Apr; not the 2024 client, not the one taken over) / target 5 × 100 = 60.00
    #      contribution 60.00 × 50/100 × 60/100 = 18.00
    #   P2 rated by all four types:
    #      self 5 → 100; client (4 + 3)/2 = 3.5 → 70 (the excluded 1 does not count); head 4 → 80;
    #      peer (4 + 5)/2 = 4.5 → 90
    #      0.20 × 100 + 0.30 × 70 + 0.35 × 80 + 0.15 × 90 = 20 + 21 + 28 + 13.5 = 82.50
    #      contribution 82.50 × 50/100 × 60/100 = 24.75
    #   dimension score 0.5 × 60 + 0.5 × 82.5 = 71.25; contribution 18.00 + 24.75 = 42.75
    # BEHAVIOUR (weight 25)
    #   B1 complaints: 1 in the period → 100 − 1 × 20 = 80.00; contribution 80 × 40/100 × 25/100 = 8.00
    #   B2 rated by client, head, peer (no self rating on this indicator): weights 30 + 35 + 15 = 80 renormalised
    #      to 37.50 / 43.75 / 18.75; client (5 + 4)/2 = 4.5 → 90; head 3 → 60; peer (4 + 4)/2 = 4 → 80
    #      (30 × 90 + 35 × 60 + 15 × 80) / 80 = (2700 + 2100 + 1200) / 80 = 75.00
    #      contribution 75 × 60/100 × 25/100 = 11.25
    #   dimension score 0.4 × 80 + 0.6 × 75 = 77.00; contribution 8.00 + 11.25 = 19.25
    # ABILITY (weight 15)
    #   A1 rated by self and head: self 4 → 80, head 3 → 60; weights 20 + 35 = 55 → 36.36 / 63.64
    #      (20 × 80 + 35 × 60) / 55 = 3700 / 55 = 67.2727… → 67.27
    #      contribution 67.27 × 50/100 × 15/100 = 5.04525 → 5.05
    #   A2 interactions: 18 / 24 × 100 = 75.00; contribution 75 × 50/100 × 15/100 = 5.625 → 5.63
    #   dimension score 0.5 × 67.27 + 0.5 × 75 = 71.135 → 71.14; contribution 5.05 + 5.63 = 10.68
    # Σ contributions 42.75 + 19.25 + 10.68 = 72.68
    # spot-checks in the period: +10 − 2 = +8.00 (the one of 1 August waits for the next close)
    # TOTAL 72.68 + 8.00 = 80.68 → band "good" (≥ 80; without the spot-checks it would have been "pass")
    assert appraisal.performance_score == D("71.25")
    assert appraisal.behaviour_score == D("77.00")
    assert appraisal.ability_score == D("71.14")
    assert appraisal.spot_check_effect == D("8.00")
    assert appraisal.total_score == D("80.68")
    assert appraisal.band == Appraisal.Band.GOOD
    assert appraisal.finalised_at is not None

    explanation = appraisal.explanation
    assert explanation["total"] == "80.68"
    assert explanation["band"] == "good"
    assert explanation["spot_check_effect"] == "8.00"
    assert [(d["dimension"], d["weight"], d["score"], d["contribution"]) for d in explanation["dimensions"]] == [
        ("performance", 60, "71.25", "42.75"),
        ("behaviour", 25, "77.00", "19.25"),
        ("ability", 15, "71.14", "10.68"),
    ]
    lines = {line["code"]: line for d in explanation["dimensions"] for line in d["indicators"]}
    assert {code: (line["score"], line["contribution"]) for code, line in lines.items()} == {
        "P1": ("60.00", "18.00"),
        "P2": ("82.50", "24.75"),
        "B1": ("80.00", "8.00"),
        "B2": ("75.00", "11.25"),
        "A1": ("67.27", "5.05"),
        "A2": ("75.00", "5.63"),
    }
    assert lines["P1"]["measured"]["value"] == "3.00" and lines["P1"]["measured"]["target"] == "5.00"
    assert lines["B1"]["measured"]["inputs"]["complaints"] == 1
    assert lines["A2"]["measured"]["inputs"]["interactions"] == 18
    p2 = {r["rater_type"]: (r["effective_weight"], r["count"], r["average"], r["score"]) for r in lines["P2"]["raters"]}
    assert p2 == {
        "self": ("20.00", 1, "5.00", "100.00"),
        "client": ("30.00", 2, "3.50", "70.00"),
        "head": ("35.00", 1, "4.00", "80.00"),
        "peer": ("15.00", 2, "4.50", "90.00"),
    }
    b2 = {r["rater_type"]: r["effective_weight"] for r in lines["B2"]["raters"]}
    assert b2 == {"client": "37.50", "head": "43.75", "peer": "18.75"}
    a1 = {r["rater_type"]: r["effective_weight"] for r in lines["A1"]["raters"]}
    assert a1 == {"self": "36.36", "head": "63.64"}

    # The numbers a manager reads add up exactly to the total they read.
    contributions = sum(D(d["contribution"]) for d in explanation["dimensions"])
    assert contributions == sum(D(line["contribution"]) for line in lines.values()) == D("72.68")
    assert contributions + D(explanation["spot_check_effect"]) == D(explanation["total"])

    # The excluded client rating is named by type and reason only; no rater or client name anywhere.
    excluded = [{"rater_type": "client", "reason": "Rated the previous manager's service"}]
    assert explanation["excluded_ratings"] == excluded
    text = str(explanation)
    for rating in appraisal.ratings.select_related("rater", "client"):
        if rating.rater_type in ("peer", "client"):
            who = rating.rater.username if rating.rater else rating.client.name
            assert who not in text

    # The spot-checks of the period are attached; the later one waits for the next close.
    assert sorted(check["effect"] for check in explanation["spot_checks"]) == ["-2.00", "10.00"]
    assert SpotCheck.objects.filter(applied_to=appraisal).count() == 2
    later.refresh_from_db()
    assert later.applied_to is None

    # Each indicator's score and contribution is frozen in its line of the explanation, and they add up.
    frozen = {
        line["code"]: (D(line["score"]), D(line["contribution"]))
        for dimension in Appraisal.objects.get(pk=appraisal.pk).explanation["dimensions"]
        for line in dimension["indicators"]
    }
    assert frozen["A1"] == (D("67.27"), D("5.05"))
    assert sum(contribution for _, contribution in frozen.values()) == D("72.68")

    # Read back typed: the same figures, to the fen.
    typed = Explanation.from_json(Appraisal.objects.get(pk=appraisal.pk).explanation)
    assert [(line.code, line.score, line.contribution) for line in typed.indicators] == [
        ("P1", D("60.00"), D("18.00")),
        ("P2", D("82.50"), D("24.75")),
        ("B1", D("80.00"), D("8.00")),
        ("B2", D("75.00"), D("11.25")),
        ("A1", D("67.27"), D("5.05")),
        ("A2", D("75.00"), D("5.63")),
    ]
    assert typed.contributions_sum == D("72.68") and typed.computed_total == typed.total == D("80.68")


def test_renormalisation_when_no_peer_exists(example) -> None:
    """Without peers in the department, the peer weight is shared out, and the explanation says so."""
    appraisal, _later = example
    department = DepartmentFactory(name="Retail clients")
    alone = AccountManagerFactory(grade="first", department=department)
    template = appraisal.cycle.template
    indicators = {indicator.code: indicator for indicator in template.indicators.all()}
    cycle = AppraisalCycleFactory(template=template, period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31))
    cycle_open(cycle=cycle)
    mine = Appraisal.objects.get(cycle=cycle, manager=alone)
    ratings = {r.rater_type: r for r in mine.ratings.all()}
    assert set(ratings) == {"self", "head"}  # no peer of the same grade in the department
    rating_fill(ratings["self"], {indicators["P2"]: 4, indicators["A1"]: 4})
    rating_fill(ratings["head"], {indicators["P2"]: 3, indicators["B2"]: 3, indicators["A1"]: 4})
    cycle_close(cycle=cycle, reason="Other managers' ratings are not part of this test")
    mine.refresh_from_db()
    lines = {line["code"]: line for d in mine.explanation["dimensions"] for line in d["indicators"]}
    # P2: self 4 → 80 (20), head 3 → 60 (35); no client, no peer: (20 × 80 + 35 × 60) / 55 = 3700 / 55 = 67.27
    # A fixed divisor would have given (0.20 × 80 + 0.35 × 60) = 37.00: the missing raters would drag it down.
    assert lines["P2"]["score"] == "67.27"
    # The gap is named with what was done: no peer rating, its weight shared (the policy's default).
    assert {"gap": "rater_type_missing", "action": "leave_out", "rater_type": "peer"} in lines["P2"]["gaps"]
    # B2: only the head rated: 3 → 60 with the whole weight.
    assert lines["B2"]["score"] == "60.00"
    assert {r["rater_type"]: r["effective_weight"] for r in lines["B2"]["raters"]}["head"] == "100.00"
    assert mine.total_score == D(mine.explanation["total"])
