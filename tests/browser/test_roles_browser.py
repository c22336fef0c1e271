"""Each role's daily job in a real browser, in English and in Chinese, at desktop (1366 px) and phone (390 px) width:
a manager logs a visit and submits their self rating, then reads their results and pay; a supervisor reads their
line's results; a department head rates a manager; an assistant logs a call for the manager they work for; HR opens
the clients, the cycle results and the administration. At 390 px no page scrolls sideways. A screenshot of every
page is written to <SCREENSHOTS_DIR>/<language>/<width>/<role>-<page>.png (README: "Screenshots")."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from appraisals.models import Rating
from clients.models import Interaction
from core.templatetags.formats import person
from tests.browser.company import company_with_work
from tests.browser.conftest import login, page_screenshot
from tests.core.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LANGUAGES = ["en", "zh-hans"]
# A laptop and a phone (an iPhone 12 to 15 in portrait).
VIEWPORTS = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


def parametrize_language_and_width(test):
    test = pytest.mark.parametrize("language", LANGUAGES)(test)
    return pytest.mark.parametrize("width", list(VIEWPORTS))(test)


def starting(text: str) -> re.Pattern:
    """A name that starts with the text (a required field's label ends in an asterisk)."""
    return re.compile("^" + re.escape(text))


def words(language: str, message: str) -> str:
    """The message as the user reads it in their language (the catalogue's translation, not a copy of it here)."""
    with translation.override(language):
        return gettext(message)


class Journey:
    """One user's browser tab: follows the navigation as they would, checks each page fits, screenshots it."""

    def __init__(self, page, language: str, role: str) -> None:
        self.page, self.language, self.role = page, language, role

    def words(self, message: str) -> str:
        return words(self.language, message)

    def person(self, someone) -> str:
        """A person's name as the page writes it for this reader (family name first in Chinese)."""
        with translation.override(self.language):
            return person(someone)

    def log_in(self, user) -> None:
        login(self.page, user.username, PASSWORD)
        assert self.page.get_attribute("html", "lang") == self.language

    def follow_nav(self, label: str) -> None:
        """Click a link of the navigation bar by its name; on a phone the bar is folded behind its toggler first."""
        toggler = self.page.get_by_role("button", name=self.words("Toggle navigation"))
        if toggler.is_visible():
            toggler.click()
        nav = self.page.get_by_role("navigation", name=self.words("Main navigation"))
        with self.page.expect_navigation():
            nav.get_by_role("link", name=label, exact=True).click()

    def seen(self, name: str, heading: str) -> None:
        """The page shows this heading, is screenshot as it opens, and is no wider than the screen even with every
        folded part (a chart's table, earlier versions) unfolded."""
        page = self.page
        assert page.get_by_role("heading", level=1).first.inner_text().startswith(heading)
        page_screenshot(page, self.language, f"{self.role}-{name}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        width = page.viewport_size["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (f"{self.role} {name} is {scroll_width} px wide at {width} px", overflowing(page))


def overflowing(page) -> list[str]:
    """The innermost elements that reach past the right edge of the screen (what to fix when a page is too wide)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
            .slice(0, 8)
            .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`
                      + ` ${Math.round(e.getBoundingClientRect().right)}px`)"""
    )


def form_shown(page) -> None:
    """Wait until the folded form has finished unfolding (Bootstrap's collapse), so that a click lands on it."""
    page.wait_for_selector("#interaction-form.collapse.show")


def journey(page_for, language: str, width: str, role: str) -> Journey:
    page = page_for(language)
    page.set_viewport_size(VIEWPORTS[width])
    return Journey(page, language, role)


@parametrize_language_and_width
def test_a_manager_logs_a_visit_submits_their_rating_and_reads_their_results(page_for, language, width) -> None:
    work = company_with_work()
    client, rating = work["client"], work["self_rating"]
    me = journey(page_for, language, width, "manager")
    me.log_in(work["manager"])
    me.seen("dashboard", me.words("My work"))

    me.follow_nav(me.words("My clients"))
    me.seen("clients", me.words("My clients"))
    with me.page.expect_navigation():
        me.page.get_by_role("link", name=client.name, exact=True).first.click()
    me.seen("client", client.name)

    me.page.get_by_role("button", name=me.words("Log an interaction")).click()
    form = me.page.locator("#interaction-form")
    form_shown(me.page)
    form.get_by_label(me.words("kind")).select_option("visit")
    summary = form.get_by_role("textbox", name=starting(me.words("summary")))
    summary.fill("Visited the finance director about the credit line")
    with me.page.expect_navigation():
        form.get_by_role("button", name=me.words("Save the interaction record")).click()
    assert me.page.get_by_text("Visited the finance director about the credit line").is_visible()
    logged = Interaction.objects.get(client=client, summary="Visited the finance director about the credit line")
    assert logged.manager == work["manager"].account_manager and logged.kind == "visit"

    me.follow_nav(me.words("Pending ratings"))
    me.seen("ratings", me.words("My pending ratings"))
    with me.page.expect_navigation():
        me.page.locator(f"a[href$='/ratings/{rating.pk}/']").click()
    me.seen("rating-form", me.words("Rating of %(manager)s") % {"manager": me.person(rating.appraisal.manager)})
    # Each value is a button of the scale (the radio's label), as a user clicks it.
    answers = me.page.locator("main form input[type=radio][value='4'] + label")
    assert answers.count() == 5  # self rates P1, P2, B1, B2 and A1
    for index in range(answers.count()):
        answers.nth(index).click()
    with me.page.expect_navigation():
        me.page.get_by_role("button", name=me.words("Submit rating")).click()
    assert me.page.get_by_role("alert").first.is_visible()
    rating.refresh_from_db()
    assert rating.submitted_at is not None and {s.value for s in rating.scores.all()} == {4}

    me.follow_nav(me.words("My appraisals"))
    me.seen("appraisals", me.words("My appraisals"))
    with me.page.expect_navigation():
        me.page.locator(f"main a[href$='/appraisals/{work['appraisal'].pk}/']").first.click()
    me.seen("appraisal", work["appraisal"].cycle.name)

    me.page.goto(f"{me.page.base_url}/pay/statements/{work['statement'].pk}/")
    me.seen("pay-statement", "")


@parametrize_language_and_width
def test_a_supervisor_reads_their_lines_results(page_for, language, width) -> None:
    work = company_with_work()
    me = journey(page_for, language, width, "supervisor")
    me.log_in(work["supervisor"])
    me.seen("dashboard", me.words("My work"))
    # The line's results are linked from the home page (only a query knows whether one has a line).
    with me.page.expect_navigation():
        me.page.locator("main a[href$='/appraisals/line/']").first.click()
    me.seen("line-results", me.words("My line's results"))
    rows = me.page.locator("main table tbody tr")
    assert rows.count() == 4  # the senior and the three managers they supervise
    assert rows.filter(has_text=me.person(work["manager"])).count() == 1


@parametrize_language_and_width
def test_a_department_head_rates_a_manager(page_for, language, width) -> None:
    work = company_with_work()
    rating = work["head_rating"]
    me = journey(page_for, language, width, "head")
    me.log_in(work["head"])
    me.seen("dashboard", me.words("Department head home"))
    me.follow_nav(me.words("Pending ratings"))
    me.seen("ratings", me.words("My pending ratings"))
    assert me.page.locator("main table tbody tr").count() == 4  # one head rating per manager of the department
    rate = me.page.locator(f"a[href$='/ratings/{rating.pk}/']")
    box = rate.bounding_box()
    assert box["x"] + box["width"] <= me.page.viewport_size["width"]  # in sight without scrolling sideways
    with me.page.expect_navigation():
        rate.click()
    me.seen("rating-form", me.words("Rating of %(manager)s") % {"manager": me.person(rating.appraisal.manager)})
    # Each value is a button of the scale (the radio's label), as a user clicks it.
    answers = me.page.locator("main form input[type=radio][value='3'] + label")
    for index in range(answers.count()):
        answers.nth(index).click()
    with me.page.expect_navigation():
        me.page.get_by_role("button", name=me.words("Submit rating")).click()
    assert me.page.locator("main table tbody tr").count() == 3
    assert Rating.objects.get(pk=rating.pk).submitted_at is not None

    me.follow_nav(me.words("The department's results"))
    me.seen("department-results", me.words("My line's results"))


@parametrize_language_and_width
def test_an_assistant_logs_a_call_for_their_manager(page_for, language, width) -> None:
    work = company_with_work()
    client = work["employer_client"]
    me = journey(page_for, language, width, "assistant")
    me.log_in(work["assistant"])
    me.seen("dashboard", me.words("Assistant home"))
    me.follow_nav(me.words("My clients"))
    me.seen("clients", me.words("My clients"))
    with me.page.expect_navigation():
        me.page.get_by_role("link", name=client.name, exact=True).first.click()
    me.seen("client", client.name)
    me.page.get_by_role("button", name=me.words("Log an interaction")).click()
    form = me.page.locator("#interaction-form")
    form_shown(me.page)
    form.get_by_label(me.words("kind")).select_option("call")
    form.get_by_role("textbox", name=starting(me.words("summary"))).fill("Called to confirm the visit next week")
    with me.page.expect_navigation():
        form.get_by_role("button", name=me.words("Save the interaction record")).click()
    assert me.page.get_by_text("Called to confirm the visit next week").is_visible()
    logged = Interaction.objects.get(client=client, summary="Called to confirm the visit next week")
    # Logged in the manager's name, recorded by the assistant.
    assert logged.manager == work["assistant"].assistant.manager and logged.recorded_by == work["assistant"]


@parametrize_language_and_width
def test_hr_opens_the_clients_the_cycle_results_and_the_administration(page_for, language, width) -> None:
    work = company_with_work()
    me = journey(page_for, language, width, "hr")
    me.log_in(work["hr"])
    me.seen("dashboard", me.words("HR home"))
    me.follow_nav(me.words("Clients"))
    me.seen("clients", "")
    # Every client of the company, a manager's among them.
    assert me.page.get_by_role("link", name=work["client"].name, exact=True).first.is_visible()
    me.follow_nav(me.words("Cycle results"))
    me.seen("cycle-results", me.words("Cycle results"))
    # The latest closed cycle: its four appraisals.
    assert me.page.locator("main table tbody tr").count() == 4
    me.follow_nav(me.words("Administration"))
    assert me.page.get_by_role("heading", name=me.words("HR administration")).is_visible()
    page_screenshot(me.page, language, "hr-admin")
