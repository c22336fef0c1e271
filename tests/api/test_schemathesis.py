"""Schemathesis against a live test server, with the schema the server itself generates, as HR and as an account
manager (each with a read-write token, on the security tests' company): no operation answers with a 5xx, and every
response conforms to the schema (status code documented, content type, body, headers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from api.services import api_token_issue
from tests.security.company import company_build

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Enough examples per operation to reach the filters, the bodies and the refusals; the run takes a few minutes.
EXAMPLES = 10


@pytest.fixture(params=["hr", "manager"])
def api_caller(request: pytest.FixtureRequest, live_server, settings, tmp_path) -> Iterator[dict[str, str]]:
    """A token for HR or for a senior manager of line A; throttling is lifted so that every example is served; the
    feeds' stored bodies go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "1000000/hour", "feed": "1000000/hour"},
    }
    company = company_build()
    user = company.hr if request.param == "hr" else company.a.managers["senior"].user
    issued = api_token_issue(user=user, name=f"schemathesis {request.param}", scope=ApiToken.Scope.READ_WRITE)
    yield {"Authorization": f"Token {issued.key}"}


def test_the_api_answers_as_its_schema_says(api_caller: dict[str, str], live_server) -> None:
    """Every operation, with valid data and with invalid data; all failures of all operations reported at once.
    (Schemathesis's pytest plugin does not run under pytest 9: its Python API drives Hypothesis here instead.)"""
    loaded = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers={"Accept": "application/json"})
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=live_server.url, headers=api_caller, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing of this operation can be made invalid (e.g. only an id in its path)
            except Exception as error:  # noqa: BLE001 - every operation's failure is collected, then reported
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
