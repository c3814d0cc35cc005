"""Give every existing release its rollout policy, and index the device columns filters search.

The GIN (jsonb_path_ops) indexes answer the containment queries device filter
conditions compile to (``attributes @> {...}``, ``installed_versions @> {...}``,
``tags @> [...]``). They live on the devices table but serve only rollouts'
filters, hence here; PostgreSQL only (the embedded SQLite default has no GIN).
"""

from django.db import migrations

GIN_INDEXES = [
    ("device_attributes_gin", "attributes"),
    ("device_installed_gin", "installed_versions"),
    ("device_tags_gin", "tags"),
]


def backfill_rollouts(apps, schema_editor):
    Release = apps.get_model("catalog", "Release")
    Rollout = apps.get_model("rollouts", "Rollout")
    missing = Release.objects.filter(rollout__isnull=True).values_list("pk", flat=True)
    Rollout.objects.bulk_create([Rollout(release_id=pk) for pk in missing.iterator()], batch_size=1000)


def create_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("devices", "Device")._meta.db_table
    for name, column in GIN_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" jsonb_path_ops)'
        )


def drop_gin_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in GIN_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("devices", "0001_initial"),
        ("rollouts", "0002_event_kinds"),
    ]

    operations = [
        migrations.RunPython(backfill_rollouts, migrations.RunPython.noop),
        migrations.RunPython(create_gin_indexes, drop_gin_indexes),
    ]
