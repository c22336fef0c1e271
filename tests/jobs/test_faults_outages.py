"""Fault tests of the job side with real processes: a real worker and beat against PostgreSQL and Redis, the database
or the broker made unreachable through a TCP proxy the test owns and cuts (the shared servers are never stopped), a
worker or beat SIGKILLed at the worst moment. Each asserts what a user cares about (the job ran exactly once, within
its deadline, nothing lost) and prints its figures (run with -s).
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from appraisals.models import AppraisalCycle, SpotCheckDraw, SpotCheckPolicy
from appraisals.tasks import CLOSE_JOB, DRAW_JOB, cycle_close_task
from config.celery import app as celery_app
from core.jobs import INTERRUPTED, enqueue, job_submit
from core.models import JobOccurrence, JobRun, ScheduleCatchUp
from core.roles import Role
from incentives.models import PayPeriod
from tests.conftest import BASE_DIR, database_url_of_test_db, wait_for
from tests.core.factories import UserFactory
from tests.incentives.factories import PayPeriodFactory
from tests.jobs.helpers import (
    CLOSE_REASON,
    assert_written_once,
    cycle_ready_to_close,
    scores_of,
    scores_of_an_uninterrupted_close,
)
from tests.managers.factories import AccountManagerFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://")
        or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="fault tests of the job side need PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Status = JobOccurrence.Status


def _worker_log(queue: str) -> Path:
    return BASE_DIR / "var" / f"worker-{queue}.log"


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _ready(queue: str) -> None:
    wait_for(lambda: " ready." in _text(_worker_log(queue)), timeout=60)


@pytest.fixture
def own_queue(monkeypatch) -> str:
    """A queue of this test's own: what this process sends goes there, and only this test's processes read it."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    return queue


@pytest.fixture
def hr_client(client):
    client.force_login(UserFactory(role=Role.HR))
    return client


@pytest.fixture
def only_test_schedules() -> None:
    """Only the schedules a test adds are enabled: the seeded ones (cycles due, reminders …) would act on its data."""
    PeriodicTask.objects.update(enabled=False)


def _draw_ready() -> None:
    for _ in range(5):
        AccountManagerFactory(grade="second")
    SpotCheckPolicy.objects.get_or_create(name="Default", defaults={"sample_size": 2, "active": True})


def _hourly_row(name: str, task: str, *, due_in: float, catch_up: timedelta | None = None) -> PeriodicTask:
    """A beat row every hour, due `due_in` seconds from now (its last run an hour ago, less that)."""
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.HOURS)
    row = PeriodicTask.objects.create(
        name=name,
        task=task,
        interval=every_hour,
        last_run_at=timezone.now() - timedelta(hours=1) + timedelta(seconds=due_in),
    )
    if catch_up is not None:
        ScheduleCatchUp.objects.create(periodic_task=row, within=catch_up)
    return row


# --- the database unreachable ---------------------------------------------------------------------------------------


def test_jobs_sent_while_the_database_is_unreachable_all_run_once_when_it_returns(
    celery_worker_process, tcp_proxy, own_queue
) -> None:
    cycle = cycle_ready_to_close()
    expected = scores_of_an_uninterrupted_close(cycle)
    proxy = tcp_proxy(database_url_of_test_db())
    _, queue = celery_worker_process(queue=own_queue, extra_env={"DATABASE_URL": proxy.url(database_url_of_test_db())})
    _ready(queue)

    proxy.cut()  # the worker's database goes away; the web side (this process) still reaches it
    cut = time.monotonic()
    sent = [enqueue(cycle_close_task, cycle.pk, None, CLOSE_REASON)]
    sent += [job_submit("core.heartbeat", key=f"heartbeat during the outage {i}") for i in range(20)]
    assert all(outcome.sent for outcome in sent)
    # The worker takes each one and cannot reach the database: each is retried with backoff, none is dropped.
    wait_for(lambda: _text(_worker_log(queue)).count("retry: Retry in") >= len(sent), timeout=60)
    time.sleep(max(0.0, 22 - (time.monotonic() - cut)))
    proxy.restore()
    back = time.monotonic()

    occurrences = JobOccurrence.objects.filter(task_id__in=[outcome.task_id for outcome in sent])
    wait_for(lambda: occurrences.filter(status=Status.SUCCEEDED).count() == len(sent), timeout=240, interval=1)
    done = time.monotonic()
    for occurrence in occurrences:
        assert occurrence.runs.filter(status=JobRun.Status.SUCCEEDED).count() == 1, occurrence.key  # once each
    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.CLOSED
    assert scores_of(cycle) == expected
    assert_written_once(cycle)
    retries = _text(_worker_log(queue)).count("retry: Retry in")
    print(
        f"\n[outage db] database unreachable {back - cut:.1f} s; {len(sent)} jobs sent meanwhile, {retries} retries; "
        f"all {len(sent)} ran exactly once, the last {done - back:.1f} s after the database returned"
    )


