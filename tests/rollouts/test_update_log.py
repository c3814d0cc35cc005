"""The action log: every status report a device sends is kept with its messages, within a bound."""

from datetime import timedelta

import pytest

from devices.models import DeviceEvent
from rollouts.models import DeviceUpdate, LogChannel, UpdateLogEntry, UpdateStatus
from rollouts.services import timeouts, transitions, update_log
from rollouts.services.update_log import MAX_LOG_LINES, MAX_MESSAGE_LENGTH, Report

pytestmark = pytest.mark.django_db
S = UpdateStatus
CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}


@pytest.fixture
def status_url(device_api, offerable_release):
    offerable_release("2.0.0")
    return device_api.post(CHECK_IN, REPORT, format="json").json()["statusUrl"]


@pytest.fixture
def update(status_url):
    return DeviceUpdate.objects.get()


def log_lines(update):
    return [(entry.reported, entry.status, entry.messages) for entry in update_log.log_of(update).entries]


# --- through check-in's statusUrl ---------------------------------------------------------------

def test_each_check_in_report_is_kept_with_its_reason(device_api, status_url, update):
    device_api.post(status_url, {"status": "downloading"}, format="json")
    device_api.post(status_url, {"status": "failed", "reason": "Image invalid or corrupted"}, format="json")

    assert log_lines(update) == [("downloading", S.DOWNLOADING, []),
                                 ("failed", S.FAILED, ["Image invalid or corrupted"])]
    assert {entry.channel for entry in update.log_entries.all()} == {LogChannel.CHECK_IN}


def test_a_repeated_check_in_report_is_kept_too(device_api, status_url, update):
    device_api.post(status_url, {"status": "downloading", "reason": "50 %"}, format="json")
    device_api.post(status_url, {"status": "downloading", "reason": "90 %"}, format="json")

    assert log_lines(update) == [("downloading", S.DOWNLOADING, ["50 %"]), ("downloading", S.DOWNLOADING, ["90 %"])]


def test_a_refused_report_is_not_kept(device_api, status_url, update):
    response = device_api.post(status_url, {"status": "installed"}, format="json")

    assert response.status_code == 409 and log_lines(update) == []


def test_a_long_reason_is_kept_whole_in_pieces_while_the_update_keeps_its_start(device_api, status_url, update):
    install_log = " ".join(f"line {n:05d}" for n in range(1200))  # 13,199 characters

    device_api.post(status_url, {"status": "downloading"}, format="json")
    response = device_api.post(status_url, {"status": "failed", "reason": install_log}, format="json")

    assert response.status_code == 200
    kept = update.log_entries.latest("position").messages
    assert "".join(kept) == install_log and max(map(len, kept)) == MAX_MESSAGE_LENGTH
    update.refresh_from_db()
    assert update.reason == install_log[:2000]


def test_a_reason_past_the_limit_is_refused_naming_the_field(device_api, status_url):
    response = device_api.post(status_url, {"status": "downloading", "reason": "x" * 16_385}, format="json")

    assert response.status_code == 400 and "reason" in response.json()


def test_a_report_after_the_timeout_is_recorded_not_refused(device_api, status_url, update, device):
    # Given an update that timed out while downloading
    transitions.set_policy(update.release.rollout, download_timeout=timedelta(hours=1))
    device_api.post(status_url, {"status": "downloading"}, format="json")
    DeviceUpdate.objects.filter(pk=update.pk).update(status_changed_at=update.offered_at - timedelta(hours=2))
    timeouts.time_out_stalled_updates()

    # When the device reports after all
    response = device_api.post(status_url, {"status": "installed", "reason": "slow link"}, format="json")

    # Then it is answered, its report kept and noted, and the update stays timed out
    assert response.status_code == 200 and response.json()["status"] == S.TIMED_OUT
    assert log_lines(update)[-1] == ("installed", S.TIMED_OUT, ["slow link"])
    event = DeviceEvent.objects.filter(device=device).latest("id")
    assert event.data == {"updateId": update.pk, "status": S.TIMED_OUT, "late": "installed"}


# --- the bound ------------------------------------------------------------------------------------

def test_the_log_keeps_the_latest_lines_and_counts_the_trimmed_ones(update):
    for n in range(MAX_LOG_LINES + 5):
        update_log.append(update, S.DOWNLOADING, Report(LogChannel.DDI, "proceeding/none", (f"line {n}",)))

    log = update_log.log_of(update)

    assert len(log.entries) == MAX_LOG_LINES and log.trimmed == 5
    assert log.entries[0].messages == ["line 5"] and log.entries[-1].messages == [f"line {MAX_LOG_LINES + 4}"]
    assert log.trimmed_note == f"5 earlier lines of this log were trimmed (an update keeps its latest {MAX_LOG_LINES})"


def test_trimming_cuts_the_front_of_an_entry_that_straddles_the_bound(update):
    update_log.append(update, S.DOWNLOADING, Report(LogChannel.DDI, "proceeding/none", ("a", "b", "c")))
    update_log.append(update, S.DOWNLOADING,
                      Report(LogChannel.DDI, "proceeding/none", tuple(f"n{n}" for n in range(MAX_LOG_LINES - 1))))

    oldest = update_log.log_of(update).entries[0]

    assert (oldest.position, oldest.messages) == (2, ["c"])
    assert update_log.log_of(update).trimmed == 2


def test_a_report_longer_than_the_log_keeps_its_newest_lines(update):
    update_log.append(update, S.FAILED,
                      Report(LogChannel.DDI, "closed/failure", tuple(f"n{n}" for n in range(MAX_LOG_LINES + 10))))

    log = update_log.log_of(update)

    assert log.trimmed == 10 and log.entries[0].messages[0] == "n10" and len(log.entries[0].messages) == MAX_LOG_LINES


def test_a_report_without_messages_takes_one_line(update):
    update_log.append(update, S.DOWNLOADING, Report(LogChannel.CHECK_IN, "downloading"))
    entry = update_log.append(update, S.DOWNLOADED, Report(LogChannel.CHECK_IN, "downloaded"))

    assert entry.position == 1 and entry.line_count == 1
    assert UpdateLogEntry.objects.filter(update=update).count() == 2
