"""Client.current_manager: the manager of the client's open assignment, kept by the database's triggers
(clients.db_triggers: installed here on PostgreSQL; on SQLite after every migrate, as SQLite's table rebuilds would
break them)."""

import django.db.models.deletion
from django.db import migrations, models

from clients import db_triggers


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        db_triggers.postgresql_install(schema_editor.connection)


def uninstall(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        db_triggers.postgresql_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_tieringrun_pareto_points"),
        ("managers", "0003_historicalassistant"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="current_manager",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="current_clients",
                to="managers.accountmanager",
                verbose_name="current account manager",
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["current_manager", "name"], name="client_current_manager_name"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["current_manager", "industry"], name="client_current_manager_ind"),
        ),
        migrations.RunPython(install, uninstall),
    ]
