"""The arithmetic of an appraisal, as pure functions over loaded data (no queries): indicator, dimension and total
scores, the band, and the explanation that shows how the total came about.

Rounding is part of the contract, so that the figures a manager reads add up exactly to the total they read:
- an indicator's score is rounded to 2 places, and that rounded score is the one used further on;
- its contribution to the total = indicator score × indicator weight/100 × dimension weight/100, rounded to 2 places;
- a dimension's score = Σ indicator weight/100 × indicator score, rounded to 2 places; its contribution is the sum
  of its indicators' contributions;
- total = Σ contributions + spot-check effect, clamped to 0–100 (the explanation says when it was clamped).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from django.utils.translation import gettext as _

from appraisals.explanation import (
    DimensionLine,
    ExcludedRating,
    Explanation,
    IndicatorLine,
    MeasuredFigure,
    RaterFigure,
    SpotCheckEffect,
)
from appraisals.models import Appraisal, Dimension, Indicator, MeasuredValue, RaterType, Rating, SpotCheck, Template
from appraisals.models.plans import SCALE_POINTS
from appraisals.services.measures import gap_scored_as_before

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
ZERO_PLACES = Decimal("0.00")  # a rater type that did not rate: its share, shown with 2 places

# The band of a total: the first threshold the total reaches (excellent ≥ 90, good ≥ 80, pass ≥ 60, else fail).
BAND_THRESHOLDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("90"), Appraisal.Band.EXCELLENT),
    (Decimal("80"), Appraisal.Band.GOOD),
    (Decimal("60"), Appraisal.Band.PASS),
)
RATER_ORDER = (RaterType.SELF, RaterType.CLIENT, RaterType.HEAD, RaterType.PEER)
DIMENSION_ORDER = (Dimension.PERFORMANCE, Dimension.BEHAVIOUR, Dimension.ABILITY)


def q2(value: Decimal) -> Decimal:
    """Round half up to 2 places (the precision every figure is shown and added with)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def band_for(total: Decimal) -> str:
    """The band of a total score."""
    for threshold, band in BAND_THRESHOLDS:
        if total >= threshold:
            return band
    return Appraisal.Band.FAIL


def rating_counts(rating: Rating) -> bool:
    """A rating counts only when it was submitted and not excluded by the fairness review."""
    return rating.submitted_at is not None and not rating.excluded


@dataclass
class AppraisalResult:
    """Everything cycle_close writes for one appraisal."""

    dimension_scores: dict[str, Decimal]
    spot_check_effect: Decimal
    total: Decimal
    band: str
    explanation: Explanation  # each indicator's score and contribution are its line here


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
    """Each rating rater type's share of the indicator: its template weight renormalised over the types that rated
    (equal shares when those weights are all 0), with the share in % as the explanation shows it."""
    if not weights:
        return ()
    weight_sum = sum(Decimal(weight) for weight in weights)
    if weight_sum == 0:
        shares = [Decimal(1) / Decimal(len(weights))] * len(weights)
    else:
        shares = [Decimal(weight) / weight_sum for weight in weights]
    return tuple((share, q2(share * HUNDRED)) for share in shares)


def rated_score(
    *,
    indicator: Indicator,
    weights: Mapping[str, int],
    values: Mapping[str, Tally],
    rater_types: Iterable[str] | None = None,
) -> tuple[Decimal, list[RaterFigure], list[str]]:
    """A rated indicator's score from the counting values each rater type gave it (their sum and count), with the
    raters' figures and notes.

    Each rater type with at least one counting value scores its average × 20; the template's weights of the
    types that did rate (`weights`: the template's weight per rater type) are renormalised to 100, so a type with no
    rating does not drag the score down. `rater_types` are the indicator's (read from it when not given).
    """
    raters: list[RaterFigure] = []
    notes: list[str] = []
    if rater_types is None:
        rater_types = indicator.rater_types
    present = [rater for rater in RATER_ORDER if rater in rater_types and _counted(values.get(rater))]
    shares = dict(zip(present, _shares(tuple(weights[rater] for rater in present)), strict=True))
    equal = bool(present) and not any(weights[rater] for rater in present)
    score = ZERO
    for rater in RATER_ORDER:
        if rater not in rater_types:
            continue
        weight = weights[rater]
        if rater not in shares:
            raters.append(RaterFigure(str(rater), weight, ZERO_PLACES, 0, None, None))
            if present:
                notes.append(
                    _("No %(rater)s counted: its weight was shared among the raters who did rate.")
                    % {"rater": RaterType(rater).label}
                )
            continue
        given = values[rater]
        points, average, points_shown = _average(given.total, given.count)
        share, share_percent = shares[rater]
        score += share * points
        raters.append(RaterFigure(str(rater), weight, share_percent, given.count, average, points_shown))
    if not present:
        notes.append(_("No rating: the indicator scores 0."))
    elif equal:
        notes.append(_("The raters who rated all have weight 0 in the template: they were weighted equally."))
    return score, raters, notes


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


