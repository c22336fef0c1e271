"""The explanation of an appraisal: every figure that led to its total, frozen at close.

Built by scoring as these dataclasses, stored once as JSON (`Explanation.to_json()`, decimals as strings with their
places) in `Appraisal.explanation`, and read back typed with `Explanation.from_json()` by every page, report and
export. It is anonymous by contract: rater types and counts, never who rated; from_json reads only the contract's
fields, so nothing else stored beside them can reach a page.

Schema version 2 (written now) stores every remark as a code and its parameters (a Note, a Gap), put into words in
the reader's language when a page renders it; it adds each indicator's and dimension's effective weight (after a gap
was left out and the weights shared), the gaps and what the missing-data policy did with them, whether the appraisal
is held as incomplete, and the policy version (band cut-offs) used. Version 1, the shape written before, still reads:
its notes were stored as words and are shown as stored; its effective weights are its weights. An explanation
without `schema_version` is version 1. Written back, an explanation is always the current version.

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
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as noop

from appraisals.models import Appraisal, Dimension, Indicator, MissingDataAction, MissingDataGap, RaterType

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
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


# The remarks a close can make, by code: the words are translated when the note is shown, in the reader's language.
NOTE_TEXTS: dict[str, str] = {
    "raters_weighted_equally": noop(
        "The raters who rated all have weight 0 in the template: they were weighted equally."
    ),
    "total_clamped": noop(
        "The contributions and the spot-check effect add up to %(raw)s; the total is kept within 0–100."
    ),
    "ratings_pending": noop("%(count)s rating(s) were not submitted by the close and do not count."),
    "nothing_to_score": noop("No indicator had data to score: the appraisal has no total and is held as incomplete."),
    "dimension_left_out": noop(
        "No indicator of the %(dimension)s dimension had data: its weight was shared among the other dimensions."
    ),
    "no_measured_value": noop("No measured value was computed: the indicator was left out."),
    "rescored_after_appeal": noop(
        "Re-scored on %(day)s after an upheld appeal: %(changes)s. The result as it stood before was "
        "%(total)s (%(band)s)."
    ),
    "held_incomplete": noop(
        "Held as incomplete by the missing-data policy: no band and no recommendation until HR decides."
    ),
}
TEXT = "text"  # a version 1 note: words stored at close, shown as they are


@dataclass(slots=True)
class Note:
    """A remark on the figures, stored as a code and its parameters and worded when shown (str())."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.code == TEXT:
            return str(self.params.get("text", ""))
        text = NOTE_TEXTS.get(self.code)
        if text is None:
            return self.code
        params = dict(self.params)
        if "dimension" in params:
            params["dimension"] = _label(Dimension, params["dimension"])
        if "band" in params:
            params["band"] = _label(Appraisal.Band, params["band"]) if params["band"] else "—"
        return gettext(text) % params if params else gettext(text)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def of(cls, note: Note | str) -> Note:
        """A note as stored: words given as a note (not a code) are kept as words."""
        return note if isinstance(note, Note) else cls(code=TEXT, params={"text": str(note)})

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Note:
        if isinstance(data, str):
            return cls(code=TEXT, params={"text": data})
        return cls(code=data.get("code", ""), params=dict(data.get("params") or {}))


