"""Who sees which clients (the one rule: clients_visible_to), and the list's annotations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from clients.selectors import client_detail_for_user, client_list, clients_visible_to
from core.roles import Role
from tests.clients.factories import (
    AssignmentFactory,
    BusinessRecordFactory,
    ClientFactory,
    InteractionFactory,
)
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    """Two lines in two departments: senior → first → second, and another senior alone, each with one client."""
    north, south = DepartmentFactory(name="North"), DepartmentFactory(name="South")
    senior = AccountManagerFactory(grade="senior", department=north)
    first = AccountManagerFactory(grade="first", department=north, supervisor=senior)
    second = AccountManagerFactory(grade="second", department=north, supervisor=first)
    other = AccountManagerFactory(grade="senior", department=south)
    clients = {}
    for name, manager in {"senior": senior, "first": first, "second": second, "other": other}.items():
        clients[name] = AssignmentFactory(manager=manager, client=ClientFactory(name=f"{name} client")).client
    return {
        "north": north,
        "south": south,
        "senior": senior,
        "first": first,
        "second": second,
        "other": other,
        "clients": clients,
    }


def names(queryset) -> set[str]:
    return {client.name for client in queryset}


def test_a_manager_sees_their_own_clients_and_those_below_them_only(company) -> None:
    assert names(clients_visible_to(company["senior"].user)) == {"senior client", "first client", "second client"}
    assert names(clients_visible_to(company["first"].user)) == {"first client", "second client"}
    assert names(clients_visible_to(company["second"].user)) == {"second client"}
    assert names(clients_visible_to(company["other"].user)) == {"other client"}


def test_a_client_reassigned_away_leaves_the_old_managers_view(company) -> None:
    client = company["clients"]["second"]
    client.assignments.update(end=dt.date(2025, 6, 30))
    AssignmentFactory(client=client, manager=company["other"], start=dt.date(2025, 7, 1))

    assert "second client" not in names(clients_visible_to(company["senior"].user))
    assert "second client" in names(clients_visible_to(company["other"].user))


def test_an_assistant_sees_their_managers_clients_while_active(company) -> None:
    assistant = AssistantFactory(manager=company["first"])
    assert names(clients_visible_to(assistant.user)) == {"first client"}

    assistant.active = False
    assistant.save()
    assert not clients_visible_to(assistant.user).exists()


def test_a_department_head_sees_the_clients_of_their_departments_managers(company) -> None:
    head = company["north"].head
    assert names(clients_visible_to(head)) == {"senior client", "first client", "second client"}
    assert names(clients_visible_to(company["south"].head)) == {"other client"}


def test_hr_sees_every_client_even_unassigned_and_others_see_none(company) -> None:
    ClientFactory(name="unassigned client")
    hr = UserFactory(role=Role.HR)
    assert len(names(clients_visible_to(hr))) == 5
    assert not clients_visible_to(UserFactory()).exists()  # a user with no role
    assert not clients_visible_to(AnonymousUser()).exists()
    # A manager-group user with no AccountManager row (misconfigured) sees nothing, rather than everything.
    assert not clients_visible_to(UserFactory(role=Role.ACCOUNT_MANAGER)).exists()


def test_client_detail_for_user_is_none_outside_the_line(company) -> None:
    other_client = company["clients"]["other"]
    assert client_detail_for_user(company["senior"].user, other_client.pk) is None
    assert client_detail_for_user(company["other"].user, other_client.pk) == other_client


def test_client_list_annotates_manager_last_interaction_and_this_years_volume(company) -> None:
    today = timezone.localdate()
    client = company["clients"]["first"]
    first = company["first"]
    first.user.first_name, first.user.last_name = "Fang", "Liu"
    first.user.save()
    InteractionFactory(client=client, manager=first, date=today - dt.timedelta(days=40))
    InteractionFactory(client=client, manager=first, date=today - dt.timedelta(days=3))
    # This year's volume: 100 000 (January) + 50 000.50 (this month) = 150 000.50; last December does not count.
    BusinessRecordFactory(client=client, month=dt.date(today.year, 1, 1), volume=Decimal("100000"))
    if today.month > 1:
        BusinessRecordFactory(client=client, month=today.replace(day=1), volume=Decimal("50000.50"))
    BusinessRecordFactory(client=client, month=dt.date(today.year - 1, 12, 1), volume=Decimal("999999"))

    rows = {row.name: row for row in client_list(user=company["senior"].user, filters={})}

    row = rows["first client"]
    assert row.current_manager.name == "Fang Liu"
    assert row.last_interaction == today - dt.timedelta(days=3)
    expected = Decimal("150000.50") if today.month > 1 else Decimal("100000")
    assert row.volume_this_year == expected
    assert rows["second client"].last_interaction is None
    assert rows["second client"].volume_this_year == Decimal("0")
