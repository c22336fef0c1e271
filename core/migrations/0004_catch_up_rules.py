"""How late the heartbeat may still run (HR edits these in the admin), and the jobs saved as pending job runs
while the broker was down become pending occurrences."""

import json
import uuid
from datetime import timedelta

from django.db import migrations

CATCH_UP = {"Heartbeat": timedelta(minutes=5)}  # each app seeds the bounds of its own schedules


def catch_up_rules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    ScheduleCatchUp = apps.get_model("core", "ScheduleCatchUp")
    for row in PeriodicTask.objects.filter(name__in=CATCH_UP):
        ScheduleCatchUp.objects.get_or_create(periodic_task=row, defaults={"within": CATCH_UP[row.name]})


def pending_runs_to_occurrences(apps, schema_editor):
    JobRun = apps.get_model("core", "JobRun")
    JobOccurrence = apps.get_model("core", "JobOccurrence")
    for run in JobRun.objects.filter(status="pending"):
        payload = json.loads(run.result or "{}")
        task_id = run.task_id or str(uuid.uuid4())
        JobOccurrence.objects.create(
            key=f"{run.name}:message:{task_id}"[:255],
            task=run.name,
            args=payload.get("args", []),
            kwargs=payload.get("kwargs", {}),
            task_id=task_id,
            status="pending",
            send_error=run.error,
        )
        run.delete()


def seed(apps, schema_editor):
    catch_up_rules(apps, schema_editor)
    pending_runs_to_occurrences(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_job_occurrences"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
