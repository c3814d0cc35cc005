"""A device's auto-confirm through the management API, the command and the admin: one consent service."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from catalog.models import ApiToken, Scope
from devices.models import Device
from rollouts.models import DeviceUpdate, Strategy, UpdateStatus
from rollouts.services import consent, transitions

pytestmark = pytest.mark.django_db


def url(device):
    return f"/api/v1/devices/{device.uid}/auto-confirm"


@pytest.fixture
def awaiting(device, offerable_release):
    """The device's update of 2.0.0, offered by a rollout asking for consent, awaits its confirmation."""
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL)
    transitions.set_policy(release.rollout, requires_confirmation=True)
    return DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.AWAITING_CONFIRMATION)


def scoped_client(user, scopes):
    _, plaintext = ApiToken.issue(user, name="scoped", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


# --- management API ---------------------------------------------------------------------------------

def test_the_api_shows_auto_confirm_off(api, device):
    response = api.get(url(device))

    assert response.json() == {"active": False, "initiator": "", "remark": "", "activatedAt": None}


def test_turning_it_on_through_the_api_confirms_the_waiting_update(api, device, awaiting, admin_user):
    response = api.put(url(device), {"active": True, "remark": "field trial"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["initiator"], body["remark"]) == (True, admin_user.username, "field trial")
    assert body["activatedAt"] is not None
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.CONFIRMED


def test_turning_it_on_twice_through_the_api_answers_409(api, device):
    api.put(url(device), {"active": True}, format="json")

    response = api.put(url(device), {"active": True}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": f"Auto confirmation is already active for device {device.uid}."}


def test_turning_it_off_through_the_api(api, device):
    consent.activate_auto_confirm(device, "alice")

    response = api.put(url(device), {"active": False}, format="json")

    assert response.json()["active"] is False
    assert Device.objects.get(pk=device.pk).auto_confirm_since is None


@pytest.mark.parametrize("body, field", [
    ({}, "active"),
    ({"active": "perhaps"}, "active"),
    ({"active": True, "initiator": "x" * 129}, "initiator"),
    ({"active": True, "remark": "x" * 513}, "remark"),
])
def test_a_bad_body_answers_400_naming_the_field(api, device, body, field):
    response = api.put(url(device), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Device.objects.get(pk=device.pk).auto_confirm_since is None


def test_an_unknown_device_answers_404(api):
    assert api.get("/api/v1/devices/nobody/auto-confirm").status_code == 404


def test_reading_needs_the_devices_read_scope_and_changing_the_write_scope(admin_user, device):
    reader = scoped_client(admin_user, [Scope.DEVICES_READ])

    assert reader.get(url(device)).status_code == 200
    assert reader.put(url(device), {"active": True}, format="json").status_code == 403
    writer = scoped_client(admin_user, [Scope.DEVICES_WRITE])
    assert writer.put(url(device), {"active": True}, format="json").status_code == 200


# --- command -------------------------------------------------------------------------------------------

def run(*args) -> str:
    out = StringIO()
    call_command("device_auto_confirm", *args, stdout=out)
    return out.getvalue()


def test_the_command_turns_it_on_confirming_the_waiting_update(device, awaiting):
    output = run(device.uid, "--on", "--initiator", "ops", "--remark", "night shift")

    assert f"1 update(s) awaiting confirmation confirmed: {awaiting.pk}." in output
    device.refresh_from_db()
    assert (device.auto_confirm_initiator, device.auto_confirm_remark) == ("ops", "night shift")


def test_the_command_shows_and_turns_it_off(device):
    consent.activate_auto_confirm(device, "ops")

    assert "is on since" in run(device.uid)
    assert run(device.uid, "--off") == f"Auto-confirm of {device.uid} is off.\n"
    assert "is off" in run(device.uid)


@pytest.mark.parametrize("args, message", [
    (("nobody", "--on"), "No device nobody"),
    (("dev-0001", "--off", "--remark", "why"), "go with --on"),
    (("dev-0001", "--on", "--remark", "x" * 513), "at most"),
])
def test_the_command_refuses_bad_input(device, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_command_refuses_turning_it_on_twice(device):
    consent.activate_auto_confirm(device)

    with pytest.raises(CommandError, match="already active"):
        run(device.uid, "--on")


# --- admin ---------------------------------------------------------------------------------------------

def change_url(device, action=""):
    return f"/admin/devices/device/{device.pk}/{action or 'change'}/"


def test_the_device_page_shows_auto_confirm_and_the_button_to_turn_it_on(admin_client, device):
    page = admin_client.get(change_url(device)).content.decode()

    assert 'data-auto-confirm="off"' in page
    assert change_url(device, "turn-auto-confirm-on") in page
    assert change_url(device, "turn-auto-confirm-off") not in page


def test_the_admin_button_turns_it_on_confirming_the_waiting_update_and_logs_it(admin_client, admin_user, device,
                                                                               awaiting):
    response = admin_client.post(change_url(device, "turn-auto-confirm-on"))

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.auto_confirm_initiator == admin_user.username
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.CONFIRMED
    page = admin_client.get(change_url(device)).content.decode()
    assert 'data-auto-confirm="on"' in page and change_url(device, "turn-auto-confirm-off") in page


def test_the_admin_button_turns_it_off(admin_client, device):
    consent.activate_auto_confirm(device, "ops")

    admin_client.post(change_url(device, "turn-auto-confirm-off"))

    assert Device.objects.get(pk=device.pk).auto_confirm_since is None


def test_the_admin_buttons_need_a_post(admin_client, device):
    assert admin_client.get(change_url(device, "turn-auto-confirm-on")).status_code == 405
