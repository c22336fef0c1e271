"""The API's resources: writes through the services with their refusals in the one error body, ratings owed and
submitted, the appraisal's explanation, pay for payroll, spot-check draws and their verification, pagination,
filters, languages, the schema and its docs page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from appraisals.models import RaterType
from appraisals.services.ratings import indicators_rated_by
from clients.models import Interaction
from core.roles import Role
from incentives.models import PayStatement
from tests.appraisals.factories_ratings import RatingFactory, rater_user
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import AssignmentFactory, ClientFactory, InteractionFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory
from tests.security.company import company_build

pytestmark = pytest.mark.django_db


def _post(http: HttpClient, url: str, body: dict, **headers: str):
    return http.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def served_client():
    """A client served by a senior manager since 2024, and that manager signed in."""
    manager = AccountManagerFactory(grade="senior", user=UserFactory(role=Role.ACCOUNT_MANAGER))
    client = ClientFactory()
    AssignmentFactory(client=client, manager=manager)
    http = HttpClient()
    http.force_login(manager.user)
    return http, client, manager


# --- interactions --------------------------------------------------------------------------------------------------


def test_the_clients_manager_records_an_interaction_through_the_service(served_client) -> None:
    http, client, manager = served_client
    response = _post(
        http,
        reverse("api:interaction-list"),
        {"client": client.pk, "kind": "visit", "date": "2026-01-05", "summary": "Reviewed the credit line"},
    )
    assert response.status_code == 201, response.content
    interaction = Interaction.objects.get(pk=response.json()["id"])
    assert (interaction.manager, interaction.recorded_by, interaction.summary) == (
        manager,
        manager.user,
        "Reviewed the credit line",
    )


def test_a_refusal_of_the_service_is_a_400_naming_the_field(served_client) -> None:
    http, client, _manager = served_client
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = _post(
        http,
        reverse("api:interaction-list"),
        {"client": client.pk, "kind": "visit", "date": tomorrow.isoformat(), "summary": "Not yet"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert body["errors"] == {"date": ["An interaction cannot be recorded before it happens."]}
    assert body["detail"] == "An interaction cannot be recorded before it happens."
    assert not Interaction.objects.exists()


def test_malformed_fields_are_all_reported_at_once(served_client) -> None:
    http, client, _manager = served_client
    response = _post(http, reverse("api:interaction-list"), {"client": client.pk, "kind": "fax", "date": "soon"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "date", "summary"}


def test_messages_follow_accept_language(served_client) -> None:
    http, client, _manager = served_client
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = _post(
        http,
        reverse("api:interaction-list"),
        {"client": client.pk, "kind": "visit", "date": tomorrow.isoformat(), "summary": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["date"] == ["联系尚未发生，不能登记。"]


def test_an_unknown_client_is_a_404_in_the_error_format(served_client) -> None:
    http, _client, _manager = served_client
    response = _post(
        http, reverse("api:interaction-list"), {"client": 2**62, "kind": "visit", "date": "2026-01-05", "summary": "x"}
    )
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "detail": "No such client.", "errors": {}}


# --- lists: cursor pagination and filters ----------------------------------------------------------------------------


def test_lists_page_with_a_cursor_and_filter(served_client) -> None:
    http, client, manager = served_client
    for day in range(1, 6):
        InteractionFactory(client=client, manager=manager, date=dt.date(2026, 1, day), kind="call")
    InteractionFactory(client=client, manager=manager, date=dt.date(2026, 2, 1), kind="visit")
    first = http.get(reverse("api:interaction-list"), {"kind": "call", "page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    second = http.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(set(ids)) == 5
    assert (
        http.get(reverse("api:interaction-list"), {"date_from": "2026-02-01"}).json()["results"][0]["kind"] == "visit"
    )


def test_an_invalid_filter_is_a_400_naming_it(served_client) -> None:
    http, _client, _manager = served_client
    response = http.get(reverse("api:interaction-list"), {"date_from": "yesterday", "client": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"date_from", "client"}


def test_a_client_shows_its_contacts(served_client) -> None:
    http, client, _manager = served_client
    client.contacts.create(name="Ms Wang", title="Treasurer", is_primary=True)
    body = http.get(reverse("api:client-detail", args=[client.pk])).json()
    assert [c["name"] for c in body["contacts"]] == ["Ms Wang"]


# --- ratings ---------------------------------------------------------------------------------------------------------


def test_a_rater_lists_what_they_owe_and_submits_it() -> None:
    head = rater_user(Role.DEPARTMENT_HEAD)
    rating = RatingFactory(rater_type=RaterType.HEAD, rater=head)
    http = HttpClient()
    http.force_login(head)
    owed = http.get(reverse("api:rating-list"), {"submitted": "false"}).json()["results"]
    assert [row["id"] for row in owed] == [rating.pk]
    detail = http.get(reverse("api:rating-detail", args=[rating.pk])).json()
    indicators = [row["id"] for row in detail["indicators"]]
    expected = list(indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=RaterType.HEAD))
    assert indicators == [i.pk for i in expected]

    # One value of 5 without its comment: refused, keyed by the indicator, nothing saved.
    values = {str(pk): 4 for pk in indicators}
    values[str(indicators[0])] = 5
    response = _post(http, reverse("api:rating-submit", args=[rating.pk]), {"values": values})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"comments.{indicators[0]}"]

    response = _post(
        http,
        reverse("api:rating-submit", args=[rating.pk]),
        {"values": values, "comments": {str(indicators[0]): "Landed the year's largest account"}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["submitted_at"] and len(response.json()["scores"]) == len(indicators)
    assert http.get(reverse("api:rating-list"), {"submitted": "false"}).json()["results"] == []
    again = _post(http, reverse("api:rating-submit", args=[rating.pk]), {"values": values})
    assert again.status_code == 400


def test_someone_elses_rating_is_a_404() -> None:
    rating = RatingFactory(rater_type=RaterType.HEAD, rater=rater_user(Role.DEPARTMENT_HEAD))
    http = HttpClient()
    http.force_login(rater_user(Role.DEPARTMENT_HEAD))
    assert http.get(reverse("api:rating-detail", args=[rating.pk])).status_code == 404
    assert _post(http, reverse("api:rating-submit", args=[rating.pk]), {"values": {}}).status_code == 404


# --- appraisals, pay -------------------------------------------------------------------------------------------------


def test_an_appraisal_comes_with_its_explanation_that_adds_up() -> None:
    company = company_build()
    appraisal = company.a.appraisals["second"]
    http = HttpClient()
    http.force_login(company.a.managers["second"].user)
    body = http.get(reverse("api:appraisal-detail", args=[appraisal.pk])).json()
    explanation = body["explanation"]
    assert body["total_score"] == f"{appraisal.total_score:.2f}"
    assert explanation["adds_up"] is True
    assert [d["weight"] for d in explanation["dimensions"]]
    assert explanation["dimensions"][0]["indicators"][0]["raters"] is not None


def test_payroll_sees_every_approved_statement_and_no_draft() -> None:
    draft = PayStatementFactory()
    approved = PayStatementFactory(state=PayStatement.State.APPROVED, approved_at=timezone.now())
    payroll = UserFactory()
    payroll.user_permissions.add(Permission.objects.get(codename="view_all_pay_statements"))
    http = HttpClient()
    http.force_login(payroll)
    ids = [row["id"] for row in http.get(reverse("api:pay-statement-list")).json()["results"]]
    assert ids == [approved.pk]
    assert http.get(reverse("api:pay-statement-detail", args=[draft.pk])).status_code == 404
    http.force_login(hr_user())
    assert len(http.get(reverse("api:pay-statement-list")).json()["results"]) == 2


# --- spot-checks -----------------------------------------------------------------------------------------------------


def test_hr_draws_and_an_auditor_verifies_the_draw() -> None:
    AccountManagerFactory.create_batch(4)
    http = HttpClient()
    http.force_login(hr_user())
    response = _post(http, reverse("api:spot-check-draw-list"), {"sample_size": 2})
    assert response.status_code == 201, response.content
    draw = response.json()
    assert len(draw["sample"]) == 2 and len(draw["checks"]) == 2
    verification = http.get(reverse("api:spot-check-draw-verification", args=[draw["id"]])).json()
    assert verification["verified"] is True and verification["seed"] == draw["seed"]


# --- the schema and its page -----------------------------------------------------------------------------------------


def test_the_schema_is_openapi_3_with_the_token_scheme_and_the_error_body() -> None:
    response = HttpClient().get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    operation = schema["paths"]["/api/clients/{id}/"]["get"]
    assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_the_docs_page_uses_the_vendored_swagger_ui() -> None:
    response = HttpClient().get(reverse("api:docs"))
    html = response.content.decode()
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "http" not in html.split("<body>")[1].replace(reverse("api:schema"), "")
