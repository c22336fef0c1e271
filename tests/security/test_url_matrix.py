"""The URL walk: every page of the project, taken from the URL resolver, as every role and as an anonymous visitor,
with object ids that belong to someone else (line A of department North). Asserts the matrix of core.permissions:
404 or 403 where denied (a redirect to login for an anonymous visitor), and never line A's data in a page, an
export or a search result. A new page is walked automatically; a new page with arguments fails
test_every_url_pattern_has_an_argument_maker until ARGUMENT_MAKERS says how to fill them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import openpyxl
import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.models import JobRun
from tests.security.company import Company, company_build

pytestmark = pytest.mark.django_db

# Not pages of ours: the admin is walked by its own tests below, the static files are not views, and the API is
# walked with the same company and attackers by tests/api/test_permissions.py.
SKIPPED_PREFIXES = ("admin/", "static/", "media/", "__debug__/", "api/")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its reversible name and the names of its arguments."""

    name: str
    params: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.name}({','.join(self.params)})"


def routes() -> list[Route]:
    """Every named URL pattern of the project, recursively through includes (the admin and static files excepted)."""
    found: dict[str, Route] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            full = prefix + str(pattern.pattern)
            if full.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                walk(pattern, full, inner or namespace)
            elif isinstance(pattern, URLPattern):
                if not pattern.name:
                    raise AssertionError(f"The URL pattern {full!r} has no name: the walk cannot reverse it.")
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                params = tuple(sorted(pattern.pattern.regex.groupindex))
                route = Route(name, params)
                found[route.key] = route

    walk(get_resolver(), "", "")
    return sorted(found.values(), key=lambda r: r.key)


# How to fill each pattern's arguments with an object of line A (someone else's, for line B and South's head).
ArgumentMaker = Callable[[Company], dict[str, object]]
ARGUMENT_MAKERS: dict[str, ArgumentMaker] = {
    "reports:appraisal(pk)": lambda c: {"pk": c.a.appraisals["second"].pk},
    "reports:pay_statement(pk)": lambda c: {"pk": c.a.statements["second"].pk},
    "clients:detail(pk)": lambda c: {"pk": c.a.clients["second"].pk},
    "clients:interaction_create(pk)": lambda c: {"pk": c.a.clients["second"].pk},
    "clients:feedback_create(pk)": lambda c: {"pk": c.a.clients["second"].pk},
    "clients:report_create(pk)": lambda c: {"pk": c.a.clients["second"].pk},
    "clients:record_correct(kind,pk,record_id)": lambda c: {
        "pk": c.a.interactions["second"].client_id,
        "kind": "interaction",
        "record_id": c.a.interactions["second"].pk,
    },
    "appraisals:rate(pk)": lambda c: {"pk": c.a.ratings["second"].pk},
    # The link is the client's credential: a visitor without it can only forge one (the real one is tested below).
    "appraisals:survey(token)": lambda c: {"token": "forged-token:1a2b3c"},
    "appraisals:detail(pk)": lambda c: {"pk": c.a.appraisals["second"].pk},
    "appraisals:acknowledge(pk)": lambda c: {"pk": c.a.appraisals["second"].pk},
    "appraisals:appeal(pk)": lambda c: {"pk": c.a.appraisals["second"].pk},
    "incentives:statement(pk)": lambda c: {"pk": c.a.statements["second"].pk},
    "incentives:roll_of_honour(year)": lambda c: {"year": 2026},
    # HR's cycle pages and their buttons (everyone else 403).
    **{
        f"cycles:{name}(pk)": lambda c: {"pk": c.closed_cycle.pk}
        for name in ("detail", "open", "remind", "close", "pay")
    },
    # HR's jobs: only HR follows them (everyone else 404).
    "job_progress(task_id)": lambda c: {
        "task_id": JobRun.objects.get_or_create(task_id="walk-job", defaults={"name": "pay generation"})[0].task_id
    },
}

