"""The results tables sort by their headers: HR's cycle results and my line's results."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory, hr_user
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

ACCEPT = {"en": "en", "zh-hans": "zh-hans,zh;q=0.9"}


@pytest.fixture
def results():
    """A first-level supervisor (total 91) over two second-level managers (83 and 70), in Sales; one in Risk (77)."""
    sales, risk = DepartmentFactory(name="Sales"), DepartmentFactory(name="Risk")
    cycle = ClosedCycleFactory()
    supervisor = AccountManagerFactory(grade="first", department=sales, employee_no="KM0001")
    people = {"supervisor": supervisor}
    for key, department, boss, no, total in [
        ("b", sales, supervisor, "KM0002", "83"),
        ("c", sales, supervisor, "KM0003", "70"),
        ("outsider", risk, None, "KM0004", "77"),
    ]:
        people[key] = AccountManagerFactory(grade="second", department=department, supervisor=boss, employee_no=no)
        FinalAppraisalFactory(cycle=cycle, manager=people[key], total=Decimal(total))
    FinalAppraisalFactory(cycle=cycle, manager=supervisor, total=Decimal("91"))
    return {"cycle": cycle, **people}


def _totals(response) -> list[Decimal]:
    rows = response.context["rows"] if "rows" in response.context else response.context["results"].appraisals
    return [row.total_score for row in rows]


def _header(html: str, label: str) -> str:
    return next(th for th in re.findall(r"<th\b.*?</th>", html, re.S) if label in th)


def test_the_cycle_results_sort_by_a_column_and_back(client, results) -> None:
    client.force_login(hr_user())
    url = reverse("appraisals:cycle_results")
    ranking = client.get(url, {"cycle": results["cycle"].pk})
    assert _totals(ranking) == [Decimal("91"), Decimal("83"), Decimal("77"), Decimal("70")]
    assert 'aria-sort="ascending"' in _header(ranking.text, "#")
    by_manager = client.get(url, {"cycle": results["cycle"].pk, "ordering": "manager"})
    # KM0001 (91), KM0002 (83), KM0003 (70), KM0004 (77); the rank stays the place in the ranking.
    assert _totals(by_manager) == [Decimal("91"), Decimal("83"), Decimal("70"), Decimal("77")]
    assert [row.rank for row in by_manager.context["rows"]] == [1, 2, 4, 3]
    header = _header(by_manager.text, "account manager")
    assert 'aria-sort="ascending"' in header and "▲" in header and "ordering=-manager" in header
    assert f"cycle={results['cycle'].pk}" in header  # the cycle chosen is kept
    lowest_first = client.get(url, {"cycle": results["cycle"].pk, "ordering": "total"})
    assert _totals(lowest_first) == [Decimal("70"), Decimal("77"), Decimal("83"), Decimal("91")]
    assert client.get(url, {"cycle": results["cycle"].pk, "ordering": "explanation"}).status_code == 200


def test_the_cycle_results_write_scores_as_numbers_in_both_languages(client, results) -> None:
    client.force_login(hr_user())
    for language in ACCEPT.values():
        html = client.get(
            reverse("appraisals:cycle_results"), {"cycle": results["cycle"].pk}, HTTP_ACCEPT_LANGUAGE=language
        ).text
        assert ">91.00<" in html


def test_my_lines_results_sort_by_a_column(client, results) -> None:
    client.force_login(results["supervisor"].user)
    url = reverse("appraisals:line_results")
    default = client.get(url)
    assert _totals(default) == [Decimal("91"), Decimal("83"), Decimal("70")]  # the outsider is not in the line
    assert 'aria-sort="descending"' in _header(default.text, "total score")
    ascending = client.get(url, {"ordering": "total"})
    assert _totals(ascending) == [Decimal("70"), Decimal("83"), Decimal("91")]
    assert 'aria-sort="ascending"' in _header(ascending.text, "total score")
    by_manager = client.get(url, {"ordering": "-manager"})
    assert [row.manager.employee_no for row in by_manager.context["results"].appraisals] == [
        "KM0003",
        "KM0002",
        "KM0001",
    ]


@pytest.mark.parametrize(
    "language, period", [("en", "2026-01-01 – 2026-06-30"), ("zh-hans", "2026-01-01 – 2026-06-30")]
)
def test_my_lines_results_write_the_period_and_scores_alike_in_both_languages(
    client, results, language, period
) -> None:
    client.force_login(results["supervisor"].user)
    html = client.get(reverse("appraisals:line_results"), HTTP_ACCEPT_LANGUAGE=ACCEPT[language]).text
    assert period in html and "<strong>91.00</strong>" in html
    assert "2026年" not in html


@pytest.mark.parametrize("extra", [0, 6])
def test_sorting_my_lines_results_keeps_the_query_count(client, results, extra: int, django_assert_num_queries) -> None:
    for _ in range(extra):
        below = AccountManagerFactory(grade="second", department=results["supervisor"].department)
        below.supervisor = results["supervisor"]
        below.save()
        FinalAppraisalFactory(cycle=results["cycle"], manager=below, total=Decimal("60"))
    client.force_login(results["supervisor"].user)
    # session, user, groups, the viewer as manager, has subordinates, the latest closed cycle, the line's appraisals
    with django_assert_num_queries(7):
        response = client.get(reverse("appraisals:line_results"), {"ordering": "-performance"})
    assert len(response.context["results"].appraisals) == 3 + extra
