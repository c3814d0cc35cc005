"""PUT {base}/configData: merge, replace and remove the device's attributes."""

import pytest

from rollouts.models import UpdateStatus
from rollouts.services.feedback import report_status

from .conftest import base_url

pytestmark = pytest.mark.django_db


def put(client, device, body):
    return client.put(f"{base_url(device.uid)}/configData", body, format="json")


@pytest.fixture
def configured(device):
    device.attributes = {"hwRevision": "1", "region": "eu"}
    device.save()
    return device


def test_merge_is_the_default_mode(configured, target_client):
    response = put(target_client(configured), configured, {"data": {"hwRevision": "2", "VIN": "JH4TB2H26CC000000"}})

    assert response.status_code == 200
    configured.refresh_from_db()
    assert configured.attributes == {"hwRevision": "2", "region": "eu", "VIN": "JH4TB2H26CC000000"}


def test_replace_keeps_only_the_given_attributes(configured, target_client):
    put(target_client(configured), configured, {"mode": "replace", "data": {"serial": "42"}})

    configured.refresh_from_db()
    assert configured.attributes == {"serial": "42"}


def test_remove_drops_the_given_keys(configured, target_client):
    put(target_client(configured), configured, {"mode": "remove", "data": {"region": "", "unknown": ""}})

    configured.refresh_from_db()
    assert configured.attributes == {"hwRevision": "1"}


def test_numbers_and_booleans_are_kept_as_their_text(configured, target_client):
    put(target_client(configured), configured, {"data": {"cores": 2, "secure": True}})

    configured.refresh_from_db()
    assert configured.attributes["cores"] == "2" and configured.attributes["secure"] == "true"


def test_the_fields_agents_send_beside_data_are_ignored(configured, target_client):
    body = {"id": "", "time": "20240101T120000", "data": {"hwRevision": "3"},
            "status": {"execution": "closed", "result": {"finished": "success"}, "details": []}}

    response = put(target_client(configured), configured, body)

    assert response.status_code == 200


def test_installed_version_keys_record_the_modules_installed_versions(device, target_client):
    put(target_client(device), device, {"data": {"installed_version": "1.4.0", "installed_version.modem": "7.1"}})

    device.refresh_from_db()
    assert device.installed_versions == {"default": "1.4.0", "modem": "7.1"}
    assert device.attributes["installed_version"] == "1.4.0"


def test_the_agent_version_key_records_the_devices_agent_version(device, target_client):
    put(target_client(device), device, {"data": {"agent_version": "2.4.1"}})

    device.refresh_from_db()
    assert device.agent_version == "2.4.1"


def test_an_agent_version_too_long_for_the_device_answers_400_naming_it(configured, target_client):
    response = put(target_client(configured), configured, {"data": {"agent_version": "1." * 40}})

    assert response.status_code == 400
    assert response.json()["parameters"] == ["agent_version"]


def test_sending_attributes_ends_the_request_for_them(device, pending_update, target_client):
    _, update = pending_update
    report_status(update, UpdateStatus.DOWNLOADING)
    report_status(update, UpdateStatus.INSTALLED)
    client = target_client(device)
    assert "configData" in client.get(base_url(device.uid)).json()["_links"]

    put(client, device, {"data": {"hwRevision": "2"}})

    assert "configData" not in client.get(base_url(device.uid)).json()["_links"]


@pytest.mark.parametrize("body, field", [
    ({}, "data"),
    ({"data": {}}, "data"),
    ({"data": "hw=2"}, "data"),
    ({"data": {"hw": {"rev": 2}}}, "data.hw"),
    ({"data": {"hw": None}}, "data.hw"),
    ({"data": {"hw": "2"}, "mode": "append"}, "mode"),
])
def test_a_bad_body_answers_400_naming_the_field(configured, target_client, body, field):
    response = put(target_client(configured), configured, body)

    assert response.status_code == 400
    assert response.json()["errorCode"] == "hawkbit.server.error.rest.body.notReadable"
    assert field in response.json()["parameters"]


def test_attributes_the_device_rules_refuse_answer_400_and_change_nothing(configured, target_client):
    response = put(target_client(configured), configured, {"data": {"bad key!": "x"}})

    assert response.status_code == 400
    assert response.json()["errorCode"] == "hawkbit.server.error.repo.invalidTargetAttributes"
    configured.refresh_from_db()
    assert configured.attributes == {"hwRevision": "1", "region": "eu"}


def test_an_invalid_installed_version_answers_400_naming_the_key(configured, target_client):
    response = put(target_client(configured), configured, {"data": {"installed_version": "1.0 beta"}})

    assert response.status_code == 400
    assert response.json()["parameters"] == ["installed_version"]
    configured.refresh_from_db()
    assert "installed_version" not in configured.attributes


def test_a_device_cannot_write_another_devices_attributes(configured, other_device, target_client):
    response = put(target_client(configured), other_device, {"data": {"hw": "hacked"}})

    assert response.status_code == 401
    other_device.refresh_from_db()
    assert other_device.attributes == {"hw": "1"}
