"""The one entry point of each kind answers as the matrix says, for each action; the selectors that load one object
for a page answer None (the page answers 404) rather than raising."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from appraisals.models import Rating
from appraisals.selectors import (
    appraisal_for_user,
    appraisals_visible_to,
    ratings_visible_to,
    spot_checks_visible_to,
)
from clients.selectors import client_detail_for_user, clients_visible_to, interactions_visible_to, reports_visible_to
from core.permissions import MATRIX, Action, Actor, Kind, Scope
from incentives.models import PayStatement
from incentives.selectors import pay_statement_for_user, pay_statements_visible_to
from managers.selectors import actor_of, scope_of
from tests.appraisals.factories import SpotCheckFactory
from tests.core.factories import UserFactory
from tests.security.company import company_build

pytestmark = pytest.mark.django_db


def test_every_users_cell_is_the_cell_of_their_column() -> None:
    """scope_of skips the grade look-up while the grades share one row; it must answer as the grade's column."""
    company = company_build()
    users = [company.hr, company.a.head, company.a.assistant.user, UserFactory(), AnonymousUser()]
    users += [manager.user for manager in company.a.managers.values()]
    for user in users:
        actor = actor_of(user)
        for kind in Kind:
            for action in Action:
                expected = Scope.NONE if actor is None else MATRIX[actor][kind][action]
                assert scope_of(user, kind, action) == expected, (user, kind, action)
    assert actor_of(company.a.managers["first"].user) == Actor.FIRST
    assert actor_of(company.a.assistant.user) == Actor.ASSISTANT


def test_interactions_and_reports_follow_their_client() -> None:
    company = company_build()
    a = company.a
    first = a.managers["first"].user
    below_first = ("first", "second", "trainee")
    assert set(interactions_visible_to(first)) == {a.interactions[grade] for grade in below_first}
    assert set(reports_visible_to(a.head)) == set(a.reports.values())
    assert not reports_visible_to(company.b.head).filter(pk__in=[r.pk for r in a.reports.values()]).exists()
    # Creating: a manager logs work for the clients they serve now, an assistant for their employer's; a head none.
    assert set(interactions_visible_to(first, Action.CREATE)) == {a.interactions["first"]}
    assert set(interactions_visible_to(a.assistant.user, Action.CREATE)) == {a.interactions["senior"]}
    assert not reports_visible_to(a.assistant.user, Action.CREATE).exists()
    assert not interactions_visible_to(a.head, Action.CREATE).exists()
    assert not clients_visible_to(first, Action.CHANGE).exists()


def test_a_client_outside_the_scope_loads_as_none() -> None:
    company = company_build()
    client = company.a.clients["second"]
    assert client_detail_for_user(company.b.managers["senior"].user, client.pk) is None
    assert client_detail_for_user(company.a.managers["senior"].user, client.pk) == client


def test_appraisals_ratings_and_spot_checks_by_action() -> None:
    company = company_build()
    a = company.a
    second = a.managers["second"].user
    # Change is acknowledging or appealing: one's own appraisal only, where view reaches the line below.
    assert set(appraisals_visible_to(second, Action.CHANGE)) == {a.appraisals["second"]}
    below_first = {a.appraisals[grade] for grade in ("first", "second", "trainee")}
    assert set(appraisals_visible_to(a.managers["first"].user)) == below_first
    assert appraisal_for_user(company.b.head, a.appraisals["second"].pk) is None
    assert appraisal_for_user(a.head, a.appraisals["second"].pk) == a.appraisals["second"]
    assert set(ratings_visible_to(second)) == {a.ratings["second"]}
    assert not ratings_visible_to(a.assistant.user).exists()
    assert ratings_visible_to(company.hr).count() == Rating.objects.count()
    check = SpotCheckFactory(manager=a.managers["second"])
    assert not spot_checks_visible_to(second).exists()
    assert not spot_checks_visible_to(a.head).exists()
    assert list(spot_checks_visible_to(company.hr)) == [check]


def test_pay_statements_are_own_only_and_a_colleagues_loads_as_none() -> None:
    company = company_build()
    a = company.a
    first = a.managers["first"].user
    assert list(pay_statements_visible_to(first)) == [a.statements["first"]]
    assert not pay_statements_visible_to(a.head).exists()
    assert not pay_statements_visible_to(a.assistant.user).exists()
    assert not pay_statements_visible_to(first, Action.CHANGE).exists()
    assert pay_statements_visible_to(company.hr).count() == PayStatement.objects.count()
    assert pay_statement_for_user(user=first, pk=a.statements["second"].pk) is None
    assert pay_statement_for_user(user=first, pk=a.statements["first"].pk) == a.statements["first"]
