import pytest

from core.roles import Role
from tests.browser.conftest import login, screenshot
from tests.core.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language, heading", [("en", "My work"), ("zh-CN", "我的工作")])
def test_manager_logs_in_and_lands_on_their_page_in_their_language(page_for, language: str, heading: str) -> None:
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    page = page_for(language)
    login(page, user.username, PASSWORD)
    assert page.locator("h1").first.inner_text() == heading
    screenshot(page, f"manager-home-{language}")


def test_language_switch_in_the_navigation_bar(page_for) -> None:
    user = UserFactory(role=Role.HR)
    page = page_for("en")
    login(page, user.username, PASSWORD)
    page.click("#language-menu-button")
    with page.expect_navigation():
        page.click("#language-menu button[value=zh-hans]")
    assert page.locator("h1").first.inner_text() == "人力资源首页"
