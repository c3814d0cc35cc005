"""GET {base}/deploymentBase/{actionId} and {base}/installedBase/{actionId}."""

import pytest

from catalog.choices import PackageType
from rollouts.models import UpdateStatus
from rollouts.services import transitions
from rollouts.services.feedback import report_status
from tests.factories import DeviceFactory

from .conftest import action_url, base_url, feedback_body

pytestmark = pytest.mark.django_db


def test_the_deployment_names_the_action_its_handling_and_one_chunk_with_the_verified_file(
        device, pending_update, target_client):
    release, update = pending_update
    artifact = release.artifact

    response = target_client(device).get(action_url(device, update), {"c": "-12345"})

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(update.pk)
    assert body["deployment"]["download"] == body["deployment"]["update"] == "forced"
    assert "maintenanceWindow" not in body["deployment"]
    [chunk] = body["deployment"]["chunks"]
    assert (chunk["part"], chunk["version"], chunk["name"]) == ("os", "2.0.0", "default")
    [file] = chunk["artifacts"]
    download = f"http://testserver{base_url(device.uid)}/softwaremodules/{artifact.pk}/artifacts/firmware.bin"
    assert file == {
        "filename": "firmware.bin",
        "hashes": {"sha1": artifact.sha1, "md5": artifact.md5, "sha256": artifact.sha256},
        "size": 1024,
        "_links": {"download": {"href": download}, "download-http": {"href": download},
                   "md5sum": {"href": download + ".MD5SUM"}, "md5sum-http": {"href": download + ".MD5SUM"}},
    }
    assert "actionHistory" not in body


def test_an_attempt_rollout_asks_to_attempt_download_and_update(device, pending_update, target_client):
    release, update = pending_update
    transitions.set_policy(release.rollout, update_type="soft")

    body = target_client(device).get(action_url(device, update)).json()

    assert body["deployment"]["download"] == body["deployment"]["update"] == "attempt"


def test_a_software_package_is_a_bapp_chunk_with_the_releases_custom_info_as_metadata(
        device, offerable_release, target_client):
    offerable_release("2.0.0", package_type=PackageType.SOFTWARE, custom_info="reboot twice",
                      specification={"minBattery": 30})
    href = target_client(device).get(base_url(device.uid)).json()["_links"]["deploymentBase"]["href"]

    chunk = target_client(device).get(href).json()["deployment"]["chunks"][0]

    assert chunk["part"] == "bApp"
    assert chunk["metadata"] == [{"key": "customInfo", "value": "reboot twice"},
                                 {"key": "tufTarget", "value": "default/2.0.0/firmware.bin"},
                                 {"key": "minBattery", "value": "30"}]


def test_the_action_history_lists_the_devices_reports_newest_first(device, pending_update, target_client):
    _, update = pending_update
    client = target_client(device)
    client.post(action_url(device, update) + "/feedback", feedback_body("download", details=["fetching"]),
                format="json")
    client.post(action_url(device, update) + "/feedback", feedback_body("downloaded", details=["fetched"]),
                format="json")

    body = client.get(action_url(device, update), {"actionHistory": "5"}).json()

    assert body["actionHistory"] == {"status": "DOWNLOADED", "messages": ["fetched", "fetching"]}


def test_another_devices_action_is_not_found(device, pending_update, product, target_client):
    _, update = pending_update
    neighbour = DeviceFactory(product=product, uid="dev-0002")

    response = target_client(neighbour).get(f"{base_url(neighbour.uid)}/deploymentBase/{update.pk}")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "hawkbit.server.error.repo.entityNotFound"


def test_an_unknown_action_is_not_found(device, target_client):
    response = target_client(device).get(f"{base_url(device.uid)}/deploymentBase/999999")

    assert response.status_code == 404


@pytest.mark.parametrize("path, query, field", [
    ("deploymentBase/abc", {}, "actionId"),
    ("deploymentBase/{id}", {"c": "x"}, "c"),
    ("deploymentBase/{id}", {"actionHistory": "many"}, "actionHistory"),
])
def test_a_parameter_that_is_not_a_number_answers_400_naming_it(device, pending_update, target_client, path,
                                                                 query, field):
    _, update = pending_update

    response = target_client(device).get(f"{base_url(device.uid)}/{path.format(id=update.pk)}", query)

    assert response.status_code == 400
    assert response.json()["parameters"] == [field]


def test_a_canceled_action_has_no_deployment(device, pending_update, target_client):
    release, update = pending_update
    transitions.abort(release.rollout, "bad build")

    response = target_client(device).get(action_url(device, update))

    assert response.status_code == 404


def test_an_installed_action_is_the_installed_base(device, pending_update, target_client):
    _, update = pending_update
    report_status(update, UpdateStatus.DOWNLOADING)
    report_status(update, UpdateStatus.INSTALLED)

    response = target_client(device).get(action_url(device, update, "installedBase"))

    assert response.status_code == 200
    assert response.json()["id"] == str(update.pk)
    assert response.json()["deployment"]["chunks"][0]["version"] == "2.0.0"


def test_an_active_action_is_not_an_installed_base(device, pending_update, target_client):
    _, update = pending_update

    response = target_client(device).get(action_url(device, update, "installedBase"))

    assert response.status_code == 404


def test_a_release_offered_without_a_file_has_a_chunk_without_artifacts(device, offerable_release, target_client):
    offerable_release("2.0.0", artifact=False)
    href = target_client(device).get(base_url(device.uid)).json()["_links"]["deploymentBase"]["href"]

    chunk = target_client(device).get(href).json()["deployment"]["chunks"][0]

    assert chunk["version"] == "2.0.0" and chunk["artifacts"] == []
