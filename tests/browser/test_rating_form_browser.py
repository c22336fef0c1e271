"""The rating form and the appraisal pages in a real browser: no page wider than a 390 px phone, the 1–5 scale used
with the keyboard alone, the error summary's links landing on the field to fix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisals.models import RaterType, RatingDraft
from appraisals.selectors import indicators_rated_by
from appraisals.services.surveys import survey_token
from tests.appraisals.factories_ratings import (
    IndicatorFactory,
    RatingFactory,
    SurveyInvitationFactory,
    template_with_indicators,
)
from tests.browser.conftest import login, screenshot
from tests.core.factories import PASSWORD, UserFactory
from tests.incentives.factories import FinalAppraisalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGES = pytest.mark.parametrize("language", ["en", "zh-CN"])


def _head_with_a_rating(extra_indicators: int = 0):
    """A department head owing a head rating of a manager (5 indicators and the extras), with a password."""
    template = template_with_indicators()
    for n in range(extra_indicators):
        IndicatorFactory(template=template, code=f"X{n}", name=f"Extra indicator {n}", rated_by_head=True, order=20 + n)
    head = UserFactory(first_name="子涵", last_name="董")
    rating = RatingFactory(rater_type=RaterType.HEAD, rater=head, appraisal__cycle__template=template)
    return head, rating


@LANGUAGES
def test_the_rating_pages_fit_a_phone(page_for, language: str) -> None:
    head, rating = _head_with_a_rating(extra_indicators=7)  # 12 indicators, as in the standard template
    invitation = SurveyInvitationFactory()
    page = page_for(language)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, head.username, PASSWORD)
    pages = {
        "pending-ratings": reverse("appraisals:pending_ratings"),
        "rate": reverse("appraisals:rate", args=[rating.pk]),
        "survey": reverse("appraisals:survey", args=[survey_token(invitation)]),
    }
    for name, path in pages.items():
        page.goto(f"{page.base_url}{path}")
        assert page.locator("h1").count(), path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
        screenshot(page, f"phone-{name}-{language}")
    page.goto(f"{page.base_url}{pages['rate']}")
    # 12 indicators on a phone: one line each, about 150 px, not a page of radio lists.
    assert page.locator("fieldset").count() == 12
    height = page.evaluate("document.querySelector('main form').getBoundingClientRect().height")
    assert height < 2400, f"the rating form is {height} px tall"

    appraised = FinalAppraisalFactory(manager__user__first_name="嘉怡", manager__user__last_name="王")
    page = page_for(language)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, appraised.manager.user.username, PASSWORD)
    for name, path in {"my-appraisals": reverse("appraisals:mine")}.items():
        page.goto(f"{page.base_url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
        screenshot(page, f"phone-{name}-{language}")


def test_the_scale_is_used_with_the_keyboard_and_the_error_summary_links_to_the_field(page_for) -> None:
    head, rating = _head_with_a_rating()
    page = page_for("en")
    login(page, head.username, PASSWORD)
    page.goto(f"{page.base_url}{reverse('appraisals:rate', args=[rating.pk])}")

    first = page.locator("fieldset").first.locator("input[type=radio]").first
    first.focus()
    page.keyboard.press("ArrowRight")  # a radio group: the arrow moves the choice from 1 to 2
    page.keyboard.press("ArrowRight")
    checked = page.locator("fieldset").first.locator("input[type=radio]:checked")
    assert checked.get_attribute("value") == "3"

    with page.expect_navigation():
        page.click("button[value=submit]")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    link = summary.locator("a").first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("document.activeElement.id") == target.lstrip("#")
    # The value given before submitting is still chosen.
    assert page.locator("fieldset").first.locator("input[type=radio]:checked").get_attribute("value") == "3"

    with page.expect_navigation():
        page.click("button[value=draft]")
    assert RatingDraft.objects.get(rating=rating).values == {str(rating_indicator(rating)): 3}


def rating_indicator(rating) -> int:
    """The id of the first indicator the rating's rater type rates (the first line of the form)."""
    return indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type).first().pk
