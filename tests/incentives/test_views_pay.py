"""Pay pages: a manager sees only their own pay; HR and users HR granted the permission see any statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.roles import Role
from incentives.models import PayStatement
from incentives.services import pay_adjustment_create, pay_period_approve, pay_statements_generate
from managers.models import GradeChange
from tests.core.factories import UserFactory
from tests.incentives.factories import FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory, RecognitionFactory
from tests.managers.factories import AccountManagerFactory, GradeChangeFactory, grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    """A senior supervising a first-level manager, both with a draft statement for 2026-07."""
    PaySchemeFactory(grade=grade("first"))
    PaySchemeFactory(grade=grade("senior"), performance_cap=Decimal("6000"), behaviour_cap=Decimal("3000"))
    supervisor = AccountManagerFactory(grade="senior")
    manager = AccountManagerFactory(grade="first", supervisor=supervisor)
    FinalAppraisalFactory(manager=manager)
    FinalAppraisalFactory(manager=supervisor)
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    return {
        "manager": manager,
        "supervisor": supervisor,
        "period": period,
        "statement": PayStatement.objects.get(manager=manager),
    }


def _login(client, user) -> None:
    client.force_login(user)


def test_my_pay_shows_every_term_with_its_formula(client, line) -> None:
    # first-level, scores 80 / 75: performance clamp(80 × 40 = 3200.00, 0, 4000) = 3200.00,
    # behaviour clamp(75 × 15 = 1125.00, 0, 1500) = 1125.00; total 9000.00 + 3200.00 + 1125.00 = 13325.00
    _login(client, line["manager"].user)
    response = client.get(reverse("incentives:my_pay"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "13325.00" in content
    assert "clamp(80.00 × 40.00 = 3200.00, 0.00, 4000.00) = 3200.00" in content
    assert "clamp(75.00 × 15.00 = 1125.00, 0.00, 1500.00) = 1125.00" in content
    assert "9000.00 + 3200.00 + 1125.00 = 13325.00" in content


def test_my_pay_lists_only_the_managers_own_statements(client, line) -> None:
    _login(client, line["manager"].user)
    response = client.get(reverse("incentives:my_pay"))
    supervisor_statement = PayStatement.objects.get(manager=line["supervisor"])
    shown = {row.statement.pk for row in response.context["statements"]}
    assert shown == {line["statement"].pk}
    assert reverse("incentives:statement", args=[supervisor_statement.pk]) not in response.content.decode()


def test_my_pay_query_count_does_not_grow_with_statements(client, line, django_assert_num_queries) -> None:
    _login(client, line["manager"].user)
    url = reverse("incentives:my_pay")
    with django_assert_num_queries(5):  # session, user, the user's manager, the user's groups (nav), statements
        client.get(url)
    hr = UserFactory(role=Role.HR)
    pay_period_approve(period=line["period"], by=hr)
    for amount in ("100", "-50"):
        pay_adjustment_create(statement=line["statement"], by=hr, reason="correction", base_salary=Decimal(amount))
    with django_assert_num_queries(5):  # the same five with three statements
        response = client.get(url)
    assert len(response.context["statements"]) == 3


def test_owner_sees_the_statement_with_the_proration_explained(client, line, django_assert_num_queries) -> None:
    manager = line["manager"]
    GradeChangeFactory(
        manager=manager,
        from_grade=grade("first"),
        to_grade=grade("senior"),
        reason=GradeChange.Reason.APPRAISAL,
        effective_date=dt.date(2026, 7, 16),
    )
    pay_statements_generate(period=line["period"])
    _login(client, manager.user)
    with django_assert_num_queries(4):  # session, user, statement with period, grade, manager and user; groups (nav)
        response = client.get(reverse("incentives:statement", args=[line["statement"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "The grade changed during the period" in content
    assert "× 15/31" in content and "× 16/31" in content


def test_supervisor_does_not_see_a_subordinates_statement(client, line) -> None:
    _login(client, line["supervisor"].user)
    response = client.get(reverse("incentives:statement", args=[line["statement"].pk]))
    assert response.status_code == 404


def test_another_manager_and_a_department_head_get_404(client, line) -> None:
    for user in (AccountManagerFactory(grade="first").user, UserFactory(role=Role.DEPARTMENT_HEAD)):
        _login(client, user)
        assert client.get(reverse("incentives:statement", args=[line["statement"].pk])).status_code == 404
        client.logout()


def test_a_user_hr_granted_the_permission_sees_any_statement(client, line) -> None:
    supervisor_user = line["supervisor"].user
    supervisor_user.user_permissions.add(Permission.objects.get(codename="view_all_pay_statements"))
    _login(client, supervisor_user)
    response = client.get(reverse("incentives:statement", args=[line["statement"].pk]))
    assert response.status_code == 200
    assert "13325.00" in response.content.decode()


def test_hr_sees_any_statement(client, line) -> None:
    _login(client, UserFactory(role=Role.HR))
    assert client.get(reverse("incentives:statement", args=[line["statement"].pk])).status_code == 200


def test_pay_pages_need_a_login_and_a_manager(client, line) -> None:
    response = client.get(reverse("incentives:my_pay"))
    assert response.status_code == 302
    _login(client, UserFactory(role=Role.DEPARTMENT_HEAD))
    assert client.get(reverse("incentives:my_pay")).status_code == 404


def test_my_recognition_lists_the_managers_awards(client, django_assert_num_queries) -> None:
    manager = AccountManagerFactory(grade="first")
    RecognitionFactory(manager=manager, title="Best newcomer")
    RecognitionFactory(title="Someone else's title")
    _login(client, manager.user)
    with django_assert_num_queries(5):  # session, user, manager, groups (nav), recognitions with appraisal cycle
        response = client.get(reverse("incentives:my_recognition"))
    content = response.content.decode()
    assert "Best newcomer" in content
    assert "Someone else" not in content


def test_roll_of_honour_shows_the_years_recognition_to_every_user(client, django_assert_num_queries) -> None:
    RecognitionFactory(title="Star of 2026", date=dt.date(2026, 7, 1))
    RecognitionFactory(title="Star of 2025", date=dt.date(2025, 7, 1))
    _login(client, UserFactory(role=Role.ASSISTANT))
    with django_assert_num_queries(4):  # session, user, groups (nav), the year's recognitions with manager
        response = client.get(reverse("incentives:roll_of_honour", args=[2026]))
    content = response.content.decode()
    assert "Star of 2026" in content
    assert "Star of 2025" not in content
    for _ in range(3):
        RecognitionFactory(date=dt.date(2026, 8, 1), kind="honorary_title")
    with django_assert_num_queries(4):  # the same four with more rows
        client.get(reverse("incentives:roll_of_honour", args=[2026]))
    assert client.get(reverse("incentives:roll_of_honour")).status_code == 200
