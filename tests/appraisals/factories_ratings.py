"""Factories for the ratings, surveys and fairness tests, built directly on the models."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import User

from appraisals.models import (
    Appraisal,
    AppraisalCycle,
    Dimension,
    Indicator,
    RaterType,
    Rating,
    RatingScore,
    SurveyInvitation,
    Template,
)
from clients.models import Client
from core.roles import Role, roles_sync
from managers.models import AccountManager, Department
from tests.appraisals import factories as appraisal_factories
from tests.clients.factories import AssignmentFactory, ContactFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory


class TemplateFactory(appraisal_factories.TemplateFactory):
    """The shared template factory with the rater weights these tests compute with (head 30, peer 20)."""

    weight_head = 30
    weight_peer = 20


class IndicatorFactory(appraisal_factories.IndicatorFactory):
    """A rated indicator with no rater type set (each test says who rates it), weight 50."""

    template = factory.SubFactory(TemplateFactory)
    name = factory.Sequence(lambda n: f"Indicator {n}")
    weight = 50
    rated_by_self = False
    rated_by_head = False


def template_with_indicators() -> Template:
    """Two indicators per dimension (weights 60 + 40): rated by everyone, by self/head/peer only, or measured.

    Self, head and peers rate 5 indicators (P1, P2, B1, B2, A1); the client sample rates 3 (P1, B1, B2).
    """
    template = TemplateFactory()
    all_raters = {"rated_by_self": True, "rated_by_client": True, "rated_by_head": True, "rated_by_peer": True}
    colleagues = {"rated_by_self": True, "rated_by_head": True, "rated_by_peer": True}
    spec = [
        (Dimension.PERFORMANCE, "P1", "Task completion", 60, all_raters),
        (Dimension.PERFORMANCE, "P2", "Quality of work", 40, colleagues),
        (Dimension.BEHAVIOUR, "B1", "Attitude", 60, all_raters),
        (Dimension.BEHAVIOUR, "B2", "Client satisfaction", 40, all_raters),
        (Dimension.ABILITY, "A1", "Client analysis", 60, colleagues),
    ]
    for order, (dimension, code, name, weight, raters) in enumerate(spec):
        IndicatorFactory(
            template=template, dimension=dimension, code=code, name=name, weight=weight, order=order, **raters
        )
    IndicatorFactory(
        template=template,
        dimension=Dimension.ABILITY,
        code="M1",
        name="New clients",
        weight=40,
        kind=Indicator.Kind.MEASURED,
        metric=Indicator.Metric.NEW_CLIENTS,
        target=5,
        rule=Indicator.Rule.RATIO_TO_TARGET,
        order=9,
    )
    return template


class AppraisalCycleFactory(factory.django.DjangoModelFactory):
    """An open regular cycle on a template with indicators; the rating deadline well in the future."""

    class Meta:
        model = AppraisalCycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    template = factory.LazyFunction(template_with_indicators)
    kind = AppraisalCycle.Kind.IRREGULAR
    cause = "test cycle"
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 6, 30)
    rating_deadline = dt.date(2099, 7, 15)
    state = AppraisalCycle.State.OPEN


def rater_user(role: Role = Role.ACCOUNT_MANAGER) -> User:
    """A user in the role with no usable password (hashing one takes a second; tests log in with force_login).

    For HR, the role's permissions are synced first, as factories.hr_user does.
    """
    if role == Role.HR:
        roles_sync()
    return UserFactory(role=role, password=None)


def ratings_department() -> Department:
    """One department (with its head) shared by the managers of these tests."""
    department = Department.objects.filter(name="Ratings test department").first()
    return department or Department.objects.create(
        name="Ratings test department", head=rater_user(Role.DEPARTMENT_HEAD)
    )


class AppraisalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appraisal

    cycle = factory.SubFactory(AppraisalCycleFactory)
    manager = factory.SubFactory(
        AccountManagerFactory,
        grade="second",
        user=factory.LazyFunction(rater_user),
        department=factory.LazyFunction(ratings_department),
    )


class RatingFactory(factory.django.DjangoModelFactory):
    """A pending self rating by the manager; pass rater_type and rater (or client) for the others."""

    class Meta:
        model = Rating

    appraisal = factory.SubFactory(AppraisalFactory)
    rater_type = RaterType.SELF
    rater = factory.LazyAttribute(lambda r: None if r.rater_type == RaterType.CLIENT else r.appraisal.manager.user)


class ClientRatingFactory(RatingFactory):
    """A pending client sample rating of a client assigned to the manager."""

    rater_type = RaterType.CLIENT
    rater = None
    client = factory.LazyAttribute(lambda r: AssignmentFactory(manager=r.appraisal.manager).client)


class RatingScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatingScore

    rating = factory.SubFactory(RatingFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    value = 4


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyInvitation

    rating = factory.SubFactory(ClientRatingFactory)
    email = factory.Sequence(lambda n: f"survey{n}@client.example.com")
    nonce = factory.Sequence(lambda n: f"nonce-{n:08d}-test")
    expires_at = factory.LazyFunction(lambda: dt.datetime(2099, 7, 15, 23, 59, tzinfo=dt.UTC))


def submitted_client_rating(appraisal: Appraisal, values: list[int]) -> Rating:
    """A client rating already answered with these values, one per client-rated indicator in order."""
    from django.utils import timezone

    from appraisals.selectors import indicators_rated_by

    rating = ClientRatingFactory(appraisal=appraisal, submitted_at=timezone.now())
    indicators = list(indicators_rated_by(template=appraisal.cycle.template, rater_type=RaterType.CLIENT))
    for indicator, value in zip(indicators, values, strict=True):
        RatingScore.objects.create(rating=rating, indicator=indicator, value=value, comment="because")
    return rating


def client_with_contact(manager: AccountManager, *, has_email: bool = True) -> Client:
    """A client assigned to the manager, with a contact that has an e-mail (or a contact without one)."""
    assignment = AssignmentFactory(manager=manager)
    ContactFactory(client=assignment.client, **({} if has_email else {"email": ""}))
    return assignment.client
