"""'My clients': only mine, one manager of the user's scope, and sortable headers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from tests.clients.factories import AssignmentFactory, BusinessRecordFactory, ClientFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ACCEPT = {"en": "en", "zh-hans": "zh-hans,zh;q=0.9"}


@pytest.fixture
def team():
    """A senior with one client, supervising a first-level manager with two; another department's senior with one."""
    north, south = DepartmentFactory(name="North"), DepartmentFactory(name="South")
    senior = AccountManagerFactory(grade="senior", department=north)
    first = AccountManagerFactory(grade="first", department=north, supervisor=senior)
    stranger = AccountManagerFactory(grade="senior", department=south)
    for manager, name, volume in [
        (senior, "Beta Bank", "300"),
        (first, "Alpha Steel", "100"),
        (first, "Gamma Foods", "200"),
        (stranger, "Foreign Trading", "999"),
    ]:
        row = AssignmentFactory(manager=manager, client=ClientFactory(name=name)).client
        BusinessRecordFactory(client=row, month=dt.date(TODAY.year, 1, 1), volume=Decimal(volume))
    return {"north": north, "senior": senior, "first": first, "stranger": stranger}


def listed(response) -> list[str]:
    return [client.name for client in response.context["page"].object_list]


# --- whose clients ------------------------------------------------------------------------------------------------


def test_only_mine_leaves_out_the_clients_of_the_line(client, team) -> None:
    client.force_login(team["senior"].user)
    assert listed(client.get(reverse("clients:list"))) == ["Alpha Steel", "Beta Bank", "Gamma Foods"]
    assert listed(client.get(reverse("clients:list"), {"mine": "on"})) == ["Beta Bank"]


def test_a_supervisor_filters_by_a_manager_of_the_line(client, team) -> None:
    client.force_login(team["senior"].user)
    response = client.get(reverse("clients:list"), {"manager": team["first"].pk})
    assert listed(response) == ["Alpha Steel", "Gamma Foods"]
    offered = {manager.pk for manager in response.context["filterset"].form.fields["manager"].queryset}
    assert offered == {team["senior"].pk, team["first"].pk}  # not the other department's senior


def test_a_department_head_filters_by_manager_and_is_offered_the_departments_managers_only(client, team) -> None:
    client.force_login(team["north"].head)
    response = client.get(reverse("clients:list"), {"manager": team["senior"].pk})
    assert listed(response) == ["Beta Bank"]
    html = response.text
    assert f'value="{team["first"].pk}"' in html and f'value="{team["stranger"].pk}"' not in html
    assert 'name="mine"' not in html  # a head serves no clients of their own


def test_a_manager_outside_the_scope_is_a_form_error_and_lists_nothing(client, team) -> None:
    client.force_login(team["senior"].user)
    response = client.get(reverse("clients:list"), {"manager": team["stranger"].pk})
    assert response.status_code == 200
    assert listed(response) == []
    assert "manager" in response.context["filterset"].form.errors
    assert "Foreign Trading" not in response.text and team["stranger"].employee_no not in response.text


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1", ""])
def test_a_bad_manager_value_never_fails_nor_widens_the_list(client, team, value: str) -> None:
    client.force_login(team["first"].user)
    response = client.get(reverse("clients:list"), {"manager": value})
    assert response.status_code == 200
    assert "Foreign Trading" not in listed(response) and "Beta Bank" not in listed(response)


def test_a_manager_with_nobody_below_gets_neither_manager_filter_nor_only_mine(client) -> None:
    trainee = AccountManagerFactory(grade="trainee")
    client.force_login(trainee.user)
    html = client.get(reverse("clients:list")).text
    assert 'name="manager"' not in html and 'name="mine"' not in html


def test_the_export_follows_the_manager_filter(client, team) -> None:
    client.force_login(team["senior"].user)
    csv = client.get(reverse("reports:clients"), {"manager": team["first"].pk, "export": "csv"}).content.decode()
    assert "Alpha Steel" in csv and "Beta Bank" not in csv


