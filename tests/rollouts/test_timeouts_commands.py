"""Operators show and set a rollout's progress timeouts with commands."""

from datetime import timedelta

import pytest
from django.core.management.base import CommandError

from tests.rollouts.test_commands import run

pytestmark = pytest.mark.django_db
NAME = "thermostat:default:2.0.0"


@pytest.fixture
def rollout(offerable_release):
    return offerable_release("2.0.0").rollout


def test_rollout_timeouts_sets_what_is_given_and_says_both(rollout):
    output = run("rollout_timeouts", NAME, "--download", "2:00:00")

    assert output.strip() == f"{NAME}: download timeout 2:00:00, install timeout never"
    rollout.refresh_from_db()
    assert (rollout.download_timeout, rollout.install_timeout) == (timedelta(hours=2), None)


def test_never_removes_a_timeout(rollout):
    run("rollout_timeouts", NAME, "--download", "2:00:00", "--install", "PT30M")

    output = run("rollout_timeouts", NAME, "--install", "never")

    assert output.strip() == f"{NAME}: download timeout 2:00:00, install timeout never"


def test_without_options_it_only_shows_them(rollout):
    events = rollout.events.count()

    assert run("rollout_timeouts", NAME).strip() == f"{NAME}: download timeout never, install timeout never"
    assert rollout.events.count() == events


@pytest.mark.parametrize("value, message", [("soon", "is not a duration"), ("0:00:10", "from 0:01:00 to 30 days")])
def test_a_bad_timeout_is_refused(rollout, value, message):
    with pytest.raises(CommandError, match=message):
        run("rollout_timeouts", NAME, "--download", value)


def test_rollout_status_shows_the_timeouts(rollout):
    run("rollout_timeouts", NAME, "--install", "0:45:00")

    assert "Timeouts: download never, install 0:45:00 (set with rollout_timeouts)" in run("rollout_status", NAME)
