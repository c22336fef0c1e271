"""The appraisal explanation as a typed value: written once as JSON, read back the same, and stored ones still read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from appraisals.explanation import (
    DimensionLine,
    ExcludedRating,
    Explanation,
    Gap,
    IndicatorLine,
    MeasuredFigure,
    Note,
    PolicyUsed,
    RaterFigure,
    SpotCheckEffect,
)
from appraisals.models import Indicator, MeasuredValue, Template
from appraisals.services.scoring import RatingSummary, Tally, appraisal_score
from tests.appraisals.factories_results import explanation_of

# One dimension as cycle_close stored it before the explanation had a schema version: a measured and a rated line,
# decimals as strings with 2 places, a rater type that did not rate with no average.
STORED_DIMENSION = {
    "dimension": "performance",
    "weight": 60,
    "score": "56.15",
    "contribution": "33.69",
    "indicators": [
        {
            "code": "P1",
            "name": "New clients",
            "kind": "measured",
            "weight": 50,
            "notes": [],
            "measured": {
                "metric": "new_clients",
                "value": "7.00",
                "target": "5.00",
                "rule": "ratio",
                "inputs": {"clients": 7},
            },
            "score": "100.00",
            "contribution": "30.00",
        },
        {
            "code": "P2",
            "name": "Service quality",
            "kind": "rated",
            "weight": 50,
            "notes": ["No peer rating counted: its weight was shared among the raters who did rate."],
            "raters": [
                {
                    "rater_type": "self",
                    "weight": 20,
                    "effective_weight": "23.53",
                    "count": 2,
                    "average": "2.00",
                    "score": "40.00",
                },
                {
                    "rater_type": "peer",
                    "weight": 15,
                    "effective_weight": "0.00",
                    "count": 0,
                    "average": None,
                    "score": None,
                },
            ],
            "score": "12.30",
            "contribution": "3.69",
        },
    ],
}
STORED = {
    "dimensions": [STORED_DIMENSION],
    "spot_checks": [
        {
            "id": 7,
            "effect": "-2.00",
            "findings": "File incomplete",
            "mode": "random",
            "method": "file_review",
            "checked_on": "2026-05-04",
        },
    ],  # fmt: skip
    "spot_check_effect": "-2.00",
    "excluded_ratings": [{"rater_type": "client", "reason": "Rated the previous manager's service"}],
    "total": "31.69",
    "band": "fail",
    "notes": [],
}


def test_todays_stored_shape_reads_typed_with_decimals_as_stored() -> None:
    explanation = Explanation.from_json(STORED)
    assert explanation.schema_version == 1
    assert (explanation.total, explanation.band, explanation.spot_check_effect) == (D("31.69"), "fail", D("-2.00"))
    (dimension,) = explanation.dimensions
    assert (dimension.dimension, dimension.weight, dimension.score, dimension.contribution) == (
        "performance",
        60,
        D("56.15"),
        D("33.69"),
    )
    measured, rated = dimension.indicators
    assert measured.measured == MeasuredFigure("new_clients", D("7.00"), D("5.00"), "ratio", {"clients": 7})
    assert measured.raters == ()
    assert rated.measured is None
    assert rated.raters == (
        RaterFigure("self", 20, D("23.53"), 2, D("2.00"), D("40.00")),
        RaterFigure("peer", 15, D("0.00"), 0, None, None),
    )
    assert str(rated.raters[0].effective_weight) == "23.53"  # the places survive: shown as stored
    assert explanation.spot_checks == (
        SpotCheckEffect(7, D("-2.00"), "File incomplete", "random", "file_review", dt.date(2026, 5, 4)),
    )
    assert explanation.excluded_ratings == (ExcludedRating("client", "Rated the previous manager's service"),)
    # 30.00 + 3.69 = 33.69; 33.69 − 2.00 = 31.69
    assert explanation.computed_total == D("31.69") and explanation.adds_up


def test_a_version_1_explanation_written_back_is_version_2_with_the_same_figures_and_words() -> None:
    upgraded = Explanation.from_json(STORED).to_json()
    assert upgraded["schema_version"] == 2
    again = Explanation.from_json(upgraded)
    original = Explanation.from_json(STORED)
    assert again.dimensions == original.dimensions and again.total == original.total == D("31.69")
    # A version 1 note was stored as words: it is shown as it was.
    (note,) = again.dimensions[0].indicators[1].notes
    assert str(note) == "No peer rating counted: its weight was shared among the raters who did rate."
    # Version 1 knew no gaps, no effective weights and no policy: the weights are the ones used, nothing held.
    line = again.dimensions[0].indicators[0]
    assert line.weight_used == D("50") and again.dimensions[0].weight_used == D("60")
    assert again.gaps == () and not again.incomplete and again.policy is None


def test_from_json_of_to_json_gives_the_same_explanation() -> None:
    explanation = Explanation(
        dimensions=(
            DimensionLine(
                "behaviour",
                25,
                D("77.00"),
                D("19.25"),
                (
                    IndicatorLine(
                        "B1",
                        "Complaints",
                        "measured",
                        40,
                        D("80.00"),
                        D("8.00"),
                        measured=MeasuredFigure("complaints", D("1.00"), D("20.00"), "penalty_per_unit", {"n": 1}),
                    ),
                    IndicatorLine(
                        "B2",
                        "Responsibility",
                        "rated",
                        60,
                        D("75.00"),
                        D("11.25"),
                        raters=(
                            RaterFigure("client", 30, D("37.50"), 2, D("4.50"), D("90.00")),
                            RaterFigure("self", 20, D("0.00"), 0, None, None),
                        ),
                        notes=(Note("raters_weighted_equally"),),
                        effective_weight=D("60.00"),
                        gaps=(Gap("rater_type_missing", "neutral", rater_type="self", neutral_score=D("60.00")),),
                    ),
                ),
            ),
        ),
        spot_checks=(SpotCheckEffect(3, D("10.00"), "Well kept", "random", "visit", dt.date(2026, 3, 1)),),
        spot_check_effect=D("10.00"),
        excluded_ratings=(ExcludedRating("peer", "Conflict of interest"),),
        total=D("29.25"),
        band="fail",
        notes=(Note("ratings_pending", {"count": 1}),),
        gaps=(Gap("joined_mid_cycle", "leave_out"),),
        incomplete=True,
        policy=PolicyUsed(2026, D("85.00"), D("75.00"), D("60.00")),
    )
    assert Explanation.from_json(explanation.to_json()) == explanation
    assert str(explanation.notes[0]) == "1 rating(s) were not submitted by the close and do not count."


def test_a_computed_explanation_survives_its_json() -> None:
    template = Template(
        weight_performance=60,
        weight_behaviour=25,
        weight_ability=15,
        weight_self=20,
        weight_client=30,
        weight_head=35,
        weight_peer=15,
    )
    rated = Indicator(pk=1, code="P2", name="Service", dimension="performance", weight=50, kind="rated",
                      rated_by_self=True, rated_by_head=True, rated_by_peer=True)  # fmt: skip
    measured = Indicator(pk=2, code="P1", name="New clients", dimension="performance", weight=50, kind="measured",
                         metric="new_clients", target=D("5"), rule="ratio")  # fmt: skip
    result = appraisal_score(
        template=template,
        indicators=[rated, measured],
        ratings=RatingSummary(tallies={1: {"self": Tally(5, 1), "head": Tally(7, 2)}}, pending=1),
        measured={2: MeasuredValue(value=D("3"), inputs={"clients": 3})},
    )
    # P2: self 5 → 100 (20), head 3.5 → 70 (35), no peer: (20 × 100 + 35 × 70) / 55 = 4450 / 55 = 80.909… → 80.91
    # P1: 3 / 5 = 60.00. Contributions 80.91 × 0.5 × 0.6 = 24.273 → 24.27 and 60 × 0.5 × 0.6 = 18.00; total 42.27
    assert result.total == D("42.27")
    stored = result.explanation.to_json()
    assert stored["total"] == "42.27" and stored["schema_version"] == 2
    assert Explanation.from_json(stored) == result.explanation


def test_the_factories_shape_reads_and_only_the_contracts_fields_reach_the_reader() -> None:
    stored = explanation_of({"performance": (D("80"), D("60"))}, excluded=[("client", "Late")])
    stored["dimensions"][0]["indicators"][0]["raters"][0]["rater"] = "Zhang Wei"
    stored["excluded_ratings"][0]["client"] = "Acme Trading Co."
    explanation = Explanation.from_json(stored)
    rated, measured = explanation.indicators
    assert rated.measured is None and len(rated.raters) == 2
    assert measured.raters == () and measured.measured.value == D("3")
    assert "Zhang Wei" not in str(explanation) and "Acme" not in str(explanation)


def test_an_appraisal_not_closed_yet_reads_as_an_empty_explanation() -> None:
    explanation = Explanation.from_json({})
    assert explanation.dimensions == () and explanation.total is None and not explanation.adds_up


def test_an_unknown_schema_version_is_refused() -> None:
    with pytest.raises(ValueError, match="schema version"):
        Explanation.from_json({**STORED, "schema_version": 3})
