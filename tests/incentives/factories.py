"""Factories for pay and recognition, and closed appraisal cycles built directly with the appraisal models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from appraisals.models import Appeal, Appraisal, AppraisalCycle
from core.roles import Role
from incentives.models import Departure, PayPeriod, PayScheme, PayStatement, Recognition, month_end
from tests.appraisals.factories import TemplateFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, grade


class ClosedCycleFactory(factory.django.DjangoModelFactory):
    """A closed regular cycle over 2026-H1 (its scores are frozen)."""

    class Meta:
        model = AppraisalCycle
        django_get_or_create = ("kind", "period_start", "period_end")  # one regular cycle per period

    name = factory.Sequence(lambda n: f"2026 H1 #{n}")
    template = factory.SubFactory(TemplateFactory)
    kind = AppraisalCycle.Kind.REGULAR
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 6, 30)
    rating_deadline = dt.date(2026, 7, 15)
    state = AppraisalCycle.State.CLOSED
    opened_at = factory.LazyFunction(timezone.now)
    closed_at = factory.LazyFunction(timezone.now)


class FinalAppraisalFactory(factory.django.DjangoModelFactory):
    """A finalised appraisal with its dimension scores, in a cycle that is already closed."""

    class Meta:
        model = Appraisal

    @classmethod
    def _create(cls, model_class: type[Appraisal], *args: object, **kwargs: object) -> Appraisal:
        # Appraisal.save() refuses anything of a closed cycle; a frozen result is written here as the close would
        # have left it, with bulk_create, which does not call save().
        return model_class.objects.bulk_create([model_class(*args, **kwargs)])[0]

    cycle = factory.SubFactory(ClosedCycleFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="first")
    performance_score = Decimal("80.00")
    behaviour_score = Decimal("75.00")
    ability_score = Decimal("70.00")
    total_score = Decimal("77.25")
    band = Appraisal.Band.GOOD
    finalised_at = factory.LazyFunction(timezone.now)


class PaySchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayScheme
        django_get_or_create = ("grade", "year")

    grade = factory.LazyFunction(lambda: grade("first"))
    year = 2026
    base_salary = factory.LazyAttribute(lambda s: s.grade.base_salary)
    performance_rate = Decimal("40.00")
    performance_floor = Decimal("0.00")
    performance_cap = Decimal("4000.00")
    behaviour_rate = Decimal("15.00")
    behaviour_floor = Decimal("0.00")
    behaviour_cap = Decimal("1500.00")


class PayPeriodFactory(factory.django.DjangoModelFactory):
    """A monthly pay period, July 2026 by default (paid from the closed 2026 H1 cycle under the default scheme)."""

    class Meta:
        model = PayPeriod
        django_get_or_create = ("code",)

    code = factory.LazyAttribute(lambda p: f"{p.start:%Y-%m}")
    start = dt.date(2026, 7, 1)
    end = factory.LazyAttribute(lambda p: month_end(p.start))


class PayStatementFactory(factory.django.DjangoModelFactory):
    """A draft regular statement written directly (generation tests call the service)."""

    class Meta:
        model = PayStatement

    period = factory.SubFactory(PayPeriodFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="first")
    grade = factory.LazyFunction(lambda: grade("first"))
    grades_used = "first"
    base_salary = Decimal("9000.00")
    performance_pay = Decimal("3200.00")
    behaviour_component = Decimal("1125.00")
    total = Decimal("13325.00")


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    kind = Recognition.Kind.COMMENDATION
    manager = factory.SubFactory(AccountManagerFactory, grade="first")
    date = dt.date(2026, 7, 20)
    title = factory.Sequence(lambda n: f"Commendation {n}")
    reason = "Excellent appraisal result in 2026 H1."
    awarded_by = factory.SubFactory(UserFactory, role=Role.HR)


class AppealFactory(factory.django.DjangoModelFactory):
    """A manager's appeal against a final appraisal, open until HR decides it."""

    class Meta:
        model = Appeal

    appraisal = factory.SubFactory(FinalAppraisalFactory)
    text = "The client sample missed my two largest clients."
    state = Appeal.State.OPEN


class DepartureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departure

    manager = factory.SubFactory(AccountManagerFactory, grade="first")
    last_day = dt.date(2026, 7, 20)
