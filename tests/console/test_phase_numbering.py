"""Phases are numbered from 1 wherever people read them; storage and the APIs count positions from 0."""

from io import StringIO

import pytest
from django.core.management import call_command

from rollouts.models import RolloutEvent
from rollouts.services import transitions

pytestmark = pytest.mark.django_db


def rollout_status(*args) -> list[str]:
    out = StringIO()
    call_command("rollout_status", *args, stdout=out)
    return out.getvalue().splitlines()


def test_rollout_status_and_the_events_number_the_phases_from_1(running):
    transitions.advance_phase(running, force=True)
    running.refresh_from_db()

    table = rollout_status()
    details = rollout_status(str(running.release_id))

    header, row = table[0].split(), table[1].split()
    assert row[header.index("PHASE")] == "2/2"
    assert running.current_phase == 1
    assert RolloutEvent.objects.filter(rollout=running).first().message.startswith("phase 1 → 2: 10 % → 100 %")
    assert any(line.startswith("Event:") and "phase 1 → 2" in line for line in details)
