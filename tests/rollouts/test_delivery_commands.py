"""Operators show and set how a rollout delivers its release with rollout_delivery."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from rollouts.models import UpdateType
from tests.rollouts.test_commands import run

pytestmark = pytest.mark.django_db
NAME = "thermostat:default:2.0.0"


@pytest.fixture
def rollout(offerable_release):
    return offerable_release("2.0.0").rollout


def test_without_options_it_shows_the_delivery_and_writes_nothing(rollout):
    events = rollout.events.count()

    output = run("rollout_delivery", NAME)

    assert output.strip() == f"{NAME}: action type forced"
    assert rollout.events.count() == events


def test_a_time_forced_rollout_takes_its_forced_time(rollout):
    output = run("rollout_delivery", NAME, "--action-type", "timeforced", "--forced-time", "2030-01-01T02:00:00Z")

    rollout.refresh_from_db()
    assert (rollout.update_type, rollout.forced_at) == (UpdateType.TIMEFORCED,
                                                         datetime(2030, 1, 1, 2, tzinfo=timezone.utc))
    assert "forced from 2030-01-01T02:00:00+00:00" in output


def test_time_forced_without_a_forced_time_is_refused_naming_the_field(rollout):
    with pytest.raises(CommandError, match="--forced-time: A time-forced rollout needs the moment"):
        run("rollout_delivery", NAME, "--action-type", "timeforced")

    rollout.refresh_from_db()
    assert rollout.update_type == UpdateType.FORCED


def test_retries_and_a_growing_budget_are_set_and_described(rollout):
    output = run("rollout_delivery", NAME, "--max-attempts", "3", "--retry-backoff", "0:05:00",
                 "--offers-per-minute", "100", "--rate-growth-factor", "2", "--rate-growth-every", "50",
                 "--requires-confirmation")

    rollout.refresh_from_db()
    assert (rollout.max_attempts, rollout.retry_backoff, rollout.offers_per_minute, rollout.rate_growth_factor,
            rollout.rate_growth_every, rollout.requires_confirmation) == (
        3, timedelta(minutes=5), 100, Decimal("2.00"), 50, True)
    assert output.strip() == (f"{NAME}: action type forced; up to 3 attempts, back-off 0:05:00; at most 100 new "
                              f"offers a minute, ×2 every 50 successes; asks for the device's confirmation")


def test_none_removes_the_budget(rollout):
    run("rollout_delivery", NAME, "--offers-per-minute", "100")

    run("rollout_delivery", NAME, "--offers-per-minute", "none")

    rollout.refresh_from_db()
    assert rollout.offers_per_minute is None


def test_a_value_out_of_bounds_is_refused_naming_the_field(rollout):
    with pytest.raises(CommandError, match="--max-attempts: Ensure this value is less than or equal to 10"):
        run("rollout_delivery", NAME, "--max-attempts", "11")


def test_a_growth_factor_without_a_budget_is_refused(rollout):
    with pytest.raises(CommandError, match="--offers-per-minute: An exponential rate grows a budget"):
        run("rollout_delivery", NAME, "--rate-growth-factor", "2", "--rate-growth-every", "10")
