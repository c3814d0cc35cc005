"""Trigram indexes so that the admin's search by any part of a uid or name stays fast at a million devices.

The admin searches with ``icontains``, which Django writes on PostgreSQL as
``UPPER(column::text) LIKE UPPER('%part%')``: the GIN (gin_trgm_ops) indexes are on
that same expression, so the planner can use them. PostgreSQL only; on SQLite (the
embedded default of `make run`) the search is a plain scan.
"""

from django.db import migrations

TRIGRAM_INDEXES = [("device_uid_trgm", "uid"), ("device_name_trgm", "name")]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("devices", "Device")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0002_device_validators_and_indexes"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
