"""The appraisal policy a cycle follows (its plan year's version), and the manager's own gaps in a period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from appraisals.explanation import Gap, PolicyUsed
from appraisals.models import Appraisal, AppraisalCycle, AppraisalPolicy, MissingDataAction, MissingDataGap
from managers.models import AccountManager

CENT = Decimal("0.01")
Action = MissingDataAction


def q2(value: Decimal) -> Decimal:
    """Round half up to 2 places (the precision every figure is shown and added with)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- the policy -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRule:
    """What the policy does with one kind of gap."""

    action: str = Action.LEAVE_OUT
    neutral_score: Decimal | None = None


LEAVE_OUT = GapRule()


@dataclass(frozen=True)
class ScoringPolicy:
    """The policy version scoring applies: its plan year (None: the built-in defaults), the band cut-offs and the
    rule for each gap (a gap without one is left out)."""

    year: int | None = None
    excellent_from: Decimal = Decimal("90")
    good_from: Decimal = Decimal("80")
    pass_from: Decimal = Decimal("60")
    rules: Mapping[str, GapRule] = field(default_factory=dict)

    def rule(self, gap: str) -> GapRule:
        return self.rules.get(gap, LEAVE_OUT)

    def band_for(self, total: Decimal) -> str:
        """The band of a total: the first cut-off it reaches."""
        for threshold, band in (
            (self.excellent_from, Appraisal.Band.EXCELLENT),
            (self.good_from, Appraisal.Band.GOOD),
            (self.pass_from, Appraisal.Band.PASS),
        ):
            if total >= threshold:
                return band
        return Appraisal.Band.FAIL

    @property
    def holds_any(self) -> bool:
        """Whether any gap holds an appraisal as incomplete (else no appraisal can be)."""
        return any(rule.action == Action.INCOMPLETE for rule in self.rules.values())

    def used(self) -> PolicyUsed:
        return PolicyUsed(
            year=self.year,
            excellent_from=q2(Decimal(self.excellent_from)),
            good_from=q2(Decimal(self.good_from)),
            pass_from=q2(Decimal(self.pass_from)),
        )


DEFAULT_POLICY = ScoringPolicy()


def band_for(total: Decimal, policy: ScoringPolicy = DEFAULT_POLICY) -> str:
    """The band of a total score under the policy (the built-in cut-offs 90/80/60 when none is given)."""
    return policy.band_for(total)


def neutral_points(rule: GapRule) -> Decimal | None:
    """The points a gap counts with: the neutral score under the neutral action, else None (it does not count)."""
    if rule.action == Action.NEUTRAL and rule.neutral_score is not None:
        return Decimal(rule.neutral_score)
    return None


def gap_line(gap: str, rule: GapRule, *, rater_type: str = "", whole_indicator: bool = False) -> Gap:
    neutral = neutral_points(rule)
    return Gap(
        gap=str(gap),
        action=str(rule.action),
        rater_type=str(rater_type),
        neutral_score=None if neutral is None else q2(neutral),
        whole_indicator=whole_indicator,
    )


def cycle_year(cycle: AppraisalCycle) -> int:
    """The plan year of a cycle: its plan's, else the year its period ends in."""
    return cycle.plan.year if cycle.plan_id else cycle.period_end.year


def appraisal_policy_for(*, year: int) -> AppraisalPolicy | None:
    """The policy version in force for a plan year: the one with the latest year not after it (None: the built-in
    defaults apply)."""
    return AppraisalPolicy.objects.filter(year__lte=year).order_by("-year").first()


def scoring_policy_for(*, year: int) -> ScoringPolicy:
    """What scoring applies in a plan year (two queries)."""
    version = appraisal_policy_for(year=year)
    if version is None:
        return DEFAULT_POLICY
    return ScoringPolicy(
        year=version.year,
        excellent_from=Decimal(version.excellent_from),
        good_from=Decimal(version.good_from),
        pass_from=Decimal(version.pass_from),
        rules={
            rule.gap: GapRule(action=rule.action, neutral_score=rule.neutral_score)
            for rule in version.missing_data.all()
        },
    )


def cycle_scoring_policy(cycle: AppraisalCycle) -> ScoringPolicy:
    return scoring_policy_for(year=cycle_year(cycle))


def managers_gaps(*, manager_ids: list[int], start: dt.date, end: dt.date) -> dict[int, set[str]]:
    """{manager id: their own gaps in the period}: hired after it started (joined mid-cycle), or a supervisor or
    department other than at its start at some time within it (from the managers' history; two queries)."""
    gaps: dict[int, set[str]] = defaultdict(set)
    for manager_id in AccountManager.objects.filter(pk__in=manager_ids, hire_date__gt=start).values_list(
        "pk", flat=True
    ):
        gaps[manager_id].add(MissingDataGap.JOINED_MID_CYCLE)
    # Every recorded version up to the period's end, oldest first: the one in force at the start, then the changes.
    versions = (
        AccountManager.history.filter(id__in=manager_ids, history_date__date__lte=end)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_date", "supervisor_id", "department_id")
    )
    at_start: dict[int, tuple[int | None, int | None]] = {}
    seen: dict[int, set[tuple[int | None, int | None]]] = defaultdict(set)
    for manager_id, when, supervisor_id, department_id in versions:
        line = (supervisor_id, department_id)
        if when.date() <= start:
            at_start[manager_id] = line
            continue
        seen[manager_id].add(line)
    for manager_id, lines in seen.items():
        first = at_start.get(manager_id)
        if first is not None and lines - {first}:
            gaps[manager_id].add(MissingDataGap.SUPERVISOR_CHANGED)
    return dict(gaps)
