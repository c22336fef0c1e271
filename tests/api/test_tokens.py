"""API tokens: issued by HR in the admin and shown once, stored hashed, read-only or read-write, revoked, their last
use recorded, throttled per token (a service account at the feeds' rate)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.settings import api_settings

from api.models import ApiToken
from api.services import api_token_authenticate, api_token_revoke
from core.roles import Role
from tests.api.factories import ApiTokenFactory, auth_header
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import AssignmentFactory, ClientFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


def _manager_token(scope: str = ApiToken.Scope.READ_WRITE) -> tuple[ApiToken, object]:
    manager = AccountManagerFactory(grade="senior", user=UserFactory(role=Role.ACCOUNT_MANAGER))
    client = ClientFactory()
    AssignmentFactory(client=client, manager=manager)
    return ApiTokenFactory(user=manager.user, scope=scope), client


def test_a_token_authenticates_its_user_and_sees_what_they_see() -> None:
    token, client = _manager_token()
    response = HttpClient().get(reverse("api:client-list"), **auth_header(token))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [client.pk]
    me = HttpClient().get(reverse("api:me"), **auth_header(token)).json()
    assert (me["username"], me["role"], me["token_scope"]) == (token.user.username, "account_manager", "read_write")


def test_only_the_hash_is_stored_and_a_wrong_secret_is_refused() -> None:
    token, _client = _manager_token()
    stored = ApiToken.objects.get(pk=token.pk)
    assert token.key not in {stored.prefix, stored.key_hash, stored.name}
    assert token.key.startswith(stored.prefix + ".")
    forged = f"{stored.prefix}.{'x' * 43}"
    response = HttpClient().get(reverse("api:client-list"), HTTP_AUTHORIZATION=f"Token {forged}")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_last_use_is_recorded_to_the_minute() -> None:
    token, _client = _manager_token()
    assert token.last_used_at is None
    HttpClient().get(reverse("api:client-list"), **auth_header(token))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    HttpClient().get(reverse("api:client-list"), **auth_header(token))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # within the minute: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=5))
    HttpClient().get(reverse("api:client-list"), **auth_header(token))
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - dt.timedelta(minutes=1)


def test_a_revoked_token_or_an_inactive_user_is_refused() -> None:
    token, _client = _manager_token()
    api_token_revoke(token=token, by=hr_user())
    assert HttpClient().get(reverse("api:client-list"), **auth_header(token)).status_code == 401
    assert api_token_authenticate(key=token.key) is None

    other, _client = _manager_token()
    other.user.is_active = False
    other.user.save()
    assert HttpClient().get(reverse("api:client-list"), **auth_header(other)).status_code == 401


def test_a_read_only_token_reads_but_does_not_write() -> None:
    token, client = _manager_token(scope=ApiToken.Scope.READ)
    http = HttpClient()
    assert http.get(reverse("api:client-detail", args=[client.pk]), **auth_header(token)).status_code == 200
    response = http.post(
        reverse("api:interaction-list"),
        json.dumps({"client": client.pk, "kind": "call", "date": "2026-01-05", "summary": "x"}),
        content_type="application/json",
        **auth_header(token),
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This API token is read-only."
    chinese = http.delete(
        reverse("api:client-detail", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans", **auth_header(token)
    )
    assert chinese.json()["detail"] == "此 API 令牌为只读。"


def test_a_token_needs_no_csrf_token_to_write() -> None:
    token, client = _manager_token()
    http = HttpClient(enforce_csrf_checks=True)
    response = http.post(
        reverse("api:interaction-list"),
        json.dumps({"client": client.pk, "kind": "call", "date": "2026-01-05", "summary": "Called"}),
        content_type="application/json",
        **auth_header(token),
    )
    assert response.status_code == 201


def _rates(token: str, feed: str) -> dict:
    return {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": {"token": token, "feed": feed}}


def test_requests_are_throttled_per_token() -> None:
    token, _client = _manager_token()
    other, _client = _manager_token()
    with override_settings(REST_FRAMEWORK=_rates("3/min", "100/min")):
        http = HttpClient()
        statuses = [http.get(reverse("api:me"), **auth_header(token)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = http.get(reverse("api:me"), **auth_header(token))
        assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
        # Another token of the same kind has its own count.
        assert http.get(reverse("api:me"), **auth_header(other)).status_code == 200


def test_a_service_account_is_throttled_at_the_feeds_rate() -> None:
    feed = ApiTokenFactory(user=UserFactory(), service_account=True)
    with override_settings(REST_FRAMEWORK=_rates("100/min", "2/min")):
        http = HttpClient()
        statuses = [http.get(reverse("api:me"), **auth_header(feed)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- the admin -------------------------------------------------------------------------------------------------------


def test_hr_issues_a_token_in_the_admin_and_sees_its_key_once() -> None:
    hr = hr_user()
    owner = UserFactory(username="core-banking-feed")
    http = HttpClient()
    http.force_login(hr)
    response = http.post(
        reverse("admin:api_apitoken_add"),
        {"user": owner.pk, "name": "Core banking nightly feed", "scope": "read_write", "service_account": "on"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request)] or [response.content.decode()]
    key = next(word for text in shown for word in text.split() if word.startswith(token.prefix + "."))
    assert (token.user, token.created_by, token.service_account) == (owner, hr, True)
    assert api_token_authenticate(key=key) == token
    # The change page never shows the key again.
    page = http.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert key not in page and token.key_hash not in page


def test_hr_revokes_tokens_in_the_admin() -> None:
    token = ApiTokenFactory()
    http = HttpClient()
    http.force_login(hr_user())
    http.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now()
    assert HttpClient().get(reverse("api:me"), **auth_header(token)).status_code == 401


def test_the_admin_of_tokens_is_closed_to_managers() -> None:
    manager = AccountManagerFactory(user=UserFactory(role=Role.ACCOUNT_MANAGER))
    manager.user.is_staff = True
    manager.user.save()
    http = HttpClient()
    http.force_login(manager.user)
    assert http.get(reverse("admin:api_apitoken_changelist")).status_code == 403