@dataclass(slots=True)
class Gap:
    """A piece of data that did not exist and what the missing-data policy did with it (worded when shown): which
    gap, the action, the rater type it concerns (if one), the neutral score given (if that was the action), and for a
    rater type that rated nothing, whether nobody rated the indicator at all."""

    gap: str
    action: str
    rater_type: str = ""
    neutral_score: Decimal | None = None
    whole_indicator: bool = False

    @property
    def gap_label(self) -> str:
        return _label(MissingDataGap, self.gap)

    @property
    def action_label(self) -> str:
        return _label(MissingDataAction, self.action)

    def __str__(self) -> str:
        params = {
            "gap": self.gap_label,
            "rater": _label(RaterType, self.rater_type) if self.rater_type else "",
            "score": self.neutral_score,
        }
        on_rater = bool(self.rater_type) and not self.whole_indicator
        if self.action == MissingDataAction.INCOMPLETE:
            text = gettext("%(gap)s: the appraisal is held as incomplete.")
        elif self.action == MissingDataAction.NEUTRAL and on_rater:
            text = gettext("%(gap)s (%(rater)s): it counts with the neutral score %(score)s.")
        elif self.action == MissingDataAction.NEUTRAL:
            text = gettext("%(gap)s: the indicator is given the neutral score %(score)s.")
        elif on_rater:
            text = gettext("%(gap)s (%(rater)s): its weight was shared among the raters who did rate.")
        else:
            text = gettext(
                "%(gap)s: the indicator was left out and its weight shared among the other indicators of its dimension."
            )
        return text % params

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"gap": self.gap, "action": self.action}
        if self.rater_type:
            data["rater_type"] = self.rater_type
        if self.neutral_score is not None:
            data["neutral_score"] = str(self.neutral_score)
        if self.whole_indicator:
            data["whole_indicator"] = True
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Gap:
        return cls(
            gap=data.get("gap", ""),
            action=data.get("action", ""),
            rater_type=data.get("rater_type", ""),
            neutral_score=_optional_decimal(data.get("neutral_score")),
            whole_indicator=bool(data.get("whole_indicator", False)),
        )


@dataclass(slots=True)
class PolicyUsed:
    """The policy version a close scored with: its plan year (None: the built-in defaults) and the band cut-offs."""

    year: int | None
    excellent_from: Decimal
    good_from: Decimal
    pass_from: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "excellent_from": str(self.excellent_from),
            "good_from": str(self.good_from),
            "pass_from": str(self.pass_from),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyUsed:
        return cls(
            year=data.get("year"),
            excellent_from=_decimal(data.get("excellent_from")),
            good_from=_decimal(data.get("good_from")),
            pass_from=_decimal(data.get("pass_from")),
        )


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
    """The value a measured indicator was scored with (None: no data, the line's gap says why), its target and rule,
    and the inputs the value came from (as MeasuredValue.inputs holds them)."""

    metric: str
    value: Decimal | None
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
            "value": _text(self.value),
            "target": str(self.target),
            "rule": self.rule,
            "inputs": dict(self.inputs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeasuredFigure:
        return cls(
            metric=data.get("metric", ""),
            value=_optional_decimal(data.get("value")),
            target=_decimal(data.get("target")),
            rule=data.get("rule", ""),
            inputs=dict(data.get("inputs") or {}),
        )


@dataclass(slots=True)
class IndicatorLine:
    """One indicator's line: its score (0–100, 2 places; None when left out for a gap) and its contribution to the
    total, its effective weight within the dimension (in %, after left-out indicators' weight was shared), with the
    rater figures (rated) or the measured value (measured) it came from, the gaps met and notes."""

    code: str
    name: str
    kind: str
    weight: int
    score: Decimal | None
    contribution: Decimal
    raters: tuple[RaterFigure, ...] = ()
    measured: MeasuredFigure | None = None
    notes: tuple[Note, ...] = ()
    effective_weight: Decimal | None = None  # None: as its weight
    gaps: tuple[Gap, ...] = ()

    @property
    def left_out(self) -> bool:
        return self.score is None

    @property
    def weight_used(self) -> Decimal:
        """The effective weight as shown (its template weight when nothing was left out)."""
        return Decimal(self.weight) if self.effective_weight is None else self.effective_weight

    @property
    def kind_label(self) -> str:
        return _label(Indicator.Kind, self.kind)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "weight": self.weight,
            "notes": [Note.of(note).to_json() for note in self.notes],
            "gaps": [gap.to_json() for gap in self.gaps],
        }
        if self.effective_weight is not None:
            data["effective_weight"] = str(self.effective_weight)
        # A line carries the inputs of its kind only.
        if self.measured is not None:
            data["measured"] = self.measured.to_json()
        else:
            data["raters"] = [rater.to_json() for rater in self.raters]
        data["score"] = _text(self.score)
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
            score=_optional_decimal(data.get("score")),
            contribution=_decimal(data.get("contribution")),
            raters=tuple(RaterFigure.from_json(rater) for rater in data.get("raters") or ()),
            measured=MeasuredFigure.from_json(measured) if measured else None,
            notes=tuple(Note.from_json(note) for note in data.get("notes") or ()),
            effective_weight=_optional_decimal(data.get("effective_weight")),
            gaps=tuple(Gap.from_json(gap) for gap in data.get("gaps") or ()),
        )


