"""The daily rater reminders' beat row, and how late each appraisal schedule may still run when its time passed
while nothing could run it (HR edits both in the admin)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations

REMIND = "Remind raters (daily)"
CATCH_UP = {
    # A weekly draw missed by a day still matters; a daily reminder or snapshot is redone by the next day's run.
    "Spot-check draw (weekly)": timedelta(days=3),
    "Appraisal cycles due (daily)": timedelta(days=2),
    "Measured indicators snapshot (daily)": timedelta(hours=12),
    REMIND: timedelta(hours=12),
}


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    ScheduleCatchUp = apps.get_model("core", "ScheduleCatchUp")
    nine_daily, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name=REMIND,
        defaults={
            "task": "appraisals.ratings_remind",
            "crontab": nine_daily,
            "enabled": True,
            "description": "E-mail each rater with pending ratings, at most once a day per rater.",
        },
    )
    for row in PeriodicTask.objects.filter(name__in=CATCH_UP):
        ScheduleCatchUp.objects.get_or_create(periodic_task=row, defaults={"within": CATCH_UP[row.name]})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=REMIND).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0010_scoring_seed_policy"),
        ("core", "0004_catch_up_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
