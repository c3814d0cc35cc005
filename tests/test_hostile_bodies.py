"""JSON bodies nested thousands of levels deep, or holding NUL, answer 400 in each API surface's own error shape."""

import pytest

from catalog.models import Release
from devices.models import Device
from rollouts.models import DeviceFilter, DeviceUpdate
from tests.catalog.api.conftest import PACKAGES_URL, VERSIONS_URL
from tests.ddi.conftest import base_url, ddi_client

pytestmark = pytest.mark.django_db

NESTED_5000 = '{"x": ' + "[" * 5000 + "]" * 5000 + "}"
KAA_SOFTWARE = "/otao/api/v1/applications/thermostat/software/9.0.0"


def drf_shape(body):
    return set(body) == {"detail"}


def kaa_shape(body):
    return set(body) == {"message"}


def iotda_shape(body):
    return set(body) == {"error_code", "error_msg"} and body["error_code"] == "IOTDA.000008"


def ddi_shape(body):
    return body["exceptionClass"].endswith("MessageNotReadableException") and "message" in body


@pytest.fixture
def update(device, offerable_release):
    return DeviceUpdate.objects.create(device=device, release=offerable_release("2.0.0"), phase=0,
                                       from_version="1.0.0")


@pytest.fixture
def surfaces(api, device, device_api, update):
    """Every JSON endpoint: (client, method, URL, the surface's error shape)."""
    ddi = ddi_client(device.token)
    return {
        "versions": (api, "post", VERSIONS_URL, drf_shape),
        "iotda packages": (api, "post", PACKAGES_URL, iotda_shape),
        "devices": (api, "post", "/api/v1/devices", drf_shape),
        "filters": (api, "post", "/api/v1/device-filters", drf_shape),
        "check-in": (device_api, "post", "/api/v1/device/check-in", drf_shape),
        "status": (device_api, "post", f"/api/v1/device/updates/{update.pk}/status", drf_shape),
        "kaa": (api, "post", KAA_SOFTWARE, kaa_shape),
        "ddi feedback": (ddi, "post", f"{base_url(device.uid)}/deploymentBase/{update.pk}/feedback", ddi_shape),
        "ddi configData": (ddi, "put", f"{base_url(device.uid)}/configData", ddi_shape),
        "windows": (api, "post", "/api/v1/products/thermostat/maintenance-windows", drf_shape),
        "rollout delivery": (api, "patch", f"/api/v1/rollouts/{update.release_id}", drf_shape),
        "auto-confirm": (api, "put", f"/api/v1/devices/{device.uid}/auto-confirm", drf_shape),
        "ddi confirmation": (ddi, "post", f"{base_url(device.uid)}/confirmationBase/{update.pk}/feedback", ddi_shape),
        "ddi activateAutoConfirm": (ddi, "post", f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm",
                                    ddi_shape),
    }


def send(surface, body: str):
    client, method, url, _ = surface
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.mark.parametrize("name", ["versions", "iotda packages", "devices", "filters", "check-in", "status", "kaa",
                                  "ddi feedback", "ddi configData", "windows", "rollout delivery", "auto-confirm",
                                  "ddi confirmation", "ddi activateAutoConfirm"])
def test_a_body_nested_5000_levels_deep_answers_400_in_the_surface_shape(surfaces, name):
    response = send(surfaces[name], NESTED_5000)

    assert response.status_code == 400, response.content
    assert surfaces[name][3](response.json()), response.json()
    assert "Nested deeper than" in response.content.decode()


def test_a_body_just_deeper_than_the_limit_answers_400_naming_where(surfaces, settings):
    settings.OTA_JSON_MAX_DEPTH = 4  # bodies: 4 + 8 levels
    body = '{"attributes": {"a": ' + "[" * 12 + "]" * 12 + "}}"

    response = send(surfaces["check-in"], body)

    assert response.status_code == 400
    assert response.json() == {"detail": "Nested deeper than 12 levels (OTA_JSON_MAX_DEPTH) at "
                                         "attributes.a[0][0][0][0][0][0][0][0][0][0]."}


def test_nul_in_device_attributes_answers_400_naming_the_attribute(api, product):
    body = '{"uid": "dev-9", "product": "thermostat", "attributes": {"region": "eu\\u0000"}}'

    response = api.post("/api/v1/devices", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "NUL characters (\\u0000) are not allowed at attributes.region."}
    assert not Device.objects.filter(uid="dev-9").exists()


def test_nul_in_a_check_in_attribute_name_answers_400(device_api, device):
    body = '{"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}, "attributes": {"hw\\u0000": "b"}}'

    response = device_api.post("/api/v1/device/check-in", body, content_type="application/json")

    assert response.status_code == 400
    assert 'attributes["hw\\u0000"]' in response.json()["detail"]


def test_nul_in_a_filter_value_answers_400_naming_the_condition(api):
    body = '{"name": "eu", "conditions": [{"field": "attributes.region", "op": "eq", "value": "eu\\u0000"}]}'

    response = api.post("/api/v1/device-filters", body, content_type="application/json")

    assert response.status_code == 400
    assert "conditions[0].value" in response.json()["detail"]
    assert not DeviceFilter.objects.exists()


def test_nul_in_a_kaa_body_answers_400_in_kaa_shape_naming_the_field(api, product):
    body = '{"rolloutStrategy": "general", "metadata": {"note\\u0000": 1}}'

    response = api.post(KAA_SOFTWARE, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"message": 'NUL characters (\\u0000) are not allowed at metadata["note\\u0000"].'}
    assert not Release.objects.exists()


@pytest.mark.parametrize(("name", "body", "where"), [
    ("windows", '{"schedule": "0 2 * * *", "duration": "1:00:00", "timeZone": "UTC\\u0000"}', "timeZone"),
    ("rollout delivery", '{"updateType": "soft\\u0000"}', "updateType"),
    ("auto-confirm", '{"active": true, "remark": "night\\u0000"}', "remark"),
    ("ddi confirmation", '{"confirmation": "denied", "details": ["no\\u0000"]}', "details[0]"),
    ("ddi activateAutoConfirm", '{"initiator": "ops\\u0000"}', "initiator"),
])
def test_nul_in_a_new_surfaces_field_answers_400_naming_it(surfaces, device, name, body, where):
    response = send(surfaces[name], body)

    assert response.status_code == 400, response.content
    assert surfaces[name][3](response.json()), response.json()
    assert f"are not allowed at {where}." in response.content.decode()
    assert Device.objects.get(pk=device.pk).auto_confirm_since is None
