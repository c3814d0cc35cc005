"""POST {base}/deploymentBase/{actionId}/feedback: DDI statuses mapped onto the update state machine."""

import pytest

from devices.models import DeviceEvent
from rollouts.models import UpdateStatus
from rollouts.services.feedback import report_status
from rollouts.services.progress import progress_of
from tests.factories import DeviceFactory

from .conftest import action_url, base_url, feedback_body

pytestmark = pytest.mark.django_db


def send(client, device, update, body):
    return client.post(action_url(device, update) + "/feedback", body, format="json")


def status_after(client, device, update, *bodies):
    for body in bodies:
        response = send(client, device, update, body)
        assert response.status_code == 200, response.content
    update.refresh_from_db()
    return update.status


@pytest.mark.parametrize("bodies, expected", [
    ([feedback_body("download")], UpdateStatus.DOWNLOADING),
    ([feedback_body("download"), feedback_body("downloaded")], UpdateStatus.DOWNLOADED),
    ([feedback_body("downloaded")], UpdateStatus.DOWNLOADED),
    ([feedback_body("proceeding")], UpdateStatus.DOWNLOADING),
    ([feedback_body("downloaded"), feedback_body("proceeding")], UpdateStatus.INSTALLING),
    ([feedback_body("downloaded"), feedback_body("resumed")], UpdateStatus.INSTALLING),
    ([feedback_body("scheduled")], UpdateStatus.OFFERED),
    ([feedback_body("closed", "success")], UpdateStatus.INSTALLED),
    ([feedback_body("proceeding"), feedback_body("closed", "none")], UpdateStatus.INSTALLED),
    ([feedback_body("proceeding"), feedback_body("closed", "failure")], UpdateStatus.FAILED),
    ([feedback_body("rejected")], UpdateStatus.REJECTED),
    ([feedback_body("canceled")], UpdateStatus.REJECTED),
])
def test_ddi_statuses_map_onto_update_statuses(device, pending_update, target_client, bodies, expected):
    _, update = pending_update

    assert status_after(target_client(device), device, update, *bodies) == expected


def test_success_records_the_installed_version_and_counts_for_the_rollout(device, pending_update, target_client):
    release, update = pending_update

    status_after(target_client(device), device, update, feedback_body("proceeding", progress={"cnt": 1, "of": 3}),
                 feedback_body("closed", "success", details=["rebooted into 2.0.0"]))

    device.refresh_from_db()
    assert device.installed_versions["default"] == "2.0.0"
    assert progress_of(release.pk).overall.successes == 1


def test_a_status_code_past_32_bits_answers_400_naming_it_as_hawkbit_does(device, pending_update, target_client):
    release, update = pending_update
    body = feedback_body("closed", "failure", details=["signature mismatch"])
    body["status"]["code"] = -2**31 - 1

    response = send(target_client(device), device, update, body)

    assert response.status_code == 400
    assert response.json()["parameters"] == ["status.code"]


def test_failure_keeps_the_devices_details_as_the_reason(device, pending_update, target_client):
    release, update = pending_update
    body = feedback_body("closed", "failure", details=["signature mismatch"])
    body["status"]["code"] = 17

    status_after(target_client(device), device, update, body)

    update.refresh_from_db()
    assert update.reason == "signature mismatch; Device reported status code: 17"
    assert progress_of(release.pk).overall.failures == 1


def test_a_repeated_closing_report_is_accepted_and_changes_nothing(device, pending_update, target_client):
    release, update = pending_update
    client = target_client(device)
    closing = feedback_body("closed", "success", details=["rebooted into 2.0.0"])
    status_after(client, device, update, closing)
    events = DeviceEvent.objects.filter(device=device).count()

    status = status_after(client, device, update, closing)

    assert status == UpdateStatus.INSTALLED
    assert DeviceEvent.objects.filter(device=device).count() == events
    assert progress_of(release.pk).overall.successes == 1


