"""The explanation of an appraisal: every figure that led to its total, frozen at close.

Built by scoring as these dataclasses, stored once as JSON (`Explanation.to_json()`, decimals as strings with their
places) in `Appraisal.explanation`, and read back typed with `Explanation.from_json()` by every page, report and
export. It is anonymous by contract: rater types and counts, never who rated; from_json reads only the contract's
fields, so nothing else stored beside them can reach a page.

Schema version 1 is the shape written since the first close; an explanation without `schema_version` is version 1.
The classes are not frozen: a close builds about 200,000 of them, and a frozen dataclass's __init__ costs twice as
much.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from appraisals.models import Dimension, Indicator, RaterType

SCHEMA_VERSION = 1
ZERO = Decimal("0.00")


def _label(choices: type[models.TextChoices], value: str) -> str:
    """The translated label of a stored code; the code itself when it is no longer a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(slots=True)
class RaterFigure:
    """What one rater type gave a rated indicator: its template weight, its share after renormalisation (in %), how
    many counting ratings, their average (1–5) and its points (average × 20); no average when none counted."""

    rater_type: str
    weight: int
    effective_weight: Decimal
    count: int
    average: Decimal | None
    score: Decimal | None

    @property
    def rater_type_label(self) -> str:
        return _label(RaterType, self.rater_type)

    def to_json(self) -> dict[str, Any]:
        return {
            "rater_type": self.rater_type,
            "weight": self.weight,
            "effective_weight": str(self.effective_weight),
            "count": self.count,
            "average": None if self.average is None else str(self.average),
            "score": None if self.score is None else str(self.score),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RaterFigure:
        return cls(
            rater_type=data.get("rater_type", ""),
            weight=data.get("weight", 0),
            effective_weight=_decimal(data.get("effective_weight")),
            count=data.get("count", 0),
            average=_optional_decimal(data.get("average")),
            score=_optional_decimal(data.get("score")),
        )


@dataclass(slots=True)
class MeasuredFigure:
    """The value a measured indicator was scored with, its target and rule, and the inputs the value came from (as
    MeasuredValue.inputs holds them)."""

    metric: str
    value: Decimal
    target: Decimal
    rule: str
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def metric_label(self) -> str:
        return _label(Indicator.Metric, self.metric)

    @property
    def rule_label(self) -> str:
        return _label(Indicator.Rule, self.rule)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": str(self.value),
            "target": str(self.target),
            "rule": self.rule,
            "inputs": dict(self.inputs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeasuredFigure:
        return cls(
            metric=data.get("metric", ""),
            value=_decimal(data.get("value")),
            target=_decimal(data.get("target")),
            rule=data.get("rule", ""),
            inputs=dict(data.get("inputs") or {}),
        )


@dataclass(slots=True)
class IndicatorLine:
    """One indicator's line: its score (0–100, 2 places) and its contribution to the total, with the rater figures
    (rated) or the measured value (measured) it came from, and notes on any gap."""

    code: str
    name: str
    kind: str
    weight: int
    score: Decimal
    contribution: Decimal
    raters: tuple[RaterFigure, ...] = ()
    measured: MeasuredFigure | None = None
    notes: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        return _label(Indicator.Kind, self.kind)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "weight": self.weight,
            "notes": list(self.notes),
        }
        # A line carries the inputs of its kind only.
        if self.measured is not None:
            data["measured"] = self.measured.to_json()
        else:
            data["raters"] = [rater.to_json() for rater in self.raters]
        data["score"] = str(self.score)
        data["contribution"] = str(self.contribution)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndicatorLine:
        measured = data.get("measured")
        return cls(
            code=data.get("code", ""),
            name=data.get("name", ""),
            kind=data.get("kind", ""),
            weight=data.get("weight", 0),
            score=_decimal(data.get("score")),
            contribution=_decimal(data.get("contribution")),
            raters=tuple(RaterFigure.from_json(rater) for rater in data.get("raters") or ()),
            measured=MeasuredFigure.from_json(measured) if measured else None,
            notes=tuple(str(note) for note in data.get("notes") or ()),
        )


@dataclass(slots=True)
class DimensionLine:
    """One dimension: its weight, its score (Σ indicator weight/100 × score) and its contribution (the sum of its
    indicators' contributions)."""

    dimension: str
    weight: int
    score: Decimal
    contribution: Decimal
    indicators: tuple[IndicatorLine, ...] = ()

    @property
    def label(self) -> str:
        return _label(Dimension, self.dimension)

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "weight": self.weight,
            "score": str(self.score),
            "contribution": str(self.contribution),
            "indicators": [line.to_json() for line in self.indicators],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DimensionLine:
        return cls(
            dimension=data.get("dimension", ""),
            weight=data.get("weight", 0),
            score=_decimal(data.get("score")),
            contribution=_decimal(data.get("contribution")),
            indicators=tuple(IndicatorLine.from_json(line) for line in data.get("indicators") or ()),
        )


@dataclass(slots=True)
class SpotCheckEffect:
    """A spot-check counted in the appraisal and its effect on the total."""

    id: int | None
    effect: Decimal
    findings: str
    mode: str = ""
    method: str = ""
    checked_on: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "effect": str(self.effect),
            "findings": self.findings,
            "mode": self.mode,
            "method": self.method,
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpotCheckEffect:
        checked_on = data.get("checked_on")
        return cls(
            id=data.get("id"),
            effect=_decimal(data.get("effect")),
            findings=data.get("findings", ""),
            mode=data.get("mode", ""),
            method=data.get("method", ""),
            checked_on=dt.date.fromisoformat(checked_on) if checked_on else None,
        )


@dataclass(slots=True)
class ExcludedRating:
    """A rating the fairness review excluded: its rater type and the reason, never the rater."""

    rater_type: str
    reason: str

    @property
    def rater_type_label(self) -> str:
        return _label(RaterType, self.rater_type)

    def to_json(self) -> dict[str, Any]:
        return {"rater_type": self.rater_type, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExcludedRating:
        return cls(rater_type=data.get("rater_type", ""), reason=data.get("reason", ""))


@dataclass(slots=True)
class Explanation:
    """How an appraisal's total came about: dimensions → indicators → rater figures or measured values, the
    spot-checks and their effect, the excluded ratings, the total (None before close), its band and notes."""

    dimensions: tuple[DimensionLine, ...] = ()
    spot_checks: tuple[SpotCheckEffect, ...] = ()
    spot_check_effect: Decimal = ZERO
    excluded_ratings: tuple[ExcludedRating, ...] = ()
    total: Decimal | None = None
    band: str = ""
    notes: tuple[str, ...] = ()
    schema_version: int = SCHEMA_VERSION

    @property
    def contributions_sum(self) -> Decimal:
        return sum((dimension.contribution for dimension in self.dimensions), ZERO)

    @property
    def computed_total(self) -> Decimal:
        """The sum a reader can check: the dimensions' contributions plus the spot-check effect (before clamping)."""
        return self.contributions_sum + self.spot_check_effect

    @property
    def adds_up(self) -> bool:
        """False when the total was kept within 0–100 and so differs from the sum of its parts."""
        return self.total is not None and self.computed_total == self.total

    @property
    def indicators(self) -> list[IndicatorLine]:
        return [line for dimension in self.dimensions for line in dimension.indicators]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "dimensions": [dimension.to_json() for dimension in self.dimensions],
            "spot_checks": [check.to_json() for check in self.spot_checks],
            "spot_check_effect": str(self.spot_check_effect),
            "excluded_ratings": [excluded.to_json() for excluded in self.excluded_ratings],
            "total": _text(self.total),
            "band": self.band,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Explanation:
        """Read a stored explanation; an empty one (an appraisal not closed yet) reads as an explanation with no
        lines and no total."""
        data = data or {}
        version = data.get("schema_version", 1)
        if version != SCHEMA_VERSION:
            raise ValueError(f"Unknown explanation schema version {version!r}.")
        return cls(
            dimensions=tuple(DimensionLine.from_json(dimension) for dimension in data.get("dimensions") or ()),
            spot_checks=tuple(SpotCheckEffect.from_json(check) for check in data.get("spot_checks") or ()),
            spot_check_effect=_decimal(data.get("spot_check_effect")),
            excluded_ratings=tuple(ExcludedRating.from_json(e) for e in data.get("excluded_ratings") or ()),
            total=_optional_decimal(data.get("total")),
            band=data.get("band", ""),
            notes=tuple(str(note) for note in data.get("notes") or ()),
            schema_version=version,
        )
