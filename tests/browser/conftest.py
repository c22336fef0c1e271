"""Browser tests: Playwright's Python package driving Debian's Chromium (no browser download) against live_server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# The artefact folder of the browser tests (README: "Screenshots"); CI leaves it in the checkout's var/screenshots.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", Path(settings.BASE_DIR) / "var" / "screenshots"))

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless told it is safe
# (the tests use the ORM only between browser steps).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(chromium, live_server):
    """A new browser page in the given language (Accept-Language), at the live server's address."""
    contexts = []

    def make(language: str = "en"):
        context = chromium.new_context(
            locale=language, extra_http_headers={"Accept-Language": language}, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        # A post and the page it leads to, on a machine whose two cores are shared, can take longer than a click.
        page.set_default_navigation_timeout(30000)
        page.base_url = live_server.url
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, username: str, password: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def page_screenshot(page, language: str, name: str) -> Path:
    """A full-page screenshot filed by language and viewport width: <SCREENSHOTS>/<language>/<width>/<name>.png."""
    return screenshot(page, f"{language}/{page.viewport_size['width']}/{name}")


# What axe-core calls serious or critical blocks a user (text they cannot read, a field with no name); lesser
# findings are reported by axe but do not fail the tests.
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per element: rule, target, help URL."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}) {node['target']}: {violation['help']} {violation['helpUrl']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]