def test_a_different_report_on_a_closed_action_answers_410(device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)
    status_after(client, device, update, feedback_body("closed", "success"))

    response = send(client, device, update, feedback_body("proceeding"))

    assert response.status_code == 410
    assert set(response.json()) == {"exceptionClass", "errorCode", "message", "parameters"}


def test_rejecting_an_update_being_installed_answers_409(device, pending_update, target_client):
    _, update = pending_update
    report_status(update, UpdateStatus.DOWNLOADING)
    report_status(update, UpdateStatus.INSTALLING)

    response = send(target_client(device), device, update, feedback_body("rejected"))

    assert response.status_code == 409
    update.refresh_from_db()
    assert update.status == UpdateStatus.INSTALLING


def test_a_late_intermediate_report_is_kept_but_changes_nothing(device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)

    status = status_after(client, device, update, feedback_body("downloaded"),
                          feedback_body("download", details=["retrying a chunk"]))

    assert status == UpdateStatus.DOWNLOADED
    assert DeviceEvent.objects.filter(device=device, message__contains="retrying a chunk").exists()


def test_bare_progress_reports_do_not_flood_the_event_log(device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)
    status_after(client, device, update, feedback_body("proceeding"))
    events = DeviceEvent.objects.filter(device=device).count()

    status_after(client, device, update, *[feedback_body("proceeding", details=["writing"], progress={"cnt": n, "of": 10})
                                           for n in range(1, 6)])

    assert DeviceEvent.objects.filter(device=device).count() == events


@pytest.mark.parametrize("body, field", [
    ({}, "status"),
    ({"status": {"result": {"finished": "success"}}}, "status.execution"),
    ({"status": {"execution": "done", "result": {"finished": "success"}}}, "status.execution"),
    ({"status": {"execution": "CLOSED", "result": {"finished": "success"}}}, "status.execution"),
    ({"status": {"execution": "closed"}}, "status.result"),
    ({"status": {"execution": "closed", "result": {}}}, "status.result.finished"),
    ({"status": {"execution": "closed", "result": {"finished": "maybe"}}}, "status.result.finished"),
    ({"status": {"execution": "closed", "result": {"finished": "none", "progress": "half"}}},
     "status.result.progress"),
    ({"status": {"execution": "closed", "result": {"finished": "none", "progress": {"cnt": "x"}}}},
     "status.result.progress.cnt"),
    ({"status": {"execution": "closed", "result": {"finished": "none"}, "details": "text"}}, "status.details"),
    ({"status": {"execution": "closed", "result": {"finished": "none"}, "code": "E1"}}, "status.code"),
])
def test_a_bad_body_answers_400_in_hawkbits_shape_naming_the_field(device, pending_update, target_client, body,
                                                                    field):
    _, update = pending_update

    response = send(target_client(device), device, update, body)

    assert response.status_code == 400
    info = response.json()
    assert info["exceptionClass"] == "org.eclipse.hawkbit.rest.exception.MessageNotReadableException"
    assert info["errorCode"] == "hawkbit.server.error.rest.body.notReadable"
    assert field in info["parameters"]
    update.refresh_from_db()
    assert update.status == UpdateStatus.OFFERED


def test_malformed_json_answers_400_not_readable(device, pending_update, target_client):
    _, update = pending_update

    response = target_client(device).post(action_url(device, update) + "/feedback", "{not json",
                                           content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errorCode"] == "hawkbit.server.error.rest.body.notReadable"


def test_a_body_that_is_not_json_answers_415(device, pending_update, target_client):
    _, update = pending_update

    response = target_client(device).post(action_url(device, update) + "/feedback", "closed",
                                           content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["exceptionClass"].endswith("HttpMediaTypeNotSupportedException")


def test_a_device_cannot_report_on_another_devices_action(device, pending_update, product, target_client):
    _, update = pending_update
    neighbour = DeviceFactory(product=product, uid="dev-0002")

    response = target_client(neighbour).post(f"{base_url(neighbour.uid)}/deploymentBase/{update.pk}/feedback",
                                             feedback_body("closed", "failure"), format="json")

    assert response.status_code == 404
    update.refresh_from_db()
    assert update.status == UpdateStatus.OFFERED