# Extra query strings walked on top of the bare URL: searches and exports, with line A's names as the search.
QUERY_VARIANTS: dict[str, Callable[[Company], list[str]]] = {
    "clients:list()": lambda c: [
        # Part of the name or code: the search box echoes the query, the full name may only come from a leak.
        "q=North-second Secret",
        "q=REG-North-senior",
        "q=Secret",
        "ordering=-volume",
    ],
    "reports:clients()": lambda c: [
        "export=csv",
        "export=xlsx",
        "export=csv&q=North-second Secret",
        "export=xlsx&q=REG-North-senior",
    ],
    "reports:cycle_results()": lambda c: ["export=csv", "export=xlsx", f"cycle={c.closed_cycle.pk}&export=csv"],
    "appraisals:cycle_results()": lambda c: [f"cycle={c.closed_cycle.pk}"],
    "reports:appraisal(pk)": lambda c: ["export=xlsx"],
    "reports:pay_statement(pk)": lambda c: ["export=xlsx"],
}

# Pages an anonymous visitor may open; every other page sends them to the login page.
PUBLIC = {"root()", "healthz()", "login()", "logout()", "set_language()", "appraisals:survey(token)"}
# Pages whose arguments name no one's object (a year): open to every role.
NOT_OWNED = {"incentives:roll_of_honour(year)"}
# Pages only HR may open (403 or 404 for every other role).
HR_ONLY = {
    "appraisals:cycle_results()",
    "reports:cycle_results()",
    "cycles:list()",
    *(f"cycles:{name}(pk)" for name in ("detail", "open", "remind", "close", "pay")),
}

# The attackers: everyone of line B (department South), South's head, B's assistant. None of them may see line A.
ATTACKERS = ["b-senior", "b-first", "b-second", "b-trainee", "south-head", "b-assistant"]


def user_of(company: Company, who: str):
    if who == "hr":
        return company.hr
    if who == "south-head":
        return company.b.head
    if who == "b-assistant":
        return company.b.assistant.user
    line, grade = who.split("-")
    return (company.a if line == "a" else company.b).managers[grade].user


