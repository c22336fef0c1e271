from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from core.roles import Role
from managers.models import (
    AccountManager,
    Assistant,
    AssistantKpi,
    Certification,
    CertificationScheme,
    Department,
    Education,
    Grade,
    GradeChange,
    Target,
    TrainingRecord,
)
from tests.core.factories import UserFactory


def grade(code: str) -> Grade:
    """One of the four grades the data migration seeds."""
    return Grade.objects.get(code=code)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")
    head = factory.SubFactory(UserFactory, role=Role.DEPARTMENT_HEAD)


class AccountManagerFactory(factory.django.DjangoModelFactory):
    """A manager; grade="senior" etc. writes the certification GradeChange that gives them that grade."""

    class Meta:
        model = AccountManager
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.ACCOUNT_MANAGER)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    department = factory.SubFactory(DepartmentFactory)
    hire_date = dt.date(2020, 1, 1)
    education = Education.BACHELOR
    years_experience = Decimal("4.0")

    @factory.post_generation
    def grade(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            GradeChange.objects.create(
                manager=self,
                to_grade=grade(extracted),
                reason=GradeChange.Reason.CERTIFICATION,
                effective_date=kwargs.get("since", dt.date(2020, 1, 1)),
            )


class GradeChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradeChange

    manager = factory.SubFactory(AccountManagerFactory)
    to_grade = factory.LazyFunction(lambda: grade("trainee"))
    reason = GradeChange.Reason.CERTIFICATION
    effective_date = dt.date(2020, 1, 1)


class AssistantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assistant

    user = factory.SubFactory(UserFactory, role=Role.ASSISTANT)
    manager = factory.SubFactory(AccountManagerFactory, grade="senior")


class CertificationSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationScheme
        django_get_or_create = ("name",)

    name = "Standard selection"
    weight_education = 15
    weight_experience = 20
    weight_track_record = 25
    weight_written = 20
    weight_interview = 20
    pass_mark = Decimal("70")
    entry_grade = factory.LazyFunction(lambda: grade("trainee"))


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    manager = factory.SubFactory(AccountManagerFactory)
    kind = TrainingRecord.Kind.ETHICS
    title = "Professional ethics"
    start = dt.date(2026, 3, 1)
    end = dt.date(2026, 3, 2)
    hours = Decimal("12")


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    manager = factory.SubFactory(AccountManagerFactory)
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 6, 30)
    business_volume = Decimal("1000000")
    new_clients = 5
    interactions = 60


class CertificationFactory(factory.django.DjangoModelFactory):
    """A pending candidate who meets the basic qualification requirements."""

    class Meta:
        model = Certification

    scheme = factory.SubFactory(CertificationSchemeFactory)
    first_name = "Xiaoming"
    last_name = "Wu"
    email = factory.LazyAttribute(lambda c: f"{c.employee_no.lower()}@example.com")
    employee_no = factory.Sequence(lambda n: f"C{n:05d}")
    department = factory.SubFactory(DepartmentFactory)
    hire_date = dt.date(2026, 3, 1)
    education = Education.BACHELOR
    years_experience = Decimal("2.0")
    score_education = Decimal("80")
    score_experience = Decimal("80")
    score_track_record = Decimal("80")
    score_written = Decimal("80")
    score_interview = Decimal("80")


class AssistantKpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistantKpi

    assistant = factory.SubFactory(AssistantFactory)
    month = dt.date(2026, 1, 1)
    contacts_target = 40
    contacts_done = 36
