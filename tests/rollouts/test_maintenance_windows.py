"""Maintenance windows through the management API, the command, the admin, explain and the
check-in: inside a window devices install, outside it they download and wait (docs/rollouts.md); DDI:
tests/ddi/test_maintenance_window.py."""

from datetime import timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from rollouts.decision import explain
from rollouts.models import MaintenanceWindow, UpdateType
from rollouts.services import maintenance, transitions
from tests.factories import ProductFactory
from tests.rollouts.admin.test_policy_form import form_data
from tests.rollouts.test_commands import run

pytestmark = pytest.mark.django_db
CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}
PRODUCT_WINDOWS = "/api/v1/products/thermostat/maintenance-windows"


# --- management API ---------------------------------------------------------------------------

def test_a_window_is_added_and_listed_with_when_it_opens(api, product):
    created = api.post(PRODUCT_WINDOWS, {"schedule": "0 2 * * *", "duration": "03:00:00",
                                         "timeZone": "Europe/Berlin"}, format="json")

    assert created.status_code == 201, created.json()
    [listed] = api.get(PRODUCT_WINDOWS).json()
    assert listed == created.json()
    assert (listed["schedule"], listed["duration"], listed["timeZone"]) == ("0 2 * * *", "03:00:00", "Europe/Berlin")
    assert listed["nextOpening"] is not None and listed["openNow"] in (True, False)


def test_the_time_zone_defaults_to_utc(api, product):
    created = api.post(PRODUCT_WINDOWS, {"schedule": "0 2 * * *", "duration": "01:00:00"}, format="json")

    assert created.json()["timeZone"] == "UTC"


