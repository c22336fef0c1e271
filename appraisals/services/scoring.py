"""The arithmetic of an appraisal, as pure functions over loaded data (no queries): indicator, dimension and total
scores, the band, the missing-data policy applied to each gap, and the explanation that shows how the total came
about.

Missing data is never a zero. Each gap (a rater type with no ratings, a measured value with no target, no earlier
period, no clients or no survey answers, a manager who joined or changed supervisor mid-cycle) gets what the policy
says (ScoringPolicy, from the cycle's AppraisalPolicy version): left out (its weight shared among what is there),
a stated neutral score, or the appraisal held as incomplete (scored as if left out, but no band and no
recommendation). The explanation names each gap and the action.

Rounding is part of the contract, so that the figures a manager reads add up exactly to the total they read:
- an indicator's score is rounded to 2 places, and that rounded score is the one used further on;
- weights are shared exactly (as fractions) among what was scored: an indicator's share of its dimension is its
  weight / Σ weights of the dimension's scored indicators, a dimension's share of the total its weight / Σ weights
  of the dimensions with a score (with nothing left out, both are the template's weights / 100); the effective
  weights shown are these shares in %, rounded to 2 places;
- an indicator's contribution = score × its share × its dimension's share, i.e. score × weight × dimension weight
  / (Σ indicator weights × Σ dimension weights), rounded to 2 places (one division: a half is exactly a half);
- a dimension's score = Σ weight × indicator score / Σ weights, rounded to 2 places; its contribution is the sum of
  its indicators' contributions;
- total = Σ contributions + spot-check effect, clamped to 0–100 (the explanation says when it was clamped).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from appraisals.explanation import (
    DimensionLine,
    ExcludedRating,
    Explanation,
    Gap,
    IndicatorLine,
    MeasuredFigure,
    Note,
    RaterFigure,
    SpotCheckEffect,
)
from appraisals.models import (
    Appraisal,
    Dimension,
    Indicator,
    MeasuredValue,
    MeasureGap,
    MissingDataAction,
    MissingDataGap,
    RaterType,
    Rating,
    SpotCheck,
    Template,
)
from appraisals.models.plans import SCALE_POINTS
from appraisals.services.policies import (
    DEFAULT_POLICY,
    ScoringPolicy,
    gap_line,
    neutral_points,
    q2,
)

ZERO = Decimal("0")
HUNDRED = Decimal("100")
ZERO_PLACES = Decimal("0.00")  # a rater type or indicator that did not count: its share, shown with 2 places

RATER_ORDER = (RaterType.SELF, RaterType.CLIENT, RaterType.HEAD, RaterType.PEER)
DIMENSION_ORDER = (Dimension.PERFORMANCE, Dimension.BEHAVIOUR, Dimension.ABILITY)
# The measured indicators counted over the whole period: a manager who joined mid-cycle was there for part of it.
# Average satisfaction is an average, not a count, and stays.
PERIOD_COUNTS = frozenset(Indicator.Metric.values) - {Indicator.Metric.AVG_SATISFACTION}
# The gaps a measured value can report (MeasuredValue.gap): each is a kind of gap the missing-data policy names.
MEASURED_GAPS = frozenset(MeasureGap.values)
Action = MissingDataAction


# --- ratings --------------------------------------------------------------------------------------------------------


def rating_counts(rating: Rating) -> bool:
    """A rating counts only when it was submitted and not excluded by the fairness review."""
    return rating.submitted_at is not None and not rating.excluded


@dataclass
class AppraisalResult:
    """Everything cycle_close writes for one appraisal. A dimension with nothing to score has no score (None); an
    appraisal with nothing at all to score has no total; an incomplete one has no band."""

    dimension_scores: dict[str, Decimal | None]
    spot_check_effect: Decimal
    total: Decimal | None
    band: str
    explanation: Explanation  # each indicator's score and contribution are its line here
    incomplete: bool = False


class Tally(NamedTuple):
    """The counting values one rater type gave one indicator: their sum and how many (enough for the average). A
    named tuple: a close builds one per appraisal, indicator and rater type (about 70,000 at company size)."""

    total: int
    count: int


def _counted(tally: Tally | None) -> bool:
    return tally is not None and tally.count > 0


@dataclass
class RatingSummary:
    """What an appraisal's ratings contribute: tallies[indicator_id][rater_type] of the counting values (submitted,
    not excluded), how many ratings were not submitted, and the excluded ones as the explanation lists them."""

    tallies: Mapping[int, Mapping[str, Tally]] = field(default_factory=dict)
    pending: int = 0
    excluded: list[ExcludedRating] = field(default_factory=list)


def rating_summary(ratings: Iterable[Rating]) -> RatingSummary:
    """The summary of loaded ratings (with their scores prefetched); cycle_close builds the same from aggregates."""
    values: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    summary = RatingSummary()
    for rating in ratings:
        if rating.submitted_at is None:
            summary.pending += 1
            continue
        if rating.excluded:
            # Who rated stays out of the explanation: the rated manager reads it.
            summary.excluded.append(ExcludedRating(rater_type=rating.rater_type, reason=rating.excluded_reason))
            continue
        for given in rating.scores.all():
            values[given.indicator_id][rating.rater_type].append(given.value)
    summary.tallies = {
        indicator_id: {rater: Tally(total=sum(given), count=len(given)) for rater, given in by_rater.items()}
        for indicator_id, by_rater in values.items()
    }
    return summary


def measured_score(*, indicator: Indicator, value: Decimal) -> Decimal:
    """A measured indicator's score by its rule: ratio to target capped at 100, or 100 minus a penalty per unit."""
    target = Decimal(indicator.target)
    if indicator.rule == Indicator.Rule.PENALTY_PER_UNIT:
        return max(ZERO, HUNDRED - value * target)
    if target <= 0:
        return ZERO
    return min(HUNDRED, max(ZERO, value / target * HUNDRED))


