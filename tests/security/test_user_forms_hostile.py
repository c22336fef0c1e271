"""No page of ours answers 5xx, whatever its user types: every form on every page each role can open, every field,
hostile values.

The pages are the URL walk's (tests/security/test_url_matrix.py: every named pattern, with the objects of line A's
"second" manager), opened as that manager, their department head, their assistant and HR. Each <form> on a page is
read as a browser reads it (its inputs, selects and textareas with the values a browser would send back); then one
field at a time is replaced by hostile values for its kind while the others keep theirs, and the form is sent to its
action with its method. Every POST is rolled back, so each starts from the same data. The answer must be a page (with
errors, a refusal, or the result) or a redirect, never a 5xx and never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

import pytest
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse

from tests.security.company import company_build
from tests.security.test_admin_hostile import HUGE, LONG, _request
from tests.security.test_url_matrix import ARGUMENT_MAKERS, routes

pytestmark = pytest.mark.django_db

# What a browser posts is a string; these are the strings a careless or hostile user can post into a field of each
# kind. Numbers and ids: not a number, negative, beyond a bigint; dates: implausible and impossible; text: very long,
# and a NUL character (PostgreSQL refuses it in text).
HOSTILE = {
    "number": ("abc", "-1", "-5000", HUGE, "1e400"),
    "date": ("1900-01-01", "9999-12-31", "2026-13-45", "abc"),
    "choice": ("abc", "-1", HUGE, LONG),
    "text": (LONG, "a\x00b"),
}
# Forms that end the session or leave the site are not swept: logging out would make every later request anonymous.
SKIPPED_ACTIONS = ("/accounts/logout/",)


@dataclass
class PageForm:
    method: str
    action: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """Every <form> of a page with the name/value pairs a browser would submit and the kind of each field."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = PageForm(method=(a.get("method") or "get").lower(), action=action)
            return
        form = self._form
        name = a.get("name", "")
        if form is None or not name or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                form.kinds[name] = "choice"
                if "checked" in a:
                    form.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                form.kinds.setdefault(name, {"number": "number", "date": "date", "hidden": "choice"}.get(kind, "text"))
                form.pairs.append((name, a.get("value", "")))
        elif tag == "select":
            self._select, self._options = (name, "multiple" in a), []
            form.kinds[name] = "choice"
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = name, []
            form.kinds[name] = "text"

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if form is None:
            return
        if tag == "form":
            self.forms.append(form)
            self._form = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            form.pairs += [(name, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            form.pairs.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def _pages(company) -> list[str]:  # noqa: ANN001
    urls = []
    for route in routes():
        make = ARGUMENT_MAKERS.get(route.key)
        kwargs = make(company) if make and route.params else {}
        if route.key == "appraisals:survey(token)":
            kwargs = {"token": company.survey_token_of_a}
        try:
            urls.append(reverse(route.name, kwargs=kwargs or None))
        except NoReverseMatch:
            continue
    return urls


def _send(client: HttpClient, form: PageForm, pairs: list[tuple[str, str]]):  # noqa: ANN202
    if form.method == "post":
        return _request(client, "post", form.action, pairs)
    return _request(client, "get", f"{form.action.split('?')[0]}?{urlencode(pairs)}")


def _sweep(client: HttpClient, urls: list[str], who: str) -> tuple[int, int, list[str]]:
    posts = forms = 0
    failures: list[str] = []
    for url in urls:
        response, error = _request(client, "get", url)
        if error is not None or response.status_code >= 500:
            failures.append(f"{who} GET {url}: {error!r}" if error else f"{who} GET {url}: {response.status_code}")
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms(url)
        parser.feed(response.content.decode())
        for form in parser.forms:
            if form.action.startswith(SKIPPED_ACTIONS) or not form.kinds:
                continue
            forms += 1
            for name, kind in form.kinds.items():
                if name == "csrfmiddlewaretoken":
                    continue
                for value in HOSTILE[kind]:
                    pairs = [(n, v) for n, v in form.pairs if n != name] + [(name, value)]
                    posts += 1
                    response, error = _send(client, form, pairs)
                    if error is not None or response.status_code >= 500:
                        shown = value if len(value) < 30 else f"{value[:10]}…({len(value)})"
                        outcome = repr(error) if error else response.status_code
                        failures.append(f"{who} {form.method.upper()} {form.action} {name}={shown!r}: {outcome}")
    return posts, forms, failures


def test_no_user_form_answers_5xx_to_hostile_input() -> None:
    company = company_build()
    urls = _pages(company)
    users = {
        "manager": company.a.managers["second"].user,
        "head": company.a.head,
        "assistant": company.a.assistant.user,
        "hr": company.hr,
    }
    total_posts = total_forms = 0
    failures: list[str] = []
    for who, user in users.items():
        client = HttpClient()
        client.force_login(user)
        posts, forms, found = _sweep(client, urls, who)
        total_posts, total_forms = total_posts + posts, total_forms + forms
        failures += found
    anonymous_posts, anonymous_forms, found = _sweep(HttpClient(), urls, "anonymous")
    failures += found

    # The sweep reached the forms people use (the client page's three, the rating form, the survey, preferences, the
    # cycle buttons, the filters, the login form): 89 forms and 618 requests when this was written.
    assert total_forms + anonymous_forms >= 60, (total_forms, anonymous_forms)
    assert total_posts + anonymous_posts >= 400
    assert not failures, "\n".join(failures[:40])
