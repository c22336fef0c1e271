"""The explanation of a pay statement: every term, the inputs and formula it was computed with, and the grades held.

Built by the pay services as these dataclasses, stored once as JSON (`to_json()`, amounts as strings with their
cents) in `PayStatement.explanation`, and read back typed with `pay_explanation_from_json()` by the pages, the
printable report and the exports. A regular statement is explained by `RegularPay`, an adjustment by
`PayAdjustment`.

Schema version 1 is the shape written since the first statement; an explanation without `schema_version` is
version 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from incentives.money import CURRENCY, ZERO
from managers.selectors import grade_label

SCHEMA_VERSION = 1
REGULAR = "regular"
ADJUSTMENT = "adjustment"
TERMS = ("base_salary", "performance_pay", "behaviour_component")
TERM_LABELS = {
    "base_salary": _("base salary"),
    "performance_pay": _("performance pay"),
    "behaviour_component": _("behaviour component"),
}
# The inputs of a term in the order a reader follows the formula: score, rate, floor, cap. Stored JSON objects do
# not keep their key order on PostgreSQL, so the order is restored here.
INPUT_LABELS = {
    "base_salary": _("base salary"),
    "performance_score": _("performance score"),
    "behaviour_score": _("behaviour score"),
    "rate": _("rate per point"),
    "floor": _("floor"),
    "cap": _("cap"),
}


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _check_version(data: Mapping[str, Any]) -> int:
    version = data.get("schema_version", 1)
    if version != SCHEMA_VERSION:
        raise ValueError(f"Unknown pay explanation schema version {version!r}.")
    return version


@dataclass(frozen=True)
class PeriodShown:
    """The pay period as the statement states it."""

    code: str
    start: dt.date | None
    end: dt.date | None
    days: int

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "days": self.days,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PeriodShown:
        return cls(
            code=data.get("code", ""),
            start=_date(data.get("start")),
            end=_date(data.get("end")),
            days=data.get("days", 0),
        )


@dataclass(frozen=True)
class AppraisalScores:
    """The appraisal a regular statement pays, and the scores it was paid on."""

    id: int | None
    cycle: int | None
    performance_score: Decimal
    behaviour_score: Decimal
    total_score: Decimal | None
    band: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cycle": self.cycle,
            "performance_score": str(self.performance_score),
            "behaviour_score": str(self.behaviour_score),
            "total_score": None if self.total_score is None else str(self.total_score),
            "band": self.band,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppraisalScores:
        total = data.get("total_score")
        return cls(
            id=data.get("id"),
            cycle=data.get("cycle"),
            performance_score=_decimal(data.get("performance_score")),
            behaviour_score=_decimal(data.get("behaviour_score")),
            total_score=None if total in (None, "") else Decimal(str(total)),
            band=data.get("band", ""),
        )


@dataclass(frozen=True)
class GradeHeld:
    """A grade the manager held during the period (by its code), from when to when, and the pay scheme it paid by."""

    grade: str
    start: dt.date | None
    end: dt.date | None
    days: int
    scheme_id: int | None = None
    scheme_year: int | None = None

    @property
    def label(self) -> str:
        return grade_label(self.grade)

    def to_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "days": self.days,
            "scheme": {"id": self.scheme_id, "year": self.scheme_year},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GradeHeld:
        scheme = data.get("scheme") or {}
        return cls(
            grade=data.get("grade", ""),
            start=_date(data.get("from")),
            end=_date(data.get("to")),
            days=data.get("days", 0),
            scheme_id=scheme.get("id"),
            scheme_year=scheme.get("year"),
        )


@dataclass(frozen=True)
class TermInput:
    """One input of a term's formula (the base salary, a score, a rate, a floor or a cap)."""

    name: str
    value: Decimal

    @property
    def label(self) -> str:
        return str(INPUT_LABELS.get(self.name, self.name))


@dataclass(frozen=True)
class TermPart:
    """A term's part for the days one grade was held: the full-period amount under that grade's scheme, and the
    share of it for those days."""

    grade: str
    inputs: tuple[TermInput, ...]
    full_period: Decimal
    days: int
    period_days: int
    formula: str
    amount: Decimal

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade)

    def to_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "inputs": {given.name: str(given.value) for given in self.inputs},
            "full_period": str(self.full_period),
            "days": self.days,
            "period_days": self.period_days,
            "formula": self.formula,
            "amount": str(self.amount),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TermPart:
        given = data.get("inputs") or {}
        order = [name for name in INPUT_LABELS if name in given] + [name for name in given if name not in INPUT_LABELS]
        return cls(
            grade=data.get("grade", ""),
            inputs=tuple(TermInput(name, _decimal(given[name])) for name in order),
            full_period=_decimal(data.get("full_period")),
            days=data.get("days", 0),
            period_days=data.get("period_days", 0),
            formula=data.get("formula", ""),
            amount=_decimal(data.get("amount")),
        )


