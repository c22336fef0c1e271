from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from core.demo import DEMO_ACCOUNTS
from core.roles import role_of

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "core", "managers", "clients", "appraisals", "incentives"}
    }


def test_seed_demo_twice_duplicates_nothing() -> None:
    call_command("seed_demo", "--seed", "7", stdout=StringIO())
    first = _row_counts()
    call_command("seed_demo", "--seed", "7", stdout=StringIO())
    assert _row_counts() == first
    assert first["auth.User"] >= len(DEMO_ACCOUNTS)


def test_every_demo_account_logs_in_with_the_readme_password_in_its_role(client) -> None:
    call_command("seed_demo", stdout=StringIO())
    for account in DEMO_ACCOUNTS:
        response = client.post(reverse("login"), {"username": account.username, "password": account.password})
        assert response.status_code == 302, account.username
        assert role_of(response.wsgi_request.user) == account.role
        client.logout()