# --- sortable headers ---------------------------------------------------------------------------------------------


def _header(html: str, label: str) -> str:
    return next(th for th in re.findall(r"<th\b.*?</th>", html, re.S) if label in th)


def test_a_header_sorts_the_list_and_says_so_with_aria_sort(client, team) -> None:
    client.force_login(team["senior"].user)
    first_page = client.get(reverse("clients:list"), {"tier": "", "mine": ""})
    assert 'aria-sort="ascending"' in _header(first_page.text, "client")  # name is the default order
    # The volume header sorts the largest first and keeps the other parameters.
    link = re.search(r'href="\?([^"]+)"', _header(first_page.text, "volume this year")).group(1)
    assert "ordering=-volume" in link and "tier=" in link and "mine=" in link
    by_volume = client.get(reverse("clients:list") + "?" + link.replace("&amp;", "&"))
    assert listed(by_volume) == ["Beta Bank", "Gamma Foods", "Alpha Steel"]  # 300, 200, 100
    header = _header(by_volume.text, "volume this year")
    assert 'aria-sort="descending"' in header and "▼" in header
    assert "aria-sort" not in _header(by_volume.text, "client")
    # Clicking the sorted header again reverses the order.
    assert "ordering=volume" in header
    assert listed(client.get(reverse("clients:list"), {"ordering": "volume"})) == [
        "Alpha Steel",
        "Gamma Foods",
        "Beta Bank",
    ]


def test_a_header_link_starts_again_at_the_first_page(client, team) -> None:
    client.force_login(team["senior"].user)
    html = client.get(reverse("clients:list"), {"page": "1", "q": "a"}).text
    link = re.search(r'href="\?([^"]+)"', _header(html, "tier")).group(1)
    assert "page=" not in link and "q=a" in link


def test_an_unknown_sort_is_ignored(client, team) -> None:
    client.force_login(team["senior"].user)
    response = client.get(reverse("clients:list"), {"ordering": "password"})
    assert response.status_code == 200
    assert listed(response) == ["Alpha Steel", "Beta Bank", "Gamma Foods"]


def test_the_sort_options_and_new_filters_read_in_chinese(client, team) -> None:
    client.force_login(team["senior"].user)
    html = client.get(reverse("clients:list"), HTTP_ACCEPT_LANGUAGE=ACCEPT["zh-hans"]).text
    for english in ("(descending)", "only my own clients", "any manager"):
        assert english not in html
    assert "只看我自己的客户" in html and "全部客户经理" in html and "（降序）" in html


@pytest.mark.parametrize("count", [2, 20])
def test_filtering_by_manager_makes_the_same_number_of_queries_whatever_the_rows(
    client, team, count: int, django_assert_num_queries
) -> None:
    for _ in range(count):
        AssignmentFactory(manager=team["first"], client=ClientFactory())
    client.force_login(team["senior"].user)
    # session, user, groups (role), the user's manager row, the ids of their line, the manager asked for (the
    # form's check), the industries and the managers of the form, the count of the page, the page's rows
    with django_assert_num_queries(10):
        response = client.get(reverse("clients:list"), {"manager": team["first"].pk, "ordering": "-volume"})
    assert len(listed(response)) == count + 2


def test_a_hr_user_filters_any_manager_by_employee_number(client, team) -> None:
    client.force_login(UserFactory(role=Role.HR))
    # The whole company is too many managers to list: HR types the number instead of choosing from a list.
    response = client.get(reverse("clients:list"), {"manager": team["stranger"].employee_no})
    assert listed(response) == ["Foreign Trading"]
    html = response.content.decode()
    assert 'name="manager"' in html and f'value="{team["stranger"].employee_no}"' in html
    assert re.search(r'<input[^>]*name="manager"', html) and not re.search(r'<select[^>]*name="manager"', html)
    response = client.get(reverse("clients:list"), {"manager": "NO-SUCH-NUMBER"})
    assert "manager" in response.context["filterset"].form.errors and listed(response) == []