# --- a worker killed in the middle of a close -----------------------------------------------------------------------


def test_a_close_whose_worker_dies_resumes_within_two_minutes_of_a_worker_being_up_and_its_page_says_so(
    celery_worker_process, celery_beat_process, own_queue, hr_client, only_test_schedules
) -> None:
    cycle = cycle_ready_to_close()
    expected = scores_of_an_uninterrupted_close(cycle)
    # The broker's own redelivery stays at its production value (an hour): resuming is the jobs' own doing.
    first, queue = celery_worker_process(queue=own_queue, extra_env={"JOBS_TEST_PAUSE": f"{CLOSE_JOB}=600"})
    celery_beat_process(queue=queue)
    _ready(queue)
    outcome = enqueue(cycle_close_task, cycle.pk, None, CLOSE_REASON)
    progress = reverse("job_progress", args=[outcome.task_id])
    wait_for(lambda: "JOBS_TEST_PAUSE" in _text(_worker_log(queue)), timeout=60)
    assert 'role="progressbar"' in hr_client.get(progress).content.decode()  # running

    first.send_signal(signal.SIGKILL)  # inside the close's transaction, every score written: the most to lose
    first.wait(timeout=10)
    killed = time.monotonic()
    assert "Interrupted, resuming" in hr_client.get(progress).content.decode()
    time.sleep(20)  # a deploy: no worker for a while; beat has meanwhile sent the job again
    page = hr_client.get(progress).content.decode()
    assert "Interrupted, resuming" in page and 'http-equiv="refresh"' in page
    occurrence = JobOccurrence.objects.get(task_id=outcome.task_id)
    assert occurrence.status in (Status.PENDING, Status.QUEUED) and occurrence.interrupted_at
    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.OPEN  # the killed transaction left nothing

    celery_worker_process(queue=queue)
    _ready(queue)
    up = time.monotonic()
    wait_for(
        lambda: JobOccurrence.objects.filter(task_id=outcome.task_id, status=Status.SUCCEEDED).exists(), timeout=150
    )
    done = time.monotonic()
    assert done - up < 120
    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.CLOSED
    assert scores_of(cycle) == expected
    assert_written_once(cycle)
    occurrence.refresh_from_db()
    assert occurrence.attempts == 2
    lost, resumed = occurrence.runs.order_by("pk")
    assert (lost.status, lost.error) == (JobRun.Status.FAILED, INTERRUPTED)
    assert (resumed.status, resumed.result) == (JobRun.Status.SUCCEEDED, f"cycle {cycle.pk} closed")
    assert "Done." in hr_client.get(progress).content.decode()
    print(
        f"\n[worker killed] no worker for {up - killed:.1f} s; the close resumed and finished {done - up:.1f} s after "
        "a worker was up (limit 120 s); scores identical to an uninterrupted close"
    )


# --- beat killed right after sending --------------------------------------------------------------------------------


def test_a_beat_killed_right_after_sending_a_draw_sends_nothing_twice_when_it_starts_again(
    celery_worker_process, celery_beat_process, own_queue, only_test_schedules
) -> None:
    _draw_ready()
    row = _hourly_row("Test draw", "appraisals.spot_check_draw", due_in=5)
    last_run_at = row.last_run_at
    _, queue = celery_worker_process(queue=own_queue)
    _ready(queue)
    # Beat pauses after sending and before saving the row's last run time: killed there, it forgets it sent.
    beat = celery_beat_process(queue=queue, extra_env={"JOBS_TEST_PAUSE": "beat:Test draw=120"})
    wait_for(lambda: "JOBS_TEST_PAUSE" in _text(beat.log_path), timeout=60)
    beat.send_signal(signal.SIGKILL)
    beat.wait(timeout=10)
    wait_for(lambda: JobRun.objects.filter(name=DRAW_JOB, status=JobRun.Status.SUCCEEDED).exists(), timeout=60)
    row.refresh_from_db()
    assert row.last_run_at == last_run_at  # the worst moment: beat will find the run due again

    restarted = time.monotonic()
    beat = celery_beat_process(queue=queue)
    wait_for(lambda: "recorded already" in _text(beat.log_path), timeout=60)
    time.sleep(5)  # anything sent twice would have run by now
    assert SpotCheckDraw.objects.count() == 1
    assert JobOccurrence.objects.filter(schedule_name="Test draw").count() == 1
    assert JobRun.objects.filter(name=DRAW_JOB).count() == 1
    print(
        f"\n[beat killed] restarted beat found the run due again {time.monotonic() - restarted:.1f} s later and "
        "sent nothing: 1 draw"
    )