# Pure functions of a few small integers, asked for again and again at close (2,000 appraisals × the rated indicators
# × the rater types): computed once each.


@lru_cache(maxsize=4096)
def _average(total: int, count: int) -> tuple[Decimal, Decimal, Decimal]:
    """A rater type's points (its average × 20, unrounded), and its average and points as the explanation shows
    them (2 places)."""
    average = Decimal(total) / Decimal(count)
    points = average * SCALE_POINTS
    return points, q2(average), q2(points)


@lru_cache(maxsize=1024)
def _shares(weights: tuple[int, ...]) -> tuple[tuple[Decimal, Decimal], ...]:
    """Each counting rater type's share of the indicator: its template weight renormalised over the types that
    count (equal shares when those weights are all 0), with the share in % as the explanation shows it."""
    if not weights:
        return ()
    weight_sum = sum(Decimal(weight) for weight in weights)
    if weight_sum == 0:
        shares = [Decimal(1) / Decimal(len(weights))] * len(weights)
    else:
        shares = [Decimal(weight) / weight_sum for weight in weights]
    return tuple((share, q2(share * HUNDRED)) for share in shares)


class RatedScore(NamedTuple):
    """A rated indicator's score (None: left out, nobody counted), its rater figures, notes and gaps."""

    score: Decimal | None
    raters: list[RaterFigure]
    notes: list[Note]
    gaps: list[Gap]


def rated_score(
    *,
    indicator: Indicator,
    weights: Mapping[str, int],
    values: Mapping[str, Tally],
    rater_types: Iterable[str] | None = None,
    policy: ScoringPolicy = DEFAULT_POLICY,
    supervisor_changed: bool = False,
) -> RatedScore:
    """A rated indicator's score from the counting values each rater type gave it (their sum and count), with the
    raters' figures, notes and gaps.

    Each rater type with at least one counting value scores its average × 20. A rater type with none is a gap (so
    is the head's rating of a manager whose supervisor changed mid-cycle): left out, its weight is shared among the
    types that count; neutral, it counts with the neutral score. The template's weights (`weights`: per rater type)
    are renormalised over the types that count. Nobody counting leaves the indicator out (score None).
    `rater_types` are the indicator's (read from it when not given).
    """
    if rater_types is None:
        rater_types = indicator.rater_types
    # Each rater type of the indicator: its points (None: does not count) and the gap it is, if one.
    points_of: dict[str, Decimal] = {}
    gaps: list[Gap] = []
    missing: list[str] = []
    for rater in RATER_ORDER:
        if rater not in rater_types:
            continue
        gap = None
        if supervisor_changed and rater == RaterType.HEAD:
            gap = MissingDataGap.SUPERVISOR_CHANGED
        elif not _counted(values.get(rater)):
            gap = MissingDataGap.RATER_TYPE_MISSING
        if gap is None:
            given = values[rater]
            points_of[rater] = _average(given.total, given.count)[0]
            continue
        rule = policy.rule(gap)
        neutral = neutral_points(rule)
        if neutral is not None:
            points_of[rater] = neutral
        if gap == MissingDataGap.RATER_TYPE_MISSING:
            missing.append(rater)
        else:
            gaps.append(gap_line(gap, rule, rater_type=rater))
    missing_rule = policy.rule(MissingDataGap.RATER_TYPE_MISSING)
    counting_raters = [rater for rater in points_of if rater not in missing]
    if missing and not counting_raters and neutral_points(missing_rule) is None:
        # Nobody rated at all: one gap for the indicator, not one per rater type.
        gaps.insert(0, gap_line(MissingDataGap.RATER_TYPE_MISSING, missing_rule, whole_indicator=True))
    else:
        gaps[:0] = [gap_line(MissingDataGap.RATER_TYPE_MISSING, missing_rule, rater_type=rater) for rater in missing]

    present = [rater for rater in RATER_ORDER if rater in points_of]
    shares = dict(zip(present, _shares(tuple(weights[rater] for rater in present)), strict=True))
    notes: list[Note] = []
    if present and not any(weights[rater] for rater in present):
        notes.append(Note("raters_weighted_equally"))
    raters: list[RaterFigure] = []
    score = ZERO
    for rater in RATER_ORDER:
        if rater not in rater_types:
            continue
        weight = weights[rater]
        given = values.get(rater)
        count = given.count if _counted(given) else 0
        average = _average(given.total, given.count)[1] if _counted(given) else None
        if rater not in shares:
            raters.append(RaterFigure(str(rater), weight, ZERO_PLACES, count, average, None))
            continue
        share, share_percent = shares[rater]
        points = points_of[rater]
        score += share * points
        stands_in = rater in missing or (supervisor_changed and rater == RaterType.HEAD)
        # A gap counting with the neutral score shows that score; a rater type that rated, its own points.
        shown = q2(points) if stands_in else _average(given.total, given.count)[2]
        raters.append(RaterFigure(str(rater), weight, share_percent, count, average, shown))
    return RatedScore(score if present else None, raters, notes, gaps)


