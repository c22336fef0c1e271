"""Factories of plans, templates, cycles and appraisals (ratings and results have theirs in factories_*.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from appraisals.models import (
    Appraisal,
    AppraisalCycle,
    AppraisalPlan,
    Indicator,
    MeasuredValue,
    Rating,
    RatingScore,
    SpotCheck,
    SpotCheckDraw,
    Template,
)
from tests.managers.factories import AccountManagerFactory


class AppraisalPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppraisalPlan
        django_get_or_create = ("year",)

    year = 2026
    purpose = "Appraise every account manager."
    principles = "Objective, open, results first."
    content = "Performance, behaviour, ability."
    timing = "H1 and H2."


class TemplateFactory(factory.django.DjangoModelFactory):
    """A template with the seed's weights and no indicators (add them with IndicatorFactory or small_template)."""

    class Meta:
        model = Template

    name = factory.Sequence(lambda n: f"Template {n}")
    weight_performance = 60
    weight_behaviour = 25
    weight_ability = 15
    weight_self = 20
    weight_client = 30
    weight_head = 35
    weight_peer = 15
    client_sample_size = 3
    peers_per_manager = 2


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A rated indicator (self and head) of the performance dimension; pass metric/target/rule for measured."""

    class Meta:
        model = Indicator

    template = factory.SubFactory(TemplateFactory)
    dimension = "performance"
    code = factory.Sequence(lambda n: f"I{n}")
    name = factory.LazyAttribute(lambda o: f"Indicator {o.code}")
    weight = 100
    kind = Indicator.Kind.RATED
    rated_by_self = True
    rated_by_head = True


def measured_indicator(template: Template, dimension: str, code: str, weight: int, metric: str, target: str, rule: str):
    """A measured indicator of the template."""
    return IndicatorFactory(
        template=template,
        dimension=dimension,
        code=code,
        weight=weight,
        kind=Indicator.Kind.MEASURED,
        rated_by_self=False,
        rated_by_head=False,
        metric=metric,
        target=Decimal(target),
        rule=rule,
    )


def rated_indicator(template: Template, dimension: str, code: str, weight: int, raters: str) -> Indicator:
    """A rated indicator of the template; raters is a string of letters: s(elf), c(lient), h(ead), p(eer)."""
    return IndicatorFactory(
        template=template,
        dimension=dimension,
        code=code,
        weight=weight,
        rated_by_self="s" in raters,
        rated_by_client="c" in raters,
        rated_by_head="h" in raters,
        rated_by_peer="p" in raters,
    )


def small_template(**kwargs: object) -> Template:
    """A small valid template: two indicators per dimension, each kind and every rater type present.

    performance: P1 new clients (measured, target 5, ratio) 50 · P2 rated by self, client, head, peer 50
    behaviour:   B1 complaints (measured, 20 points each) 40 · B2 rated by client, head, peer 60
    ability:     A1 rated by self and head 50 · A2 interactions (measured, target 24, ratio) 50
    """
    template = TemplateFactory(**kwargs)
    measured_indicator(template, "performance", "P1", 50, "new_clients", "5", "ratio")
    rated_indicator(template, "performance", "P2", 50, "schp")
    measured_indicator(template, "behaviour", "B1", 40, "complaints", "20", "penalty")
    rated_indicator(template, "behaviour", "B2", 60, "chp")
    rated_indicator(template, "ability", "A1", 50, "sh")
    measured_indicator(template, "ability", "A2", 50, "interactions", "24", "ratio")
    return template


class AppraisalCycleFactory(factory.django.DjangoModelFactory):
    """A draft cycle over 2026 H1; irregular by default so that several can share a period in a test."""

    class Meta:
        model = AppraisalCycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    template = factory.SubFactory(TemplateFactory)
    kind = AppraisalCycle.Kind.IRREGULAR
    cause = "Test cycle"
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 6, 30)
    rating_deadline = dt.date(2026, 7, 15)


class AppraisalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appraisal

    cycle = factory.SubFactory(AppraisalCycleFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="second")


class RatingFactory(factory.django.DjangoModelFactory):
    """A pending self rating."""

    class Meta:
        model = Rating

    appraisal = factory.SubFactory(AppraisalFactory)
    rater_type = "self"
    rater = factory.LazyAttribute(lambda o: o.appraisal.manager.user)


class RatingScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatingScore

    rating = factory.SubFactory(RatingFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    value = 3
    comment = ""


class MeasuredValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeasuredValue

    appraisal = factory.SubFactory(AppraisalFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    value = Decimal("1")


class SpotCheckDrawFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpotCheckDraw

    population = factory.LazyFunction(list)
    sample_size = 1
    seed = "00" * 16
    sample = factory.LazyFunction(list)


class SpotCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpotCheck

    draw = factory.SubFactory(SpotCheckDrawFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="second")
    mode = SpotCheck.Mode.ON_SITE
    method = SpotCheck.Method.RECONCILE
    checked_on = dt.date(2026, 5, 10)
    findings = "Client files complete."
    score_effect = Decimal("0")


def rating_fill(rating: Rating, values: dict[Indicator, int], *, submitted: bool = True) -> Rating:
    """Give a rating its values (1–5) and mark it submitted (written directly: the rules are the ratings area's)."""
    for indicator, value in values.items():
        RatingScore.objects.create(
            rating=rating, indicator=indicator, value=value, comment="extreme" if value in (1, 5) else ""
        )
    if submitted:
        rating.submitted_at = timezone.now()
        rating.save(update_fields=["submitted_at"])
    return rating


def hr_user(**kwargs: object):
    """An HR user holding HR's permissions.

    core.roles.roles_sync is run first, so that the group holds every app's permissions whatever the test database
    went through before (a transactional test's flush empties the permission tables).
    """
    from core.roles import Role, roles_sync
    from tests.core.factories import UserFactory

    roles_sync()
    return UserFactory(role=Role.HR, **kwargs)
