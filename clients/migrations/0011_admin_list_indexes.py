"""Indexes for HR's admin lists at company scale: each list's ordering, and trigram indexes for its search.

The trigram indexes are PostgreSQL's (pg_trgm, GIN). They serve the admin's `icontains` search, which Django writes
as ``UPPER(column) LIKE UPPER('%term%')``, so they index ``UPPER(column)``. They are not part of the models' state
(SQLite, the tests' database, has no GIN): on other databases both operations below do nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# (model, index name, column) of each trigram index.
TRIGRAM_INDEXES = [
    ("client", "client_name_trgm", "name"),
    ("client", "client_regcode_trgm", "registration_code"),
    ("interaction", "interaction_summary_trgm", "summary"),
    ("interaction", "interaction_needs_trgm", "client_needs"),
]


def trigram_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model_name, name, column in TRIGRAM_INDEXES:
        table = apps.get_model("clients", model_name)._meta.db_table
        # The expression is the one Django's icontains compares: UPPER("column"::text).
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
        )


def trigram_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _model_name, name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0010_import_uploads_purge_schedule"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["start", "id"], name="assignment_start_id"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["name", "id"], name="client_name_id"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["industry"], name="client_industry"),
        ),
        migrations.AddIndex(
            model_name="interaction",
            index=models.Index(fields=["date", "id"], name="interaction_date_id"),
        ),
        # Does nothing on other databases than PostgreSQL (Django's CreateExtension checks the vendor).
        TrigramExtension(),
        migrations.RunPython(trigram_indexes_create, trigram_indexes_drop),
    ]