@dataclass(slots=True)
class DimensionLine:
    """One dimension: its weight, its score (Σ indicator weight × score / Σ weights of the indicators scored; None
    when none was), its contribution (the sum of its indicators' contributions) and its effective weight in the total
    (in %, after a dimension with nothing to score was left out)."""

    dimension: str
    weight: int
    score: Decimal | None
    contribution: Decimal
    indicators: tuple[IndicatorLine, ...] = ()
    effective_weight: Decimal | None = None  # None: as its weight

    @property
    def label(self) -> str:
        return _label(Dimension, self.dimension)

    @property
    def weight_used(self) -> Decimal:
        return Decimal(self.weight) if self.effective_weight is None else self.effective_weight

    def to_json(self) -> dict[str, Any]:
        data = {
            "dimension": self.dimension,
            "weight": self.weight,
            "score": _text(self.score),
            "contribution": str(self.contribution),
            "indicators": [line.to_json() for line in self.indicators],
        }
        if self.effective_weight is not None:
            data["effective_weight"] = str(self.effective_weight)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DimensionLine:
        return cls(
            dimension=data.get("dimension", ""),
            weight=data.get("weight", 0),
            score=_optional_decimal(data.get("score")),
            contribution=_decimal(data.get("contribution")),
            indicators=tuple(IndicatorLine.from_json(line) for line in data.get("indicators") or ()),
            effective_weight=_optional_decimal(data.get("effective_weight")),
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
    spot-checks and their effect, the excluded ratings, the total (None before close), its band and notes; the gaps of
    the manager (joined or moved mid-cycle), whether the appraisal is held as incomplete, and the policy used."""

    dimensions: tuple[DimensionLine, ...] = ()
    spot_checks: tuple[SpotCheckEffect, ...] = ()
    spot_check_effect: Decimal = ZERO
    excluded_ratings: tuple[ExcludedRating, ...] = ()
    total: Decimal | None = None
    band: str = ""
    notes: tuple[Note, ...] = ()
    schema_version: int = SCHEMA_VERSION
    gaps: tuple[Gap, ...] = ()
    incomplete: bool = False
    policy: PolicyUsed | None = None

    @property
    def all_gaps(self) -> list[tuple[str, Gap]]:
        """Every gap met, with the code of the indicator it concerns ("" for the manager's own)."""
        found = [("", gap) for gap in self.gaps]
        found += [(line.code, gap) for line in self.indicators for gap in line.gaps]
        return found

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
            "schema_version": SCHEMA_VERSION,
            "dimensions": [dimension.to_json() for dimension in self.dimensions],
            "spot_checks": [check.to_json() for check in self.spot_checks],
            "spot_check_effect": str(self.spot_check_effect),
            "excluded_ratings": [excluded.to_json() for excluded in self.excluded_ratings],
            "total": _text(self.total),
            "band": self.band,
            "notes": [Note.of(note).to_json() for note in self.notes],
            "gaps": [gap.to_json() for gap in self.gaps],
            "incomplete": self.incomplete,
            "policy": None if self.policy is None else self.policy.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Explanation:
        """Read a stored explanation; an empty one (an appraisal not closed yet) reads as an explanation with no
        lines and no total."""
        data = data or {}
        version = data.get("schema_version", 1)
        if version not in READABLE_VERSIONS:
            raise ValueError(f"Unknown explanation schema version {version!r}.")
        policy = data.get("policy")
        return cls(
            dimensions=tuple(DimensionLine.from_json(dimension) for dimension in data.get("dimensions") or ()),
            spot_checks=tuple(SpotCheckEffect.from_json(check) for check in data.get("spot_checks") or ()),
            spot_check_effect=_decimal(data.get("spot_check_effect")),
            excluded_ratings=tuple(ExcludedRating.from_json(e) for e in data.get("excluded_ratings") or ()),
            total=_optional_decimal(data.get("total")),
            band=data.get("band", ""),
            notes=tuple(Note.from_json(note) for note in data.get("notes") or ()),
            schema_version=version,
            gaps=tuple(Gap.from_json(gap) for gap in data.get("gaps") or ()),
            incomplete=bool(data.get("incomplete", False)),
            policy=PolicyUsed.from_json(policy) if policy else None,
        )
