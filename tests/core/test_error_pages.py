"""The error pages (400, 403, 404, 410, 429, 500) with DEBUG off: on the site's layout, in the reader's language,
saying what happened and where to go; the 500 page without touching the database."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse

from core.roles import Role
from tests.core.factories import PASSWORD, UserFactory
from tests.managers.factories import AccountManagerFactory

ERROR_URLS = override_settings(DEBUG=False, ROOT_URLCONF="tests.core.error_urls")
ACCEPT = {"en": "en", "zh-hans": "zh-CN,zh;q=0.9"}

# What each page says, in each language: its heading and where it sends the reader.
PAGES = {
    ("en", 400): ("Bad request", "Go to your home page"),
    ("zh-hans", 400): ("请求有误", "前往我的首页"),
    ("en", 403): ("Not allowed", "Go to your home page"),
    ("zh-hans", 403): ("无权访问", "前往我的首页"),
    ("en", 404): ("Page not found", "Go to your home page"),
    ("zh-hans", 404): ("页面不存在", "前往我的首页"),
    ("en", 410): ("No longer available", "Go to your home page"),
    ("zh-hans", 410): ("已不再可用", "前往我的首页"),
}


def _get(http: HttpClient, url: str, language: str, **headers: str):
    return http.get(url, HTTP_ACCEPT_LANGUAGE=ACCEPT[language], **headers)


@pytest.mark.django_db
@ERROR_URLS
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_each_error_page_is_on_the_layout_in_the_readers_language(client, language: str, status: int) -> None:
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    response = _get(client, f"/test-errors/{status}/", language)
    html = response.content.decode()
    heading, home_link = PAGES[(language, status)]
    assert response.status_code == status
    assert f'<html lang="{language}">' in html
    assert 'id="nav-links"' in html  # the site's navigation bar, not a bare page
    assert heading in html and home_link in html
    assert f'href="{reverse("home")}"' in html


@pytest.mark.django_db
@ERROR_URLS
@pytest.mark.parametrize(
    "language, reason",
    [("en", "Only HR may exclude or include a rating."), ("zh-hans", "只有人力资源部可以剔除或恢复计入评分。")],
)
def test_a_refusal_says_why_in_the_readers_language(client, language: str, reason: str) -> None:
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    html = _get(client, "/test-errors/403/", language).content.decode()
    assert reason in html


@pytest.mark.django_db
@ERROR_URLS
def test_developers_words_are_not_shown(client) -> None:
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    assert "matches the given query" not in _get(client, "/test-errors/404/", "zh-hans").content.decode()
    assert "tampered" not in _get(client, "/test-errors/400/", "en").content.decode()


@pytest.mark.django_db
@ERROR_URLS
def test_an_anonymous_visitor_is_offered_the_login_page(client) -> None:
    html = _get(client, "/no-such-page/", "en").content.decode()
    assert "Page not found" in html
    assert f'href="{reverse("login")}"' in html and "Go to your home page" not in html


@pytest.mark.django_db
@ERROR_URLS
def test_go_back_appears_only_for_a_page_of_ours(client) -> None:
    client.force_login(UserFactory(role=Role.ACCOUNT_MANAGER))
    ours = _get(client, "/no-such-page/", "en", HTTP_REFERER="http://testserver/clients/").content.decode()
    theirs = _get(client, "/no-such-page/", "en", HTTP_REFERER="https://evil.example.com/").content.decode()
    assert 'href="http://testserver/clients/"' in ours and "Go back" in ours
    assert "evil.example.com" not in theirs and "Go back" not in theirs


@pytest.mark.django_db
@override_settings(DEBUG=False)
@pytest.mark.parametrize("language, reason", [("en", "You supervise no one."), ("zh-hans", "您没有下属。")])
def test_a_trainee_asking_for_a_line_gets_the_404_page_saying_why(client, language: str, reason: str) -> None:
    trainee = AccountManagerFactory(grade="trainee")
    client.force_login(trainee.user)
    response = _get(client, reverse("appraisals:line_results"), language)
    html = response.content.decode()
    assert response.status_code == 404
    assert PAGES[(language, 404)][0] in html and reason in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, texts",
    [
        ("en", ("Account locked", "Too many failed login attempts", "Back to the login page")),
        ("zh-hans", ("账号已锁定", "错误 429", "返回登录页")),
    ],
)
def test_the_lockout_answers_429_on_the_layout(client, settings, language: str, texts: tuple[str, ...]) -> None:
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE=ACCEPT[language]
    )
    html = response.content.decode()
    assert response.status_code == 429
    assert f'<html lang="{language}">' in html and 'class="navbar' in html
    assert all(text in html for text in texts)


# No django_db mark: any query while the 500 page is made fails the test, as a broken database would.
@ERROR_URLS
@pytest.mark.parametrize(
    "language, texts",
    [
        ("en", ("Something went wrong", "Try again", "Go to your home page")),
        ("zh-hans", ("系统出错了", "重试", "前往我的首页")),
    ],
)
def test_the_500_page_needs_no_database(language: str, texts: tuple[str, ...]) -> None:
    http = HttpClient(raise_request_exception=False)
    response = _get(http, "/test-errors/500/", language)
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in html and 'class="navbar' in html
    assert all(text in html for text in texts)
    assert "a bug" not in html  # the exception stays in the log
