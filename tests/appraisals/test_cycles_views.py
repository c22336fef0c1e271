"""HR's cycle results page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisals.selectors import cycle_results_ranking
from appraisals.services.cycles import cycle_close, cycle_open
from appraisals.views import cycles as cycles_views
from core.roles import Role
from tests.appraisals.factories import AppraisalCycleFactory, hr_user, small_template
from tests.core.factories import UserFactory
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
    # session, user, user's groups (role), cycles, count of the filtered appraisals (pagination), the page of
    # appraisals, grades and departments for the filter form
    with django_assert_num_queries(8):
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


def test_the_ranking_does_not_read_the_explanations(client) -> None:
    """Each explanation is about 12 KB of JSON at company size; the ranking shows none of it."""
    cycle = _closed_cycle(3)
    client.force_login(hr_user())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"cycle": cycle.pk})
    assert response.status_code == 200 and len(response.context["rows"]) == 3
    assert not [q["sql"] for q in queries.captured_queries if '"appraisals_appraisal"."explanation"' in q["sql"]]
    assert all(row.explanation for row in response.context["rows"])  # still there when asked for


def test_the_ranking_is_paginated_and_the_page_links_keep_the_filters(client, monkeypatch) -> None:
    cycle = _closed_cycle(5)
    monkeypatch.setattr(cycles_views, "PAGE_SIZE", 2)  # 5 appraisals: pages of 2, 2 and 1
    client.force_login(hr_user())
    ranking = [a.pk for a in cycle_results_ranking(cycle=cycle)]
    first_level = cycle.appraisals.filter(grade__code="first").first().grade

    response = client.get(URL, {"cycle": cycle.pk, "page": 2})

    html = response.content.decode()
    assert [row.pk for row in response.context["rows"]] == ranking[2:4]
    assert "5 appraisals" in html and "Page 2 of 3" in html
    assert re.search(r"<td data-label=\"#\">3</td>", html)  # ranks go on from the previous page
    next_link = re.search(r'href="(\?[^"]*page=3[^"]*)"', html).group(1)
    assert f"cycle={cycle.pk}" in next_link
    export = re.search(r'href="(/[^"]*export=csv[^"]*)"', html).group(1)
    assert "page=" not in export  # the export is the whole ranking, whatever page is shown
    filtered = client.get(URL, {"cycle": cycle.pk, "grade": first_level.pk})
    assert "Page 1 of 2" in filtered.content.decode()  # 3 first-level managers of 5
    link = re.search(r'href="(\?[^"]*page=2[^"]*)"', filtered.content.decode()).group(1)
    assert f"grade={first_level.pk}" in link.replace("&amp;", "&")


def test_the_page_and_its_export_show_the_same_latest_closed_cycle(client) -> None:
    # Two closed cycles over one period: the one closed last is the latest, whichever was created first.
    closed_last = AppraisalCycleFactory(state="closed", closed_at=dt.datetime(2026, 7, 20, tzinfo=dt.UTC))
    AppraisalCycleFactory(state="closed", closed_at=dt.datetime(2026, 7, 10, tzinfo=dt.UTC))
    client.force_login(hr_user())
    assert client.get(URL).context["cycle"] == closed_last
    export = client.get(reverse("reports:cycle_results"), {"export": "csv"})
    assert f"cycle-results-{closed_last.pk}-" in export["Content-Disposition"]
