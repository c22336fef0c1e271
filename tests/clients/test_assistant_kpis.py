"""An assistant's monthly KPIs computed from the work they recorded; HR's target, mark and review are kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.services import assistant_kpis_compute, report_write
from clients.tasks import assistant_kpis_task
from managers.models import AssistantKpi
from tests.clients.factories import (
    AssignmentFactory,
    BusinessRecordFactory,
    ClientFactory,
    FeedbackFactory,
    InteractionFactory,
    ReportFactory,
)
from tests.managers.factories import AccountManagerFactory, AssistantFactory

pytestmark = pytest.mark.django_db
D = Decimal
MARCH = dt.date(2026, 3, 1)


def test_kpis_of_a_month_come_from_what_the_assistant_recorded() -> None:
    """March 2026. The assistant works for M, who serves clients X and Y all month.
    contacts: 3 interactions recorded by the assistant dated in March (one by M, one in April: not theirs / not March)
    reports: 1 written by the assistant in March
    follow-ups due in March, of the assistant's interactions: 2
        X on 3 March, follow-up 10 March: M visited X on 8 March → kept
        Y on 5 March, follow-up 12 March: nothing until 20 March → not kept
    satisfaction: feedback on M in March 4 and 5 → mean 4.5 × 20 = 90.00
    sales growth: M's clients (X, Y) February 1 000 + 1 000 = 2 000, March 2 500 → (2 500 − 2 000) / 2 000 = 25.00 %
    """
    assistant = AssistantFactory()
    manager, user = assistant.manager, assistant.user
    x, y = ClientFactory(), ClientFactory()
    AssignmentFactory(client=x, manager=manager, start=dt.date(2025, 1, 1))
    AssignmentFactory(client=y, manager=manager, start=dt.date(2025, 1, 1))
    InteractionFactory(
        client=x, manager=manager, recorded_by=user, date=dt.date(2026, 3, 3), follow_up_date=dt.date(2026, 3, 10)
    )
    InteractionFactory(
        client=y, manager=manager, recorded_by=user, date=dt.date(2026, 3, 5), follow_up_date=dt.date(2026, 3, 12)
    )
    InteractionFactory(client=x, manager=manager, recorded_by=user, date=dt.date(2026, 3, 25))
    InteractionFactory(client=x, manager=manager, recorded_by=manager.user, date=dt.date(2026, 3, 8))
    InteractionFactory(client=y, manager=manager, recorded_by=manager.user, date=dt.date(2026, 3, 20))
    InteractionFactory(client=x, manager=manager, recorded_by=user, date=dt.date(2026, 4, 2))
    report = ReportFactory(client=x, manager=manager, written_by=user)
    ReportFactory(client=x, manager=manager, written_by=manager.user)
    FeedbackFactory(client=x, manager=manager, date=dt.date(2026, 3, 9), satisfaction=4)
    FeedbackFactory(client=y, manager=manager, date=dt.date(2026, 3, 19), satisfaction=5)
    for client in (x, y):
        BusinessRecordFactory(client=client, month=dt.date(2026, 2, 1), volume=D("1000"))
    BusinessRecordFactory(client=x, month=MARCH, volume=D("1500"))
    BusinessRecordFactory(client=y, month=MARCH, volume=D("1000"))
    # HR's target and mark, set before the figures are computed, stay.
    AssistantKpi.objects.create(assistant=assistant, month=MARCH, contacts_target=40, mark="good")
    type(report).objects.filter(pk=report.pk).update(created_at=dt.datetime(2026, 3, 15, 10, tzinfo=dt.UTC))
    type(report).objects.exclude(pk=report.pk).update(created_at=dt.datetime(2026, 3, 16, 10, tzinfo=dt.UTC))

    assert assistant_kpis_compute(month=dt.date(2026, 3, 31)) == 1

    kpi = AssistantKpi.objects.get(assistant=assistant, month=MARCH)
    assert (kpi.contacts_done, kpi.reports_written, kpi.follow_ups_due, kpi.follow_ups_kept) == (3, 1, 2, 1)
    assert kpi.satisfaction == D("90.00")
    assert kpi.sales_growth_pct == D("25.00")
    assert (kpi.contacts_target, kpi.mark) == (40, "good")
    assert kpi.computed_at is not None


def test_no_answer_and_no_earlier_business_leave_the_figures_empty_not_zero() -> None:
    assistant = AssistantFactory()
    assistant_kpis_compute(month=MARCH)
    kpi = AssistantKpi.objects.get(assistant=assistant)
    assert (kpi.satisfaction, kpi.sales_growth_pct, kpi.contacts_target) == (None, None, None)
    assert kpi.contacts_done == 0


def test_the_monthly_job_computes_the_month_before() -> None:
    assistant = AssistantFactory()
    assert assistant_kpis_task.apply(kwargs={"month": "2026-03-01"}).get() == 1
    assert AssistantKpi.objects.filter(assistant=assistant, month=MARCH).exists()


def test_an_assistant_may_write_a_report_for_their_manager_and_it_records_who_wrote_it(settings) -> None:
    assistant = AssistantFactory()
    client = ClientFactory()
    AssignmentFactory(client=client, manager=assistant.manager, start=dt.date(2024, 1, 1))
    report = report_write(
        client=client,
        manager=assistant.manager,
        kind="proposal",
        title="Second line",
        body="…",
        attests_truth=True,
        written_by=assistant.user,
    )
    assert report.written_by == assistant.user
    stranger = AccountManagerFactory(grade="senior")
    with pytest.raises(Exception, match="key-account assistant"):
        report_write(
            client=client,
            manager=assistant.manager,
            kind="proposal",
            title="x",
            body="x",
            attests_truth=True,
            written_by=stranger.user,
        )


def test_hr_adds_a_mark_in_the_admin_and_cannot_edit_the_computed_figures(admin_client) -> None:
    assistant = AssistantFactory()
    assistant_kpis_compute(month=MARCH)
    kpi = AssistantKpi.objects.get(assistant=assistant)
    url = reverse("admin:managers_assistantkpi_change", args=[kpi.pk])
    response = admin_client.post(
        url, {"contacts_target": "30", "mark": "excellent", "quarterly_review": "Thorough", "contacts_done": "99"}
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.contacts_target, kpi.mark, kpi.quarterly_review, kpi.contacts_done) == (30, "excellent", "Thorough", 0)
