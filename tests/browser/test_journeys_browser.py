"""Three journeys in a real browser, each in English and in Chinese: a manager logs a visit, rates
themselves and reads their appraisal explanation; a client answers a survey link; HR opens and closes a cycle in
the admin and approves a promotion. The data is built with the factories; the checks read the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from appraisals.models import AppraisalCycle, Recommendation
from appraisals.services.surveys import survey_token
from clients.models import Interaction
from config.celery import app as celery_app
from tests.appraisals.factories import AppraisalCycleFactory as DraftCycleFactory
from tests.appraisals.factories import hr_user, small_template
from tests.appraisals.factories_ratings import AppraisalCycleFactory as OpenCycleFactory
from tests.appraisals.factories_ratings import AppraisalFactory, RatingFactory, SurveyInvitationFactory
from tests.appraisals.factories_results import FinalAppraisalFactory
from tests.browser.conftest import login, screenshot
from tests.clients.factories import AssignmentFactory
from tests.core.factories import PASSWORD
from tests.managers.factories import AccountManagerFactory, grade

# serialized_rollback: a transactional test empties the tables afterwards; this puts back what the data migrations
# seeded (grades, the default result rule), which the next test needs.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGES = pytest.mark.parametrize("language", ["en", "zh-CN"])
HTML_LANG = {"en": "en", "zh-CN": "zh-hans"}


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@LANGUAGES
def test_manager_logs_a_visit_rates_themselves_and_reads_their_explanation(page_for, language: str) -> None:
    manager = AccountManagerFactory(grade="senior")
    client = AssignmentFactory(manager=manager).client
    rating = RatingFactory(appraisal=AppraisalFactory(cycle=OpenCycleFactory(), manager=manager))
    final = FinalAppraisalFactory(manager=manager, total=Decimal("86"), cycle__template__name="Closed cycle template")
    page = page_for(language)

    login(page, manager.user.username, PASSWORD)
    assert page.get_attribute("html", "lang") == HTML_LANG[language]
    assert page.locator("#manager-dashboard").is_visible()

    page.goto(f"{page.base_url}/clients/{client.pk}/")
    page.click("button[data-bs-target='#interaction-form']")
    page.select_option("#id_interaction-kind", "visit")
    # Typed in as a user would, in the ISO form a date input takes in every language.
    page.fill("#id_interaction-date", dt.date.today().isoformat())
    page.fill("#id_interaction-summary", "Visited the finance director")
    submit(page, "#interaction-form button[type=submit]")
    assert page.locator("#interactions").inner_text().count("Visited the finance director") == 1
    assert Interaction.objects.filter(client=client, manager=manager, kind="visit").count() == 1

    page.goto(f"{page.base_url}/appraisals/ratings/{rating.pk}/")
    # Each scale is a row of buttons: the label is what a user clicks.
    fours = page.locator(".rating-scale input[type=radio][value='4'] + label")
    for index in range(fours.count()):
        fours.nth(index).click()
    submit(page, "main form button[value=submit]")
    rating.refresh_from_db()
    assert rating.submitted_at is not None

    page.goto(f"{page.base_url}/appraisals/{final.pk}/")
    assert page.locator("#total-score").inner_text() == "86.00"
    assert page.locator("#explanation-sum").is_visible()
    screenshot(page, f"journey-manager-explanation-{language}")


@LANGUAGES
def test_client_answers_the_survey_link_without_an_account(page_for, language: str) -> None:
    invitation = SurveyInvitationFactory(rating__appraisal__cycle=OpenCycleFactory())
    page = page_for(language)

    page.goto(f"{page.base_url}/appraisals/survey/{survey_token(invitation)}/")
    assert page.get_attribute("html", "lang") == HTML_LANG[language]
    fours = page.locator(".rating-scale input[type=radio][value='4'] + label")
    assert fours.count() == 3  # the client sample rates P1, B1 and B2
    for index in range(fours.count()):
        fours.nth(index).click()
    submit(page, "main form button[value=submit]")

    invitation.refresh_from_db()
    invitation.rating.refresh_from_db()
    assert invitation.used_at is not None and invitation.rating.submitted_at is not None
    page.goto(f"{page.base_url}/appraisals/survey/{survey_token(invitation)}/")
    assert page.locator("main form button[type=submit]").count() == 0  # a link works once


def _run_admin_action(page, changelist: str, pk: int, action: str) -> None:
    page.goto(f"{page.base_url}/admin/{changelist}/")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    submit(page, "button[name=index]")


@LANGUAGES
def test_hr_opens_and_closes_a_cycle_and_approves_a_promotion(page_for, language: str, monkeypatch) -> None:
    hr = hr_user()
    AccountManagerFactory(grade="second")
    today = dt.date.today()
    cycle = DraftCycleFactory(
        template=small_template(), period_start=today - dt.timedelta(days=90), period_end=today, rating_deadline=today
    )
    promoted = FinalAppraisalFactory(
        manager__grade="second", total=Decimal("95"), cycle__template__name="Closed cycle template"
    )
    recommendation = Recommendation.objects.create(
        manager=promoted.manager,
        appraisal=promoted,
        kind=Recommendation.Kind.PROMOTION,
        proposed_grade=grade("first"),
        basis="Two excellent results in a row.",
    )
    page = page_for(language)
    login(page, hr.username, PASSWORD)
    assert page.locator("#hr-dashboard").is_visible()

    _run_admin_action(page, "appraisals/appraisalcycle", cycle.pk, "open_cycles")
    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.OPEN

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the worker runs the queued close in-process
    _run_admin_action(page, "appraisals/appraisalcycle", cycle.pk, "close_cycles")
    # Nobody rated: the admin asks why the cycle is closed with ratings missing.
    page.fill("textarea[name=reason]", "Test of the close with missing ratings.")
    submit(page, "form input[type=submit]")
    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.CLOSED
    assert cycle.appraisals.filter(total_score__isnull=False).exists()
    # The close ran as a job; its progress page says it is done and links on to the cycle's results.
    page.locator(".messagelist a").first.click()
    page.wait_for_load_state()
    assert page.locator(".job-progress .text-success").is_visible()
    page.locator(".job-progress a.btn-primary").click()
    page.wait_for_load_state()
    assert f"cycle={cycle.pk}" in page.url and page.locator("table tbody tr").count() >= 1

    _run_admin_action(page, "appraisals/recommendation", recommendation.pk, "approve")
    submit(page, "form input[type=submit].default")
    recommendation.refresh_from_db()
    assert recommendation.state == Recommendation.State.APPROVED
    assert promoted.manager.grade_on(recommendation.grade_change.effective_date).code == "first"
    screenshot(page, f"journey-hr-approved-{language}")
