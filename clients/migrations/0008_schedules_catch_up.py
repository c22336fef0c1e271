"""How late the clients' schedules may still run when their time passed while nothing could run them (HR edits
these in the admin)."""

from datetime import timedelta

from django.db import migrations

CATCH_UP = {"Recompute client tiers": timedelta(days=7), "Compute assistant KPIs": timedelta(days=7)}


def seed(apps, schema_editor):
    ScheduleCatchUp = apps.get_model("core", "ScheduleCatchUp")
    for row in apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=CATCH_UP):
        ScheduleCatchUp.objects.get_or_create(periodic_task=row, defaults={"within": CATCH_UP[row.name]})


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0007_clients19_default_rules_and_kpi_schedule"),
        ("core", "0004_catch_up_rules"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
