import pytest

from devices.models import Device, DeviceEvent
from rollouts.decision import decide
from rollouts.models import EventKind, RolloutState, Strategy, UpdateStatus
from rollouts.services import checkin, feedback, progress, transitions
from rollouts.services.feedback import InvalidTransition
from rollouts.services.transitions import PhaseSpec
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db
S = UpdateStatus


@pytest.fixture
def update(offerable_release, device):
    offerable_release("2.0.0")
    return checkin.make_offer(device, decide(device)).update


def walk(update, *statuses):
    for status in statuses:
        update = feedback.report_status(update, status)
    return update


@pytest.mark.parametrize("path", [
    [S.DOWNLOADING, S.DOWNLOADED, S.INSTALLING, S.INSTALLED, S.COMMITTED],
    [S.DOWNLOADING, S.INSTALLED],
    [S.DOWNLOADING, S.DOWNLOADED, S.FAILED],
    [S.REJECTED],
    [S.DOWNLOADING, S.INSTALLING, S.ROLLED_BACK],
])
def test_valid_paths_are_accepted(update, path):
    assert walk(update, *path).status == path[-1]


@pytest.mark.parametrize("path, bad", [
    ([], S.INSTALLED),
    ([], S.COMMITTED),
    ([S.DOWNLOADING, S.INSTALLING], S.DOWNLOADED),
    ([S.DOWNLOADING, S.INSTALLED, S.COMMITTED], S.FAILED),
    ([S.DOWNLOADING, S.INSTALLED, S.COMMITTED], S.ROLLED_BACK),
    ([S.DOWNLOADING], S.ROLLED_BACK),
    ([S.DOWNLOADING, S.INSTALLING], S.REJECTED),
    ([S.REJECTED], S.DOWNLOADING),
    ([S.DOWNLOADING, S.FAILED], S.INSTALLED),
])
def test_invalid_transitions_are_refused_and_change_nothing(update, path, bad):
    update = walk(update, *path)
    before = update.status

    with pytest.raises(InvalidTransition):
        feedback.report_status(update, bad)

    update.refresh_from_db()
    assert update.status == before


def test_a_repeated_report_changes_nothing(update):
    update = walk(update, S.DOWNLOADING)
    events = DeviceEvent.objects.count()

    update = feedback.report_status(update, S.DOWNLOADING)

    assert update.status == S.DOWNLOADING and DeviceEvent.objects.count() == events


def test_downloading_after_a_failure_starts_a_new_attempt(update):
    transitions.set_policy(update.release.rollout, max_attempts=2)

    update = walk(update, S.DOWNLOADING, S.FAILED, S.DOWNLOADING)

    assert update.attempt == 2 and update.finished_at is None


def test_a_failure_keeps_its_reason(update):
    update = walk(update, S.DOWNLOADING)

    update = feedback.report_status(update, S.FAILED, "checksum mismatch after download")

    assert update.reason == "checksum mismatch after download" and update.finished_at is not None


def test_installed_records_the_new_version_on_the_device(update, device):
    walk(update, S.DOWNLOADING, S.INSTALLED)

    device.refresh_from_db()
    assert device.installed_versions["default"] == "2.0.0"


def test_committed_keeps_the_new_version(update, device):
    walk(update, S.DOWNLOADING, S.INSTALLING, S.INSTALLED, S.COMMITTED)

    device.refresh_from_db()
    assert device.installed_versions == {"default": "2.0.0"}


def test_rolled_back_restores_the_version_the_update_started_from(update, device):
    walk(update, S.DOWNLOADING, S.INSTALLED, S.ROLLED_BACK)

    device.refresh_from_db()
    assert device.installed_versions["default"] == "1.0.0"


def test_a_device_that_rolled_back_is_not_offered_the_release_again(update, device):
    walk(update, S.DOWNLOADING, S.INSTALLED, S.ROLLED_BACK)
    device.refresh_from_db()

    assert decide(device) is None


def test_each_report_is_a_device_event(update, device):
    walk(update, S.DOWNLOADING, S.INSTALLED)

    assert list(device.events.filter(kind=DeviceEvent.Kind.UPDATE_STATUS).values_list("data__status", flat=True)) \
        == [S.INSTALLED, S.DOWNLOADING]


# --- thresholds -------------------------------------------------------------------------------

def offered_fleet(release, product, count):
    devices = [DeviceFactory(product=product, uid=f"unit-{n:03d}") for n in range(count)]
    return [checkin.make_offer(device, decide(device)).update for device in devices if decide(device)]


@pytest.fixture
def phased(offerable_release):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL,
                      phases=[PhaseSpec(100, failure_threshold=20)])
    return release


def test_failures_past_the_threshold_pause_the_rollout_with_the_reason(phased, product):
    updates = offered_fleet(phased, product, 10)
    for update in updates[:4]:
        walk(update, S.DOWNLOADING, S.INSTALLED, S.COMMITTED)
    walk(updates[4], S.DOWNLOADING, S.FAILED)  # 1 of 5: 20 %, not past 20 %
    phased.rollout.refresh_from_db()
    assert phased.rollout.state == RolloutState.RUNNING

    walk(updates[5], S.DOWNLOADING, S.INSTALLED, S.ROLLED_BACK)  # 2 of 6: 33 %

    phased.rollout.refresh_from_db()
    assert phased.rollout.state == RolloutState.PAUSED
    assert "failure threshold crossed" in phased.rollout.state_reason
    assert "2 of 6" in phased.rollout.state_reason
    assert phased.rollout.events.first().kind == EventKind.AUTO_PAUSED


def test_a_version_that_installs_but_does_not_boot_stops_spreading(phased, product):
    updates = offered_fleet(phased, product, 3)
    for update in updates[:2]:
        walk(update, S.DOWNLOADING, S.INSTALLED, S.ROLLED_BACK)
    newcomer = DeviceFactory(product=product, uid="late-1")

    assert decide(newcomer) is None


def test_live_counts_per_state_and_phase(phased, product):
    updates = offered_fleet(phased, product, 4)
    walk(updates[0], S.DOWNLOADING)
    walk(updates[1], S.DOWNLOADING, S.INSTALLED, S.COMMITTED)

    counts = progress.progress_of(phased.pk)

    assert counts.overall.by_status == {S.OFFERED: 2, S.DOWNLOADING: 1, S.COMMITTED: 1}
    assert counts.phase(0).successes == 1 and counts.overall.total == 4


def test_without_phases_failures_do_not_pause(offerable_release, product):
    release = offerable_release("2.0.0")
    update = offered_fleet(release, product, 1)[0]

    walk(update, S.DOWNLOADING, S.FAILED)

    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.RUNNING


def test_an_offer_is_made_once_and_reused(offerable_release, device):
    offerable_release("2.0.0")

    first = checkin.make_offer(device, decide(device)).update
    second = checkin.make_offer(device, decide(device)).update

    assert first == second
    assert Device.objects.get(pk=device.pk).updates.count() == 1
