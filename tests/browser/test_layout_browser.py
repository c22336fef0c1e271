"""The layout in a real browser: the navigation on one row at 1366 px with a language menu naming each language whole,
and no page of a manager's daily work wider than a 390 px phone, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest

from incentives.models import PayStatement
from incentives.services import pay_statements_generate
from tests.browser.conftest import login, screenshot
from tests.clients.factories import (
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
)
from tests.core.factories import PASSWORD
from tests.incentives.factories import FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGES = pytest.mark.parametrize("language", ["en", "zh-CN"])


def _senior_with_a_line():
    """A senior manager (the longest navigation: every link of a manager) with a subordinate."""
    senior = AccountManagerFactory(grade="senior", user__first_name="Jun", user__last_name="Wang")
    AccountManagerFactory(grade="first", supervisor=senior)
    return senior


@LANGUAGES
def test_the_navigation_fits_one_row_at_1366_px(page_for, language: str) -> None:
    senior = _senior_with_a_line()
    page = page_for(language)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, senior.user.username, PASSWORD)

    tops = page.eval_on_selector_all("#nav-links .nav-link", "links => links.map(a => a.getBoundingClientRect().top)")
    assert len(tops) >= 8 and len(set(tops)) == 1, tops
    bar = page.eval_on_selector("nav.navbar", "nav => nav.getBoundingClientRect().height")
    assert bar < 70, bar
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    page.click("#language-menu-button")
    items = page.locator("#language-menu .dropdown-item")
    assert items.all_inner_texts() == ["简体中文", "English"]
    # Each name whole: no item is clipped.
    clipped = "items => items.some(item => item.scrollWidth > item.clientWidth)"
    assert not page.eval_on_selector_all("#language-menu .dropdown-item", clipped)
    screenshot(page, f"navigation-1366-{language}")


def test_the_language_menu_switches_the_page_to_chinese(page_for) -> None:
    page = page_for("en")
    login(page, _senior_with_a_line().user.username, PASSWORD)
    page.click("#language-menu-button")
    with page.expect_navigation():
        page.click("#language-menu button[value=zh-hans]")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.locator("h1").first.inner_text() == "我的工作"


def _client_page_data():
    manager = AccountManagerFactory(grade="senior", user__first_name="子涵", user__last_name="董")
    customer = AssignmentFactory(
        manager=manager, client=ClientFactory(name="南京瑞业建设工程股份有限公司 Nanjing Ruiye Construction")
    ).client
    ContactFactory(client=customer, email="procurement.department.head@nanjing-ruiye-construction.example.cn")
    for day in range(1, 6):
        InteractionFactory(
            client=customer,
            manager=manager,
            date=dt.date(2026, 6, day),
            summary="Visited the finance director to discuss the renewal of the credit line and the new plant " * 2,
            client_needs="Working capital for the second half year; a foreign-exchange hedge",
            follow_up_date=dt.date(2026, 7, day),
        )
    FeedbackFactory(client=customer, complaint="The branch answered late twice in May.", suggestion="A named contact.")
    return manager, customer


def _pay_statement_data():
    PaySchemeFactory(grade=grade("first"))
    manager = AccountManagerFactory(grade="first", user__first_name="子涵", user__last_name="董")
    FinalAppraisalFactory(manager=manager)
    pay_statements_generate(period=PayPeriodFactory())
    return manager, PayStatement.objects.get(manager=manager)


@LANGUAGES
def test_no_page_of_the_daily_work_is_wider_than_a_phone(page_for, language: str) -> None:
    manager, customer = _client_page_data()
    page = page_for(language)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager.user.username, PASSWORD)
    pages = {"client": f"/clients/{customer.pk}/", "clients": "/clients/", "home": "/home/", "profile": "/managers/me/"}
    for name, path in pages.items():
        page.goto(f"{page.base_url}{path}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
        screenshot(page, f"phone-{name}-{language}")


@LANGUAGES
def test_the_pay_statement_fits_a_phone(page_for, language: str) -> None:
    manager, statement = _pay_statement_data()
    page = page_for(language)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, manager.user.username, PASSWORD)
    for path in (f"/pay/statements/{statement.pk}/", "/pay/mine/"):
        page.goto(f"{page.base_url}{path}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
    screenshot(page, f"phone-my-pay-{language}")