@dataclass(frozen=True)
class Term:
    """One term of a statement (base salary, performance pay, behaviour component): the sum of its rounded parts,
    with the sum written out when there is more than one part."""

    name: str
    parts: tuple[TermPart, ...]
    amount: Decimal
    formula: str

    @property
    def label(self) -> str:
        return str(TERM_LABELS.get(self.name, self.name))

    def to_json(self) -> dict[str, Any]:
        return {"parts": [part.to_json() for part in self.parts], "amount": str(self.amount), "formula": self.formula}

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> Term:
        return cls(
            name=name,
            parts=tuple(TermPart.from_json(part) for part in data.get("parts") or ()),
            amount=_decimal(data.get("amount")),
            formula=data.get("formula", ""),
        )


@dataclass(frozen=True)
class RegularPay:
    """How a regular statement was computed: the period, the appraisal scores, the grades held, each term and the
    total (the sum of the terms)."""

    period: PeriodShown | None
    appraisal: AppraisalScores | None
    prorated: bool
    grades: tuple[GradeHeld, ...]
    terms: tuple[Term, ...]
    total: Decimal
    total_formula: str
    currency: str = CURRENCY
    schema_version: int = SCHEMA_VERSION
    kind = REGULAR

    @property
    def grades_used(self) -> tuple[str, ...]:
        """The codes of the grades held, in order."""
        return tuple(held.grade for held in self.grades)

    def term(self, name: str) -> Term | None:
        return next((term for term in self.terms if term.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "kind": self.kind,
            "currency": self.currency,
            "period": self.period.to_json() if self.period else None,
            "appraisal": self.appraisal.to_json() if self.appraisal else None,
            "prorated": self.prorated,
            "grades": [held.to_json() for held in self.grades],
            "terms": {term.name: term.to_json() for term in self.terms},
            "total": {"amount": str(self.total), "formula": self.total_formula},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegularPay:
        version = _check_version(data)
        period, appraisal = data.get("period"), data.get("appraisal")
        terms = data.get("terms") or {}
        names = [name for name in TERMS if name in terms] + [name for name in terms if name not in TERMS]
        total = data.get("total") or {}
        return cls(
            period=PeriodShown.from_json(period) if period else None,
            appraisal=AppraisalScores.from_json(appraisal) if appraisal else None,
            prorated=bool(data.get("prorated", False)),
            grades=tuple(GradeHeld.from_json(held) for held in data.get("grades") or ()),
            terms=tuple(Term.from_json(name, terms[name]) for name in names),
            total=_decimal(total.get("amount")),
            total_formula=total.get("formula", ""),
            currency=data.get("currency", CURRENCY),
            schema_version=version,
        )


@dataclass(frozen=True)
class TermAmounts:
    """An amount per term, e.g. the differences an adjustment pays."""

    base_salary: Decimal
    performance_pay: Decimal
    behaviour_component: Decimal

    def to_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in TERMS}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TermAmounts:
        return cls(**{name: _decimal(data.get(name)) for name in TERMS})


@dataclass(frozen=True)
class PayAdjustment:
    """How an adjustment was computed: the statement it corrects, the differences it pays, the corrected amounts
    (the corrected statement's plus the differences) and its total (the sum of the differences)."""

    adjusts_id: int | None
    adjusts_period: str
    adjusts_total: Decimal
    differences: TermAmounts
    corrected: TermAmounts
    corrected_total: Decimal
    total: Decimal
    total_formula: str
    currency: str = CURRENCY
    schema_version: int = SCHEMA_VERSION
    kind = ADJUSTMENT

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "kind": self.kind,
            "currency": self.currency,
            "adjusts": {"id": self.adjusts_id, "period": self.adjusts_period, "total": str(self.adjusts_total)},
            "differences": self.differences.to_json(),
            "corrected": {**self.corrected.to_json(), "total": str(self.corrected_total)},
            "total": {"amount": str(self.total), "formula": self.total_formula},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PayAdjustment:
        version = _check_version(data)
        adjusts = data.get("adjusts") or {}
        corrected = data.get("corrected") or {}
        total = data.get("total") or {}
        return cls(
            adjusts_id=adjusts.get("id"),
            adjusts_period=adjusts.get("period", ""),
            adjusts_total=_decimal(adjusts.get("total")),
            differences=TermAmounts.from_json(data.get("differences") or {}),
            corrected=TermAmounts.from_json(corrected),
            corrected_total=_decimal(corrected.get("total")),
            total=_decimal(total.get("amount")),
            total_formula=total.get("formula", ""),
            currency=data.get("currency", CURRENCY),
            schema_version=version,
        )


PayExplanation = RegularPay | PayAdjustment


def pay_explanation_from_json(data: Mapping[str, Any] | None, *, kind: str = REGULAR) -> PayExplanation:
    """Read a stored explanation; `kind` (the statement's) decides when the explanation does not say."""
    data = data or {}
    if data.get("kind", kind) == ADJUSTMENT:
        return PayAdjustment.from_json(data)
    return RegularPay.from_json(data)
