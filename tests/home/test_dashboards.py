"""The home dashboards: what each role sees, and a fixed number of queries whatever the size of the data."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisals.models import AppraisalCycle, Recommendation
from clients.models import Client
from clients.tiering import tiering_run, tiering_window
from core.choices import ClientTier
from core.roles import Role
from home import dashboards
from tests.appraisals.factories import AppraisalCycleFactory, AppraisalFactory, RatingFactory
from tests.appraisals.factories_results import ClosedCycleFactory, FinalAppraisalFactory
from tests.clients.factories import AssignmentFactory, BusinessRecordFactory, ClientFactory, InteractionFactory
from tests.core.factories import UserFactory
from tests.incentives.factories import PayStatementFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory, DepartmentFactory, TargetFactory

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def month_start() -> dt.date:
    return today().replace(day=1)


def clients_for(manager, tiers: list[str]) -> list[Client]:
    """Clients currently assigned to the manager, one per tier given."""
    return [AssignmentFactory(manager=manager, client__tier=tier).client for tier in tiers]


def chart_data(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no data for {chart_id}"
    return json.loads(match.group(1))


# --- manager ------------------------------------------------------------------------------------------------------


def test_manager_sees_clients_by_tier_interactions_against_prorated_target_and_latest_results(client) -> None:
    manager = AccountManagerFactory(grade="senior")
    clients = clients_for(manager, [ClientTier.CORE, ClientTier.CORE, ClientTier.KEY, ClientTier.ORDINARY])
    # Target over six months: 60 interactions → 60 / 6 = 10.0 a month; 3 this month → 30 %.
    TargetFactory(
        manager=manager,
        period_start=month_start() - dt.timedelta(days=60),
        period_end=month_start() + dt.timedelta(days=100),
        interactions=60,
    )
    covered = dashboards._months_in(month_start() - dt.timedelta(days=60), month_start() + dt.timedelta(days=100))
    for _ in range(3):
        InteractionFactory(manager=manager, client=clients[0], date=today())
    InteractionFactory(manager=manager, client=clients[0], date=month_start() - dt.timedelta(days=1))  # last month
    first = FinalAppraisalFactory(
        manager=manager,
        total=Decimal("72"),
        cycle__period_start=dt.date(2025, 7, 1),
        cycle__period_end=dt.date(2025, 12, 31),
    )
    latest = FinalAppraisalFactory(manager=manager, total=Decimal("91"), cycle__period_end=dt.date(2026, 6, 30))
    statement = PayStatementFactory(manager=manager, total=Decimal("13325.00"))
    client.force_login(manager.user)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert chart_data(html, "chart-tiers")["datasets"][0]["data"] == [2, 1, 1]
    month = response.context["dash"].month
    assert month.done == 3
    assert month.target == (Decimal(60) / covered).quantize(Decimal("0.1"))
    assert reverse("appraisals:detail", args=[latest.pk]) in html
    assert reverse("reports:appraisal", args=[latest.pk]) in html
    assert chart_data(html, "chart-trend")["datasets"][0]["data"] == [72.0, 91.0]  # oldest cycle first
    assert first.cycle.name in html and latest.cycle.name in html
    assert "CNY 13,325.00" in html and reverse("reports:pay_statement", args=[statement.pk]) in html
    assert 'id="line-title"' not in html  # no subordinates: no supervisor sections


def test_month_target_worked_example() -> None:
    # A half-year target of 98 interactions is 98 / 6 = 16.33 → 16.3 a month; 11 done → 11 / 16.3 = 67 %.
    manager = AccountManagerFactory(grade="senior")
    TargetFactory(manager=manager, period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31), interactions=98)
    client = ClientFactory()
    for day in range(1, 12):
        InteractionFactory(manager=manager, client=client, date=dt.date(2026, 11, day))
    month = dashboards.month_target(manager=manager, today=dt.date(2026, 11, 23))
    assert (month.done, month.target, month.months, month.percent) == (11, Decimal("16.3"), 6, 67)


def test_manager_without_target_or_results_sees_empty_states(client) -> None:
    manager = AccountManagerFactory(grade="trainee")
    client.force_login(manager.user)
    html = client.get(reverse("home")).content.decode()
    assert "No work plan target covers this month." in html
    assert "No closed appraisal yet." in html
    assert "No pay statement yet." in html


def test_pending_ratings_are_listed_with_a_link_to_rate(client) -> None:
    manager = AccountManagerFactory(grade="second")
    cycle = AppraisalCycleFactory(state=AppraisalCycle.State.OPEN)
    rating = RatingFactory(appraisal=AppraisalFactory(cycle=cycle, manager=manager))
    client.force_login(manager.user)
    html = client.get(reverse("home")).content.decode()
    assert reverse("appraisals:rate", args=[rating.pk]) in html


def _manager_with_data(n: int):
    manager = AccountManagerFactory(grade="senior")
    tiers = [ClientTier.CORE, ClientTier.KEY, ClientTier.ORDINARY]
    clients = clients_for(manager, [tiers[i % 3] for i in range(n)])
    for c in clients:
        InteractionFactory(manager=manager, client=c, date=today())
    for i in range(n):
        FinalAppraisalFactory(
            manager=manager,
            total=Decimal(60 + i),
            cycle__period_start=dt.date(2010 + i, 1, 1),
            cycle__period_end=dt.date(2010 + i, 6, 30),
        )
        PayStatementFactory(manager=manager, period__code=f"P{i}", period__start=dt.date(2010 + i, 1, 1),
                            period__end=dt.date(2010 + i, 6, 30))  # fmt: skip
    TargetFactory(manager=manager, period_start=month_start(), period_end=month_start() + dt.timedelta(days=27))
    return manager


@pytest.mark.parametrize("rows", [2, 12])
def test_manager_dashboard_query_count_does_not_grow(client, django_assert_num_queries, rows: int) -> None:
    manager = _manager_with_data(rows)
    client.force_login(manager.user)
    # session, user, groups (role), manager with subordinate count, appraisal history, latest pay statement,
    # clients by tier, interactions this month, covering targets, pending ratings
    with django_assert_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200


# --- supervisor ---------------------------------------------------------------------------------------------------


def test_supervisor_sees_line_scores_and_who_is_behind_on_contact(client) -> None:
    supervisor = AccountManagerFactory(grade="senior")
    diligent = AccountManagerFactory(grade="first", supervisor=supervisor, department=supervisor.department)
    behind = AccountManagerFactory(grade="first", supervisor=supervisor, department=supervisor.department)
    visited, forgotten = clients_for(diligent, [ClientTier.KEY])[0], clients_for(behind, [ClientTier.KEY])[0]
    InteractionFactory(manager=diligent, client=visited, date=today())
    InteractionFactory(manager=behind, client=forgotten, date=today() - dt.timedelta(days=45))
    cycle = ClosedCycleFactory()
    FinalAppraisalFactory(cycle=cycle, manager=diligent, total=Decimal("88"))
    FinalAppraisalFactory(cycle=cycle, manager=behind, total=Decimal("64"))
    client.force_login(supervisor.user)

    response = client.get(reverse("home"))

    html = response.content.decode()
    line = chart_data(html, "chart-line")
    assert line["labels"] == [diligent.name, behind.name]  # best first
    assert line["datasets"][0]["data"] == [88.0, 64.0]
    rows = {m.pk: (m.clients, m.stale_clients, m.month_interactions) for m in response.context["dash"].behind}
    assert rows[behind.pk] == (1, 1, 0)
    assert rows[diligent.pk] == (1, 0, 1)
    assert response.context["dash"].behind[0].pk == behind.pk  # most stale clients first


@pytest.mark.parametrize("rows", [2, 10])
def test_supervisor_dashboard_query_count_does_not_grow(client, django_assert_num_queries, rows: int) -> None:
    supervisor = AccountManagerFactory(grade="senior")
    cycle = ClosedCycleFactory()
    for _ in range(rows):
        sub = AccountManagerFactory(grade="first", supervisor=supervisor, department=supervisor.department)
        clients_for(sub, [ClientTier.KEY])
        FinalAppraisalFactory(cycle=cycle, manager=sub)
    client.force_login(supervisor.user)
    # the manager's 10 queries (session, user, groups, manager, history, pay, tiers, interactions, targets,
    # pending ratings) + the ids of the line, latest closed cycle, the line's scores, behind on contact
    with django_assert_num_queries(14):
        client.get(reverse("home"))


# --- department head ----------------------------------------------------------------------------------------------


def test_department_head_sees_department_scores_behind_and_pending_head_ratings(
    client, django_assert_num_queries
) -> None:
    head = UserFactory(role=Role.DEPARTMENT_HEAD)
    department = DepartmentFactory(head=head)
    other = AccountManagerFactory(grade="first")  # another department: not shown
    mine = [AccountManagerFactory(grade="first", department=department) for _ in range(3)]
    cycle = ClosedCycleFactory()
    for m, total in zip(mine, ["70", "95", "82"], strict=True):
        FinalAppraisalFactory(cycle=cycle, manager=m, total=Decimal(total))
    FinalAppraisalFactory(cycle=cycle, manager=other, total=Decimal("99"))
    open_cycle = AppraisalCycleFactory(state=AppraisalCycle.State.OPEN)
    RatingFactory(appraisal=AppraisalFactory(cycle=open_cycle, manager=mine[0]), rater_type="head", rater=head)
    client.force_login(head)

    # session, user, groups, departments, latest closed cycle, scores, behind on contact, pending ratings
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))

    html = response.content.decode()
    assert chart_data(html, "chart-department")["datasets"][0]["data"] == [95.0, 82.0, 70.0]
    assert other.name not in html
    assert len(response.context["dash"].pending_ratings) == 1
    assert {m.pk for m in response.context["dash"].behind} == {m.pk for m in mine}


# --- HR -----------------------------------------------------------------------------------------------------------


def test_hr_sees_progress_distribution_waiting_items_and_pareto(client) -> None:
    hr = UserFactory(role=Role.HR)
    open_cycle = AppraisalCycleFactory(state=AppraisalCycle.State.OPEN)
    appraisal = AppraisalFactory(cycle=open_cycle)
    RatingFactory(appraisal=appraisal, submitted_at=timezone.now())
    RatingFactory(appraisal=appraisal, rater_type="head", rater=UserFactory())
    RatingFactory(appraisal=appraisal, rater_type="peer", rater=UserFactory())
    closed = ClosedCycleFactory(period_end=dt.date(2026, 6, 30))
    first = FinalAppraisalFactory(cycle=closed, manager__grade="first", total=Decimal("92"))
    FinalAppraisalFactory(cycle=closed, manager__grade="first", total=Decimal("55"))
    FinalAppraisalFactory(cycle=closed, manager__grade="second", total=Decimal("85"))
    Recommendation.objects.create(manager=first.manager, appraisal=first, kind="promotion", basis="two excellent")
    # Pareto worked example: volumes 60, 20, 10, 10 in the window → cumulative 60 %, 80 %, 90 %, 100 %.
    window_month = tiering_window(today()).start
    for volume in ["60", "20", "10", "10"]:
        BusinessRecordFactory(month=window_month, volume=Decimal(volume))
    tiering_run(today=today())  # the chart shows the latest run's ranking
    client.force_login(hr)

    response = client.get(reverse("home"))

    html = response.content.decode()
    dash = response.context["dash"]
    assert [(p.cycle.pk, p.submitted, p.due) for p in dash.progress] == [(open_cycle.pk, 1, 3)]
    by_grade = chart_data(html, "chart-grade")
    assert by_grade["labels"] == ["first-level account manager", "second-level account manager"]
    bands = {d["label"]: d["data"] for d in by_grade["datasets"]}
    assert bands == {"excellent": [1, 0], "good": [0, 1], "pass": [0, 0], "fail": [1, 0]}
    assert dash.recommendations_pending == 1 and dash.promotions_pending == 1
    assert reverse("admin:appraisals_recommendation_changelist") in html
    pareto = chart_data(html, "chart-pareto")
    assert pareto["labels"] == ["25%", "50%", "75%", "100%"]
    assert pareto["datasets"][0]["data"] == [60.0, 80.0, 90.0, 100.0]
    assert reverse("reports:cycle_results") in html


def test_pareto_sends_at_most_about_a_hundred_points() -> None:
    month = tiering_window(today()).start
    Client.objects.bulk_create(
        [Client(name=f"C{i}", registration_code=f"R{i:05d}", industry="x", size="small") for i in range(250)]
    )
    for c in Client.objects.all()[:50]:
        BusinessRecordFactory(client=c, month=month, volume=Decimal(c.pk))
    run = tiering_run(today=today())
    chart, shown = dashboards.pareto_chart()
    shares = chart.datasets[0]["data"]
    assert shown == run
    # 250 clients, 100 points: ranks 3, 5, 8, 10, … 250 (the first rank at or after each 2.5 clients) and rank 1.
    assert len(shares) == 101
    assert chart.labels[:3] == ["0%", "1%", "2%"] and chart.labels[-1] == "100%"
    assert shares == sorted(shares) and shares[-1] == 100.0


def test_pareto_is_empty_with_a_note_before_the_first_tiering_run(client) -> None:
    BusinessRecordFactory(month=tiering_window(today()).start, volume=Decimal("10"))
    client.force_login(UserFactory(role=Role.HR))

    response = client.get(reverse("home"))

    assert response.context["dash"].pareto.is_empty
    assert "No tiering run yet" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 15])
def test_hr_dashboard_query_count_does_not_grow(client, django_assert_num_queries, rows: int) -> None:
    hr = UserFactory(role=Role.HR)
    open_cycle = AppraisalCycleFactory(state=AppraisalCycle.State.OPEN)
    closed = ClosedCycleFactory()
    month = tiering_window(today()).start
    for i in range(rows):
        RatingFactory(appraisal=AppraisalFactory(cycle=open_cycle))
        FinalAppraisalFactory(cycle=closed)
        BusinessRecordFactory(month=month, volume=Decimal(100 + i))
    client.force_login(hr)
    # session, user, groups, rating counts, cycles taking ratings, latest closed cycle, recommendations, spot-checks,
    # latest tiering run (pareto points), tier counts (which also give the client count), bands by grade, bands by
    # department, open appeals
    with django_assert_num_queries(13):
        response = client.get(reverse("home"))
    assert response.context["dash"].pareto_clients == Client.objects.count() == rows


# --- assistant ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 10])
def test_assistant_sees_manager_clients_own_records_and_follow_ups(client, django_assert_num_queries, rows) -> None:
    assistant = AssistantFactory()
    manager = assistant.manager
    clients = clients_for(manager, [ClientTier.KEY] * rows)
    for c in clients:
        # Recorded by the assistant this month, with a follow-up in three days: due.
        InteractionFactory(
            manager=manager,
            client=c,
            date=today(),
            recorded_by=assistant.user,
            follow_up_date=today() + dt.timedelta(3),
        )
    done = clients[0]
    InteractionFactory(manager=manager, client=done, date=today() - dt.timedelta(days=20),
                       follow_up_date=today() - dt.timedelta(days=10))  # fmt: skip  # followed up since: not due
    client.force_login(assistant.user)
    # session, user, groups, assistant with manager, recorded this month, tiers, KPI, follow-ups
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))
    dash = response.context["dash"]
    assert dash.recorded_this_month == rows
    assert len(dash.follow_ups) == rows
    assert chart_data(response.content.decode(), "chart-tiers")["datasets"][0]["data"] == [0, rows, 0]


# --- every dashboard ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.HR, Role.DEPARTMENT_HEAD, Role.ASSISTANT, Role.ACCOUNT_MANAGER])
def test_charts_have_labels_table_fallbacks_and_no_inline_script(client, role: Role) -> None:
    if role == Role.ACCOUNT_MANAGER:
        user = AccountManagerFactory(grade="senior").user
    elif role == Role.ASSISTANT:
        user = AssistantFactory().user
    else:
        user = UserFactory(role=role)
        if role == Role.DEPARTMENT_HEAD:
            FinalAppraisalFactory(manager__department=DepartmentFactory(head=user))
    ClientFactory()
    if role == Role.HR:
        tiering_run(today=today())  # HR's 80/20 chart is drawn from the latest tiering run
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    canvases = re.findall(r"<canvas ([^>]*)>", html)
    assert canvases, "each dashboard draws at least one chart"
    for attributes in canvases:
        chart_id = re.search(r'data-chart="([^"]+)"', attributes).group(1)
        assert re.search(r'aria-label="[^"]{10,}"', attributes)
        assert f'data-chart-table="{chart_id}"' in html
    for script in re.findall(r"<script([^>]*)>", html):
        assert "src=" in script or 'type="application/json"' in script
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/dashboards.js" in html
