from django.db import migrations


def heartbeat_schedule(apps, schema_editor):
    """The heartbeat every five minutes, as a beat row HR can edit or disable in the admin."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Heartbeat",
        defaults={"task": "config.heartbeat", "interval": every_5_minutes, "enabled": True},
    )


def remove_heartbeat_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Heartbeat").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("config", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(heartbeat_schedule, remove_heartbeat_schedule)]