# --- the plan of a template -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringPlan:
    """What scoring needs of a template, worked out once for all the appraisals of a close: the weight of each rater
    type, and each dimension with its weight and its indicators in order, each with the rater types that rate it."""

    weights: Mapping[str, int]
    dimensions: tuple[tuple[str, int, tuple[tuple[Indicator, tuple[str, ...]], ...]], ...]


def scoring_plan(*, template: Template, indicators: Iterable[Indicator]) -> ScoringPlan:
    """The plan of the template's indicators (its dimensions in order, the indicators by order then pk)."""
    by_dimension: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        by_dimension[indicator.dimension].append(indicator)
    return ScoringPlan(
        weights={rater: template.rater_weight(rater) for rater in RATER_ORDER},
        dimensions=tuple(
            (
                dimension,
                template.dimension_weight(dimension),
                tuple(
                    (indicator, tuple(indicator.rater_types))
                    for indicator in sorted(by_dimension.get(dimension, []), key=lambda i: (i.order, i.pk or 0))
                ),
            )
            for dimension in DIMENSION_ORDER
        ),
    )


# --- one appraisal --------------------------------------------------------------------------------------------------


def measured_gap(value: MeasuredValue | None) -> str | None:
    """The gap a measured value reports (the data its figure needs does not exist), if one."""
    if value is None or not value.gap:
        return None
    return value.gap if value.gap in MEASURED_GAPS else None


class _Scored(NamedTuple):
    """An indicator scored, before the weights are shared: its line's parts."""

    indicator: Indicator
    score: Decimal | None
    raters: tuple[RaterFigure, ...]
    measured: MeasuredFigure | None
    notes: tuple[Note, ...]
    gaps: tuple[Gap, ...]


def _measured_scored(
    *, indicator: Indicator, measured: MeasuredValue | None, policy: ScoringPolicy, joined_mid_cycle: bool
) -> _Scored:
    """A measured indicator's score; a gap (reported by the value, or the manager's mid-cycle start for a count over
    the period) gets the policy's action."""
    gaps: list[Gap] = []
    notes: list[Note] = []
    figure = None
    if measured is not None:
        figure = MeasuredFigure(
            metric=indicator.metric,
            value=None if measured.value is None else q2(Decimal(measured.value)),
            target=q2(Decimal(indicator.target)),
            rule=indicator.rule,
            inputs=measured.inputs,
        )
    gap = measured_gap(measured)
    if gap is None and joined_mid_cycle and indicator.metric in PERIOD_COUNTS:
        gap = MissingDataGap.JOINED_MID_CYCLE
    if measured is None:
        # Nothing was measured (the close measures every indicator): nothing to score, never a zero.
        return _Scored(indicator, None, (), None, (Note("no_measured_value"),), ())
    if gap is not None:
        rule = policy.rule(gap)
        gaps.append(gap_line(gap, rule))
        neutral = neutral_points(rule)
        return _Scored(indicator, None if neutral is None else q2(neutral), (), figure, tuple(notes), tuple(gaps))
    score = q2(measured_score(indicator=indicator, value=Decimal(measured.value)))
    return _Scored(indicator, score, (), figure, (), ())