# --- the broker unreachable when a run is due -----------------------------------------------------------------------


def test_runs_due_while_the_broker_is_unreachable_are_sent_when_it_returns_unless_later_than_their_bound(
    celery_worker_process, celery_beat_process, tcp_proxy, own_queue, only_test_schedules
) -> None:
    _draw_ready()
    draw = _hourly_row("Test draw", "appraisals.spot_check_draw", due_in=10, catch_up=timedelta(days=1))
    remind = _hourly_row("Test reminder", "appraisals.ratings_remind", due_in=10, catch_up=timedelta(seconds=10))
    proxy = tcp_proxy(settings.CELERY_BROKER_URL)
    broker = {"CELERY_BROKER_URL": proxy.url(settings.CELERY_BROKER_URL)}
    _, queue = celery_worker_process(queue=own_queue, extra_env=broker)
    _ready(queue)
    beat = celery_beat_process(queue=queue, extra_env=broker)
    wait_for(lambda: "beat: Starting" in _text(beat.log_path), timeout=60)

    proxy.cut()
    cut = time.monotonic()
    # Both come due; beat records each and cannot send it.
    rows = JobOccurrence.objects.filter(schedule_name__in=[draw.name, remind.name], status=Status.PENDING)
    wait_for(lambda: rows.exclude(send_error="").count() == 2, timeout=60)
    time.sleep(max(0.0, 30 - (time.monotonic() - cut)))
    proxy.restore()
    back = time.monotonic()

    drawn = JobOccurrence.objects.filter(schedule_name=draw.name)
    wait_for(lambda: drawn.filter(status=Status.SUCCEEDED).exists(), timeout=120, interval=1)
    done = time.monotonic()
    wait_for(lambda: JobOccurrence.objects.filter(schedule_name=remind.name, status=Status.SKIPPED).exists())
    assert SpotCheckDraw.objects.count() == 1 and drawn.count() == 1
    assert not JobRun.objects.filter(name="appraisals.ratings_remind").exists()  # too late to be of use
    print(
        f"\n[broker down] Redis unreachable {back - cut:.1f} s over the due time; the draw (bound 1 day) ran "
        f"{done - back:.1f} s after it returned; the reminder (bound 10 s) was recorded as missed, not run"
    )


# --- a refusal inside a job -----------------------------------------------------------------------------------------


def test_a_refusal_inside_a_job_is_shown_on_its_page_in_the_readers_language(
    celery_worker_process, own_queue, hr_client
) -> None:
    period = PayPeriodFactory(state=PayPeriod.State.APPROVED)
    _, queue = celery_worker_process(queue=own_queue)
    _ready(queue)
    response = hr_client.post(
        reverse("admin:incentives_payperiod_changelist"),
        {"action": "generate_statements", helpers.ACTION_CHECKBOX_NAME: [str(period.pk)]},
    )
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    link = re.search(r'href="([^"]+)"', message).group(1).replace("&amp;", "&")
    occurrence = wait_for(
        lambda: JobOccurrence.objects.filter(task="incentives.pay_statements_generate", status=Status.REFUSED).first(),
        timeout=60,
    )
    english = hr_client.get(link).content.decode()
    assert f"The job was refused: Pay period {period.code} is already approved, so its statements are locked" in english
    assert 'http-equiv="refresh"' not in english  # refused is final: nothing to wait for
    chinese = hr_client.get(link, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"工资期间 {period.code} 当前状态为“已批准”，其工资单已锁定，不会再次生成。" in chinese
    assert occurrence.attempts == 1 and "retry: Retry in" not in _text(_worker_log(queue))  # not retried
    print("\n[refusal] the pay refusal is on the job's page, in English and in Chinese")
