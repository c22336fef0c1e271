"""The managers' pages: "My clients" and the client page with its forms."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Feedback, Interaction, Report
from core.choices import ClientTier
from core.roles import Role
from tests.clients.factories import (
    AssignmentFactory,
    BusinessRecordFactory,
    ClientFactory,
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
    ReportFactory,
)
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def line():
    """A senior supervising a first-level manager, an assistant of the first, and a senior of another department."""
    north, south = DepartmentFactory(name="North"), DepartmentFactory(name="South")
    senior = AccountManagerFactory(grade="senior", department=north)
    first = AccountManagerFactory(grade="first", department=north, supervisor=senior)
    stranger = AccountManagerFactory(grade="senior", department=south)
    assistant = AssistantFactory(manager=first)
    client = AssignmentFactory(manager=first, client=ClientFactory(name="Huaxin Machinery")).client
    foreign = AssignmentFactory(manager=stranger, client=ClientFactory(name="Foreign Trading")).client
    return {
        "north": north,
        "senior": senior,
        "first": first,
        "stranger": stranger,
        "assistant": assistant,
        "client": client,
        "foreign": foreign,
    }


def listed(response) -> list[str]:
    return [client.name for client in response.context["page"].object_list]


# --- access ------------------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, line) -> None:
    for url in (reverse("clients:list"), reverse("clients:detail", args=[line["client"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_manager_opening_another_lines_client_by_url_gets_404(client, line) -> None:
    client.force_login(line["first"].user)
    assert client.get(reverse("clients:detail", args=[line["foreign"].pk])).status_code == 404
    client.force_login(line["senior"].user)  # a supervisor too: the stranger is not in their line
    assert client.get(reverse("clients:detail", args=[line["foreign"].pk])).status_code == 404


@pytest.mark.parametrize("who", ["first", "senior", "assistant", "head", "hr"])
def test_the_client_page_opens_for_manager_supervisor_assistant_head_and_hr(client, line, who) -> None:
    users = {
        "first": line["first"].user,
        "senior": line["senior"].user,
        "assistant": line["assistant"].user,
        "head": line["north"].head,
        "hr": UserFactory(role=Role.HR),
    }
    client.force_login(users[who])
    response = client.get(reverse("clients:detail", args=[line["client"].pk]))
    assert response.status_code == 200
    assert "Huaxin Machinery" in response.text


def test_my_clients_lists_the_line_and_no_one_elses(client, line) -> None:
    client.force_login(line["senior"].user)
    assert listed(client.get(reverse("clients:list"))) == ["Huaxin Machinery"]
    client.force_login(line["stranger"].user)
    assert listed(client.get(reverse("clients:list"))) == ["Foreign Trading"]
    client.force_login(line["assistant"].user)
    assert listed(client.get(reverse("clients:list"))) == ["Huaxin Machinery"]


# --- the list ----------------------------------------------------------------------------------------------------


@pytest.fixture
def portfolio(line):
    """Four more clients of the first-level manager, differing in tier, status, industry and last contact."""
    first = line["first"]
    specs = [
        ("Core Steel", ClientTier.CORE, "active", "Steel", 5),
        ("Key Logistics", ClientTier.KEY, "active", "Logistics", 45),
        ("Lost Foods", ClientTier.ORDINARY, "lost", "Food", 100),
        ("Prospect Pharma", ClientTier.ORDINARY, "prospect", "Pharmaceuticals", None),
    ]
    for name, tier, status, industry, days_ago in specs:
        row = ClientFactory(name=name, tier=tier, status=status, industry=industry)
        AssignmentFactory(client=row, manager=first)
        if days_ago is not None:
            InteractionFactory(client=row, manager=first, date=TODAY - dt.timedelta(days=days_ago))
    return line


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tier": "core"}, ["Core Steel"]),
        ({"tier": "key"}, ["Key Logistics"]),
        ({"status": "lost"}, ["Lost Foods"]),
        ({"status": "prospect"}, ["Prospect Pharma"]),
        ({"industry": "Logistics"}, ["Key Logistics"]),
        # Not contacted for 30 days: Key Logistics (45 days), Lost Foods (100), and the two never contacted.
        ({"not_contacted": "30"}, ["Huaxin Machinery", "Key Logistics", "Lost Foods", "Prospect Pharma"]),
        ({"not_contacted": "90"}, ["Huaxin Machinery", "Lost Foods", "Prospect Pharma"]),
        ({"q": "steel"}, ["Core Steel"]),
        ({"tier": "ordinary", "status": "active"}, ["Huaxin Machinery"]),
    ],
)
def test_the_list_filters(client, portfolio, query, expected) -> None:
    client.force_login(portfolio["first"].user)
    response = client.get(reverse("clients:list"), query)
    assert response.status_code == 200
    assert listed(response) == expected


def test_the_list_searches_the_registration_code(client, line) -> None:
    line["client"].registration_code = "91310115MA1K4ABC2X"
    line["client"].save()
    client.force_login(line["first"].user)
    assert listed(client.get(reverse("clients:list"), {"q": "ma1k4abc"})) == ["Huaxin Machinery"]


def test_each_row_shows_manager_last_interaction_and_this_years_volume(client, line) -> None:
    first = line["first"]
    first.user.first_name, first.user.last_name = "Fang", "Liu"
    first.user.save()
    InteractionFactory(client=line["client"], manager=first, date=dt.date(TODAY.year, 1, 9))
    # 120 000 + 3 456.78 = 123 456.78 this year; the record of last year is left out.
    BusinessRecordFactory(client=line["client"], month=dt.date(TODAY.year, 1, 1), volume=Decimal("120000"))
    BusinessRecordFactory(client=line["client"], month=dt.date(TODAY.year, 2, 1), volume=Decimal("3456.78"))
    BusinessRecordFactory(client=line["client"], month=dt.date(TODAY.year - 1, 5, 1), volume=Decimal("777"))
    client.force_login(line["senior"].user)

    html = client.get(reverse("clients:list")).text

    assert "Fang Liu" in html
    assert f"{TODAY.year}-01-09" in html
    assert "123,456.78" in html


def test_the_list_is_paginated_by_25(client, line) -> None:
    for _ in range(30):
        AssignmentFactory(client=ClientFactory(), manager=line["first"])
    client.force_login(line["first"].user)
    first_page = client.get(reverse("clients:list"))
    second_page = client.get(reverse("clients:list"), {"page": 2})
    assert len(listed(first_page)) == 25
    assert len(listed(second_page)) == 6  # 31 clients: Huaxin Machinery and the 30 above
    assert not set(listed(first_page)) & set(listed(second_page))


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_makes_the_same_number_of_queries_whatever_the_rows(client, line, count, django_assert_num_queries):
    for n in range(count):
        row = AssignmentFactory(client=ClientFactory(), manager=line["first"]).client
        InteractionFactory(client=row, manager=line["first"], date=TODAY - dt.timedelta(days=n))
        BusinessRecordFactory(client=row, month=dt.date(TODAY.year, 1, 1))
    client.force_login(line["senior"].user)
    # session, user, the user's groups (role), the user's manager row, the ids of their line (twice: for the filter's
    # industries, then for the list), the industries of the filter, the count of the page, the page's rows
    # (manager, last interaction and volume are subqueries)
    with django_assert_num_queries(9):
        response = client.get(reverse("clients:list"))
    assert len(listed(response)) == min(count + 1, 25)


# --- the client page ---------------------------------------------------------------------------------------------


def test_the_client_page_shows_every_section(client, line) -> None:
    row = line["client"]
    ContactFactory(client=row, name="Zhou Ming")
    InteractionFactory(client=row, manager=line["first"], summary="Discussed the credit line", date=TODAY)
    FeedbackFactory(client=row, manager=line["first"], suggestion="Faster replies, please", date=TODAY)
    ReportFactory(client=row, manager=line["first"], title="Expansion proposal")
    this_month = TODAY.replace(day=1)
    BusinessRecordFactory(client=row, month=this_month, volume=Decimal("4321.00"))
    client.force_login(line["first"].user)

    response = client.get(reverse("clients:detail", args=[row.pk]))

    html = response.text
    for text in ("Zhou Ming", "Discussed the credit line", "Faster replies, please", "Expansion proposal"):
        assert text in html
    assert 'id="business-data"' in html and "js/clients.js" in html and "aria-label=" in html
    data = json.loads(html.split('id="business-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["labels"]) == 24 and data["labels"][-1] == f"{this_month:%Y-%m}"
    assert data["volumes"][-1] == "4321.00" and data["volumes"][0] == "0"
    assert "<script>" not in html  # no inline script: the CSP forbids it


@pytest.mark.parametrize("count", [2, 20])
def test_the_client_page_makes_the_same_number_of_queries_whatever_the_rows(
    client, line, count, django_assert_num_queries
) -> None:
    row = line["client"]
    for n in range(count):
        InteractionFactory(client=row, manager=line["first"], date=TODAY - dt.timedelta(days=n))
        FeedbackFactory(client=row, manager=line["first"], date=TODAY - dt.timedelta(days=n))
        ReportFactory(client=row, manager=line["first"])
        ContactFactory(client=row)
    for month in range(1, 13):
        BusinessRecordFactory(client=row, month=dt.date(TODAY.year - 1, month, 1))
    client.force_login(line["first"].user)
    # session, user, groups (role), the user's manager row, the ids of their line, the client, contacts,
    # assignments, business records, interactions, feedback, reports, the correction window
    with django_assert_num_queries(13):
        response = client.get(reverse("clients:detail", args=[row.pk]))
    assert len(response.context["page"].interactions) == count


# --- the forms ---------------------------------------------------------------------------------------------------


def interaction_data(**overrides: str) -> dict[str, str]:
    data = {
        "interaction-kind": "visit",
        "interaction-date": f"{TODAY - dt.timedelta(days=1):%Y-%m-%d}",
        "interaction-summary": "Visited the plant; they plan a new line",
        "interaction-client_needs": "Equipment loan",
        "interaction-follow_up_date": f"{TODAY + dt.timedelta(days=7):%Y-%m-%d}",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["first", "assistant"])
def test_the_manager_or_their_assistant_logs_an_interaction(client, line, who) -> None:
    user = line["first"].user if who == "first" else line["assistant"].user
    client.force_login(user)
    url = reverse("clients:interaction_create", args=[line["client"].pk])

    response = client.post(url, interaction_data(), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("clients:detail", args=[line["client"].pk]))
    assert "The interaction record was saved." in response.text
    interaction = Interaction.objects.get()
    assert interaction.manager == line["first"]  # recorded for the manager, even when the assistant types it
    assert interaction.recorded_by == user
    assert interaction.client_needs == "Equipment loan"


def test_a_stranger_posting_an_interaction_gets_404_and_nothing_is_saved(client, line) -> None:
    client.force_login(line["stranger"].user)
    response = client.post(reverse("clients:interaction_create", args=[line["client"].pk]), interaction_data())
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_a_supervisor_sees_the_client_but_may_not_log_for_their_subordinate(client, line) -> None:
    client.force_login(line["senior"].user)
    page = client.get(reverse("clients:detail", args=[line["client"].pk]))
    assert "Log an interaction" not in page.text
    response = client.post(reverse("clients:interaction_create", args=[line["client"].pk]), interaction_data())
    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_a_follow_up_before_the_interaction_is_refused_next_to_the_field_and_keeps_the_input(client, line) -> None:
    client.force_login(line["first"].user)
    data = interaction_data(**{"interaction-follow_up_date": f"{TODAY - dt.timedelta(days=5):%Y-%m-%d}"})

    response = client.post(reverse("clients:interaction_create", args=[line["client"].pk]), data)

    assert response.status_code == 200
    form = response.context["forms"]["interaction"]
    assert "follow_up_date" in form.errors
    assert "Visited the plant; they plan a new line" in response.text  # the user's input is still there
    assert response.context["open_form"] == "interaction"
    assert not Interaction.objects.exists()


def test_a_report_without_the_truth_checkbox_is_refused(client, line) -> None:
    client.force_login(line["first"].user)
    data = {"report-kind": "risk", "report-title": "Liquidity risk", "report-body": "Receivables doubled."}

    response = client.post(reverse("clients:report_create", args=[line["client"].pk]), data)

    assert response.status_code == 200
    assert "attests_truth" in response.context["forms"]["report"].errors
    assert not Report.objects.exists()


def test_the_manager_writes_a_report_answering_for_its_truth(client, line) -> None:
    client.force_login(line["first"].user)
    data = {
        "report-kind": "risk",
        "report-title": "Liquidity risk",
        "report-body": "Receivables doubled.",
        "report-attests_truth": "on",
    }
    response = client.post(reverse("clients:report_create", args=[line["client"].pk]), data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.manager, report.kind, report.attests_truth) == (line["first"], "risk", True)


def test_an_assistant_may_not_write_reports(client, line) -> None:
    client.force_login(line["assistant"].user)
    assert "Write a report" not in client.get(reverse("clients:detail", args=[line["client"].pk])).text
    data = {"report-kind": "risk", "report-title": "T", "report-body": "B", "report-attests_truth": "on"}
    assert client.post(reverse("clients:report_create", args=[line["client"].pk]), data).status_code == 403
    assert not Report.objects.exists()


def test_feedback_recorded_on_a_call_back_is_tied_to_the_clients_manager(client, line) -> None:
    client.force_login(line["assistant"].user)
    data = {
        "feedback-source": "callback",
        "feedback-date": f"{TODAY:%Y-%m-%d}",
        "feedback-satisfaction": "4",
        "feedback-suggestion": "More branch visits",
    }
    response = client.post(reverse("clients:feedback_create", args=[line["client"].pk]), data)
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.manager, feedback.satisfaction, feedback.recorded_by) == (line["first"], 4, line["assistant"].user)


def test_a_complaint_that_says_nothing_is_refused_and_nothing_saved(client, line) -> None:
    client.force_login(line["first"].user)
    data = {"feedback-source": "complaint", "feedback-date": f"{TODAY:%Y-%m-%d}"}
    response = client.post(reverse("clients:feedback_create", args=[line["client"].pk]), data)
    assert response.status_code == 200
    assert response.context["forms"]["feedback"].errors
    assert not Feedback.objects.exists()


# --- the blank forms, kept by Django's fragment cache ---------------------------------------------------------------


def test_a_refused_form_after_a_cached_blank_one_shows_the_input_and_errors_and_the_next_blank_one_is_blank(
    client, line
) -> None:
    client.force_login(line["first"].user)
    page = reverse("clients:detail", args=[line["client"].pk])
    assert "invalid-feedback" not in client.get(page).text  # the blank forms are now in the fragment cache

    refused = client.post(
        reverse("clients:interaction_create", args=[line["client"].pk]),
        interaction_data(**{"interaction-follow_up_date": f"{TODAY - dt.timedelta(days=5):%Y-%m-%d}"}),
    ).text

    assert "Visited the plant; they plan a new line" in refused and "invalid-feedback" in refused
    again = client.get(page).text
    assert "Visited the plant; they plan a new line" not in again and "invalid-feedback" not in again
    assert f'value="{TODAY:%Y-%m-%d}"' in again  # the blank form shows today's date


def test_the_cached_blank_forms_follow_the_readers_language(client, line) -> None:
    client.force_login(line["first"].user)
    page = reverse("clients:detail", args=[line["client"].pk])
    english = client.get(page, headers={"accept-language": "en"}).text
    chinese = client.get(page, headers={"accept-language": "zh-hans"}).text
    assert 'for="id_interaction-summary" class="form-label requiredField">\n                summary' in english
    assert "summary" not in chinese.split('for="id_interaction-summary"')[1].split("</label>")[0]
