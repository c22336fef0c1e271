"""Opening and closing a cycle for the demo company through a real Celery worker."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from appraisals.models import Appraisal, AppraisalCycle, Template
from appraisals.tasks import cycle_close_task, cycle_open_task
from core.models import JobRun
from managers.models import AccountManager
from tests.conftest import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_opening_and_closing_a_cycle_for_the_demo_company_runs_through_a_real_worker(celery_worker_process) -> None:
    call_command("seed_demo", stdout=StringIO())
    active = AccountManager.objects.active().count()
    assert active > 0
    cycle = AppraisalCycle.objects.create(
        name="Irregular appraisal after the merger",
        template=Template.objects.get(name="Standard appraisal"),
        kind=AppraisalCycle.Kind.IRREGULAR,
        cause="Merger of two client departments",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 10, 31),
        rating_deadline=dt.date(2026, 11, 15),
    )
    _, queue = celery_worker_process()

    opened = cycle_open_task.apply_async(args=[cycle.pk], queue=queue)
    wait_for(lambda: JobRun.objects.filter(task_id=opened.id, status=JobRun.Status.SUCCEEDED).exists())
    cycle.refresh_from_db()
    assert cycle.state == "open"
    assert Appraisal.objects.filter(cycle=cycle).count() == active

    closed = cycle_close_task.apply_async(args=[cycle.pk], kwargs={"reason": "Test: nobody rated"}, queue=queue)
    wait_for(lambda: JobRun.objects.filter(task_id=closed.id, status=JobRun.Status.SUCCEEDED).exists())
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.close_reason == "Test: nobody rated"
    assert not Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=True).exists()

    # Closing again through the worker changes nothing.
    again = cycle_close_task.apply_async(args=[cycle.pk], queue=queue)
    wait_for(lambda: JobRun.objects.filter(task_id=again.id, status=JobRun.Status.SUCCEEDED).exists())
    assert AppraisalCycle.objects.get(pk=cycle.pk).closed_at == cycle.closed_at
