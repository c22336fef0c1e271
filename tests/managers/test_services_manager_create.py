"""Creating a manager: the first GradeChange gives the grade, approved by someone or (by default) by no one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.roles import Role
from managers.models import Education, GradeChange
from managers.services import manager_create
from tests.core.factories import UserFactory
from tests.managers.factories import DepartmentFactory, grade

pytestmark = pytest.mark.django_db


def _create(**extra: object):
    return manager_create(
        user=UserFactory(role=Role.ACCOUNT_MANAGER),
        employee_no="E90001",
        department=DepartmentFactory(),
        hire_date=dt.date(2026, 5, 11),
        education=Education.BACHELOR,
        years_experience=Decimal("2.0"),
        grade=grade("trainee"),
        **extra,
    )


def test_a_manager_created_without_an_approver_gets_the_first_grade_unapproved() -> None:
    manager = _create()  # approved_by defaults to None
    change = GradeChange.objects.get(manager=manager)
    assert (change.to_grade, change.effective_date, change.approved_by) == (grade("trainee"), manager.hire_date, None)
    assert manager.grade_on(dt.date(2026, 5, 11)) == grade("trainee")


def test_a_manager_created_with_an_approver_records_who_approved_the_first_grade() -> None:
    hr = UserFactory(role=Role.HR)
    manager = _create(approved_by=hr)
    assert GradeChange.objects.get(manager=manager).approved_by == hr