def _dimension_lines(
    *, scored: tuple[tuple[str, int, tuple[_Scored, ...]], ...]
) -> tuple[tuple[DimensionLine, ...], list[Note]]:
    """Share the weights among what was scored (see the module docstring) and build the dimension lines."""
    notes: list[Note] = []
    sums = {
        dimension: sum((Decimal(s.indicator.weight) for s in lines if s.score is not None), ZERO)
        for dimension, _weight, lines in scored
    }
    # A dimension whose indicators all had gaps is left out; one the template gives no indicator keeps its weight
    # and scores 0 (a template's design, not missing data).
    kept = {dimension for dimension, _weight, lines in scored if sums[dimension] > 0 or not lines}
    total_weight = sum((Decimal(weight) for dimension, weight, _lines in scored if dimension in kept), ZERO)
    if not any(sums.values()):
        total_weight = ZERO  # nothing at all to score
    dimensions: list[DimensionLine] = []
    for dimension, dimension_weight, lines in scored:
        weight_sum = sums[dimension]
        counted = dimension in kept and total_weight > 0
        if not counted and lines:
            notes.append(Note("dimension_left_out", {"dimension": str(dimension)}))
        built: list[IndicatorLine] = []
        weighted = ZERO  # Σ weight × score; divided once, so that a figure that ends in a half is exact
        for s in lines:
            share = Decimal(s.indicator.weight) / weight_sum if counted and s.score is not None else ZERO
            contribution = ZERO_PLACES
            if share:
                weighted += s.indicator.weight * s.score
                contribution = q2(s.score * s.indicator.weight * dimension_weight / (weight_sum * total_weight))
            built.append(
                IndicatorLine(
                    code=s.indicator.code,
                    name=s.indicator.name,
                    kind=s.indicator.kind,
                    weight=s.indicator.weight,
                    score=s.score,
                    contribution=contribution,
                    raters=s.raters,
                    measured=s.measured,
                    notes=s.notes,
                    effective_weight=q2(share * HUNDRED),
                    gaps=s.gaps,
                )
            )
        dimensions.append(
            DimensionLine(
                dimension=str(dimension),
                weight=dimension_weight,
                score=(q2(weighted / weight_sum) if weight_sum else ZERO_PLACES) if counted else None,
                contribution=sum((line.contribution for line in built), ZERO),
                indicators=tuple(built),
                effective_weight=q2(Decimal(dimension_weight) / total_weight * HUNDRED) if counted else ZERO_PLACES,
            )
        )
    return tuple(dimensions), notes


def _spot_check_effects(checks: Iterable[SpotCheck]) -> tuple[SpotCheckEffect, ...]:
    return tuple(
        SpotCheckEffect(
            id=check.pk,
            effect=q2(Decimal(check.score_effect)),
            findings=check.findings,
            mode=check.mode,
            method=check.method,
            checked_on=check.checked_on,
        )
        for check in checks
    )


def _total(contributions: Decimal, effect: Decimal, *, pending: int) -> tuple[Decimal, list[Note]]:
    """Σ contributions + the spot-check effect, clamped to 0–100, and the notes a reader needs about it."""
    notes: list[Note] = []
    total = contributions + effect
    if total < ZERO or total > HUNDRED:
        notes.append(Note("total_clamped", {"raw": str(q2(total))}))
        total = min(HUNDRED, max(ZERO, total))
    if pending:
        notes.append(Note("ratings_pending", {"count": pending}))
    return total, notes


