"""rated_score's renormalisation of the rater weights, including the corners the worked example does not reach."""

from __future__ import annotations

from decimal import Decimal as D

from appraisals.explanation import Gap, Note
from appraisals.models import Indicator
from appraisals.services.policies import GapRule, ScoringPolicy
from appraisals.services.scoring import Tally, rated_score

INDICATOR = Indicator(
    code="B-X", name="Responsibility", kind=Indicator.Kind.RATED, rated_by_self=True, rated_by_head=True
)


def test_a_rater_type_with_weight_0_counts_for_nothing_beside_one_that_has_weight() -> None:
    score, raters, notes, gaps = rated_score(
        indicator=INDICATOR,
        weights={"self": 0, "client": 40, "head": 60, "peer": 0},
        values={"self": Tally(total=5, count=1), "head": Tally(total=7, count=2)},  # head's average 3.5 → 70 points
    )
    assert score == D("70")
    assert [(r.rater_type, str(r.effective_weight), str(r.average), str(r.score)) for r in raters] == [
        ("self", "0.00", "5.00", "100.00"),
        ("head", "100.00", "3.50", "70.00"),
    ]
    assert notes == [] and gaps == []


def test_rater_types_that_all_have_weight_0_are_weighted_equally_and_the_explanation_says_so() -> None:
    score, raters, notes, _gaps = rated_score(
        indicator=INDICATOR,
        weights={"self": 0, "client": 100, "head": 0, "peer": 0},
        values={"self": Tally(total=4, count=1), "head": Tally(total=2, count=1)},  # 80 and 40 points
    )
    assert score == D("60")
    assert [str(r.effective_weight) for r in raters] == ["50.00", "50.00"]
    assert notes == [Note("raters_weighted_equally")]
    assert str(notes[0]) == "The raters who rated all have weight 0 in the template: they were weighted equally."


def test_a_missing_rater_type_shares_its_weight_and_no_rating_at_all_leaves_the_indicator_out() -> None:
    weights = {"self": 25, "client": 0, "head": 75, "peer": 0}
    score, raters, _notes, gaps = rated_score(indicator=INDICATOR, weights=weights, values={"self": Tally(3, 1)})
    assert score == D("60")  # self alone: 3 × 20, at 100 % of the weight
    assert [(r.rater_type, str(r.effective_weight), r.count) for r in raters] == [
        ("self", "100.00", 1),
        ("head", "0.00", 0),
    ]
    assert gaps == [Gap("rater_type_missing", "leave_out", rater_type="head")]
    assert "its weight was shared among the raters who did rate" in str(gaps[0])

    # Nobody rated: no score at all (never a 0), one gap for the whole indicator.
    score, raters, _notes, gaps = rated_score(indicator=INDICATOR, weights=weights, values={})
    assert score is None
    assert [str(r.effective_weight) for r in raters] == ["0.00", "0.00"]
    assert gaps == [Gap("rater_type_missing", "leave_out", whole_indicator=True)]
    assert "the indicator was left out" in str(gaps[0])


def test_under_a_neutral_policy_a_missing_rater_type_counts_with_the_stated_score() -> None:
    policy = ScoringPolicy(rules={"rater_type_missing": GapRule("neutral", D("60"))})
    weights = {"self": 25, "client": 0, "head": 75, "peer": 0}
    score, raters, _notes, gaps = rated_score(
        indicator=INDICATOR, weights=weights, values={"self": Tally(5, 1)}, policy=policy
    )
    # self 5 → 100 at 25 %, head missing → the neutral 60 at 75 %: 0.25 × 100 + 0.75 × 60 = 25 + 45 = 70
    assert score == D("70")
    assert [(r.rater_type, str(r.effective_weight), r.count, r.score) for r in raters] == [
        ("self", "25.00", 1, D("100.00")),
        ("head", "75.00", 0, D("60.00")),
    ]
    assert gaps == [Gap("rater_type_missing", "neutral", rater_type="head", neutral_score=D("60.00"))]
    assert "neutral score 60.00" in str(gaps[0])
