import pytest

from core.models import JobRun
from core.tasks import heartbeat
from tests.conftest import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_heartbeat_runs_through_a_real_worker_and_records_its_run(celery_worker_process) -> None:
    _, queue = celery_worker_process()
    result = heartbeat.apply_async(queue=queue)
    run = wait_for(lambda: JobRun.objects.filter(task_id=result.id, status=JobRun.Status.SUCCEEDED).first())
    assert run.name == "heartbeat"
    assert run.duration is not None


@pytest.mark.django_db
def test_heartbeat_is_on_the_beat_schedule_after_migrate() -> None:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Heartbeat")
    assert task.task == heartbeat.name
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")
