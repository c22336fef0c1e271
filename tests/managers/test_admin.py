import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from managers.models import Certification, GradeChange
from tests.managers.factories import AccountManagerFactory, CertificationFactory, TargetFactory, grade

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:managers_accountmanager_changelist"


def _change_grade(admin_client, managers, **data):
    return admin_client.post(
        reverse(CHANGELIST),
        {"action": "change_grade", "_selected_action": [m.pk for m in managers], **data},
        follow=True,
    )


def test_change_grade_action_asks_for_the_new_grade_first(admin_client) -> None:
    manager = AccountManagerFactory(grade="trainee")

    response = _change_grade(admin_client, [manager])

    assert response.status_code == 200
    assert "managers/admin/change_grade.html" in [t.name for t in response.templates]
    assert manager.grade_changes.count() == 1


def test_change_grade_action_records_the_change_with_the_approver(admin_client, admin_user) -> None:
    manager = AccountManagerFactory(grade="trainee")

    response = _change_grade(
        admin_client,
        [manager],
        apply="1",
        to_grade=grade("second").pk,
        reason=GradeChange.Reason.APPRAISAL,
        effective_date="2026-01-01",
        note="Two good cycles",
    )

    change = manager.grade_changes.get(effective_date=dt.date(2026, 1, 1))
    assert (change.from_grade, change.to_grade, change.approved_by) == (grade("trainee"), grade("second"), admin_user)
    assert any("Grade changed for 1 account manager" in str(m) for m in get_messages(response.wsgi_request))


def test_change_grade_action_shows_each_refusal_and_applies_the_rest(admin_client) -> None:
    boss = AccountManagerFactory(grade="first", user__first_name="Jun", user__last_name="Wang")
    blocked = AccountManagerFactory(grade="second", supervisor=boss)
    free = AccountManagerFactory(grade="second")

    response = _change_grade(
        admin_client,
        [blocked, free],
        apply="1",
        to_grade=grade("first").pk,
        reason=GradeChange.Reason.APPRAISAL,
        effective_date="2026-01-01",
    )

    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Jun Wang" in m and "may not supervise" in m for m in messages)
    assert blocked.grade_on(dt.date(2026, 1, 1)) == grade("second")
    assert free.grade_on(dt.date(2026, 1, 1)) == grade("first")


def test_admin_form_refuses_a_supervisor_of_equal_grade(admin_client) -> None:
    peer = AccountManagerFactory(grade="second")
    manager = AccountManagerFactory(grade="second")
    url = reverse("admin:managers_accountmanager_change", args=[manager.pk])
    data = {
        "user": manager.user.pk,
        "employee_no": manager.employee_no,
        "department": manager.department.pk,
        "supervisor": peer.pk,
        "status": "active",
        "hire_date": "2020-01-01",
        "education": manager.education,
        "years_experience": "4.0",
        "good_ethics": "on",
        "healthy": "on",
    }
    for prefix in ("grade_changes", "trainings", "targets"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert "may not supervise" in response.content.decode()
    manager.refresh_from_db()
    assert manager.supervisor is None


def test_changelist_filters_by_current_grade(admin_client) -> None:
    senior = AccountManagerFactory(grade="senior")
    promoted = AccountManagerFactory(grade="trainee", grade__since=dt.date(2020, 1, 1))
    GradeChange.objects.create(
        manager=promoted, to_grade=grade("senior"), reason="appraisal", effective_date=dt.date(2024, 1, 1)
    )
    AccountManagerFactory(grade="trainee")

    response = admin_client.get(reverse(CHANGELIST), {"grade": grade("senior").pk})

    assert set(response.context["cl"].result_list) == {senior, promoted}


def test_grade_history_cannot_be_edited_or_deleted_in_the_admin(admin_client) -> None:
    change = AccountManagerFactory(grade="trainee").grade_changes.get()

    assert admin_client.get(reverse("admin:managers_gradechange_changelist")).status_code == 200
    url = reverse("admin:managers_gradechange_change", args=[change.pk])
    admin_client.post(url, {"to_grade": grade("senior").pk, "effective_date": "2020-01-01", "reason": "request"})
    delete = admin_client.post(reverse("admin:managers_gradechange_delete", args=[change.pk]), {"post": "yes"})
    assert delete.status_code == 403
    change.refresh_from_db()
    assert change.to_grade == grade("trainee")


def test_decide_certification_action_passes_the_candidate(admin_client) -> None:
    candidate = CertificationFactory()  # every score 80 → composite 80.00 ≥ 70

    response = admin_client.post(
        reverse("admin:managers_certification_changelist"),
        {"action": "decide_certification", "_selected_action": [candidate.pk]},
        follow=True,
    )

    candidate.refresh_from_db()
    assert candidate.outcome == Certification.Outcome.PASSED
    assert candidate.manager.grade == grade("trainee")
    assert any("80.00" in str(m) for m in get_messages(response.wsgi_request))


def test_split_down_the_line_action_splits_equally_among_direct_subordinates(admin_client) -> None:
    boss = AccountManagerFactory(grade="first")
    team = [AccountManagerFactory(grade="second", supervisor=boss) for _ in range(3)]
    parent = TargetFactory(manager=boss, business_volume=Decimal("100.00"), new_clients=10, interactions=30)

    admin_client.post(
        reverse("admin:managers_target_changelist"),
        {"action": "split_down_the_line", "_selected_action": [parent.pk]},
    )

    # Shares 0.333333, 0.333333, 0.333334: 100.00 → 33.33, 33.33, 33.33 + the cent left to the largest remainder
    # (the last, whose share is largest); 10 clients → 3, 3, 3 + 1 to the last.
    parts = list(parent.parts.order_by("manager__employee_no"))
    assert [p.manager for p in parts] == sorted(team, key=lambda m: m.employee_no)
    assert [p.business_volume for p in parts] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert [p.new_clients for p in parts] == [3, 3, 4]


@pytest.mark.parametrize("rows", [2, 6])
def test_manager_changelist_shows_current_grades_in_a_fixed_number_of_queries(
    admin_client, django_assert_num_queries, rows
) -> None:
    boss = AccountManagerFactory(grade="senior")
    for _ in range(rows):
        AccountManagerFactory(grade="second", supervisor=boss)

    # session, user, grades for the filter, departments for the filter, count (filtered), count (all),
    # the page of managers with user, department, supervisor and the current grade as one subquery
    with django_assert_num_queries(7):
        response = admin_client.get(reverse(CHANGELIST))

    assert response.content.decode().count(str(grade("second"))) >= rows
