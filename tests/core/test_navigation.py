"""The navigation bar: built from the permission matrix, so every link a role sees answers 200; computed from the
role alone (no query per link); a language menu naming each language whole; links readable on the bar."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from core.demo import DEMO_ACCOUNTS
from core.roles import GROUP_NAMES, Role, role_of
from home.navigation import nav_links
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<ul class="navbar-nav me-auto" id="nav-links">(.*?)</ul>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def nav_hrefs(html: str) -> list[str]:
    return HREF.findall(NAV_LINK.search(html).group(1))


def test_every_link_of_every_demo_role_answers_200(client) -> None:
    call_command("seed_demo", stdout=StringIO())
    failures = []
    for account in DEMO_ACCOUNTS:
        client.force_login(User.objects.get(username=account.username))
        hrefs = nav_hrefs(client.get(reverse("home")).content.decode())
        assert reverse("home") in hrefs, account.username
        for href in hrefs:
            status = client.get(href).status_code
            if status != 200:
                failures.append(f"{account.username}: {href} answers {status}")
    assert not failures, "\n".join(failures)


def test_a_trainee_is_not_offered_a_line_they_do_not_have(client) -> None:
    trainee = AccountManagerFactory(grade="trainee")
    client.force_login(trainee.user)
    hrefs = nav_hrefs(client.get(reverse("home")).content.decode())
    assert reverse("appraisals:line_results") not in hrefs
    assert reverse("incentives:my_pay") in hrefs and reverse("appraisals:mine") in hrefs


def test_a_department_head_is_offered_the_departments_results_and_no_pay(client) -> None:
    head = DepartmentFactory().head
    client.force_login(head)
    hrefs = nav_hrefs(client.get(reverse("home")).content.decode())
    assert reverse("appraisals:line_results") in hrefs
    assert reverse("incentives:my_pay") not in hrefs and reverse("admin:index") not in hrefs


def test_the_links_cost_one_query_for_the_role_and_none_per_link(django_assert_num_queries) -> None:
    user = User.objects.get(pk=UserFactory(role=Role.ACCOUNT_MANAGER).pk)
    with django_assert_num_queries(1):  # the user's groups, for the role
        role = role_of(user)
    with django_assert_num_queries(0):  # the groups are prefetched on this user for the rest of the request
        assert role_of(user) == role == Role.ACCOUNT_MANAGER
        links = nav_links(role, "/")
    assert len(links) >= 8


def test_a_group_change_on_the_user_is_seen_by_the_next_question() -> None:
    user = User.objects.get(pk=UserFactory(role=Role.ACCOUNT_MANAGER).pk)
    assert role_of(user) == Role.ACCOUNT_MANAGER
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.HR]))
    assert role_of(user) == Role.HR  # HR wins, and the prefetched groups were dropped by add()


def test_the_current_page_is_marked(client) -> None:
    client.force_login(UserFactory(role=Role.ASSISTANT))
    html = client.get(reverse("clients:list")).content.decode()
    assert f'class="nav-link active" href="{reverse("clients:list")}" aria-current="page"' in html


@pytest.mark.parametrize("accept", ["en", "zh-CN"])
def test_the_language_menu_names_each_language_whole(client, accept: str) -> None:
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert re.search(r'lang="en"[^>]*>English</button>', html)
    assert re.search(r'lang="zh-hans"[^>]*>简体中文</button>', html)
    assert 'name="language" value="zh-hans"' in html and 'name="language" value="en"' in html


def test_switching_language_from_the_menu_keeps_the_page(client) -> None:
    client.force_login(UserFactory(role=Role.HR))
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "人力资源首页" in response.content.decode()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_navigation_links_are_readable_on_the_bar() -> None:
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    block = re.search(r"\.app-navbar \{(.*?)\}", css, re.S).group(1)
    declared = dict(re.findall(r"([-\w]+):\s*(#[0-9a-fA-F]{6})", block))
    background = declared["background-color"]
    for variable in ("--bs-navbar-color", "--bs-navbar-hover-color", "--bs-navbar-active-color"):
        assert _contrast(declared[variable], background) >= 4.5, variable
