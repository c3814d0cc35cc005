"""Rollouts get a ``draft`` state: created releases wait for Start instead of counting as running.

Rollouts that were never started (still ``suspended``, no phase clock, no ``started``
event) become drafts; every other rollout keeps its state.
"""

from django.db import migrations, models


def drafts_from_unstarted(apps, schema_editor):
    Rollout = apps.get_model("rollouts", "Rollout")
    never_started = Rollout.objects.filter(state="running", strategy="suspended",
                                           phase_started_at__isnull=True)
    never_started.exclude(events__kind="started").update(state="draft")


def running_from_drafts(apps, schema_editor):
    apps.get_model("rollouts", "Rollout").objects.filter(state="draft").update(state="running")


class Migration(migrations.Migration):

    dependencies = [
        ("rollouts", "0005_event_kind_offers_withdrawn"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rollout",
            name="state",
            field=models.CharField(
                choices=[("draft", "Draft: not started"), ("running", "Running"), ("paused", "Paused"),
                         ("aborted", "Aborted"), ("completed", "Completed")],
                default="draft",
                help_text="A draft offers nothing whatever its policy says; only Start makes it live.",
                max_length=16,
            ),
        ),
        migrations.RunPython(drafts_from_unstarted, running_from_drafts),
    ]
