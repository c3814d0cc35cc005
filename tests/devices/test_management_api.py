"""The device management API under /api/v1/devices (bearer token, model permissions)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import ApiToken, Scope
from devices import tokens
from devices.models import Device, DeviceEvent
from tests.factories import DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/devices"


def client_with(*codenames, scopes=()):
    user = UserFactory(username="operator")
    permissions = Permission.objects.filter(content_type__app_label="devices", codename__in=codenames)
    user.user_permissions.add(*permissions)
    _, plaintext = ApiToken.issue(user, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def uids(response):
    return [item["uid"] for item in response.json()["results"]]


# --- create ---------------------------------------------------------------

def test_creating_a_device_answers_201_with_its_token_once(api, product):
    response = api.post(URL, {"uid": "thermo-42", "product": "thermostat", "name": "Kitchen",
                              "attributes": {"region": "eu"}, "tags": ["beta"], "agentVersion": "1.4.0",
                              "installedVersions": {"default": "1.0.0"}}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["uid"] == "thermo-42" and body["product"] == "thermostat"
    assert body["attributes"] == {"region": "eu"} and body["installedVersions"] == {"default": "1.0.0"}
    assert tokens.authenticate(body["token"]).uid == "thermo-42"
    assert "token" not in api.get(f"{URL}/thermo-42").json()


def test_the_token_is_stored_only_as_a_hash(api, product):
    token = api.post(URL, {"uid": "thermo-42", "product": "thermostat"}, format="json").json()["token"]

    device = Device.objects.get(uid="thermo-42")
    assert token not in (device.token_prefix, device.token_digest)
    assert len(device.token_digest) == 64


def test_creating_records_a_registered_event_naming_the_user(api, product, admin_user):
    api.post(URL, {"uid": "thermo-42", "product": "thermostat"}, format="json")

    event = DeviceEvent.objects.get(device__uid="thermo-42")
    assert event.kind == DeviceEvent.Kind.REGISTERED and event.data == {"by": str(admin_user)}


def test_a_duplicate_uid_answers_409(api, device):
    response = api.post(URL, {"uid": device.uid, "product": "thermostat"}, format="json")

    assert response.status_code == 409
    assert "uid" in response.json()


@pytest.mark.parametrize(("field", "value"), [
    ("uid", "has space"),
    ("uid", "x" * 129),
    ("product", "unknown"),
    ("tags", ["bad tag"]),
    ("attributes", {"bad key!": 1}),
    ("agentVersion", "1.0 beta"),
    ("installedVersions", {"default": "not a version"}),
])
def test_invalid_fields_answer_400_naming_the_field_and_create_nothing(api, product, field, value):
    payload = {"uid": "thermo-42", "product": "thermostat", field: value}

    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Device.objects.filter(uid="thermo-42").exists()


# --- authentication and permissions ----------------------------------------

def test_no_token_answers_401(anonymous_api):
    assert anonymous_api.get(URL).status_code == 401


def test_a_device_token_is_not_a_management_token(device):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {device.token}")

    assert client.get(URL).status_code == 401


def test_reading_needs_the_view_permission(db):
    assert client_with().get(URL).status_code == 403
    assert client_with("view_device").get(URL).status_code == 200


def test_creating_needs_the_add_permission(product):
    response = client_with("view_device").post(URL, {"uid": "x1", "product": "thermostat"}, format="json")

    assert response.status_code == 403


def test_rotating_and_deactivating_need_the_change_permission(device):
    viewer = client_with("view_device", "add_device")

    assert viewer.post(f"{URL}/{device.uid}/rotate-token").status_code == 403
    assert viewer.post(f"{URL}/{device.uid}/deactivate").status_code == 403
    assert tokens.authenticate(device.token) == device


def test_a_token_limited_to_devices_read_may_read_but_not_write(device):
    client = client_with("view_device", "change_device", scopes=[Scope.DEVICES_READ])

    assert client.get(URL).status_code == 200
    assert client.post(f"{URL}/{device.uid}/deactivate").status_code == 403


# --- list and filters ------------------------------------------------------

def test_the_list_filters_by_product(api, product, other_product):
    DeviceFactory(uid="a", product=product)
    DeviceFactory(uid="b", product=other_product)

    assert uids(api.get(URL, {"product": "doorbell"})) == ["b"]


def test_the_list_filters_by_module_version(api, product):
    DeviceFactory(uid="old", product=product, installed_versions={"default": "1.0.0", "ui": "2.0.0"})
    DeviceFactory(uid="new", product=product, installed_versions={"default": "1.1.0"})

    assert uids(api.get(URL, {"module": "default", "version": "1.0.0"})) == ["old"]
    assert uids(api.get(URL, {"module": "ui", "version": "2.0.0"})) == ["old"]
    assert uids(api.get(URL, {"version": "1.1.0"})) == ["new"]
    assert uids(api.get(URL, {"module": "ui"})) == ["old"]


def test_the_list_filters_by_attributes_all_of_which_must_match(api, product):
    DeviceFactory(uid="eu-3", product=product, attributes={"region": "eu", "revision": 3})
    DeviceFactory(uid="eu-2", product=product, attributes={"region": "eu", "revision": "2"})
    DeviceFactory(uid="us-3", product=product, attributes={"region": "us", "revision": 3})

    assert uids(api.get(URL, {"attr": "region:eu"})) == ["eu-2", "eu-3"]
    assert uids(api.get(URL + "?attr=region:eu&attr=revision:3")) == ["eu-3"]
    assert uids(api.get(URL, {"attr": "revision:2"})) == ["eu-2"]


def test_a_malformed_attribute_filter_answers_400_naming_attr(api):
    response = api.get(URL, {"attr": "region"})

    assert response.status_code == 400
    assert "attr" in response.json()


def test_the_list_filters_by_last_seen_before_and_after(api, product):
    now = timezone.now()
    DeviceFactory(uid="recent", product=product, last_seen_at=now - timedelta(minutes=5))
    DeviceFactory(uid="stale", product=product, last_seen_at=now - timedelta(days=10))
    DeviceFactory(uid="never", product=product)
    cutoff = (now - timedelta(days=1)).isoformat()

    assert uids(api.get(URL, {"lastSeenAfter": cutoff})) == ["recent"]
    assert uids(api.get(URL, {"lastSeenBefore": cutoff})) == ["stale"]


def test_a_malformed_date_answers_400_naming_the_filter(api):
    response = api.get(URL, {"lastSeenBefore": "yesterday"})

    assert response.status_code == 400
    assert "lastSeenBefore" in response.json()


def test_the_list_filters_by_tag_and_activity(api, product):
    DeviceFactory(uid="beta", product=product, tags=["beta"])
    DeviceFactory(uid="off", product=product, is_active=False)

    assert uids(api.get(URL, {"tag": "beta"})) == ["beta"]
    assert uids(api.get(URL, {"isActive": "false"})) == ["off"]


def test_the_list_pages_with_a_cursor(api, product):
    for n in range(5):
        DeviceFactory(uid=f"d{n}", product=product)

    first = api.get(URL, {"limit": 2}).json()
    second = api.get(first["next"]).json()

    assert [d["uid"] for d in first["results"]] == ["d0", "d1"]
    assert [d["uid"] for d in second["results"]] == ["d2", "d3"]


# --- read, update, deactivate, rotate --------------------------------------

def test_reading_a_device_by_uid(api, product):
    DeviceFactory(uid="gw:01.a_b-c", product=product, agent_version="2.0.0")

    response = api.get(f"{URL}/gw:01.a_b-c")

    assert response.status_code == 200
    assert response.json()["agentVersion"] == "2.0.0"


def test_an_unknown_uid_answers_404(api):
    assert api.get(f"{URL}/nobody").status_code == 404


def test_updating_replaces_attributes_and_tags(api, device):
    response = api.patch(f"{URL}/{device.uid}", {"attributes": {"region": "us"}, "tags": ["a", "b", "a"]},
                         format="json")

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.attributes == {"region": "us"} and device.tags == ["a", "b"]
    assert device.events.filter(kind=DeviceEvent.Kind.UPDATED).exists()


def test_an_invalid_update_answers_400_and_changes_nothing(api, device):
    response = api.patch(f"{URL}/{device.uid}", {"name": "ok", "tags": ["no spaces allowed"]}, format="json")

    assert response.status_code == 400 and "tags" in response.json()
    device.refresh_from_db()
    assert device.name != "ok"


def test_fields_other_than_name_attributes_and_tags_are_not_changed(api, device):
    api.patch(f"{URL}/{device.uid}", {"uid": "renamed", "agentVersion": "9.9.9"}, format="json")

    device.refresh_from_db()
    assert device.uid == "dev-0001" and device.agent_version == "1.5.0"


def test_deactivating_stops_the_token_at_once(api, device):
    response = api.post(f"{URL}/{device.uid}/deactivate", {"reason": "stolen"}, format="json")

    assert response.status_code == 200 and response.json()["isActive"] is False
    assert tokens.authenticate(device.token) is None
    assert device.events.get(kind=DeviceEvent.Kind.DEACTIVATED).message == "Deactivated: stolen"


def test_activating_again_lets_the_token_work(api, device):
    api.post(f"{URL}/{device.uid}/deactivate")

    api.post(f"{URL}/{device.uid}/activate")

    assert tokens.authenticate(device.token) == device


def test_rotating_answers_a_new_token_and_the_old_one_stops(api, device):
    response = api.post(f"{URL}/{device.uid}/rotate-token")

    assert response.status_code == 200
    assert tokens.authenticate(device.token) is None
    assert tokens.authenticate(response.json()["token"]) == device


def test_the_schema_says_a_device_never_seen_has_no_last_seen(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    device = schema["components"]["schemas"]["Device"]["properties"]
    assert device["lastSeenAt"]["nullable"] and device["lastSeenAddress"]["nullable"]
