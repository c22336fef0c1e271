import datetime as dt

import pytest
from django.urls import reverse

from core.roles import Role
from managers.models import GradeChange
from tests.core.factories import UserFactory
from tests.managers.factories import (
    AccountManagerFactory,
    GradeChangeFactory,
    TargetFactory,
    TrainingRecordFactory,
    grade,
)

pytestmark = pytest.mark.django_db


def _with_rows(manager, n: int) -> None:
    """Give the manager n subordinates, n trainings, n targets and n more grade changes."""
    for i in range(n):
        AccountManagerFactory(grade="trainee", supervisor=manager)
        TrainingRecordFactory(manager=manager, title=f"Course {i}")
        TargetFactory(manager=manager, period_start=dt.date(2020 + i, 1, 1), period_end=dt.date(2020 + i, 12, 31))
    codes = ["second", "first"]
    for i in range(n):
        GradeChangeFactory(
            manager=manager,
            from_grade=grade(codes[(i + 1) % 2]),
            to_grade=grade(codes[i % 2]),
            reason=GradeChange.Reason.APPRAISAL,
            effective_date=dt.date(2021, 1, 1) + dt.timedelta(days=30 * i),
        )
    GradeChangeFactory(manager=manager, to_grade=grade("first"), effective_date=dt.date(2024, 1, 1))


@pytest.mark.parametrize("rows", [1, 4])
def test_profile_shows_the_managers_file_in_a_fixed_number_of_queries(client, django_assert_num_queries, rows) -> None:
    boss = AccountManagerFactory(grade="senior", user__first_name="Jun", user__last_name="Wang")
    manager = AccountManagerFactory(grade="second", supervisor=boss, grade__since=dt.date(2019, 1, 1))
    _with_rows(manager, rows)
    client.force_login(manager.user)

    # session, user, the user's groups (role for the navigation), the manager with department and supervisor,
    # their grade history, supervisor and subordinates with their grades, trainings, targets
    with django_assert_num_queries(8):
        response = client.get(reverse("managers:profile"))

    assert response.status_code == 200
    page = response.content.decode()
    assert str(grade("first")) in page
    assert "Jun Wang" in page
    assert page.count("Course ") == rows
    assert len(response.context["subordinates"]) == rows


def test_profile_names_failing_qualification_requirements(client) -> None:
    manager = AccountManagerFactory(grade="trainee", healthy=False)
    client.force_login(manager.user)

    response = client.get(reverse("managers:profile"))

    assert "Not in good health." in response.content.decode()


def test_a_future_grade_change_is_announced_but_not_yet_the_grade(client) -> None:
    manager = AccountManagerFactory(grade="trainee")
    GradeChangeFactory(
        manager=manager, to_grade=grade("second"), effective_date=dt.date.today() + dt.timedelta(days=10)
    )
    client.force_login(manager.user)

    response = client.get(reverse("managers:profile"))

    assert response.context["grade"] == grade("trainee")
    assert response.context["upcoming"][0].to_grade == grade("second")


def test_a_user_who_is_not_an_account_manager_gets_404(client) -> None:
    client.force_login(UserFactory(role=Role.HR))

    assert client.get(reverse("managers:profile")).status_code == 404


def test_profile_requires_login(client) -> None:
    response = client.get(reverse("managers:profile"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]
