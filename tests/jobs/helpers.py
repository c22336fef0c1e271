"""Data for the job tests: an open cycle with some ratings given, and the scores a close leaves."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from appraisals.models import Appraisal, AppraisalCycle, Indicator, MeasuredValue, Rating
from appraisals.services.cycles import cycle_close, cycle_open
from tests.appraisals.factories import AppraisalCycleFactory, rating_fill, small_template
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

CLOSE_REASON = "Test: some raters did not answer"


def cycle_ready_to_close(*, managers: int = 4) -> AppraisalCycle:
    """An open cycle of the small template (see tests/appraisals/factories.py) over a department of second-level
    managers with a senior head of grade; every other pending rating submitted, with values 2–5 in turn, so that the
    scores differ from manager to manager and some ratings are missing (the close needs a reason)."""
    department = DepartmentFactory()
    for _ in range(managers):
        AccountManagerFactory(grade="second", department=department)
    AccountManagerFactory(grade="senior", department=department)
    cycle = cycle_open(cycle=AppraisalCycleFactory(template=small_template()))
    indicators = list(cycle.template.indicators.filter(kind="rated"))
    for index, rating in enumerate(Rating.objects.filter(appraisal__cycle=cycle).order_by("pk")):
        if index % 2 == 0:
            value = 2 + index % 4
            rating_fill(rating, {i: value for i in indicators if rating.rater_type in i.rater_types})
    return cycle


def scores_of(cycle: AppraisalCycle) -> dict[str, object]:
    """Every figure a close writes, keyed by manager and indicator (ids, not times: comparable across closes)."""
    appraisals = {
        a.manager_id: (a.performance_score, a.behaviour_score, a.ability_score, a.total_score, a.band, a.explanation)
        for a in Appraisal.objects.filter(cycle=cycle)
    }
    indicator_scores = sorted(
        (manager_id, line["code"], line["score"], line["contribution"])
        for manager_id, (*_scores, explanation) in appraisals.items()
        for dimension in explanation.get("dimensions", [])
        for line in dimension["indicators"]
    )
    return {"appraisals": appraisals, "indicator_scores": indicator_scores}


def scores_of_an_uninterrupted_close(cycle: AppraisalCycle) -> dict[str, object]:
    """Close the cycle in a transaction, read the scores, and roll it all back: the reference a faulty close must
    match exactly."""
    with transaction.atomic():
        cycle_close(cycle=AppraisalCycle.objects.get(pk=cycle.pk), reason=CLOSE_REASON)
        expected = scores_of(cycle)
        transaction.set_rollback(True)
    assert AppraisalCycle.objects.get(pk=cycle.pk).state == AppraisalCycle.State.OPEN
    assert expected["indicator_scores"] and any(
        total not in (None, Decimal("0")) for *_scores, total, _band, _expl in expected["appraisals"].values()
    )
    return expected


def assert_written_once(cycle: AppraisalCycle) -> None:
    """A closed cycle holds each figure once: one measured value per appraisal and measured indicator, and one line
    per indicator of the template in each appraisal's explanation."""
    appraisals = list(Appraisal.objects.filter(cycle=cycle))
    indicators = cycle.template.indicators.count()
    measured = cycle.template.indicators.filter(kind=Indicator.Kind.MEASURED).count()
    assert appraisals
    assert MeasuredValue.objects.filter(appraisal__cycle=cycle).count() == len(appraisals) * measured
    for appraisal in appraisals:
        lines = [line for dimension in appraisal.explanation["dimensions"] for line in dimension["indicators"]]
        assert len(lines) == indicators == len({line["code"] for line in lines})
