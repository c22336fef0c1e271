"""The appraisal policy a cycle follows (its plan year's version), and the manager's own gaps in a period."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from appraisals.models import AppraisalCycle, AppraisalPolicy, MissingDataGap
from appraisals.services.scoring import DEFAULT_POLICY, GapRule, ScoringPolicy
from managers.models import AccountManager


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
