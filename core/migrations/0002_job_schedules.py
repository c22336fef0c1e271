"""The system's own beat rows (heartbeat, pending jobs), each editable or disabled by HR; each app seeds its own."""

from django.db import migrations

PENDING_JOBS = "Send pending jobs"
HEARTBEAT = "Heartbeat"
RENAMED_TASKS = {"config.heartbeat": "core.heartbeat", "config.jobs_pending_dispatch": "core.jobs_pending_dispatch"}


def schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in RENAMED_TASKS.items():
        PeriodicTask.objects.filter(task=old).update(task=new)
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=HEARTBEAT, defaults={"task": "core.heartbeat", "interval": every_5_minutes, "enabled": True}
    )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=PENDING_JOBS,
        defaults={
            "task": "core.jobs_pending_dispatch",
            "interval": every_minute,
            "enabled": True,
            "description": "Send the jobs that pages queued while the job broker was unreachable.",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[PENDING_JOBS, HEARTBEAT]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules, remove_schedules)]