def _indicator_line(
    *,
    indicator: Indicator,
    rater_types: tuple[str, ...],
    dimension_weight: int,
    weights: Mapping[str, int],
    tallies: Mapping[str, Tally],
    measured: MeasuredValue | None,
) -> IndicatorLine:
    """One indicator's score (rounded: the rounded score is the one used further on) and its contribution."""
    raters: list[RaterFigure] = []
    figure: MeasuredFigure | None = None
    if indicator.kind == Indicator.Kind.MEASURED:
        value = gap_scored_as_before(measured) if measured is not None else ZERO  # transitional adapter
        raw = measured_score(indicator=indicator, value=value)
        figure = MeasuredFigure(
            metric=indicator.metric,
            value=q2(value),
            target=q2(Decimal(indicator.target)),
            rule=indicator.rule,
            inputs=measured.inputs if measured is not None else {},
        )
        notes = [] if measured is not None else [_("No measured value: the indicator scores 0.")]
    else:
        raw, raters, notes = rated_score(indicator=indicator, weights=weights, values=tallies, rater_types=rater_types)
    score = q2(raw)
    return IndicatorLine(
        code=indicator.code,
        name=indicator.name,
        kind=indicator.kind,
        weight=indicator.weight,
        score=score,
        contribution=q2(score * indicator.weight * dimension_weight / Decimal(10000)),
        raters=tuple(raters),
        measured=figure,
        notes=tuple(notes),
    )


def _dimension_line(
    *,
    dimension: str,
    dimension_weight: int,
    lines: tuple[IndicatorLine, ...],
) -> DimensionLine:
    """A dimension's score from its indicators' rounded scores, and its contribution as the sum of theirs."""
    raw = sum((line.score * line.weight / HUNDRED for line in lines), ZERO)
    return DimensionLine(
        dimension=str(dimension),
        weight=dimension_weight,
        score=q2(raw),
        contribution=sum((line.contribution for line in lines), ZERO),
        indicators=lines,
    )


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


def _total(contributions: Decimal, effect: Decimal, *, pending: int) -> tuple[Decimal, list[str]]:
    """Σ contributions + the spot-check effect, clamped to 0–100, and the notes a reader needs about it."""
    notes: list[str] = []
    total = contributions + effect
    if total < ZERO or total > HUNDRED:
        notes.append(
            _("The contributions and the spot-check effect add up to %(raw)s; the total is kept within 0–100.")
            % {"raw": q2(total)}
        )
        total = min(HUNDRED, max(ZERO, total))
    if pending:
        notes.append(_("%(count)s rating(s) were not submitted by the close and do not count.") % {"count": pending})
    return total, notes


def appraisal_score(
    *,
    template: Template,
    indicators: Iterable[Indicator],
    ratings: Iterable[Rating] | RatingSummary = (),
    measured: Mapping[int, MeasuredValue],
    spot_checks: Iterable[SpotCheck] = (),
    plan: ScoringPlan | None = None,
) -> AppraisalResult:
    """Score one appraisal from its ratings (loaded with their scores, or already summed up as a RatingSummary),
    measured values and spot-checks. `plan` is scoring_plan(template, indicators), when the caller scores many
    appraisals of one template."""
    summary = ratings if isinstance(ratings, RatingSummary) else rating_summary(ratings)
    if plan is None:
        plan = scoring_plan(template=template, indicators=indicators)
    no_tallies: Mapping[str, Tally] = {}
    dimensions = tuple(
        _dimension_line(
            dimension=dimension,
            dimension_weight=dimension_weight,
            lines=tuple(
                _indicator_line(
                    indicator=indicator,
                    rater_types=rater_types,
                    dimension_weight=dimension_weight,
                    weights=plan.weights,
                    tallies=summary.tallies.get(indicator.pk, no_tallies),
                    measured=measured.get(indicator.pk),
                )
                for indicator, rater_types in dimension_indicators
            ),
        )
        for dimension, dimension_weight, dimension_indicators in plan.dimensions
    )
    checks = list(spot_checks)
    effect = q2(sum((Decimal(check.score_effect) for check in checks), ZERO))
    total, notes = _total(
        sum((dimension.contribution for dimension in dimensions), ZERO), effect, pending=summary.pending
    )
    band = band_for(total)
    return AppraisalResult(
        dimension_scores={dimension.dimension: dimension.score for dimension in dimensions},
        spot_check_effect=effect,
        total=q2(total),
        band=band,
        explanation=Explanation(
            dimensions=dimensions,
            spot_checks=_spot_check_effects(checks),
            spot_check_effect=effect,
            excluded_ratings=tuple(summary.excluded),
            total=q2(total),
            band=str(band),
            notes=tuple(notes),
        ),
    )
