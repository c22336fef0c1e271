"""axe-core (axe-playwright-python) on the main page of each role's work, in English and in Chinese: no serious or
critical violation (text too faint to read, a control with no name, a table with no headers, a page with no
language...). A failure lists each rule, the element and axe's help page."""

from __future__ import annotations

import pytest

from tests.browser.company import company_with_work
from tests.browser.conftest import axe_violations, login
from tests.core.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def main_pages(work: dict) -> dict[str, list[tuple[str, str]]]:
    """Who opens which page: the user's key in the company, then (name, path) of each page."""
    return {
        "manager": [
            ("manager dashboard", "/home/"),
            ("my clients", "/clients/"),
            ("client page", f"/clients/{work['client'].pk}/"),
            ("ratings to do", "/appraisals/ratings/"),
            ("rating form", f"/appraisals/ratings/{work['self_rating'].pk}/"),
            ("my results", "/appraisals/mine/"),
            ("appraisal explanation", f"/appraisals/{work['appraisal'].pk}/"),
            ("pay statement", f"/pay/statements/{work['statement'].pk}/"),
        ],
        "supervisor": [("line results", "/appraisals/line/")],
        "head": [("department head dashboard", "/home/")],
        "assistant": [("assistant dashboard", "/home/")],
        "hr": [
            ("HR dashboard", "/home/"),
            ("HR client list", "/clients/"),
            ("cycle results", "/appraisals/cycles/results/"),
            ("admin index", "/admin/"),
        ],
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_main_pages_have_no_serious_accessibility_violation(page_for, language: str) -> None:
    work = company_with_work()
    found: list[str] = []
    page = page_for(language)
    page.goto(f"{page.base_url}/accounts/login/")
    found += [f"login page: {violation}" for violation in axe_violations(page)]
    opened = 1
    for who, pages in main_pages(work).items():
        page = page_for(language)
        login(page, work[who].username, PASSWORD)
        for name, path in pages:
            response = page.goto(f"{page.base_url}{path}")
            assert response.status == 200, (name, path, response.status)
            found += [f"{name} ({path}): {violation}" for violation in axe_violations(page)]
            opened += 1
        page.context.close()
    assert opened == 16
    assert found == [], "\n".join(found)
