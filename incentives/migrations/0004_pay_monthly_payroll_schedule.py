"""The beat row "Run the monthly payroll" (the 1st of each month, for the month before) replaces "Generate pay
statements after close": pay no longer waits for a cycle to close."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations

OLD = "Generate pay statements after close (daily)"
NEW = "Run the monthly payroll (1st of the month)"
TASK = "incentives.payroll_monthly"
DESCRIPTION = (
    "On the 1st at 04:00: create the previous month's pay period and its draft pay statements (工资单) for every "
    "manager employed in it, and any month missed while nothing ran. An approved month is passed over; a refusal "
    "(a pay scheme or a leaver's last day missing) is written in the job run and retried the next time."
)


def monthly(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    first_of_month, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="4",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    old = PeriodicTask.objects.filter(name=OLD).first()
    enabled = old.enabled if old is not None else True  # HR's choice to run payroll or not is kept
    PeriodicTask.objects.filter(name=OLD).delete()
    row, _ = PeriodicTask.objects.get_or_create(
        name=NEW,
        defaults={"task": TASK, "crontab": first_of_month, "enabled": enabled, "description": DESCRIPTION},
    )
    # A month's payroll missed by a week still runs (and the run itself pays any earlier month missed).
    apps.get_model("core", "ScheduleCatchUp").objects.get_or_create(
        periodic_task=row, defaults={"within": timedelta(days=7)}
    )


def after_close(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NEW).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0003_pay_monthly_payroll"),
        ("core", "0004_catch_up_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(monthly, after_close)]
