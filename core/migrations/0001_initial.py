from django.db import migrations, models


def adopt_config_job_runs(apps, schema_editor):
    """Job runs used to live in the `config` app: keep their rows and retire its table and migration records."""
    connection = schema_editor.connection
    if "config_jobrun" not in connection.introspection.table_names():
        return
    columns = "id, name, task_id, started_at, finished_at, status, result, error"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO core_jobrun ({columns}) SELECT {columns} FROM config_jobrun")
        cursor.execute("DROP TABLE config_jobrun")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'config'")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('core_jobrun', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                "FROM core_jobrun"
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="JobRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(db_index=True, max_length=100, verbose_name="job")),
                ("task_id", models.CharField(blank=True, max_length=255, verbose_name="task id")),
                ("started_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="started at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "waiting for the broker"),
                            ("running", "running"),
                            ("succeeded", "succeeded"),
                            ("failed", "failed"),
                        ],
                        default="running",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("result", models.TextField(blank=True, verbose_name="result")),
                ("error", models.TextField(blank=True, verbose_name="error")),
            ],
            options={"verbose_name": "job run", "verbose_name_plural": "job runs", "ordering": ["-started_at"]},
        ),
        migrations.RunPython(adopt_config_job_runs, migrations.RunPython.noop),
    ]
