import pytest
from django.urls import reverse

from core.roles import Role
from tests.core.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, marker",
    [
        (Role.HR, 'data-role="hr"'),
        (Role.DEPARTMENT_HEAD, 'data-role="department_head"'),
        (Role.ACCOUNT_MANAGER, 'data-role="account_manager"'),
        (Role.ASSISTANT, 'data-role="assistant"'),
    ],
)
def test_each_role_lands_on_its_own_home_page_after_login(client, role: Role, marker: str) -> None:
    user = UserFactory(role=role)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert marker in response.content.decode()


def test_only_hr_sees_the_administration_link(client) -> None:
    admin_url = reverse("admin:index")
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    assert f'href="{admin_url}"' not in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory(role=Role.HR))
    assert f'href="{admin_url}"' in client.get(reverse("home")).content.decode()


def test_a_user_without_a_role_is_told_to_ask_hr(client) -> None:
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "Ask HR to assign one" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_wrong_password_is_refused_with_a_message(client) -> None:
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change_takes_effect(client) -> None:
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-much-better-one-42", "new_password2": "a-much-better-one-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-one-42")


def test_logout_ends_the_session(client) -> None:
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_repeated_failures_lock_the_login(client, settings) -> None:
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_role_groups_exist_after_migrate_and_hr_holds_the_admin_permissions() -> None:
    from django.contrib.auth.models import Group

    from core.roles import GROUP_NAMES

    assert set(Group.objects.values_list("name", flat=True)) >= set(GROUP_NAMES.values())
    hr = Group.objects.get(name=GROUP_NAMES[Role.HR])
    assert hr.permissions.filter(codename="change_periodictask").exists()
    # Apps listed after core in INSTALLED_APPS too: their permissions exist only at the end of migrate.
    assert hr.permissions.filter(content_type__app_label="incentives").exists()
    assert hr.permissions.filter(content_type__app_label="appraisals", codename="change_appraisalcycle").exists()
    assert not Group.objects.get(name=GROUP_NAMES[Role.ACCOUNT_MANAGER]).permissions.exists()
