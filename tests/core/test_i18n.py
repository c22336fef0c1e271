import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_language_switch_turns_the_pages_into_chinese_and_back(client) -> None:
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")}, follow=True)
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page and "客户经理" in page

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True)
    assert "Log in" in response.content.decode()


def test_a_chinese_browser_gets_chinese_without_choosing(client) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "登录" in response.content.decode()
