"""A database trigger that refuses any UPDATE changing an approved or exported pay statement.

PayStatement.save() refuses the same change in Python; this catches QuerySet.update() and raw SQL. The one change
allowed on a locked row is approved → exported with the export time. Deletion is refused by PayStatement.delete()
and its QuerySet.delete(), not here, so that a test database can still be flushed.
"""

from django.db import migrations

# Every column but state and exported_at; the only allowed move of state is approved → exported.
LOCKED_COLUMNS = [
    "period_id", "manager_id", "kind", "adjusts_id", "appraisal_id", "grade_id", "grades_used", "currency",
    "base_salary", "performance_pay", "behaviour_component", "total", "explanation", "reason", "created_at",
    "created_by_id", "computed_at", "approved_at", "approved_by_id",
]
MESSAGE = "pay statement is approved and locked; a correction is a new adjusting statement"


def _changed(distinct: str) -> str:
    columns = " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in LOCKED_COLUMNS)
    state_ok = "(NEW.state = OLD.state OR (OLD.state = 'approved' AND NEW.state = 'exported'))"
    return f"OLD.state <> 'draft' AND ({columns} OR NOT {state_ok})"


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER incentives_paystatement_locked BEFORE UPDATE ON incentives_paystatement "
            f"FOR EACH ROW WHEN {_changed('IS NOT')} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION incentives_paystatement_locked() RETURNS trigger AS $$ BEGIN "
            f"IF {_changed('IS DISTINCT FROM')} THEN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END IF; "
            "RETURN NEW; END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            "CREATE TRIGGER incentives_paystatement_locked BEFORE UPDATE ON incentives_paystatement "
            "FOR EACH ROW EXECUTE FUNCTION incentives_paystatement_locked();"
        )


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS incentives_paystatement_locked;")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS incentives_paystatement_locked ON incentives_paystatement;")
        schema_editor.execute("DROP FUNCTION IF EXISTS incentives_paystatement_locked();")


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
