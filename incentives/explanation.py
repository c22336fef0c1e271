"""The explanation of a pay statement: every term, the inputs and formula it was computed with, and the grades held.

Built by the pay services as these dataclasses, stored once as JSON (`to_json()`, amounts as strings with their
cents) in `PayStatement.explanation`, and read back typed with `pay_explanation_from_json()` by the pages, the
printable report and the exports. A regular statement is explained by `RegularPay`, an adjustment by
`PayAdjustment`.

Schema version 2 (monthly pay) adds to every part of a term which days it pays for (`pays_for`), which appraisal
and scores it used (`appraisal`), the rule that decided it (`basis`), and for a catch-up or adjustment line what had
been paid for those days before. Version 1 (one period paid from the closed cycle covering it; an explanation without
`schema_version` is version 1) is still read: its parts are given the period's days and the statement's appraisal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incentives.money import CURRENCY, ZERO
from managers.selectors import grade_label

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
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
    if version not in READABLE_VERSIONS:
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
    """An appraisal a line pays from, and the scores it was paid on (compared later with the appraisal's current
    scores: a difference is adjusted on the next statement)."""

    id: int | None
    cycle: int | None
    performance_score: Decimal
    behaviour_score: Decimal
    total_score: Decimal | None
    band: str
    cycle_name: str = ""
    appeal_open: bool = False  # paid while an appeal was open: provisional until HR decides it

    def score(self, term: str) -> Decimal:
        """The score a performance or behaviour term is paid on."""
        return self.performance_score if term == "performance_pay" else self.behaviour_score

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cycle": self.cycle,
            "cycle_name": self.cycle_name,
            "performance_score": str(self.performance_score),
            "behaviour_score": str(self.behaviour_score),
            "total_score": None if self.total_score is None else str(self.total_score),
            "band": self.band,
            "appeal_open": self.appeal_open,
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
            cycle_name=data.get("cycle_name", ""),
            appeal_open=bool(data.get("appeal_open", False)),
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


# What a part of a term is: this month's own pay, a catch-up of an earlier month paid nothing while it waited for an
# appraisal, or an adjustment of an earlier month whose appraisal was re-scored after it was paid.
LINE_MONTH = "month"
LINE_CATCH_UP = "catch_up"
LINE_ADJUSTMENT = "adjustment"
LINE_LABELS = {
    LINE_MONTH: _("this month"),
    LINE_CATCH_UP: _("catch-up"),
    LINE_ADJUSTMENT: _("adjustment"),
}

# The rule that decided a part's amount (its `basis`).
BASIS_DAYS_IN_GRADE = "days_in_grade"
BASIS_LAST_CLOSED = "last_closed"
BASIS_COVERING_CYCLE = "covering_cycle"
BASIS_AWAITING_CYCLE = "awaiting_cycle"
BASIS_NO_APPRAISAL_CATCH_UP = "no_appraisal_catch_up"
BASIS_NO_APPRAISAL_NONE = "no_appraisal_none"
BASIS_CATCH_UP = "catch_up"
BASIS_RESCORED = "rescored"
BASIS_APPEAL_UPHELD = "appeal_upheld"
# Paid nothing for now, and owed: a later statement catches these days up once an appraisal can pay them.
OWED_BASES = frozenset({BASIS_AWAITING_CYCLE, BASIS_NO_APPRAISAL_CATCH_UP})


@dataclass(frozen=True)
class TermPart:
    """A line of a term: an amount for some days held in one grade, the full-month amount under that grade's scheme
    and the share of it for those days; which days it pays for, which appraisal it used and the rule that decided
    it. A catch-up or adjustment line pays the difference between what those days are due now and what they were
    paid before."""

    grade: str
    inputs: tuple[TermInput, ...]
    full_period: Decimal
    days: int
    period_days: int
    formula: str
    amount: Decimal
    line: str = LINE_MONTH
    pays_for: PeriodShown | None = None
    appraisal: AppraisalScores | None = None
    basis: str = ""
    cycle_name: str = ""  # the cycle awaited, when no appraisal could pay yet
    paid_before: Decimal = ZERO
    previous: AppraisalScores | None = None  # an adjustment: the scores the days were paid on before

    @property
    def grade_label(self) -> str:
        return grade_label(self.grade)

    @property
    def line_label(self) -> str:
        return str(LINE_LABELS.get(self.line, self.line))

    @property
    def is_owed(self) -> bool:
        return self.basis in OWED_BASES

    def input(self, name: str) -> Decimal | None:
        return next((given.value for given in self.inputs if given.name == name), None)

    @property
    def days_label(self) -> str:
        """Which days the line pays for, e.g. "2026-07: 2026-07-11 – 2026-07-31 (21 days)"."""
        shown = self.pays_for
        if shown is None:
            return ""
        return gettext("%(month)s: %(start)s – %(end)s (%(days)d days)") % {
            "month": shown.code,
            "start": shown.start.isoformat() if shown.start else "",
            "end": shown.end.isoformat() if shown.end else "",
            "days": self.days,
        }

    @property
    def appraisal_label(self) -> str:
        """Which appraisal the line used, e.g. "appraisal 12 (2026 H1): performance 80.00, behaviour 75.00"."""
        used = self.appraisal
        if used is None:
            return ""
        text = gettext("appraisal %(id)s (%(cycle)s): performance %(perf)s, behaviour %(beh)s") % {
            "id": used.id,
            "cycle": used.cycle_name or used.cycle,
            "perf": used.performance_score,
            "beh": used.behaviour_score,
        }
        if used.appeal_open:
            text += " " + gettext("(under appeal: provisional until HR decides it)")
        return text

    @property
    def basis_label(self) -> str:
        """Why the line has this amount, in the reader's language."""
        cycle = self.cycle_name or (self.appraisal.cycle_name if self.appraisal else "")
        before = self.previous
        labels = {
            BASIS_DAYS_IN_GRADE: gettext("base salary for the days employed in this grade"),
            BASIS_LAST_CLOSED: gettext("the latest closed appraisal (%(cycle)s)"),
            BASIS_COVERING_CYCLE: gettext("the appraisal of the cycle covering these days (%(cycle)s)"),
            BASIS_AWAITING_CYCLE: gettext(
                "cycle %(cycle)s, which covers these days, is not closed yet: nothing now, paid in arrears on the "
                "statement after it closes"
            ),
            BASIS_NO_APPRAISAL_CATCH_UP: gettext(
                "no closed appraisal yet: nothing now, caught up in arrears when the first one closes"
            ),
            BASIS_NO_APPRAISAL_NONE: gettext(
                "no closed appraisal yet: the pay scheme pays none until one closes, and does not catch up"
            ),
            BASIS_CATCH_UP: gettext("caught up in arrears from %(cycle)s: due %(due)s, paid before %(paid)s"),
            BASIS_RESCORED: gettext(
                "appraisal re-scored after it was paid (%(before)s → %(after)s): due %(due)s, paid before %(paid)s"
            ),
            BASIS_APPEAL_UPHELD: gettext(
                "appeal upheld and the appraisal re-scored (%(before)s → %(after)s): due %(due)s, paid before %(paid)s"
            ),
        }
        term = self._term_of_inputs()
        return str(labels.get(self.basis, self.basis)) % {
            "cycle": cycle,
            "due": self.amount + self.paid_before,
            "paid": self.paid_before,
            "before": "" if before is None else before.score(term),
            "after": "" if self.appraisal is None else self.appraisal.score(term),
        }

    def _term_of_inputs(self) -> str:
        return "behaviour_component" if self.input("behaviour_score") is not None else "performance_pay"

    def to_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "inputs": {given.name: str(given.value) for given in self.inputs},
            "full_period": str(self.full_period),
            "days": self.days,
            "period_days": self.period_days,
            "formula": self.formula,
            "amount": str(self.amount),
            "line": self.line,
            "pays_for": self.pays_for.to_json() if self.pays_for else None,
            "appraisal": self.appraisal.to_json() if self.appraisal else None,
            "basis": self.basis,
            "cycle_name": self.cycle_name,
            "paid_before": str(self.paid_before),
            "previous": self.previous.to_json() if self.previous else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TermPart:
        given = data.get("inputs") or {}
        order = [name for name in INPUT_LABELS if name in given] + [name for name in given if name not in INPUT_LABELS]
        pays_for, appraisal, previous = data.get("pays_for"), data.get("appraisal"), data.get("previous")
        return cls(
            grade=data.get("grade", ""),
            inputs=tuple(TermInput(name, _decimal(given[name])) for name in order),
            full_period=_decimal(data.get("full_period")),
            days=data.get("days", 0),
            period_days=data.get("period_days", 0),
            formula=data.get("formula", ""),
            amount=_decimal(data.get("amount")),
            line=data.get("line", LINE_MONTH),
            pays_for=PeriodShown.from_json(pays_for) if pays_for else None,
            appraisal=AppraisalScores.from_json(appraisal) if appraisal else None,
            basis=data.get("basis", ""),
            cycle_name=data.get("cycle_name", ""),
            paid_before=_decimal(data.get("paid_before")),
            previous=AppraisalScores.from_json(previous) if previous else None,
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
    """How a regular (monthly) statement was computed: the month, the appraisal that pays the month's own lines (if
    any), the grades held, each term as its lines (this month's, catch-ups, adjustments) and the total (the sum of
    the terms)."""

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

    def parts(self) -> list[tuple[str, TermPart]]:
        """Every line of every term with its term's name, in the order shown."""
        return [(term.name, part) for term in self.terms for part in term.parts]

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
        period = PeriodShown.from_json(data["period"]) if data.get("period") else None
        appraisal = AppraisalScores.from_json(data["appraisal"]) if data.get("appraisal") else None
        grades = tuple(GradeHeld.from_json(held) for held in data.get("grades") or ())
        terms = data.get("terms") or {}
        names = [name for name in TERMS if name in terms] + [name for name in terms if name not in TERMS]
        read = tuple(Term.from_json(name, terms[name]) for name in names)
        if version == 1:
            read = tuple(_v1_term(term, period=period, appraisal=appraisal, grades=grades) for term in read)
        total = data.get("total") or {}
        return cls(
            period=period,
            appraisal=appraisal,
            prorated=bool(data.get("prorated", False)),
            grades=grades,
            terms=read,
            total=_decimal(total.get("amount")),
            total_formula=total.get("formula", ""),
            currency=data.get("currency", CURRENCY),
            schema_version=version,
        )


def _v1_term(
    term: Term, *, period: PeriodShown | None, appraisal: AppraisalScores | None, grades: tuple[GradeHeld, ...]
) -> Term:
    """A version 1 term with what version 2 states on each line: a version 1 statement paid the whole period from
    the closed cycle covering it, its parts one per grade held, in order."""
    held = grades if len(grades) == len(term.parts) else (None,) * len(term.parts)
    parts = []
    for part, grade in zip(term.parts, held, strict=True):
        start = grade.start if grade else period.start if period else None
        end = grade.end if grade else period.end if period else None
        scored = term.name != "base_salary"
        parts.append(
            replace(
                part,
                pays_for=PeriodShown(code=period.code if period else "", start=start, end=end, days=part.days),
                appraisal=appraisal if scored else None,
                basis=BASIS_COVERING_CYCLE if scored else BASIS_DAYS_IN_GRADE,
            )
        )
    return replace(term, parts=tuple(parts))


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