def _scored_indicators(
    *,
    plan: ScoringPlan,
    summary: RatingSummary,
    measured: Mapping[int, MeasuredValue],
    policy: ScoringPolicy,
    manager_gaps: frozenset[str],
) -> tuple[tuple[str, int, tuple[_Scored, ...]], ...]:
    """Each dimension's indicators scored, measured from their values and rated from the ratings' tallies."""
    joined = MissingDataGap.JOINED_MID_CYCLE in manager_gaps
    moved = MissingDataGap.SUPERVISOR_CHANGED in manager_gaps
    no_tallies: Mapping[str, Tally] = {}
    scored: list[tuple[str, int, tuple[_Scored, ...]]] = []
    for dimension, dimension_weight, dimension_indicators in plan.dimensions:
        lines: list[_Scored] = []
        for indicator, rater_types in dimension_indicators:
            if indicator.kind == Indicator.Kind.MEASURED:
                lines.append(
                    _measured_scored(
                        indicator=indicator,
                        measured=measured.get(indicator.pk),
                        policy=policy,
                        joined_mid_cycle=joined,
                    )
                )
                continue
            rated = rated_score(
                indicator=indicator,
                weights=plan.weights,
                values=summary.tallies.get(indicator.pk, no_tallies),
                rater_types=rater_types,
                policy=policy,
                supervisor_changed=moved,
            )
            score = None if rated.score is None else q2(rated.score)
            lines.append(_Scored(indicator, score, tuple(rated.raters), None, tuple(rated.notes), tuple(rated.gaps)))
        scored.append((dimension, dimension_weight, tuple(lines)))
    return tuple(scored)


def appraisal_score(
    *,
    template: Template,
    indicators: Iterable[Indicator],
    ratings: Iterable[Rating] | RatingSummary = (),
    measured: Mapping[int, MeasuredValue],
    spot_checks: Iterable[SpotCheck] = (),
    plan: ScoringPlan | None = None,
    policy: ScoringPolicy = DEFAULT_POLICY,
    manager_gaps: Iterable[str] = (),
) -> AppraisalResult:
    """Score one appraisal from its ratings (loaded with their scores, or already summed up as a RatingSummary),
    measured values and spot-checks, applying the policy to every gap. `plan` is scoring_plan(template, indicators),
    when the caller scores many appraisals of one template; `manager_gaps` the manager's own gaps in the period
    (MissingDataGap.JOINED_MID_CYCLE, SUPERVISOR_CHANGED).

    This is the one scoring function: the close and a re-scoring after an appeal both call it.
    """
    summary = ratings if isinstance(ratings, RatingSummary) else rating_summary(ratings)
    if plan is None:
        plan = scoring_plan(template=template, indicators=indicators)
    manager_gaps = frozenset(manager_gaps)
    scored = _scored_indicators(plan=plan, summary=summary, measured=measured, policy=policy, manager_gaps=manager_gaps)
    dimensions, notes = _dimension_lines(scored=scored)

    # The manager's own gaps, named once for the whole appraisal (what they did is on the lines they touched).
    own_gaps = tuple(gap_line(gap, policy.rule(gap)) for gap in MissingDataGap.values if gap in manager_gaps)
    line_gaps = [gap for dimension in dimensions for line in dimension.indicators for gap in line.gaps]
    incomplete = any(gap.action == Action.INCOMPLETE for gap in (*own_gaps, *line_gaps))

    checks = list(spot_checks)
    effect = q2(sum((Decimal(check.score_effect) for check in checks), ZERO))
    scored_any = any(dimension.score is not None for dimension in dimensions)
    total: Decimal | None = None
    if scored_any:
        raw_total, total_notes = _total(
            sum((dimension.contribution for dimension in dimensions), ZERO), effect, pending=summary.pending
        )
        total = q2(raw_total)
        notes += total_notes
    else:
        incomplete = True
        notes.append(Note("nothing_to_score"))
        if summary.pending:
            notes.append(Note("ratings_pending", {"count": summary.pending}))
    if incomplete and scored_any:
        notes.append(Note("held_incomplete"))
    band = "" if incomplete or total is None else policy.band_for(total)
    return AppraisalResult(
        dimension_scores={dimension.dimension: dimension.score for dimension in dimensions},
        spot_check_effect=effect,
        total=total,
        band=band,
        incomplete=incomplete,
        explanation=Explanation(
            dimensions=dimensions,
            spot_checks=_spot_check_effects(checks),
            spot_check_effect=effect,
            excluded_ratings=tuple(summary.excluded),
            total=total,
            band=str(band),
            notes=tuple(notes),
            gaps=own_gaps,
            incomplete=incomplete,
            policy=policy.used(),
        ),
    )


def result_write(appraisal: Appraisal, result: AppraisalResult) -> None:
    """Put a scoring result on the appraisal row (not saved): the close and an appeal's re-score both write it so."""
    appraisal.performance_score = result.dimension_scores["performance"]
    appraisal.behaviour_score = result.dimension_scores["behaviour"]
    appraisal.ability_score = result.dimension_scores["ability"]
    appraisal.spot_check_effect = result.spot_check_effect
    appraisal.total_score = result.total
    appraisal.band = result.band
    appraisal.incomplete = result.incomplete
    appraisal.explanation = result.explanation.to_json()
