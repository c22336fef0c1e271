"""Every main page, rendered in Chinese, has no English left: each role's home, the client list and page, the
profile, the appraisal pages, the pay pages, the roll of honour, the login page and the error pages.

The page's visible text (and the attributes a reader meets: titles, placeholders, labels for screen readers) is cut
into words; a Latin word is allowed when it is data someone typed (any text stored in the database: names, client
names, summaries) or is on ALLOWED (brand names, codes, units). Anything else is an English text that escaped
translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client as HttpClient
from django.urls import reverse

from tests.security.company import Company, company_build

pytestmark = pytest.mark.django_db

# Words that stay Latin in a Chinese page: brands, codes, units, file formats, the grade codes of the data.
ALLOWED = {
    "CNY",
    "CSV",
    "XLSX",
    "PDF",
    "KPI",
    "HR",
    "ID",
    "English",  # the language menu names each language in itself
    "Ctrl",  # the print hint: Ctrl+P
    "Django",
    "Celery",
    "E-mail",
    "e-mail",
    "email",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _VisibleText(HTMLParser):
    """What a reader of the page sees or hears: text outside <script> and <style>, and some attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button") and dict(attrs).get("value"):
            self.parts.append(dict(attrs)["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _strings(value: object) -> Iterator[str]:
    """The strings inside a stored JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _stored_words() -> set[str]:
    """Every word of every text stored in the database (what people typed, what the demo loaded, what an appraisal's
    frozen explanation holds)."""
    words: set[str] = set()
    for model in apps.get_models():
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField) and not field.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    words.update(WORD.findall(text))
    return words


def _pages(company: Company) -> Iterator[tuple[str, object, str]]:
    """(who, user or None, url) of the main pages."""
    a = company.a
    senior, head, assistant = a.managers["senior"], a.head, a.assistant.user
    client = a.clients["senior"]
    appraisal = a.appraisals["senior"]
    statement = a.statements["senior"]
    rating = a.ratings["senior"]
    yield "anonymous", None, reverse("login")
    yield "anonymous", None, "/no-such-page/"
    yield "anonymous", None, reverse("appraisals:survey", args=[company.survey_token_of_a])
    for who, user in (("hr", company.hr), ("head", head), ("senior", senior.user), ("assistant", assistant)):
        yield who, user, reverse("home")
        yield who, user, reverse("clients:list")
    yield "hr", company.hr, reverse("clients:detail", args=[client.pk])
    yield "hr", company.hr, reverse("appraisals:cycle_results")
    yield "hr", company.hr, reverse("cycles:list")
    yield "hr", company.hr, reverse("cycles:detail", args=[company.open_cycle.pk])
    yield "hr", company.hr, reverse("cycles:detail", args=[company.closed_cycle.pk])
    yield "hr", company.hr, reverse("appraisals:detail", args=[appraisal.pk])
    yield "hr", company.hr, reverse("incentives:statement", args=[statement.pk])
    yield "head", head, reverse("appraisals:line_results")
    yield "senior", senior.user, reverse("clients:detail", args=[client.pk])
    yield "senior", senior.user, reverse("managers:profile")
    yield "senior", senior.user, reverse("appraisals:mine")
    yield "senior", senior.user, reverse("appraisals:detail", args=[appraisal.pk])
    yield "senior", senior.user, reverse("appraisals:pending_ratings")
    yield "senior", senior.user, reverse("appraisals:rate", args=[rating.pk])
    yield "senior", senior.user, reverse("incentives:my_pay")
    yield "senior", senior.user, reverse("incentives:statement", args=[statement.pk])
    yield "senior", senior.user, reverse("incentives:my_recognition")
    yield "senior", senior.user, reverse("incentives:roll_of_honour")
    yield "senior", senior.user, reverse("reports:appraisal", args=[appraisal.pk])
    yield "senior", senior.user, reverse("reports:pay_statement", args=[statement.pk])
    # A colleague's client: the 404 page of a signed-in user, with the navigation.
    yield "senior", senior.user, reverse("clients:detail", args=[company.b.clients["senior"].pk])


def english_words(html: str, allowed: set[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    found = []
    for word in WORD.findall(" ".join(parser.parts)):
        if word not in allowed and word not in found:
            found.append(word)
    return found


def test_english_words_are_found_outside_data_and_the_allow_list() -> None:
    html = '<p title="Sort">客户 CNY 1,234.56 Acme</p><script>var notText = 1;</script><input type="submit" value="Go">'
    assert english_words(html, ALLOWED | {"Acme"}) == ["Sort", "Go"]


def test_every_main_page_in_chinese_has_no_english_left() -> None:
    company = company_build()
    allowed = ALLOWED | _stored_words()
    findings = []
    for who, user, url in _pages(company):
        browser = HttpClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if user is not None:
            browser.force_login(user)
        response = browser.get(url)
        assert response.status_code in (200, 404), (who, url, response.status_code)
        assert response["Content-Language"] == "zh-hans", (who, url)
        words = english_words(response.content.decode(), allowed)
        if words:
            findings.append(f"{who} {url}: {' '.join(words)}")
    assert not findings, "English on Chinese pages:\n" + "\n".join(findings)
