"""Factories for results and spot-checks: closed cycles and final appraisals created directly, with an explanation
of the contract's shape whose contributions add up to the total."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import factory
from django.utils import timezone

from appraisals.models import Appraisal, AppraisalCycle, ResultRule, SpotCheckPolicy
from tests.appraisals.factories import TemplateFactory
from tests.managers.factories import AccountManagerFactory

CENT = Decimal("0.01")
DIMENSION_WEIGHTS = {"performance": 60, "behaviour": 20, "ability": 20}


def band_of(total: Decimal) -> str:
    """The contract's bands: excellent ≥ 90, good ≥ 80, pass ≥ 60, fail below."""
    if total >= 90:
        return Appraisal.Band.EXCELLENT
    if total >= 80:
        return Appraisal.Band.GOOD
    if total >= 60:
        return Appraisal.Band.PASS
    return Appraisal.Band.FAIL


def explanation_of(
    scores: dict[str, tuple[Decimal, Decimal]],
    *,
    spot_checks: list[tuple[int, Decimal, str]] = (),
    excluded: list[tuple[str, str]] = (),
) -> dict:
    """An explanation of the contract's shape. Each dimension has a rated indicator R (weight 50, rated by self and
    head) and a measured indicator M (weight 50), with the two scores given; contributions rounded to 2 places and
    the total is their sum plus the spot-check effect."""
    dimensions = []
    total = Decimal("0")
    for dimension, (rated, measured) in scores.items():
        weight = DIMENSION_WEIGHTS[dimension]
        indicators = []
        for code, kind, score in (("R", "rated", rated), ("M", "measured", measured)):
            contribution = (Decimal(weight) / 100 * Decimal(50) / 100 * score).quantize(CENT, ROUND_HALF_UP)
            indicator = {
                "code": f"{dimension[0].upper()}{code}",
                "name": f"{dimension} {kind}",
                "kind": kind,
                "weight": 50,
                "score": f"{score:.2f}",
                "contribution": f"{contribution:.2f}",
                "raters": [],
                "measured": None,
                "notes": [],
            }
            if kind == "rated":
                indicator["raters"] = [
                    {"rater_type": "self", "weight": 25, "effective_weight": "50.00", "count": 1, "average": "4.00",
                     "score": "80.00"},
                    {"rater_type": "head", "weight": 25, "effective_weight": "50.00", "count": 1, "average": "4.00",
                     "score": "80.00"},
                ]  # fmt: skip
                indicator["notes"] = ["No client sample or peer rating: their weights were shared out."]
            else:
                indicator["measured"] = {
                    "metric": "new_clients",
                    "value": "3",
                    "target": "5",
                    "rule": "ratio",
                    "inputs": {"clients": 3},
                }
            indicators.append(indicator)
        dim_contribution = sum((Decimal(i["contribution"]) for i in indicators), Decimal("0"))
        dim_score = (rated + measured) / 2
        dimensions.append(
            {
                "dimension": dimension,
                "weight": weight,
                "score": f"{dim_score:.2f}",
                "contribution": f"{dim_contribution:.2f}",
                "indicators": indicators,
            }
        )
        total += dim_contribution
    effect = sum((e for _, e, _ in spot_checks), Decimal("0"))
    total = min(Decimal("100"), max(Decimal("0"), total + effect))
    return {
        "dimensions": dimensions,
        "spot_checks": [{"id": i, "effect": f"{e:.2f}", "findings": f} for i, e, f in spot_checks],
        "spot_check_effect": f"{effect:.2f}",
        "excluded_ratings": [{"rater_type": t, "reason": r} for t, r in excluded],
        "total": f"{total:.2f}",
        "band": band_of(total),
        "notes": [],
    }


def uniform_explanation(total: Decimal) -> dict:
    """An explanation in which every indicator scores `total` (so the total is `total`)."""
    return explanation_of(dict.fromkeys(DIMENSION_WEIGHTS, (total, total)))


class ClosedCycleFactory(factory.django.DjangoModelFactory):
    """A closed irregular cycle (irregular, so several may share a period without the one-regular constraint)."""

    class Meta:
        model = AppraisalCycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    template = factory.SubFactory(TemplateFactory)
    kind = AppraisalCycle.Kind.IRREGULAR
    cause = "Test cycle"
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 6, 30)
    rating_deadline = factory.LazyAttribute(lambda c: c.period_end + dt.timedelta(days=10))
    state = AppraisalCycle.State.CLOSED
    opened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    closed_at = factory.LazyFunction(timezone.now)


class FinalAppraisalFactory(factory.django.DjangoModelFactory):
    """A final appraisal; pass total=Decimal(...) for a uniform explanation, or explanation=explanation_of(...)."""

    class Meta:
        model = Appraisal
        exclude = ["total"]

    total = Decimal("85")
    cycle = factory.SubFactory(ClosedCycleFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="second")
    grade = factory.LazyAttribute(lambda a: a.manager.grade_on(a.cycle.period_end))
    explanation = factory.LazyAttribute(lambda a: uniform_explanation(a.total))
    total_score = factory.LazyAttribute(lambda a: Decimal(a.explanation["total"]))
    band = factory.LazyAttribute(lambda a: a.explanation["band"])
    spot_check_effect = factory.LazyAttribute(lambda a: Decimal(a.explanation["spot_check_effect"]))
    performance_score = factory.LazyAttribute(lambda a: Decimal(a.explanation["dimensions"][0]["score"]))
    behaviour_score = factory.LazyAttribute(lambda a: Decimal(a.explanation["dimensions"][1]["score"]))
    ability_score = factory.LazyAttribute(lambda a: Decimal(a.explanation["dimensions"][2]["score"]))
    finalised_at = factory.LazyAttribute(lambda a: a.cycle.closed_at)

    @classmethod
    def _create(cls, model_class: type[Appraisal], *args: object, **kwargs: object) -> Appraisal:
        # A closed cycle refuses new appraisals (the closed-cycle guard); reopen it for the write with a queryset update
        # (no signals), as if the close had written it, and close it again.
        cycle = kwargs["cycle"]
        state = AppraisalCycle.objects.filter(pk=cycle.pk).values_list("state", flat=True).get()
        AppraisalCycle.objects.filter(pk=cycle.pk).update(state=AppraisalCycle.State.REVIEW)
        try:
            return super()._create(model_class, *args, **kwargs)
        finally:
            AppraisalCycle.objects.filter(pk=cycle.pk).update(state=state)


def result_rule(**fields: object) -> ResultRule:
    """The active rule (the migration seeds "Default"), with the given fields set."""
    rule = ResultRule.objects.filter(active=True).order_by("pk").first() or ResultRule(name="Default")
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def spot_check_policy(sample_size: int = 3) -> SpotCheckPolicy:
    """The active spot-check policy (the migration seeds "Default"), with the given sample size."""
    policy = SpotCheckPolicy.objects.filter(active=True).order_by("pk").first() or SpotCheckPolicy(name="Default")
    policy.sample_size = sample_size
    policy.save()
    return policy


def hr_user(**kwargs: object):
    """An HR user with HR's permissions (factories.hr_user)."""
    from tests.appraisals.factories import hr_user as make

    return make(**kwargs)
