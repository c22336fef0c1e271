"""HR in the admin: approved statements are read-only, corrections go through an intermediate form, periods export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from config.celery import app as celery_app
from incentives.models import PayPeriod, PayScheme, PayStatement
from incentives.services import pay_period_approve, pay_statements_generate
from tests.incentives.factories import FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory
from tests.managers.factories import grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(admin_user) -> PayPeriod:
    # One first-level manager, scores 80 / 75: 9000.00 + 3200.00 + 1125.00 = 13325.00
    PaySchemeFactory(grade=grade("first"))
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    pay_statements_generate(period=period)
    return period


def _action(client, model: str, action: str, pks: list[int], **extra: object):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], **extra}
    return client.post(reverse(f"admin:incentives_{model}_changelist"), data)


def test_admin_cannot_change_an_approved_statement(admin_client, admin_user, period) -> None:
    pay_period_approve(period=period, by=admin_user)
    statement = PayStatement.objects.get()
    url = reverse("admin:incentives_paystatement_change", args=[statement.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # view only
    assert admin_client.post(url, {"base_salary": "99999.00"}).status_code == 403
    delete = admin_client.post(reverse("admin:incentives_paystatement_delete", args=[statement.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert PayStatement.objects.get().total == Decimal("13325.00")


def test_admin_approves_selected_statements(admin_client, period) -> None:
    statement = PayStatement.objects.get()
    _action(admin_client, "paystatement", "approve_statements", [statement.pk])
    statement.refresh_from_db()
    assert statement.state == PayStatement.State.APPROVED


def test_admin_correction_uses_an_intermediate_form_and_creates_an_adjustment(admin_client, admin_user, period) -> None:
    pay_period_approve(period=period, by=admin_user)
    statement = PayStatement.objects.get()

    form_page = _action(admin_client, "paystatement", "create_adjustment", [statement.pk])
    assert form_page.status_code == 200
    assert "reason" in form_page.content.decode()

    done = _action(
        admin_client,
        "paystatement",
        "create_adjustment",
        [statement.pk],
        apply="1",
        base_salary="0",
        performance_pay="-150.00",
        behaviour_component="0",
        reason="Appeal upheld: performance score lowered",
    )
    assert done.status_code == 302
    adjustment = PayStatement.objects.get(kind=PayStatement.Kind.ADJUSTMENT)
    assert (adjustment.adjusts, adjustment.total) == (statement, Decimal("-150.00"))
    assert PayStatement.objects.get(pk=statement.pk).total == Decimal("13325.00")


def test_admin_period_actions_approve_and_export(admin_client, period) -> None:
    _action(admin_client, "payperiod", "approve_period", [period.pk])
    period.refresh_from_db()
    assert period.state == PayPeriod.State.APPROVED

    response = _action(admin_client, "payperiod", "export_csv", [period.pk])
    assert response["Content-Disposition"] == 'attachment; filename="payroll-2026-07.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[-1][11] == "13325.00"
    xlsx = _action(admin_client, "payperiod", "export_xlsx", [period.pk])
    assert xlsx.content[:2] == b"PK"  # a zip: an XLSX workbook
    period.refresh_from_db()
    assert period.state == PayPeriod.State.EXPORTED


def test_admin_generate_action_queues_the_task(admin_client, monkeypatch, django_capture_on_commit_callbacks) -> None:
    PaySchemeFactory(grade=grade("first"))
    FinalAppraisalFactory()
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # run the queued task in-process
    with django_capture_on_commit_callbacks(execute=True):
        _action(admin_client, "payperiod", "generate_statements", [period.pk])
    assert PayStatement.objects.filter(period=period).count() == 2


def test_admin_scheme_base_salary_defaults_to_the_grade(admin_client) -> None:
    response = admin_client.post(
        reverse("admin:incentives_payscheme_add"),
        {
            "grade": grade("second").pk,
            "year": 2027,
            "base_salary": "",
            "performance_rate": "45",
            "performance_floor": "0",
            "performance_cap": "3500",
            "behaviour_rate": "20",
            "behaviour_floor": "0",
            "behaviour_cap": "2000",
            "performance_basis": "arrears",
            "without_appraisal": "catch_up",
        },
    )
    assert response.status_code == 302
    scheme = PayScheme.objects.get(year=2027)
    assert scheme.base_salary == Decimal("6500.00")
    assert (scheme.performance_basis, scheme.without_appraisal) == ("arrears", "catch_up")


def test_admin_pages_load(admin_client, period) -> None:
    for name in ("payscheme", "payperiod", "paystatement", "recognition", "departure"):
        assert admin_client.get(reverse(f"admin:incentives_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:incentives_recognition_add")).status_code == 200
