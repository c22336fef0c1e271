"""The nightly purge of old import uploads (beat row "Purge old import uploads"), its catch-up bound, and the import
policy's one row with its default retention (30 days; HR edits it in the admin)."""

from datetime import timedelta

from django.db import migrations

NAME = "Purge old import uploads"


def seed(apps, schema_editor):
    apps.get_model("clients", "ImportPolicy").objects.get_or_create(pk=1, defaults={"keep_uploads_days": 30})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="45", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    row, _ = PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "clients.import_uploads_purge",
            "crontab": nightly,
            "enabled": True,
            "description": "Deletes import uploads and their reports older than the import policy's retention.",
        },
    )
    # A purge missed by a day still runs; older misses are covered by the next night's purge anyway.
    apps.get_model("core", "ScheduleCatchUp").objects.get_or_create(
        periodic_task=row, defaults={"within": timedelta(days=1)}
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0009_feed_runs_interaction_refs_import_policy"),
        ("core", "0004_catch_up_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
