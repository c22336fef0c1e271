"""The system's beat rows (heartbeat, pending jobs, reminders, pay after close), each editable or disabled by HR."""

from django.conf import settings
from django.db import migrations

CRONTAB_JOBS = {
    # name: (task, hour, minute, description)
    "Remind raters (daily)": (
        "appraisals.ratings_remind",
        "9",
        "0",
        "E-mail each rater with pending ratings, at most once a day per rater.",
    ),
    "Generate pay statements after close (daily)": (
        "incentives.pay_after_close",
        "4",
        "0",
        "For each closed regular cycle with no pay period yet: create the period and its draft pay statements "
        "(工资单). Runs after 'Appraisal cycles due', which closes cycles at their deadline at 01:00.",
    ),
}
PENDING_JOBS = "Send pending jobs"
HEARTBEAT = "Heartbeat"


RENAMED_TASKS = {"config.heartbeat": "core.heartbeat", "config.jobs_pending_dispatch": "core.jobs_pending_dispatch"}


def schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, hour, minute, description) in CRONTAB_JOBS.items():
        daily, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": daily, "enabled": True, "description": description}
        )
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
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[*CRONTAB_JOBS, PENDING_JOBS, HEARTBEAT]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules, remove_schedules)]
