"""Progress timeouts: an update stuck downloading or installing past its rollout's limit times out and counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.models import DeviceEvent
from rollouts.models import PROGRESS_ORDER, DeviceUpdate, EventKind, LogChannel, RolloutState, Strategy, UpdateStatus
from rollouts.services import feedback, timeouts, transitions
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db
S = UpdateStatus
HOUR = timedelta(hours=1)


@pytest.fixture
def rollout(offerable_release):
    """A running rollout of 2.0.0 whose devices may download for an hour and install for half an hour."""
    release = offerable_release("2.0.0")
    return transitions.set_policy(release.rollout, download_timeout=HOUR, install_timeout=HOUR / 2)


def update_in(rollout, status, since, uid="dev-0001"):
    """A device's update of the rollout's release that entered ``status`` ``since`` ago."""
    device = DeviceFactory(product=rollout.release.product, uid=uid)
    update = DeviceUpdate.objects.create(device=device, release=rollout.release)
    for step in PROGRESS_ORDER[1:PROGRESS_ORDER.index(status) + 1]:
        update = feedback.report_status(update, step)
    DeviceUpdate.objects.filter(pk=update.pk).update(status_changed_at=timezone.now() - since)
    return update


def test_an_update_downloading_past_the_timeout_times_out_with_the_reason(rollout):
    update = update_in(rollout, S.DOWNLOADING, since=HOUR + timedelta(minutes=1))

    assert timeouts.time_out_stalled_updates() == 1

    update.refresh_from_db()
    assert update.status == S.TIMED_OUT and update.finished_at is not None
    assert update.reason == "no progress for 1:00:00 while downloading (the rollout's download timeout)"


def test_downloaded_runs_on_the_download_timeout_too(rollout):
    update = update_in(rollout, S.DOWNLOADED, since=HOUR + timedelta(minutes=1))

    timeouts.time_out_stalled_updates()

    update.refresh_from_db()
    assert update.status == S.TIMED_OUT and "while downloaded" in update.reason


def test_an_update_within_its_timeout_is_left_alone(rollout):
    update = update_in(rollout, S.DOWNLOADING, since=HOUR - timedelta(minutes=1))

    assert timeouts.time_out_stalled_updates() == 0

    update.refresh_from_db()
    assert update.status == S.DOWNLOADING


def test_installing_times_out_on_the_install_timeout(rollout):
    update = update_in(rollout, S.INSTALLING, since=HOUR / 2 + timedelta(minutes=1))

    timeouts.time_out_stalled_updates()

    update.refresh_from_db()
    assert update.status == S.TIMED_OUT and "install timeout" in update.reason


def test_an_installed_update_never_times_out(rollout):
    update = update_in(rollout, S.INSTALLED, since=timedelta(days=20))

    assert timeouts.time_out_stalled_updates() == 0

    update.refresh_from_db()
    assert update.status == S.INSTALLED


def test_a_rollout_without_timeouts_leaves_stalled_updates_alone(offerable_release):
    release = offerable_release("2.0.0")
    update = update_in(release.rollout, S.DOWNLOADING, since=timedelta(days=20))

    assert timeouts.time_out_stalled_updates() == 0

    update.refresh_from_db()
    assert update.status == S.DOWNLOADING


def test_each_status_has_its_own_clock(rollout):
    # Given an update that downloaded for 50 minutes and has now been downloaded for 50 minutes more
    update = update_in(rollout, S.DOWNLOADED, since=timedelta(minutes=50))

    timeouts.time_out_stalled_updates()

    update.refresh_from_db()
    assert update.status == S.DOWNLOADED


def test_a_timeout_is_written_as_an_event_a_log_entry_and_a_rollout_event(rollout):
    update = update_in(rollout, S.DOWNLOADING, since=2 * HOUR)

    timeouts.time_out_stalled_updates()

    update.refresh_from_db()
    event = DeviceEvent.objects.filter(device_id=update.device_id).latest("id")
    assert event.data == {"updateId": update.pk, "status": S.TIMED_OUT, "attempt": 1}
    entry = update.log_entries.latest("position")
    assert (entry.channel, entry.status, entry.messages) == (LogChannel.PORTAL, S.TIMED_OUT, [update.reason])
    assert rollout.events.filter(kind=EventKind.UPDATES_TIMED_OUT).get().message == (
        "1 device update timed out: no progress within the download timeout of 1:00:00")


def test_stalled_updates_are_timed_out_in_batches_until_none_is_left(rollout):
    updates = [update_in(rollout, S.DOWNLOADING, since=2 * HOUR, uid=f"unit-{n}") for n in range(5)]

    assert timeouts.time_out_stalled_updates(batch_size=2) == 5

    assert {update.status for update in DeviceUpdate.objects.filter(pk__in=[u.pk for u in updates])} == {
        S.TIMED_OUT}


def test_timeouts_count_as_failures_and_pause_the_rollout(offerable_release):
    # Given a rollout whose phase pauses at more than 10 % failures, with two devices hanging
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    rollout = transitions.start(release.rollout, strategy=Strategy.GENERAL,
                                phases=[transitions.PhaseSpec(100, failure_threshold=10)])
    rollout = transitions.set_policy(rollout, download_timeout=HOUR)
    for n in range(2):
        update_in(rollout, S.DOWNLOADING, since=2 * HOUR, uid=f"unit-{n}")

    # When they time out
    timeouts.time_out_stalled_updates()

    # Then the rollout pauses as if they had failed, saying why
    rollout.refresh_from_db()
    assert rollout.state == RolloutState.PAUSED
    assert "2 of 2 outcomes failed, rolled back or timed out" in rollout.state_reason
    assert "last: timed_out (no progress for 1:00:00 while downloading" in rollout.state_reason


def test_the_sweep_costs_the_same_queries_whatever_the_fleet(rollout):
    def queries_of_a_sweep():
        with CaptureQueriesContext(connection) as captured:
            timeouts.time_out_stalled_updates()
        return len(captured)

    update_in(rollout, S.DOWNLOADING, since=timedelta(minutes=5), uid="first")
    with_one = queries_of_a_sweep()
    for n in range(20):
        update_in(rollout, S.DOWNLOADING, since=timedelta(minutes=5), uid=f"unit-{n}")

    assert queries_of_a_sweep() == with_one


def test_the_index_the_sweep_probes_leads_with_release_status_and_status_age():
    # A plan test would depend on the test database's statistics; the index's columns do not.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'device_update_status_age'")
        (definition,) = cursor.fetchone()

    assert definition.endswith("(release_id, status, status_changed_at)")
