"""What the admin refuses, and how it says so: ids that are not ids, reverting a final record, touching task results,
a crontab field out of range, negative money, implausible dates and reversed periods."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from appraisals.models import AppraisalCycle
from incentives.models import PayStatement
from managers.models import AccountManager, Grade
from tests.appraisals.factories_ratings import AppraisalCycleFactory
from tests.appraisals.factories_results import FinalAppraisalFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory, grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client: Client) -> Client:
    client.force_login(UserFactory(username="guard-root", is_superuser=True, is_staff=True))
    return client


def _errors(response) -> dict[str, list[str]]:  # noqa: ANN001
    form = response.context["adminform"].form
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def test_an_id_that_is_not_an_id_is_a_field_error_and_the_form_shows_again(hr: Client) -> None:
    department = DepartmentFactory()
    url = reverse("admin:managers_department_change", args=[department.pk])
    for value in ("abc", "99999999999999999999", "-1"):
        response = hr.post(url, {"name": department.name, "head": value})
        assert response.status_code == 200
        assert "head" in _errors(response)
    department.refresh_from_db()
    assert department.head is not None


def test_a_huge_id_among_several_is_refused_with_a_field_error(hr: Client) -> None:
    senior = grade("senior")
    url = reverse("admin:managers_grade_change", args=[senior.pk])
    data = {
        "code": senior.code,
        "rank": senior.rank,
        "base_salary": senior.base_salary,
        "marketing_allowance": senior.marketing_allowance,
        "min_years_experience": senior.min_years_experience,
        "min_months_in_prior_grade": senior.min_months_in_prior_grade,
        "may_supervise": [str(grade("first").pk), "99999999999999999999"],
    }
    response = hr.post(url, data)
    assert response.status_code == 200
    assert "may_supervise" in _errors(response)


def test_an_approved_pay_statement_offers_no_revert_and_refuses_one_posted(hr: Client) -> None:
    statement = PayStatementFactory()
    draft_version = statement.history.earliest()
    PayStatement.objects.filter(pk=statement.pk).update(state=PayStatement.State.APPROVED, approved_at=timezone.now())
    url = reverse("admin:incentives_paystatement_simple_history", args=[statement.pk, draft_version.history_id])
    page = hr.get(url)
    assert page.status_code == 200
    assert 'value="Revert' not in page.content.decode() and "Revert" not in str(page.context["title"])
    response = hr.post(url, {}, follow=True)
    assert response.status_code == 200
    assert "earlier version cannot be restored" in response.content.decode()
    statement.refresh_from_db()
    assert statement.state == PayStatement.State.APPROVED


def test_a_final_appraisal_refuses_a_posted_revert(hr: Client) -> None:
    appraisal = FinalAppraisalFactory()
    version = appraisal.history.earliest()
    url = reverse("admin:appraisals_appraisal_simple_history", args=[appraisal.pk, version.history_id])
    assert "Revert" not in str(hr.get(url).context["title"])
    response = hr.post(url, {}, follow=True)
    assert "earlier version cannot be restored" in response.content.decode()


def test_task_results_are_read_only(hr: Client) -> None:
    result = TaskResult.objects.create(task_id="guard-task", status="SUCCESS")
    assert hr.get(reverse("admin:django_celery_results_taskresult_add")).status_code == 403
    assert hr.post(reverse("admin:django_celery_results_taskresult_add"), {"task_id": "guard-task"}).status_code == 403
    change = hr.post(reverse("admin:django_celery_results_taskresult_change", args=[result.pk]), {"status": "FAILURE"})
    assert change.status_code == 403
    delete = hr.post(reverse("admin:django_celery_results_taskresult_delete", args=[result.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert TaskResult.objects.get(pk=result.pk).status == "SUCCESS"


def test_a_crontab_minute_of_minus_one_is_a_field_error_in_words(hr: Client) -> None:
    data = {"minute": "-1", "hour": "*", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*"}
    response = hr.post(reverse("admin:django_celery_beat_crontabschedule_add"), {**data, "timezone": "UTC"})
    assert response.status_code == 200
    assert _errors(response)["minute"] == [
        "Not a valid value. A minute 0–59, a list (0,30), a range (0-29), a step (*/15) or * for every minute."
    ]


def _grade_data(**changes: object) -> dict[str, object]:
    senior = grade("senior")
    data = {
        "code": senior.code,
        "rank": senior.rank,
        "base_salary": senior.base_salary,
        "marketing_allowance": senior.marketing_allowance,
        "min_years_experience": senior.min_years_experience,
        "min_months_in_prior_grade": senior.min_months_in_prior_grade,
    }
    return {**data, **changes}


def test_negative_money_and_years_on_a_grade_are_field_errors(hr: Client) -> None:
    url = reverse("admin:managers_grade_change", args=[grade("senior").pk])
    response = hr.post(url, _grade_data(base_salary="-5000", marketing_allowance="-1", min_years_experience="-2"))
    assert _errors(response) == {
        "base_salary": ["Enter zero or more."],
        "marketing_allowance": ["Enter zero or more."],
        "min_years_experience": ["Enter zero or more."],
    }
    assert grade("senior").base_salary > 0


def test_the_database_refuses_negative_money_on_a_grade() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Grade.objects.filter(code="senior").update(base_salary=Decimal("-5000"))


def test_implausible_hire_dates_are_refused(hr: Client) -> None:
    manager = AccountManagerFactory()
    url = reverse("admin:managers_accountmanager_change", args=[manager.pk])
    page = hr.get(url)
    assert page.status_code == 200
    for day, message in (
        ("1900-01-01", "Enter a date on or after 1970-01-01."),
        ("9999-12-31", "Enter a date on or before 2100-12-31."),
    ):
        response = hr.post(url, _manager_data(manager, hire_date=day))
        assert _errors(response).get("hire_date") == [message]
    assert AccountManager.objects.get(pk=manager.pk).hire_date == manager.hire_date


def _manager_data(manager: AccountManager, **changes: object) -> dict[str, object]:
    data = {
        "user": manager.user_id,
        "employee_no": manager.employee_no,
        "department": manager.department_id,
        "status": manager.status,
        "hire_date": manager.hire_date.isoformat(),
        "education": manager.education,
        "years_experience": manager.years_experience,
        "good_ethics": "on",
        "healthy": "on",
    }
    for prefix in ("trainings", "targets"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return {**data, **changes}


def _cycle_data(cycle: AppraisalCycle, **changes: object) -> dict[str, object]:
    data = {
        "name": cycle.name,
        "template": cycle.template_id,
        "kind": cycle.kind,
        "cause": cycle.cause or "cause",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "rating_deadline": "2026-07-10",
    }
    return {**data, **changes}


def test_a_reversed_period_and_an_early_deadline_are_field_errors_in_plain_words(hr: Client) -> None:
    cycle = AppraisalCycleFactory(state=AppraisalCycle.State.DRAFT)
    url = reverse("admin:appraisals_appraisalcycle_change", args=[cycle.pk])
    reversed_period = hr.post(url, _cycle_data(cycle, period_end="2025-12-31", rating_deadline="2026-01-05"))
    assert _errors(reversed_period) == {
        "period_end": ["The end is before the start: enter an end on or after 2026-01-01."]
    }
    assert "cycle_period_ordered" not in reversed_period.content.decode()
    early = hr.post(url, _cycle_data(cycle, rating_deadline="2025-12-01"))
    assert _errors(early) == {"rating_deadline": ["The rating deadline is before the period starts (2026-01-01)."]}
    far = hr.post(url, _cycle_data(cycle, rating_deadline="9999-12-31"))
    assert _errors(far) == {"rating_deadline": ["Enter a date on or before 2100-12-31."]}


def test_the_refusals_read_in_chinese(hr: Client) -> None:
    url = reverse("admin:managers_grade_change", args=[grade("senior").pk])
    response = hr.post(url, _grade_data(base_salary="-5000"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _errors(response)["base_salary"] == ["请输入零或更大的数。"]


def test_a_reversed_training_period_is_an_error_on_its_end(hr: Client) -> None:
    manager = AccountManagerFactory()
    response = hr.post(
        reverse("admin:managers_trainingrecord_add"),
        {
            "manager": manager.pk,
            "kind": "external",
            "title": "Negotiation",
            "start": "2026-03-02",
            "end": "2026-03-01",
            "hours": "8",
        },
    )
    assert list(_errors(response)) == ["end"]
