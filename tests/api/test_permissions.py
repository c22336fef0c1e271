"""The permission matrix through the API, on the same company and the same cases as the pages' URL walk
(tests/security/test_url_matrix.py): the same attackers never see line A in a list or an object (404, not 403),
HR sees everything, owners, supervisors, heads and assistants get what the pages give them."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from appraisals.models import SpotCheckDraw
from appraisals.services.spotchecks import spot_check_draw
from tests.security.company import Company, company_build
from tests.security.test_url_matrix import ATTACKERS, user_of

pytestmark = pytest.mark.django_db

LISTS = [
    "api:client-list",
    "api:contact-list",
    "api:assignment-list",
    "api:interaction-list",
    "api:business-record-list",
    "api:target-list",
    "api:appraisal-list",
    "api:rating-list",
    "api:cycle-list",
    "api:spot-check-draw-list",
    "api:pay-statement-list",
]


def objects_of_a(company: Company) -> list[str]:
    """Every object of line A the API has a URL for."""
    a = company.a
    urls = []
    for grade in a.managers:
        urls += [
            reverse("api:client-detail", args=[a.clients[grade].pk]),
            reverse("api:interaction-detail", args=[a.interactions[grade].pk]),
            reverse("api:assignment-detail", args=[a.clients[grade].assignments.get().pk]),
            reverse("api:appraisal-detail", args=[a.appraisals[grade].pk]),
            reverse("api:pay-statement-detail", args=[a.statements[grade].pk]),
            reverse("api:rating-detail", args=[a.ratings[grade].pk]),
        ]
    return urls


def body_text(response) -> str:
    return response.content.decode()


def _draw(company: Company) -> SpotCheckDraw:
    return spot_check_draw(sample_size=2, by=company.hr)


@pytest.mark.parametrize("who", ATTACKERS)
def test_no_role_of_another_line_sees_line_a_through_the_api(who: str) -> None:
    company = company_build()
    draw = _draw(company)
    secrets = company.secret_strings_of_a()
    http = HttpClient()
    http.force_login(user_of(company, who))
    failures = []
    for name in LISTS:
        response = http.get(reverse(name), {"page_size": 500})
        if response.status_code != 200:
            failures.append(f"{name}: {response.status_code}")
        leaked = [secret for secret in secrets if secret in body_text(response)]
        if leaked:
            failures.append(f"{name}: shows {leaked}")
    for url in [*objects_of_a(company), reverse("api:spot-check-draw-detail", args=[draw.pk])]:
        response = http.get(url)
        if response.status_code != 404:
            failures.append(f"{url}: {response.status_code}, expected 404")
    # Nor logs work on line A's clients: the client is not found, as on the pages.
    client = company.a.clients["second"]
    response = http.post(
        reverse("api:interaction-list"),
        {"client": client.pk, "kind": "call", "date": "2026-01-05", "summary": "x"},
        content_type="application/json",
    )
    if response.status_code != 404:
        failures.append(f"interaction on line A's client: {response.status_code}, expected 404")
    assert not failures, f"{who}:\n" + "\n".join(failures)


def test_an_anonymous_caller_gets_401_everywhere_but_the_schema_and_its_docs() -> None:
    company = company_build()
    http = HttpClient()
    for url in [reverse(name) for name in LISTS] + objects_of_a(company):
        response = http.get(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")
    assert http.get(reverse("api:schema")).status_code == 200
    assert http.get(reverse("api:docs")).status_code == 200


def test_hr_sees_line_a_in_every_list_and_object() -> None:
    company = company_build()
    draw = _draw(company)
    http = HttpClient()
    http.force_login(company.hr)
    for url in objects_of_a(company):
        if "/ratings/" in url:
            continue  # a rating opens for its rater only, HR included (HR reviews ratings in the admin)
        assert http.get(url).status_code == 200, url
    clients = http.get(reverse("api:client-list"), {"q": company.a.clients["second"].name}).json()
    assert [row["id"] for row in clients["results"]] == [company.a.clients["second"].pk]
    assert http.get(reverse("api:spot-check-draw-detail", args=[draw.pk])).status_code == 200
    assert http.get(reverse("api:cycle-detail", args=[company.closed_cycle.pk])).status_code == 200


def test_each_owner_gets_their_own_objects() -> None:
    company = company_build()
    http = HttpClient()
    for grade, manager in company.a.managers.items():
        http.force_login(manager.user)
        for url in [
            reverse("api:client-detail", args=[company.a.clients[grade].pk]),
            reverse("api:appraisal-detail", args=[company.a.appraisals[grade].pk]),
            reverse("api:pay-statement-detail", args=[company.a.statements[grade].pk]),
            reverse("api:rating-detail", args=[company.a.ratings[grade].pk]),
        ]:
            assert http.get(url).status_code == 200, url
        statements = http.get(reverse("api:pay-statement-list")).json()["results"]
        assert [row["id"] for row in statements] == [company.a.statements[grade].pk]


def test_a_supervisor_sees_the_line_below_but_not_above_nor_its_pay() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.a.managers["first"].user)
    assert http.get(reverse("api:client-detail", args=[company.a.clients["second"].pk])).status_code == 200
    assert http.get(reverse("api:appraisal-detail", args=[company.a.appraisals["second"].pk])).status_code == 200
    assert http.get(reverse("api:client-detail", args=[company.a.clients["senior"].pk])).status_code == 404
    assert http.get(reverse("api:appraisal-detail", args=[company.a.appraisals["senior"].pk])).status_code == 404
    assert http.get(reverse("api:pay-statement-detail", args=[company.a.statements["second"].pk])).status_code == 404
    # Sees the subordinate's client but does not log work on it: that is the current manager's (403, as the page).
    response = http.post(
        reverse("api:interaction-list"),
        {"client": company.a.clients["second"].pk, "kind": "call", "date": "2026-01-05", "summary": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_department_head_sees_the_department_but_no_pay() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.a.head)
    assert http.get(reverse("api:client-detail", args=[company.a.clients["trainee"].pk])).status_code == 200
    assert http.get(reverse("api:appraisal-detail", args=[company.a.appraisals["trainee"].pk])).status_code == 200
    assert http.get(reverse("api:pay-statement-detail", args=[company.a.statements["trainee"].pk])).status_code == 404
    assert http.get(reverse("api:pay-statement-list")).json()["results"] == []


def test_an_assistant_sees_and_logs_for_the_manager_they_work_for_only() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.a.assistant.user)
    own, subordinate = company.a.clients["senior"], company.a.clients["first"]
    assert http.get(reverse("api:client-detail", args=[own.pk])).status_code == 200
    assert http.get(reverse("api:client-detail", args=[subordinate.pk])).status_code == 404
    assert http.get(reverse("api:appraisal-detail", args=[company.a.appraisals["senior"].pk])).status_code == 404
    response = http.post(
        reverse("api:interaction-list"),
        json.dumps({"client": own.pk, "kind": "call", "date": "2026-01-05", "summary": "Called the treasurer"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["manager"] == company.a.managers["senior"].pk
    assert response.json()["recorded_by"] == company.a.assistant.user.pk


def test_spot_checks_and_cycles_are_hr_only() -> None:
    company = company_build()
    draw = _draw(company)
    http = HttpClient()
    http.force_login(company.a.managers["senior"].user)
    assert http.get(reverse("api:spot-check-draw-list")).json()["results"] == []
    assert http.get(reverse("api:spot-check-draw-verification", args=[draw.pk])).status_code == 404
    assert http.post(reverse("api:spot-check-draw-list"), {}, content_type="application/json").status_code == 403
    assert http.get(reverse("api:cycle-list")).json()["results"] == []
