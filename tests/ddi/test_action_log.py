"""DDI feedback goes whole into the action's log: details lines of any length, actionHistory, late reports."""

from datetime import timedelta

import pytest

from devices.models import DeviceEvent
from rollouts.models import DeviceUpdate, LogChannel, UpdateStatus
from rollouts.services import timeouts, transitions, update_log
from rollouts.services.ddi.actions import MAX_HISTORY_MESSAGES
from rollouts.services.update_log import MAX_LOG_LINES, MAX_MESSAGE_LENGTH, Report

from .conftest import action_url, feedback_body

pytestmark = pytest.mark.django_db
# SWUpdate's suricatta sends its install log as details; one of its lines is over 1,024 characters.
SWUPDATE_LONG_LINE = "[install_single_image] : Found installer for stream rootfs.ext4 " + "0123456789abcdef" * 80


def send(client, device, update, body):
    return client.post(action_url(device, update) + "/feedback", body, format="json")


def history(client, device, update, count):
    return client.get(action_url(device, update), {"actionHistory": str(count)}).json()["actionHistory"]


def test_a_details_line_over_the_limit_is_kept_in_pieces_not_refused(device, pending_update, target_client):
    _, update = pending_update

    response = send(target_client(device), device, update,
                    feedback_body("proceeding", details=["Installation in progress", SWUPDATE_LONG_LINE]))

    assert response.status_code == 200
    entry = update.log_entries.get()
    assert entry.channel == LogChannel.DDI and entry.reported == "proceeding/none"
    assert entry.messages[0] == "Installation in progress"
    assert "".join(entry.messages[1:]) == SWUPDATE_LONG_LINE
    assert [len(piece) for piece in entry.messages[1:]] == [MAX_MESSAGE_LENGTH, len(SWUPDATE_LONG_LINE) - 1024]


def test_the_failure_cause_in_the_details_survives_in_the_log(device, pending_update, target_client):
    # Given a device that logs its progress, then fails
    _, update = pending_update
    client = target_client(device)
    send(client, device, update, feedback_body("proceeding", details=["Software Update started !"],
                                               progress={"cnt": 1, "of": 3}))
    send(client, device, update, feedback_body("proceeding", details=["Image invalid or corrupted. Not installing"]))
    failed = feedback_body("closed", "failure", details=["Update failed"])
    failed["status"]["code"] = 1
    send(client, device, update, failed)

    # Then the log keeps each report with its messages, the real cause included
    lines = [(entry.reported, entry.status, entry.messages) for entry in update_log.log_of(update).entries]
    assert lines == [
        ("proceeding/none (1 of 3)", UpdateStatus.DOWNLOADING, ["Software Update started !"]),
        ("proceeding/none", UpdateStatus.DOWNLOADING, ["Image invalid or corrupted. Not installing"]),
        ("closed/failure", UpdateStatus.FAILED, ["Update failed", "Device reported status code: 1"]),
    ]


def test_action_history_returns_the_devices_messages_newest_first_with_hawkbits_label(
        device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)
    send(client, device, update, feedback_body("download", details=["fetching"]))
    send(client, device, update, feedback_body("proceeding", details=["one", "two"]))
    send(client, device, update, feedback_body("closed", "failure", details=["broken"]))

    assert history(client, device, update, 3) == {"status": "ERROR", "messages": ["broken", "two", "one"]}
    assert history(client, device, update, -1)["messages"] == ["broken", "two", "one", "fetching"]


def test_action_history_leaves_the_portals_own_entries_out(device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)
    send(client, device, update, feedback_body("download", details=["fetching"]))
    update_log.append(update, UpdateStatus.DOWNLOADING, Report(LogChannel.PORTAL, "timed out", ("portal note",)))

    assert history(client, device, update, 5)["messages"] == ["fetching"]


def test_action_history_is_capped_whatever_the_device_asks(device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)
    send(client, device, update, feedback_body("proceeding", details=[f"line {n}" for n in range(150)]))

    messages = history(client, device, update, 500)["messages"]

    assert len(messages) == MAX_HISTORY_MESSAGES and messages[0] == "line 149"


def test_a_history_that_reaches_trimmed_lines_ends_with_a_note(device, pending_update, target_client):
    # Given a log filled by bare progress reports, its oldest lines trimmed, and one message after them
    _, update = pending_update
    client = target_client(device)
    bare = Report(LogChannel.DDI, "proceeding/none")
    update_log.append_many([(update, UpdateStatus.DOWNLOADING, bare)] * (MAX_LOG_LINES + 1))
    send(client, device, update, feedback_body("proceeding", details=["still here"]))

    # When the device asks for its whole history
    messages = history(client, device, update, -1)["messages"]

    # Then it gets its one message and the note saying how much was trimmed
    assert messages == ["still here", update_log.trimmed_note(2)]


def test_more_details_lines_than_the_log_holds_are_refused_naming_the_field(device, pending_update, target_client):
    _, update = pending_update

    response = send(target_client(device), device, update,
                    feedback_body("proceeding", details=["x"] * (MAX_LOG_LINES + 1)))

    assert response.status_code == 400 and "status.details" in response.json()["parameters"]


def test_feedback_after_the_timeout_is_recorded_not_refused(device, pending_update, target_client):
    # Given an action that timed out while downloading
    release, update = pending_update
    client = target_client(device)
    transitions.set_policy(release.rollout, download_timeout=timedelta(hours=1))
    send(client, device, update, feedback_body("download"))
    DeviceUpdate.objects.filter(pk=update.pk).update(status_changed_at=update.offered_at - timedelta(hours=2))
    timeouts.time_out_stalled_updates()

    # When the device closes it after all
    response = send(client, device, update, feedback_body("closed", "success", details=["done at last"]))

    # Then hawkBit's agent is answered 200 (not 410), the report is kept, and the update stays timed out
    assert response.status_code == 200
    update.refresh_from_db()
    assert update.status == UpdateStatus.TIMED_OUT
    assert update.log_entries.latest("position").messages == ["done at last"]
    assert DeviceEvent.objects.filter(device=device).latest("id").data["late"] == "closed/success"
    assert history(client, device, update, 1) == {"status": "ERROR", "messages": ["done at last"]}
