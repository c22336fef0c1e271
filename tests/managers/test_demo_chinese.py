"""The demo company is a Chinese company: people with Chinese names shown family name first, Chinese departments,
clients and industries; the README's accounts are unchanged."""

from __future__ import annotations

import random
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation

from clients import demo as clients_demo
from core import demo as accounts_demo
from core.names import display_name
from managers import demo as managers_demo
from managers.models import AccountManager, Department

pytestmark = pytest.mark.django_db

HAN = re.compile(r"^[\u3400-\u9fff]+$")


@pytest.fixture
def company():
    rng = random.Random(2026)
    users = accounts_demo.seed(rng)
    managers_demo.seed(rng=rng, users=users, stdout=StringIO())
    return users


def test_every_demo_person_has_a_chinese_name_shown_family_name_first(company) -> None:
    people = list(User.objects.all())
    assert len(people) > 40
    for user in people:
        assert HAN.match(user.first_name) and HAN.match(user.last_name), user.username
        for language in ("en", "zh-hans"):
            with translation.override(language):
                assert display_name(user) == user.last_name + user.first_name
    senior = company["senior"]
    assert (senior.first_name, senior.last_name) == ("军", "王")
    assert str(AccountManager.objects.get(user=senior)).startswith("王军 (")


def test_the_demo_departments_and_clients_are_chinese(company) -> None:
    assert all(HAN.match(name) for name in Department.objects.values_list("name", flat=True))
    plans = clients_demo._plan_clients(random.Random(9))
    assert all(re.search(r"[\u4e00-\u9fff]{4,}", plan.client.name) for plan in plans)
    assert all(HAN.match(plan.client.industry) for plan in plans)


def test_the_readme_accounts_are_unchanged() -> None:
    accounts = {account.username: account.password for account in accounts_demo.DEMO_ACCOUNTS}
    assert accounts == {
        "hr": "hr-demo-2026",
        "head": "head-demo-2026",
        "senior": "senior-demo-2026",
        "first": "first-demo-2026",
        "second": "second-demo-2026",
        "trainee": "trainee-demo-2026",
        "assistant": "assistant-demo-2026",
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_demo_managers_pages_show_the_name_family_name_first(client, company, language: str) -> None:
    client.force_login(company["first"])
    html = client.get(reverse("managers:profile"), HTTP_ACCEPT_LANGUAGE=language).text
    assert "刘芳" in html and "芳 刘" not in html
    assert "王军" in html  # the supervisor
