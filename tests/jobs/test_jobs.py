"""Jobs without a worker process: run records, the cycle lock, reminders, the monthly payroll, and pages that enqueue
work while the broker refuses connections (redis://127.0.0.1:1/0: nothing listens on port 1)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from appraisals.tasks import cycle_close_task, ratings_remind_task
from config.celery import app as celery_app
from core.jobs import INTERRUPTED, PENDING, job_run, jobs_dispatch
from core.models import JobOccurrence, JobRun
from incentives.models import PayPeriod, PayStatement
from incentives.tasks import payroll_monthly_task
from tests.incentives.factories import ClosedCycleFactory, FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory
from tests.jobs.helpers import (
    CLOSE_REASON,
    assert_written_once,
    cycle_ready_to_close,
    scores_of,
    scores_of_an_uninterrupted_close,
)
from tests.managers.factories import grade

REFUSING_BROKER = "redis://127.0.0.1:1/0"


# --- run records ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_job_keeps_nothing_of_its_work_and_records_the_error() -> None:
    def work(run: JobRun) -> None:
        PayPeriodFactory(code="HALF-DONE")
        raise ValueError("the scheme is missing")

    with pytest.raises(ValueError):
        job_run("demo job", work, task_id="t-1")
    assert not PayPeriod.objects.filter(code="HALF-DONE").exists()  # rolled back with the failure
    run = JobRun.objects.get(name="demo job")
    assert run.status == JobRun.Status.FAILED and "ValueError: the scheme is missing" in run.error
    assert run.duration is not None


@pytest.mark.django_db
def test_a_run_cut_short_by_a_lost_worker_is_marked_interrupted_when_its_message_comes_again() -> None:
    lost = JobRun.objects.create(name="demo job", task_id="t-2")  # the worker died: never finished
    assert job_run("demo job", lambda run: 42, task_id="t-2") == 42
    lost.refresh_from_db()
    assert lost.status == JobRun.Status.FAILED and lost.error == INTERRUPTED
    assert JobRun.objects.filter(name="demo job", status=JobRun.Status.SUCCEEDED).count() == 1


@pytest.mark.django_db
def test_hr_sees_the_last_run_of_each_job_with_its_duration_and_error(admin_client) -> None:
    job_run("heartbeat", lambda run: None, task_id="h-1")
    job_run("heartbeat", lambda run: None, task_id="h-2")
    with pytest.raises(ZeroDivisionError):
        job_run("client tiering", lambda run: 1 / 0)
    response = admin_client.get(reverse("admin:core_jobrun_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert sorted((run.name, run.task_id or "-") for run in shown) == [("client tiering", "-"), ("heartbeat", "h-2")]
    assert "ZeroDivisionError: division by zero" in response.content.decode()
    every = admin_client.get(reverse("admin:core_jobrun_changelist") + "?runs=all")
    assert len(every.context["cl"].result_list) == 3


# --- the cycle lock -------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_closes_of_one_cycle_at_the_same_time_close_it_once_with_the_scores_of_one_close(monkeypatch) -> None:
    cycle = cycle_ready_to_close()
    expected = scores_of_an_uninterrupted_close(cycle)
    # The first close holds the cycle's lock 1.5 s after its work; the second starts meanwhile and must wait.
    monkeypatch.setenv("JOBS_TEST_PAUSE", "appraisals.cycle_close=1.5")
    results: dict[str, str] = {}

    def close(tag: str) -> None:
        try:
            results[tag] = cycle_close_task.apply(
                args=[cycle.pk], kwargs={"reason": CLOSE_REASON}, task_id=f"close-{tag}"
            ).get()
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(tag,)) for tag in ("a", "b")]
    started = time.monotonic()
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    assert sorted(results.values()) == [f"cycle {cycle.pk} already closed: nothing changed", f"cycle {cycle.pk} closed"]
    assert elapsed >= 1.5  # the second really waited for the first's commit
    assert scores_of(cycle) == expected
    assert_written_once(cycle)  # each figure once


# --- reminders and the monthly payroll -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_raters_are_reminded_at_most_once_a_day_however_often_the_job_runs() -> None:
    cycle = cycle_ready_to_close()
    raters = set(
        cycle.appraisals.filter(ratings__submitted_at__isnull=True, ratings__rater__isnull=False)
        .exclude(ratings__rater__email="")
        .values_list("ratings__rater__email", flat=True)
    )
    assert raters
    assert ratings_remind_task.apply(kwargs={"today": "2026-07-01"}).get() == len(raters)
    assert ratings_remind_task.apply(kwargs={"today": "2026-07-01"}).get() == 0  # a rerun the same day
    assert sorted(m.to[0] for m in mail.outbox) == sorted(raters)
    assert ratings_remind_task.apply(kwargs={"today": "2026-07-02"}).get() == len(raters)  # the next day
    assert JobRun.objects.filter(name="appraisals.ratings_remind", status=JobRun.Status.SUCCEEDED).count() == 3


@pytest.mark.django_db
def test_the_monthly_payroll_pays_the_previous_month_and_any_month_missed_once() -> None:
    PaySchemeFactory(grade=grade("first"))
    cycle = ClosedCycleFactory()  # regular, 2026-01-01 – 2026-06-30
    FinalAppraisalFactory(cycle=cycle)
    FinalAppraisalFactory(cycle=cycle)
    PayPeriodFactory(start=dt.date(2026, 6, 1))  # paid already; nothing ran on 1 August

    result = payroll_monthly_task.apply(kwargs={"today": "2026-09-01"}).get()
    assert list(PayPeriod.objects.order_by("start").values_list("code", flat=True)) == ["2026-06", "2026-07", "2026-08"]
    assert PayStatement.objects.filter(period__code="2026-08", state=PayStatement.State.DRAFT).count() == 2
    assert "2026-07 (2 statements)" in result and "2026-08 (2 statements)" in result

    payroll_monthly_task.apply(kwargs={"today": "2026-09-01"}).get()  # a second send: nothing more
    assert PayPeriod.objects.count() == 3 and PayStatement.objects.count() == 4


@pytest.mark.django_db
def test_the_monthly_payroll_saves_nothing_while_a_pay_scheme_is_missing_and_says_why() -> None:
    FinalAppraisalFactory()  # a first-level manager; no 2026 scheme for first-level
    result = payroll_monthly_task.apply(kwargs={"today": "2026-08-01"}).get()
    assert "no 2026 pay scheme" in result
    assert not PayPeriod.objects.exists()  # not a period without its statements
    PaySchemeFactory(grade=grade("first"))
    payroll_monthly_task.apply(kwargs={"today": "2026-08-01"}).get()  # once HR adds the scheme, the next run pays
    assert PayStatement.objects.count() == 1


# --- a broker that refuses connections ------------------------------------------------------------------------------


@pytest.fixture
def broker_down(settings):
    """The web app's broker refuses connections (port 1 on localhost), as when Redis is stopped."""
    settings.CELERY_BROKER_URL = REFUSING_BROKER
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    return settings


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_generating_statements_saves_the_job_says_it_will_run_later_and_it_runs_after(
    admin_client, broker_down, monkeypatch
) -> None:
    PaySchemeFactory(grade=grade("first"))
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    started = time.monotonic()
    response = admin_client.post(
        reverse("admin:incentives_payperiod_changelist"),
        {"action": "generate_statements", "_selected_action": [period.pk]},
        follow=True,
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "will run later" in response.content.decode()
    assert elapsed < 10  # fails fast: connection timeout 2 s, two quick publish retries
    pending = JobOccurrence.objects.get(status=PENDING)  # recorded, with why it could not be sent
    assert (pending.task, pending.args, pending.kwargs) == ("incentives.pay_statements_generate", [period.pk], {})
    assert pending.send_error.startswith("broker unreachable")
    assert not PayStatement.objects.exists()

    # Still down: the dispatcher keeps the job.
    assert jobs_dispatch().unreachable
    assert JobOccurrence.objects.filter(status=PENDING).count() == 1

    # The broker is back (here: tasks run in-process); the pending job is sent, under its own task id, and runs.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    assert jobs_dispatch().sent == 1
    assert not JobOccurrence.objects.filter(status=PENDING).exists()
    assert PayStatement.objects.filter(period=period).count() == 1
    assert JobRun.objects.get(name="incentives.pay_statements_generate", task_id=pending.task_id).status == "succeeded"
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == (JobOccurrence.Status.SUCCEEDED, 1)


@pytest.mark.django_db
def test_with_the_broker_down_pages_answer_and_the_health_check_names_the_broker(admin_client, broker_down) -> None:
    assert admin_client.get(reverse("admin:index")).status_code == 200
    assert admin_client.get(reverse("admin:core_jobrun_changelist")).status_code == 200
    assert admin_client.get(reverse("home")).status_code == 200
    health = admin_client.get(reverse("healthz"))
    assert health.status_code == 503
    assert health.json()["database"] == "ok" and health.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_a_job_already_done_under_its_key_is_not_done_again() -> None:
    calls = []
    job_run("keyed job", lambda run: calls.append(1), task_id="k-1", once=True)
    assert job_run("keyed job", lambda run: calls.append(1), task_id="k-1", once=True) is None
    assert calls == [1]
    assert JobRun.objects.filter(name="keyed job").count() == 1  # a sequential redelivery is not even recorded
