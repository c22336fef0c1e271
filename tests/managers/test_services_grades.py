import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.roles import Role
from managers.forms import AccountManagerAdminForm
from managers.models import AccountManager, GradeChange
from managers.services import grade_change, manager_set_supervisor
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


def test_grade_change_records_the_grade_held_the_day_before_and_the_current_grade_follows(hr) -> None:
    manager = AccountManagerFactory(grade="trainee", grade__since=dt.date(2022, 1, 1))

    change = grade_change(
        manager=manager,
        to_grade=grade("second"),
        reason=GradeChange.Reason.APPRAISAL,
        effective_date=dt.date(2023, 7, 1),
        approved_by=hr,
    )

    assert change.from_grade == grade("trainee")
    assert manager.grade_on(dt.date(2023, 6, 30)) == grade("trainee")
    assert manager.grade == grade("second")
    assert AccountManager.objects.with_grade().get(pk=manager.pk).grade_id_on == grade("second").pk


def test_a_future_dated_change_is_not_in_force_until_its_day(hr) -> None:
    manager = AccountManagerFactory(grade="trainee", grade__since=dt.date(2022, 1, 1))
    next_month = TODAY + dt.timedelta(days=30)

    grade_change(
        manager=manager,
        to_grade=grade("second"),
        reason=GradeChange.Reason.APPRAISAL,
        effective_date=next_month,
        approved_by=hr,
    )

    assert manager.grade == grade("trainee")
    assert manager.grade_on(next_month) == grade("second")
    assert AccountManager.objects.with_grade().get(pk=manager.pk).grade_id_on == grade("trainee").pk


def test_changing_to_the_grade_already_held_is_refused(hr) -> None:
    manager = AccountManagerFactory(grade="second")

    with pytest.raises(ValidationError, match="already holds"):
        grade_change(
            manager=manager,
            to_grade=grade("second"),
            reason=GradeChange.Reason.REQUEST,
            effective_date=TODAY,
            approved_by=hr,
        )
    assert manager.grade_changes.count() == 1


def test_promotion_to_the_supervisors_grade_is_refused_naming_the_supervisor(hr) -> None:
    boss = AccountManagerFactory(grade="first", user__first_name="Jun", user__last_name="Wang")
    manager = AccountManagerFactory(grade="second", supervisor=boss)

    with pytest.raises(ValidationError, match="Jun Wang"):
        grade_change(
            manager=manager,
            to_grade=grade("first"),
            reason=GradeChange.Reason.APPRAISAL,
            effective_date=TODAY,
            approved_by=hr,
        )
    assert manager.grade == grade("second")


def test_demotion_below_a_subordinate_is_refused_naming_the_subordinate(hr) -> None:
    boss = AccountManagerFactory(grade="first")
    AccountManagerFactory(grade="second", supervisor=boss, user__first_name="Lei", user__last_name="Chen")

    with pytest.raises(ValidationError, match="Lei Chen"):
        grade_change(
            manager=boss,
            to_grade=grade("second"),
            reason=GradeChange.Reason.DISCIPLINE,
            effective_date=TODAY,
            approved_by=hr,
        )
    assert boss.grade == grade("first")


def test_a_supervisor_of_equal_grade_is_refused_by_the_service_and_by_the_admin_form() -> None:
    peer = AccountManagerFactory(grade="second")
    manager = AccountManagerFactory(grade="second")

    with pytest.raises(ValidationError, match="may not supervise"):
        manager_set_supervisor(manager=manager, supervisor=peer)

    data = {field: getattr(manager, field) for field in ("employee_no", "hire_date", "education", "status")}
    data.update(user=manager.user_id, department=manager.department_id, supervisor=peer.pk, years_experience="4.0")
    form = AccountManagerAdminForm(data, instance=manager)
    assert not form.is_valid()
    assert "may not supervise" in str(form.errors["supervisor"])
    manager.refresh_from_db()
    assert manager.supervisor is None


def test_a_higher_supervisor_is_accepted() -> None:
    boss = AccountManagerFactory(grade="senior")
    manager = AccountManagerFactory(grade="second")

    manager_set_supervisor(manager=manager, supervisor=boss)

    manager.refresh_from_db()
    assert manager.supervisor == boss
