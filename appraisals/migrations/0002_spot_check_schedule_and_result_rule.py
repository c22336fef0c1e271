from django.conf import settings
from django.db import migrations

SCHEDULE_NAME = "Spot-check draw (weekly)"


def seed(apps, schema_editor):
    """A default spot-check policy and result rule, and a weekly draw as a beat row HR can edit or disable."""
    SpotCheckPolicy = apps.get_model("appraisals", "SpotCheckPolicy")
    ResultRule = apps.get_model("appraisals", "ResultRule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    SpotCheckPolicy.objects.get_or_create(name="Default", defaults={"sample_size": 3, "active": True})
    ResultRule.objects.get_or_create(
        name="Default",
        defaults={
            "excellent_cycles_for_promotion": 2,
            "demote_on_fail": True,
            "reward_on_excellent": True,
            "appeal_days": 14,
            "active": True,
        },
    )
    # Mondays 09:30 local time; who is drawn is unpredictable (cryptographic seed), not when.
    weekly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="9", day_of_week="1", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"task": "appraisals.spot_check_draw", "crontab": weekly, "enabled": True},
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
