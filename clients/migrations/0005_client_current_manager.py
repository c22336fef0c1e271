"""Client.current_manager: the manager of the client's open assignment, kept by the database (issue 9).

The column is written only by triggers (here on PostgreSQL; on SQLite clients.db_triggers creates them after each
migrate, because SQLite's table rebuilds would break them):
- a write of an assignment (insert, update, delete — from the services, the admin, an import or a bulk COPY)
  recomputes the column of the client(s) it names;
- a write of the client row that sets the column recomputes it, so a value saved from an instance loaded before a
  reassignment never sticks (Model.save() writes every column; an UPDATE of other columns only, like the tiering's
  UPDATE of tiers, leaves it alone and costs nothing more).
The value is always "the manager_id of the client's assignment whose end is NULL" (at most one: the constraint
one_active_manager_per_client), or NULL.
"""

import django.db.models.deletion
from django.db import migrations, models

OPEN_MANAGER = 'SELECT a.manager_id FROM clients_assignment a WHERE a.client_id = {client} AND a."end" IS NULL'

POSTGRESQL = [
    f"""
    CREATE FUNCTION clients_client_current_manager() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.current_manager_id := ({OPEN_MANAGER.format(client="NEW.id")});
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER clients_client_current_manager BEFORE INSERT OR UPDATE OF current_manager_id ON clients_client
        FOR EACH ROW EXECUTE FUNCTION clients_client_current_manager()
    """,
    # Touching the client row is enough: its own trigger above computes the value.
    """
    CREATE FUNCTION clients_assignment_touch_client() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- The tiering run holds this lock exclusively while it updates tiers (clients.tiering.ADVISORY_LOCK_KEY):
        -- waiting for it here, before any client row is locked, means an assignment write and a tiering run never
        -- lock the same clients in opposite orders (a deadlock that would abort one of them).
        PERFORM pg_advisory_xact_lock_shared(8020);
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE clients_client SET current_manager_id = NULL WHERE id = OLD.client_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id) THEN
            UPDATE clients_client SET current_manager_id = NULL WHERE id = NEW.client_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER clients_assignment_touch_client AFTER INSERT OR UPDATE OR DELETE ON clients_assignment
        FOR EACH ROW EXECUTE FUNCTION clients_assignment_touch_client()
    """,
    "UPDATE clients_client SET current_manager_id = NULL",
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER clients_assignment_touch_client ON clients_assignment",
    "DROP FUNCTION clients_assignment_touch_client()",
    "DROP TRIGGER clients_client_current_manager ON clients_client",
    "DROP FUNCTION clients_client_current_manager()",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(f"Client.current_manager has no triggers for {vendor}.")
        for statement in statements[vendor]:
            schema_editor.execute(statement, params=None)

    return run


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
        migrations.RunPython(
            # SQLite: the triggers are created after every migrate instead (clients.db_triggers): a table rebuild by a
            # later migration would break them.
            _run({"postgresql": POSTGRESQL, "sqlite": []}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": []}),
        ),
    ]
