"""HR's cycle results page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisals.services.cycles import cycle_close, cycle_open
from config.roles import Role
from tests.appraisals.factories import AppraisalCycleFactory, hr_user, small_template
from tests.config.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db
URL = reverse("appraisals:cycle_results")


def _closed_cycle(managers: int):
    sales, retail = DepartmentFactory(name="Sales"), DepartmentFactory(name="Retail")
    for n in range(managers):
        AccountManagerFactory(grade="second" if n % 2 else "first", department=sales if n % 3 else retail)
    cycle = AppraisalCycleFactory(template=small_template())
    cycle_open(cycle=cycle)
    return cycle_close(cycle=cycle, reason="Nobody rated in this test")


def test_only_hr_sees_the_cycle_results(client) -> None:
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    assert client.get(URL).status_code == 403
    client.force_login(hr_user())
    assert client.get(URL + "?cycle=999999").status_code == 404


@pytest.mark.parametrize("managers", [3, 9])
def test_the_ranking_filters_by_grade_and_department_in_a_fixed_number_of_queries(
    client, managers: int, django_assert_num_queries
) -> None:
    cycle = _closed_cycle(managers)
    client.force_login(hr_user())
    # session, user, user's groups (role), cycles, appraisals, grades and departments for the filter form
    with django_assert_num_queries(7):
        response = client.get(URL, {"cycle": cycle.pk})
    assert response.status_code == 200
    assert len(response.context["rows"]) == managers
    first_level = response.context["rows"][0].grade.__class__.objects.get(code="first")
    response = client.get(URL, {"cycle": cycle.pk, "grade": first_level.pk})
    assert {row.grade_id for row in response.context["rows"]} == {first_level.pk}
    sales = DepartmentFactory(name="Sales")
    response = client.get(URL, {"cycle": cycle.pk, "department": sales.pk})
    rows = response.context["rows"]
    assert rows and all(row.manager.department_id == sales.pk for row in rows)
    totals = [row.total_score for row in response.context["rows"]]
    assert totals == sorted(totals, reverse=True)
