"""Factories of the appraisal policy versions and their missing-data rules."""

from __future__ import annotations

from decimal import Decimal

import factory

from appraisals.models import AppraisalPolicy, MissingDataAction, MissingDataRule


class AppraisalPolicyFactory(factory.django.DjangoModelFactory):
    """A policy version for plan year 2026 with the default cut-offs and deadline rule, and no missing-data rule
    (every gap left out) unless given."""

    class Meta:
        model = AppraisalPolicy
        django_get_or_create = ("year",)

    year = 2026
    excellent_from = Decimal("90")
    good_from = Decimal("80")
    pass_from = Decimal("60")
    deadline_extension_days = 0
    deadline_max_extensions = 0


class MissingDataRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissingDataRule

    policy = factory.SubFactory(AppraisalPolicyFactory)
    gap = "rater_type_missing"
    action = MissingDataAction.LEAVE_OUT
    neutral_score = None