@pytest.mark.parametrize(("body", "field"), [
    ({"schedule": "0 2 * *", "duration": "01:00:00"}, "schedule"),
    ({"schedule": "99 2 * * *", "duration": "01:00:00"}, "schedule"),
    ({"schedule": "0 2 * * *", "duration": "00:00:10"}, "duration"),
    ({"schedule": "0 2 * * *", "duration": "8 00:00:00"}, "duration"),
    ({"schedule": "0 2 * * *", "duration": "soon"}, "duration"),
    ({"schedule": "0 2 * * *", "duration": "01:00:00", "timeZone": "Mars/Olympus"}, "timeZone"),
])
def test_a_bad_window_answers_400_naming_the_field(api, product, body, field):
    response = api.post(PRODUCT_WINDOWS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not MaintenanceWindow.objects.exists()


def test_a_window_is_removed(api, product, closed_window):
    assert api.delete(f"{PRODUCT_WINDOWS}/{closed_window.pk}").status_code == 204

    assert not MaintenanceWindow.objects.exists()


def test_another_products_window_answers_404(api, product):
    other = maintenance.add_window(ProductFactory(key="kettle"), "0 2 * * *", timedelta(hours=1), "UTC")

    assert api.delete(f"{PRODUCT_WINDOWS}/{other.pk}").status_code == 404
    assert MaintenanceWindow.objects.filter(pk=other.pk).exists()


def test_an_unknown_product_answers_404(api, product):
    assert api.get("/api/v1/products/nothing/maintenance-windows").status_code == 404


def test_a_rollout_gets_windows_of_its_own(api, offerable_release):
    release = offerable_release("2.0.0")

    created = api.post(f"/api/v1/rollouts/{release.pk}/maintenance-windows",
                       {"schedule": "30 22 * * 1-5", "duration": "02:00:00"}, format="json")

    assert created.status_code == 201, created.json()
    assert release.rollout.maintenance_windows.get().schedule == "30 22 * * 1-5"
    assert api.get(f"/api/v1/rollouts/{release.pk}/maintenance-windows").json()[0]["id"] == created.json()["id"]


# --- the command ------------------------------------------------------------------------------

def test_the_command_adds_lists_and_removes_windows(product):
    added = run("maintenance_windows", "thermostat", "--add", "0 2 * * *", "--duration", "3:00:00",
                "--time-zone", "Europe/Berlin")
    window = MaintenanceWindow.objects.get()

    assert f"product thermostat: window {window.pk}: 0 2 * * * for 3:00:00 (Europe/Berlin): " in added
    assert "open now until" in added or "next opens" in added
    assert "no maintenance windows" in run("maintenance_windows", "thermostat", "--remove", str(window.pk))


def test_the_command_names_the_bad_option(product):
    with pytest.raises(CommandError, match="--time-zone"):
        run("maintenance_windows", "thermostat", "--add", "0 2 * * *", "--time-zone", "Nowhere/Land")


def test_the_command_takes_a_release_for_its_rollout(offerable_release):
    release = offerable_release("2.0.0")

    output = run("maintenance_windows", "thermostat:default:2.0.0", "--add", "0 3 * * *")

    assert output.startswith("thermostat:default:2.0.0: window ")
    assert release.rollout.maintenance_windows.count() == 1


# --- the admin --------------------------------------------------------------------------------

def test_the_rollout_page_saves_windows_from_its_inline(admin_client, offerable_release):
    rollout = offerable_release("2.0.0").rollout
    data = form_data(rollout, strategy="general", windows=[("0 2 * * *", "03:00:00", "Europe/Berlin")])

    response = admin_client.post(f"/admin/rollouts/rollout/{rollout.pk}/change/", data)

    assert response.status_code == 302
    assert rollout.maintenance_windows.get().time_zone == "Europe/Berlin"


def test_the_rollout_page_shows_each_window_with_when_it_opens(admin_client, offerable_release):
    rollout = offerable_release("2.0.0").rollout
    maintenance.add_window(rollout, "0 2 * * *", timedelta(hours=3), "UTC")

    page = admin_client.get(f"/admin/rollouts/rollout/{rollout.pk}/change/").content.decode()

    assert "Maintenance windows" in page and ("next opens" in page or "open now until" in page)


def test_the_progress_page_shows_the_windows_in_force(admin_client, offerable_release, closed_window):
    rollout = offerable_release("2.0.0").rollout

    page = admin_client.get(f"/admin/rollouts/rollout/{rollout.pk}/progress/").content.decode()

    assert "(the product's)" in page and "next opens" in page


# --- explain ----------------------------------------------------------------------------------

def line(device, release):
    return next(result for result in explain(device, release).results if result.rule == "maintenance window")


def test_explain_says_outside_every_window_but_never_blocks(offerable_release, device, closed_window):
    release = offerable_release("2.0.0")

    result = line(device, release)

    assert result.passed is True and result.detail.startswith("outside every maintenance window")
    assert explain(device, release).offered is True


def test_explain_says_inside_a_window(offerable_release, device, open_window):
    assert line(device, offerable_release("2.0.0")).detail.startswith("inside a maintenance window")


def test_explain_says_when_there_is_no_window(offerable_release, device):
    assert line(device, offerable_release("2.0.0")).detail == "no maintenance window: installs any time"


# --- check-in ---------------------------------------------------------------------------------

def test_the_offer_outside_every_window_is_deferred_until_the_next(
        offerable_release, device, device_client, closed_window):
    offerable_release("2.0.0")

    offer = device_client(device).post(CHECK_IN, REPORT, format="json").json()

    assert offer["installation"] == "deferred"
    assert offer["installAfter"] > timezone.now().isoformat()
    assert offer["installBefore"] > offer["installAfter"]


def test_the_offer_inside_a_window_installs_now(offerable_release, device, device_client, open_window):
    offerable_release("2.0.0")

    offer = device_client(device).post(CHECK_IN, REPORT, format="json").json()

    assert offer["installation"] == "now"
    assert offer["installAfter"] < timezone.now().isoformat() < offer["installBefore"]


def test_a_timeforced_offer_carries_its_forced_time(offerable_release, device, device_client):
    release = offerable_release("2.0.0")
    forced_at = timezone.now() + timedelta(days=1)
    transitions.set_policy(release.rollout, update_type=UpdateType.TIMEFORCED, forced_at=forced_at)

    offer = device_client(device).post(CHECK_IN, REPORT, format="json").json()

    assert (offer["updateType"], offer["forcedTime"], offer["installation"]) == (
        "timeforced", forced_at.isoformat(), "now")
