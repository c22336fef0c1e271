"""The API's documentation page in a real browser: Swagger UI from the vendored files draws every operation of the
schema under the site's Content Security Policy (no CDN, no inline script)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_draws_the_operations_of_the_schema(page_for) -> None:
    page = page_for("en")
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{page.base_url}/api/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 20
    assert page.locator(".opblock-summary-path", has_text="/api/business-records/bulk/").count() == 1
    assert blocked == []
