from decimal import Decimal

from django.db import migrations

# The fair defaults, in force from this plan year until HR adds a later year's row: business credit split by the days
# each manager served a client; tiering by volume with the 80/20 and 95 % cut-offs.
FIRST_YEAR = 2020


def seed(apps, schema_editor):
    apps.get_model("clients", "BusinessCreditPolicy").objects.get_or_create(
        year=FIRST_YEAR, defaults={"mode": "days_served"}
    )
    apps.get_model("clients", "TieringPolicy").objects.get_or_create(
        year=FIRST_YEAR,
        defaults={
            "measure": "volume",
            "volume_weight": 100,
            "profit_weight": 0,
            "core_share": Decimal("80"),
            "key_share": Decimal("95"),
        },
    )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_month="1", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Compute assistant KPIs",
        defaults={
            "task": "clients.assistant_kpis",
            "crontab": monthly,
            "enabled": True,
            "description": "Key-account assistants' KPIs of the month before, from the work they recorded.",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="Compute assistant KPIs").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_clients19_credit_tiering_profit"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