def page_text(response) -> str:
    """What a user receives, as text: the HTML, a CSV, or every cell of an XLSX workbook."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = [str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row]
        return "\n".join(cells)
    return content.decode("utf-8-sig", errors="replace")


def fetch(http: HttpClient, url: str):
    """GET the page; a POST-only view (405 without GET in Allow) gets a POST with an empty body instead."""
    response = http.get(url)
    if response.status_code == 405 and "GET" not in response.get("Allow", ""):
        response = http.post(url, {})
    return response


def urls_for(company: Company) -> Iterator[tuple[Route, str]]:
    for route in routes():
        maker = ARGUMENT_MAKERS.get(route.key)
        kwargs = maker(company) if route.params else {}
        base = reverse(route.name, kwargs=kwargs)
        yield route, base
        for query in QUERY_VARIANTS.get(route.key, lambda c: [])(company):
            yield route, f"{base}?{query}"


def test_every_url_pattern_has_an_argument_maker() -> None:
    """A new page with arguments must say how the walk fills them (a page no one walks is a page no one checks)."""
    missing = [route.key for route in routes() if route.params and route.key not in ARGUMENT_MAKERS]
    assert not missing, f"Add these patterns to ARGUMENT_MAKERS in {__file__}: {missing}"
    stale = set(ARGUMENT_MAKERS) - {route.key for route in routes()}
    assert not stale, f"These ARGUMENT_MAKERS name no URL pattern any more: {sorted(stale)}"


@pytest.mark.parametrize("who", ATTACKERS)
def test_no_role_of_another_line_sees_line_a(who: str) -> None:
    company = company_build()
    secrets = company.secret_strings_of_a()
    http = HttpClient()
    user = user_of(company, who)
    failures = []
    for route, url in urls_for(company):
        http.force_login(user)  # again before each page: a walked logout must not turn the rest anonymous
        response = fetch(http, url)
        status = response.status_code
        owned = route.params and route.key not in PUBLIC | NOT_OWNED
        if owned or route.key in HR_ONLY:
            # An object of someone else (or an HR page): denied, without saying whether it exists.
            if status not in (403, 404):
                failures.append(f"{url}: {status}, expected 403 or 404")
        elif status >= 500 and route.key != "healthz()":
            failures.append(f"{url}: {status}")
        text = page_text(response)
        leaked = [s for s in secrets if s in text]
        if leaked:
            failures.append(f"{url}: shows {leaked}")
    assert not failures, f"{who}:\n" + "\n".join(failures)


def test_an_anonymous_visitor_is_sent_to_login_everywhere_but_the_public_pages() -> None:
    company = company_build()
    secrets = company.secret_strings_of_a()
    http = HttpClient()
    login = reverse("login")
    failures = []
    for route, url in urls_for(company):
        response = fetch(http, url)
        if route.key in PUBLIC:
            if response.status_code >= 500 and route.key != "healthz()":
                failures.append(f"{url}: {response.status_code}")
        elif not (response.status_code == 302 and response.url.startswith(login)):
            failures.append(f"{url}: {response.status_code}, expected a redirect to the login page")
        leaked = [s for s in secrets if s in page_text(response)]
        if leaked:
            failures.append(f"{url}: shows {leaked}")
    assert not failures, "\n".join(failures)


def test_hr_opens_every_page_and_sees_line_a() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.hr)
    failures = []
    for route, url in urls_for(company):
        http.force_login(company.hr)
        response = fetch(http, url)
        if response.status_code >= 500 and route.key != "healthz()":
            failures.append(f"{url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    a_client = company.a.clients["second"]
    assert a_client.name in page_text(http.get(reverse("clients:list") + f"?q={a_client.name}"))
    assert a_client.name in page_text(http.get(reverse("reports:clients") + "?export=xlsx"))
    assert http.get(reverse("incentives:statement", args=[company.a.statements["second"].pk])).status_code == 200
    assert http.get(reverse("appraisals:detail", args=[company.a.appraisals["second"].pk])).status_code == 200


# --- the positive side: the owner, the supervisor and the department head get their own objects --------------------


def test_each_owner_gets_their_own_objects() -> None:
    company = company_build()
    http = HttpClient()
    for grade, manager in company.a.managers.items():
        http.force_login(manager.user)
        client = company.a.clients[grade]
        appraisal = company.a.appraisals[grade]
        statement = company.a.statements[grade]
        own_pages = [
            reverse("clients:detail", args=[client.pk]),
            reverse("appraisals:detail", args=[appraisal.pk]),
            reverse("reports:appraisal", args=[appraisal.pk]),
            reverse("incentives:statement", args=[statement.pk]),
            reverse("reports:pay_statement", args=[statement.pk]),
            reverse("appraisals:rate", args=[company.a.ratings[grade].pk]),
        ]
        for url in own_pages:
            assert http.get(url).status_code == 200, url
        assert client.name in page_text(http.get(reverse("clients:list") + f"?q={client.name}"))
        assert client.name in page_text(http.get(reverse("reports:clients") + "?export=csv"))
        assert f"{statement.total:,.2f}" in page_text(http.get(reverse("incentives:my_pay"))) or (
            f"{statement.total:.2f}" in page_text(http.get(reverse("incentives:my_pay")))
        )
        # Writing on one's own client: an empty form comes back with its errors (200), not a refusal.
        assert http.post(reverse("clients:interaction_create", args=[client.pk]), {}).status_code == 200


def test_a_supervisor_sees_the_line_below_but_not_above_nor_its_pay() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.a.managers["first"].user)
    below, above = company.a.managers["second"], company.a.managers["senior"]
    assert http.get(reverse("clients:detail", args=[company.a.clients["second"].pk])).status_code == 200
    assert http.get(reverse("appraisals:detail", args=[company.a.appraisals["second"].pk])).status_code == 200
    assert http.get(reverse("clients:detail", args=[company.a.clients["senior"].pk])).status_code == 404
    assert http.get(reverse("appraisals:detail", args=[company.a.appraisals["senior"].pk])).status_code == 404
    # Own pay only: a supervisor never sees a subordinate's statement.
    assert http.get(reverse("incentives:statement", args=[company.a.statements["second"].pk])).status_code == 404
    assert http.get(reverse("reports:pay_statement", args=[company.a.statements["second"].pk])).status_code == 404
    # Nor writes on a subordinate's client (the current manager does).
    response = http.post(reverse("clients:report_create", args=[company.a.clients["second"].pk]), {})
    assert response.status_code == 403
    assert below.pk != above.pk


def test_a_department_head_sees_the_department_but_no_pay() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.a.head)
    assert http.get(reverse("clients:detail", args=[company.a.clients["trainee"].pk])).status_code == 200
    assert http.get(reverse("appraisals:detail", args=[company.a.appraisals["trainee"].pk])).status_code == 200
    assert http.get(reverse("incentives:statement", args=[company.a.statements["trainee"].pk])).status_code == 404


def test_an_assistant_sees_and_logs_for_the_manager_they_work_for_only() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.a.assistant.user)
    own = company.a.clients["senior"]
    subordinate = company.a.clients["first"]
    assert http.get(reverse("clients:detail", args=[own.pk])).status_code == 200
    assert http.post(reverse("clients:interaction_create", args=[own.pk]), {}).status_code == 200
    assert http.post(reverse("clients:report_create", args=[own.pk]), {}).status_code == 403
    # The assistant works for the senior alone, not the senior's line.
    assert http.get(reverse("clients:detail", args=[subordinate.pk])).status_code == 404
    assert http.get(reverse("appraisals:detail", args=[company.a.appraisals["senior"].pk])).status_code == 404


def test_the_real_survey_link_opens_only_its_own_rating() -> None:
    company = company_build()
    response = HttpClient().get(reverse("appraisals:survey", args=[company.survey_token_of_a]))
    assert response.status_code == 200
    text = page_text(response)
    # The survey names the manager rated and the client asked; nothing of the other clients or the scores.
    assert company.a.clients["first"].name in text
    for other in ("senior", "second", "trainee"):
        assert company.a.clients[other].name not in text
    assert f"{company.a.appraisals['senior'].total_score:.2f}" not in text


# --- the admin is HR's ------------------------------------------------------------------------------------------


ADMIN_PAGES = [
    "admin:index",
    "admin:clients_client_changelist",
    "admin:incentives_paystatement_changelist",
    "admin:appraisals_rating_changelist",
    "admin:managers_gradechange_changelist",
]


@pytest.mark.parametrize("who", ["b-senior", "south-head", "b-assistant"])
def test_the_admin_is_closed_to_every_role_but_hr(who: str) -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(user_of(company, who))
    for name in ADMIN_PAGES:
        response = http.get(reverse(name))
        assert response.status_code == 302 and "/admin/login/" in response.url, name


def test_a_staff_flag_given_by_mistake_opens_no_data_in_the_admin() -> None:
    company = company_build()
    user = user_of(company, "b-senior")
    user.is_staff = True
    user.save()
    http = HttpClient()
    http.force_login(user)
    for name in ADMIN_PAGES[1:]:
        assert http.get(reverse(name)).status_code == 403, name
    client = company.a.clients["second"]
    assert http.get(reverse("admin:clients_client_change", args=[client.pk])).status_code in (403, 302)


def test_hr_opens_the_admin_lists_and_their_history() -> None:
    company = company_build()
    http = HttpClient()
    http.force_login(company.hr)
    for name in ADMIN_PAGES:
        assert http.get(reverse(name)).status_code == 200, name
    statement = company.a.statements["second"]
    assert http.get(reverse("admin:incentives_paystatement_history", args=[statement.pk])).status_code == 200
