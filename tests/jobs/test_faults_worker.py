"""Fault tests against a real Redis and real worker processes (CI runs them on Redis; the filesystem broker of a bare
machine loses a task a killed worker had taken, so there they are skipped).

Each prints its timings (run with -s to see them).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from appraisals.models import Appraisal, AppraisalCycle, SpotCheckDraw, SpotCheckPolicy
from appraisals.tasks import CLOSE_JOB, DRAW_JOB, cycle_close_task, spot_check_draw_task
from config.celery import app as celery_app
from core.jobs import INTERRUPTED, PENDING
from core.models import JobOccurrence, JobRun
from incentives.models import PayStatement
from tests.conftest import BASE_DIR, wait_for
from tests.incentives.factories import FinalAppraisalFactory, PayPeriodFactory, PaySchemeFactory
from tests.jobs.helpers import (
    CLOSE_REASON,
    assert_written_once,
    cycle_ready_to_close,
    scores_of,
    scores_of_an_uninterrupted_close,
)
from tests.managers.factories import AccountManagerFactory, grade

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="fault tests need a real Redis broker (CELERY_BROKER_URL=redis://...): the filesystem broker loses "
        "a task a killed worker had taken, by design",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Redis gives an unacknowledged message (its worker died) to another worker after this many seconds.
SHORT_VISIBILITY = {"CELERY_VISIBILITY_TIMEOUT": "3"}


def _log(queue: str) -> Path:
    return BASE_DIR / "var" / f"worker-{queue}.log"


def _ready(queue: str) -> None:
    wait_for(lambda: _log(queue).exists() and " ready." in _log(queue).read_text(), timeout=30)


def _queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _runs(task_id: str) -> list[JobRun]:
    return list(JobRun.objects.filter(task_id=task_id).order_by("pk"))


def test_a_close_whose_worker_is_killed_halfway_is_delivered_again_and_scores_exactly_as_an_uninterrupted_close(
    celery_worker_process,
) -> None:
    cycle = cycle_ready_to_close()
    expected = scores_of_an_uninterrupted_close(cycle)
    queue = _queue()
    # The first worker pauses 60 s inside the close's transaction, after all the scores are written: it is killed
    # there, the most work a crash can lose.
    first, _ = celery_worker_process(queue=queue, extra_env={**SHORT_VISIBILITY, "JOBS_TEST_PAUSE": f"{CLOSE_JOB}=60"})
    sent = time.monotonic()
    result = cycle_close_task.apply_async(args=[cycle.pk], kwargs={"reason": CLOSE_REASON}, queue=queue)
    wait_for(lambda: "JOBS_TEST_PAUSE" in _log(queue).read_text(), timeout=40)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed = time.monotonic()

    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.OPEN  # the killed transaction left nothing
    assert not Appraisal.objects.filter(cycle=cycle, finalised_at__isnull=False).exists()

    celery_worker_process(queue=queue, extra_env=SHORT_VISIBILITY)
    wait_for(lambda: JobRun.objects.filter(task_id=result.id, status=JobRun.Status.SUCCEEDED).exists(), timeout=45)
    done = time.monotonic()

    cycle.refresh_from_db()
    assert cycle.state == AppraisalCycle.State.CLOSED and cycle.close_reason == CLOSE_REASON
    assert scores_of(cycle) == expected  # exactly the figures of an uninterrupted close
    assert_written_once(cycle)  # no duplicates
    lost, redelivered = _runs(result.id)
    assert (lost.status, lost.error) == (JobRun.Status.FAILED, INTERRUPTED)  # HR sees the interruption
    assert redelivered.result == f"cycle {cycle.pk} closed"
    print(
        f"\n[fault a] SIGKILL {killed - sent:.1f} s after sending; redelivered and closed {done - killed:.1f} s later"
    )


def test_the_same_close_delivered_to_two_workers_at_once_closes_the_cycle_once(celery_worker_process) -> None:
    cycle = cycle_ready_to_close()
    expected = scores_of_an_uninterrupted_close(cycle)
    pause = {"JOBS_TEST_PAUSE": f"{CLOSE_JOB}=3"}  # each holds the cycle's lock 3 s before committing
    queues = [celery_worker_process(extra_env=pause)[1] for _ in range(2)]
    for queue in queues:
        _ready(queue)
    started = time.monotonic()
    results = [
        cycle_close_task.apply_async(args=[cycle.pk], kwargs={"reason": CLOSE_REASON}, queue=queue) for queue in queues
    ]
    runs = wait_for(
        lambda: (
            [run for r in results for run in _runs(r.id) if run.status == JobRun.Status.SUCCEEDED][:2]
            if JobRun.objects.filter(name=CLOSE_JOB, status=JobRun.Status.SUCCEEDED).count() == 2
            else None
        ),
        timeout=45,
    )
    elapsed = time.monotonic() - started
    assert sorted(run.result for run in runs) == [
        f"cycle {cycle.pk} already closed: nothing changed",
        f"cycle {cycle.pk} closed",
    ]
    assert scores_of(cycle) == expected
    assert_written_once(cycle)
    print(f"\n[fault b1] two closes at once: one closed, one found it closed; both done in {elapsed:.1f} s")


def test_the_same_draw_message_delivered_to_two_workers_at_once_draws_once(celery_worker_process) -> None:
    for _ in range(5):
        AccountManagerFactory(grade="second")
    SpotCheckPolicy.objects.get_or_create(name="Default", defaults={"sample_size": 2, "active": True})
    queues = [celery_worker_process(extra_env={"JOBS_TEST_PAUSE": f"{DRAW_JOB}=3"})[1] for _ in range(2)]
    for queue in queues:
        _ready(queue)
    task_id = str(uuid.uuid4())  # one message, delivered twice (as after a redelivery race)
    started = time.monotonic()
    for queue in queues:
        spot_check_draw_task.apply_async(queue=queue, task_id=task_id)
    # Both workers have handled their delivery: one drew, the other found the job's lock held (or the job done).
    wait_for(lambda: all(f"[{task_id}] succeeded" in _log(queue).read_text() for queue in queues), timeout=45)
    elapsed = time.monotonic() - started
    assert SpotCheckDraw.objects.count() == 1
    draw = SpotCheckDraw.objects.get()
    (run,) = _runs(task_id)  # the second delivery ran nothing and recorded nothing
    assert (run.status, run.result) == (JobRun.Status.SUCCEEDED, f"draw {draw.pk}: {draw.sample_size} of 5 managers")
    occurrence = JobOccurrence.objects.get(task_id=task_id)
    assert (occurrence.status, occurrence.attempts) == (JobOccurrence.Status.SUCCEEDED, 1)
    print(f"\n[fault b2] one draw message on two workers: one draw; both done in {elapsed:.1f} s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_start(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, timeout=10, interval=0.1)
    return proc


def _redis_stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def test_with_redis_stopped_pages_answer_health_says_broker_down_and_pending_work_completes_when_it_returns(
    celery_worker_process, admin_client, settings, monkeypatch
) -> None:
    if not _redis_available():
        pytest.skip("redis-server is not installed")
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    settings.CELERY_BROKER_URL = url  # the web app's broker: a throwaway Redis of this test, never the shared one
    monkeypatch.setitem(celery_app.conf, "broker_url", url)
    queue = _queue()
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    PaySchemeFactory(grade=grade("first"))
    FinalAppraisalFactory()
    period = PayPeriodFactory()
    redis = _redis_start(port)
    try:
        assert admin_client.get(reverse("healthz")).status_code == 200

        _redis_stop(redis)
        stopped = time.monotonic()
        timings = {}
        for name in ("admin:index", "home", "admin:incentives_payperiod_changelist", "admin:core_jobrun_changelist"):
            started = time.monotonic()
            assert admin_client.get(reverse(name)).status_code == 200, name
            timings[name] = time.monotonic() - started
        started = time.monotonic()
        health = admin_client.get(reverse("healthz"))
        timings["healthz"] = time.monotonic() - started
        assert health.status_code == 503 and health.json()["broker"].startswith("error")
        started = time.monotonic()
        response = admin_client.post(
            reverse("admin:incentives_payperiod_changelist"),
            {"action": "generate_statements", "_selected_action": [period.pk]},
            follow=True,
        )
        timings["generate statements"] = time.monotonic() - started
        assert response.status_code == 200 and "will run later" in response.content.decode()
        pending = JobOccurrence.objects.get(status=PENDING)
        assert not PayStatement.objects.exists()
        assert max(timings.values()) < 5, timings

        redis = _redis_start(port)
        back = time.monotonic()
        # A worker that starts sends the pending jobs (beat does it every few seconds too).
        celery_worker_process(queue=queue, extra_env={"CELERY_BROKER_URL": url, "CELERY_TASK_DEFAULT_QUEUE": queue})
        wait_for(lambda: PayStatement.objects.filter(period=period).count() == 1, timeout=45)
        completed = time.monotonic()
        assert not JobOccurrence.objects.filter(status=PENDING).exists()
        assert JobRun.objects.get(task_id=pending.task_id).status == JobRun.Status.SUCCEEDED
        assert admin_client.get(reverse("healthz")).status_code == 200
        print(
            f"\n[fault c] Redis down {back - stopped:.1f} s; requests while down: "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items())
            + f"; pending job done {completed - back:.1f} s after Redis returned"
        )
    finally:
        if redis.poll() is None:
            _redis_stop(redis)


def _redis_available() -> bool:
    return subprocess.run(["which", "redis-server"], capture_output=True).returncode == 0
