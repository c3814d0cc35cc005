from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rollouts.models import DeviceUpdate, RolloutState, Strategy, UpdateStatus
from rollouts.services import transitions
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def release(offerable_release):
    return offerable_release("2.0.0")


def test_rollout_status_shows_a_table_with_counts_per_state(release, device):
    DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.FAILED, reason="disk full")

    output = run("rollout_status")

    header, row = output.splitlines()[:2]
    assert header.split()[:5] == ["RELEASE", "STRATEGY", "STATE", "PHASE", "OFFERED"]
    assert row.split()[:4] == ["thermostat:default:2.0.0", "general", "running", "100%"]
    assert row.split()[4 + list(UpdateStatus.values).index("failed")] == "1"


def test_rollout_status_leaves_out_suspended_rollouts_unless_asked(release, product):
    ReleaseFactory(product=product, version="3.0.0")

    assert "3.0.0" not in run("rollout_status")
    assert "3.0.0" in run("rollout_status", "--all")


def test_rollout_status_of_one_release_shows_its_recent_failures(release, device):
    DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.FAILED, reason="disk full")

    output = run("rollout_status", "thermostat:2.0.0")

    assert "Failure: dev-0001 failed: disk full" in output and "Event:" in output


def test_releases_are_named_by_id_too(release):
    assert "thermostat:default:2.0.0" in run("rollout_status", str(release.pk))


@pytest.mark.parametrize("name", ["thermostat:default:9.9", "nonsense", "a:b:c:d", "::"])
def test_an_unknown_release_is_a_command_error(release, name):
    with pytest.raises(CommandError):
        run("pause_rollout", name)


def test_pause_and_resume_rollout(release):
    assert "checking" in run("pause_rollout", "thermostat:default:2.0.0", "--reason", "checking")
    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.PAUSED

    run("resume_rollout", "thermostat:default:2.0.0")

    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.RUNNING


def test_abort_rollout_needs_a_reason(release):
    with pytest.raises(CommandError):
        call_command("abort_rollout", "thermostat:2.0.0", "--reason", " ")


def test_abort_rollout_cancels_open_offers(release, device):
    DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.OFFERED)

    output = run("abort_rollout", "thermostat:2.0.0", "--reason", "bad build")

    assert "1 open offers canceled" in output
    assert DeviceUpdate.objects.get().status == UpdateStatus.CANCELED


def test_an_impossible_transition_is_a_command_error(release):
    transitions.abort(release.rollout, "bad")

    with pytest.raises(CommandError, match="aborted"):
        run("resume_rollout", "thermostat:2.0.0")


def test_advance_rollout_with_force(offerable_release):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL,
                      phases=[transitions.PhaseSpec(10), transitions.PhaseSpec(100)])

    assert "10 % → 100 %" in run("advance_rollout", "thermostat:2.0.0", "--force")


def test_explain_update_lists_every_rule(release, device):
    output = run("explain_update", device.uid, "--version", "2.0.0")

    assert "dev-0001 gets thermostat:default:2.0.0" in output
    assert "ok   agent version" in output


def test_explain_update_without_a_version_says_what_the_device_would_get(offerable_release, device):
    offerable_release("2.0.0", min_agent_version="9")

    output = run("explain_update", device.uid)

    assert "would be offered: nothing" in output and "FAIL agent version" in output


@pytest.mark.parametrize("args", [["nobody"], ["dev-0001", "--version", "7.7.7"]])
def test_explain_update_with_bad_input(device, args):
    with pytest.raises(CommandError):
        run("explain_update", *args)
