"""Hardened defaults: login throttling, the deploy check, secure cookies in production, a Content Security Policy
with no inline script on any page, secrets only from the environment, the README's matrix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from core.permissions import matrix_markdown
from core.roles import Role
from tests.core.factories import PASSWORD, UserFactory
from tests.security.company import company_build
from tests.security.test_url_matrix import fetch, urls_for

BASE = Path(settings.BASE_DIR)


# --- login throttling -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_locked_user_cannot_log_in_even_with_the_right_password_and_is_told_so(client) -> None:
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Account locked" in page and "Too many failed login attempts" in page
    # Still locked a moment later, and the home page is still closed.
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 429
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_the_lock_is_per_user_a_colleague_on_the_same_address_still_logs_in(client) -> None:
    locked, colleague = UserFactory(role=Role.ACCOUNT_MANAGER), UserFactory(role=Role.ACCOUNT_MANAGER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": locked.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": colleague.username, "password": PASSWORD})
    assert response.status_code == 302


# --- production settings ----------------------------------------------------------------------------------------


def _production_env(**extra: str) -> dict[str, str]:
    # A production process has no test-only variables (the browser tests allow async-unsafe ORM calls).
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return env | {"DEBUG": "false", "SECRET_KEY": "x" * 60 + "-test-only-production-key", **extra}


def test_check_deploy_is_clean_with_production_settings() -> None:
    env = _production_env(ALLOWED_HOSTS="appraisal.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # CI runs the same check on every change.
    assert "check --deploy --fail-level WARNING" in (BASE / ".ci" / "run").read_text()


def test_cookies_are_secure_and_the_secret_comes_from_the_environment_in_production() -> None:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT,"
        " s.SECRET_KEY == os.environ['SECRET_KEY'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE, env=_production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split()[-5:] == ["True"] * 5, result.stdout + result.stderr


def test_no_secret_is_written_in_the_settings() -> None:
    """Every secret is read from the environment: no password, key or token literal in settings.py (the development
    key, marked insecure, is used only with DEBUG on; production refuses to start without SECRET_KEY)."""
    text = (BASE / "config" / "settings.py").read_text()
    literals = re.findall(r"(?:PASSWORD|SECRET|TOKEN|API_KEY)\w*\s*=\s*['\"]([^'\"]{8,})['\"]", text)
    assert all(value.startswith("django-insecure-") for value in literals), literals
    assert 'SECRET_KEY = env.str("SECRET_KEY"' in text


# --- the Content Security Policy: no inline script anywhere ----------------------------------------------------------


class ScriptFinder(HTMLParser):
    """Collects inline scripts with code (JSON data blocks excepted) and on*= event handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False
        self._script_is_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.handlers += [f"<{tag} {k}=…>" for k in names if k.lower().startswith("on")]
        if tag == "script":
            self._in_script = "src" not in names
            self._script_is_data = (names.get("type") or "").lower() in ("application/json", "application/ld+json")
        for key in ("href", "src", "action"):
            if (names.get(key) or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {key}=javascript:…>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and not self._script_is_data and data.strip():
            self.inline.append(data.strip()[:80])


def inline_script_problems(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    return [f"inline script: {s}" for s in finder.inline] + [f"handler: {h}" for h in finder.handlers]


def test_the_finder_catches_what_the_policy_would_block() -> None:
    assert inline_script_problems('<script>alert(1)</script><a onclick="x()">a</a>') == [
        "inline script: alert(1)",
        "handler: <a onclick=…>",
    ]
    assert not inline_script_problems('<script type="application/json" id="d">{"a": 1}</script><script src="/s.js">')


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hr", "a-senior", "a-trainee", "a-assistant", "north-head", "anonymous"])
def test_no_page_has_inline_script_and_every_page_sends_the_policy(who: str) -> None:
    company = company_build()
    users = {
        "hr": company.hr,
        "a-senior": company.a.managers["senior"].user,
        "a-trainee": company.a.managers["trainee"].user,
        "a-assistant": company.a.assistant.user,
        "north-head": company.a.head,
        "anonymous": None,
    }
    http = HttpClient()
    problems = []
    pages = 0
    for _route, url in urls_for(company):
        if users[who] is not None:
            http.force_login(users[who])
        response = fetch(http, url)
        if "script-src 'self'" not in response.get("Content-Security-Policy", ""):
            problems.append(f"{url}: no Content-Security-Policy header")
        if "text/html" in response.get("Content-Type", "") and response.status_code == 200:
            pages += 1
            problems += [f"{url}: {p}" for p in inline_script_problems(response.content.decode())]
    assert pages >= (1 if who == "anonymous" else 5)  # the walk did look at pages (the login page at least)
    assert not problems, "\n".join(problems)


def test_the_policy_forbids_inline_script() -> None:
    policy = settings.CONTENT_SECURITY_POLICY
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy


# --- the README carries the permission matrix of the code -----------------------------------------------------------


def test_the_readme_shows_the_permission_matrix_of_the_code() -> None:
    assert matrix_markdown() in (BASE / "README.md").read_text()
