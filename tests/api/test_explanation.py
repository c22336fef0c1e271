"""The API's appraisal explanation says what the typed explanation holds: the gaps (missing data and what the policy
did), the effective (renormalised) weights, whether it is held incomplete and the policy the close applied; the
schema documents each of them."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from appraisals.explanation import DimensionLine, Explanation, Gap, IndicatorLine, PolicyUsed, RaterFigure
from appraisals.models import Appraisal
from tests.appraisals.factories_results import hr_user
from tests.security.company import company_build

pytestmark = pytest.mark.django_db


def test_the_explanation_carries_gaps_effective_weights_and_the_policy_applied() -> None:
    company = company_build()
    appraisal = company.a.appraisals["second"]
    # One rated indicator of weight 60: the client raters (weight 30) rated, nobody of "self" (weight 20) did, and the
    # policy shared self's weight among those who rated: client 30 / (30 + 0 counted) → effective 100 % of the
    # indicator, written 100.00; the dimension kept its weight (effective = weight, 25).
    explanation = Explanation(
        dimensions=(
            DimensionLine(
                "behaviour",
                25,
                D("90.00"),
                D("22.50"),
                (
                    IndicatorLine(
                        "B2",
                        "Responsibility",
                        "rated",
                        60,
                        D("90.00"),
                        D("22.50"),
                        raters=(
                            RaterFigure("client", 30, D("100.00"), 2, D("4.50"), D("90.00")),
                            RaterFigure("self", 20, D("0.00"), 0, None, None),
                        ),
                        effective_weight=D("100.00"),
                        gaps=(Gap("rater_type_missing", "leave_out", rater_type="self"),),
                    ),
                ),
            ),
        ),
        total=D("22.50"),
        band="fail",
        gaps=(Gap("no_target", "neutral", neutral_score=D("60.00")),),
        incomplete=True,
        policy=PolicyUsed(2026, D("85.00"), D("75.00"), D("60.00")),
    )
    Appraisal.objects.filter(pk=appraisal.pk).update(explanation=explanation.to_json())
    http = HttpClient()
    http.force_login(hr_user())

    body = http.get(reverse("api:appraisal-detail", args=[appraisal.pk]), HTTP_ACCEPT_LANGUAGE="en").json()
    shown = body["explanation"]

    assert shown["policy"] == {"year": 2026, "excellent_from": "85.00", "good_from": "75.00", "pass_from": "60.00"}
    assert shown["incomplete"] is True
    gap = shown["gaps"][0]
    assert (gap["gap"], gap["action"], gap["neutral_score"], gap["whole_indicator"]) == (
        "no_target",
        "neutral",
        "60.00",
        False,
    )
    assert gap["text"] == str(explanation.gaps[0]) and gap["gap_label"] and gap["action_label"]
    dimension = shown["dimensions"][0]
    assert dimension["effective_weight"] == "25"  # nothing renormalised at this level: as its weight
    indicator = dimension["indicators"][0]
    assert indicator["effective_weight"] == "100.00"
    assert [(r["rater_type"], r["effective_weight"]) for r in indicator["raters"]] == [
        ("client", "100.00"),
        ("self", "0.00"),
    ]
    assert [(g["gap"], g["action"], g["rater_type"]) for g in indicator["gaps"]] == [
        ("rater_type_missing", "leave_out", "self")
    ]


def test_the_schema_documents_the_gaps_the_effective_weights_and_the_policy() -> None:
    http = HttpClient()
    http.force_login(hr_user())
    schema = http.get(reverse("api:schema") + "?format=json").json()["components"]["schemas"]
    assert {"gaps", "incomplete", "policy"} <= set(schema["Explanation"]["properties"])
    assert {"effective_weight", "gaps"} <= set(schema["IndicatorLine"]["properties"])
    assert "effective_weight" in schema["DimensionLine"]["properties"]
    assert {"gap", "action", "rater_type", "neutral_score", "text"} <= set(schema["Gap"]["properties"])
    assert {"year", "excellent_from", "good_from", "pass_from"} <= set(schema["PolicyUsed"]["properties"])
