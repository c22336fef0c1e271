"""Each role's dashboard in a real browser, in English and Chinese: the charts are drawn (Chart.js from static/,
no CSP error) and a screenshot of each is written to screenshots/dashboard-<role>-<language>.png (README)."""

from __future__ import annotations

import pytest

from tests.browser.company import small_company
from tests.browser.conftest import login, screenshot
from tests.core.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Who each screenshot is of; README.md lists the files.
ROLES = ["manager", "supervisor", "head", "hr", "assistant"]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_dashboard_draws_its_charts(page_for, language: str) -> None:
    users = small_company()
    for role in ROLES:
        page = page_for(language)
        errors: list[str] = []

        def record(text: str, errors: list[str] = errors) -> None:
            errors.append(text)

        # Script errors and CSP refusals; failed loads are checked by response (the browser's own favicon request
        # is the only one allowed to fail).
        page.on("pageerror", lambda error, record=record: record(str(error)))
        page.on(
            "console",
            lambda message, record=record: (
                message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and record(message.text)
            ),
        )
        page.on(
            "response",
            lambda response, record=record: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and record(f"{response.status} {response.url}")
            ),
        )
        login(page, users[role].username, PASSWORD)
        canvases = page.locator("canvas[data-chart]")
        assert canvases.count() >= 1, role
        # Chart.getChart finds the chart drawn on a canvas: every canvas got one (the script ran under the CSP).
        assert page.evaluate(
            "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => window.Chart.getChart(c))"
        )
        assert errors == [], (role, errors)
        screenshot(page, f"dashboard-{role}-{language}")
        page.context.close()
