from django.db import migrations


def tiering_schedule(apps, schema_editor):
    """Recompute client tiers on the 1st of every month at 02:00 Shanghai time, as a beat row HR can edit."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_month="1", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Recompute client tiers",
        defaults={
            "task": "clients.tiering_run",
            "crontab": monthly,
            "enabled": True,
            "description": "80/20 tiering of clients over the last 12 full months (核心客户).",
        },
    )


def remove_tiering_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Recompute client tiers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_tieringrun_needs_reassignment"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(tiering_schedule, remove_tiering_schedule)]
