import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devices.models import Device, DeviceEvent
from rollouts.models import DeviceUpdate, RolloutState, Strategy, UpdateStatus
from rollouts.services import transitions
from devices.tokens import issue_token
from tests.factories import DeviceFactory, ProductFactory
from tests.rollouts.fleet import bulk_devices, bulk_releases

pytestmark = pytest.mark.django_db

CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}


def test_a_device_with_nothing_to_do_gets_204(device_api):
    response = device_api.post(CHECK_IN, REPORT, format="json")

    assert response.status_code == 204 and not response.content


def test_an_offer_carries_everything_the_device_needs(device_api, offerable_release):
    release = offerable_release("2.0.0", custom_info="reboot at night", specification={"mode": "eco"})

    response = device_api.post(CHECK_IN, REPORT, format="json")

    assert response.status_code == 200
    body = response.json()
    update = DeviceUpdate.objects.get()
    assert body == {
        "updateId": update.pk, "status": "offered", "version": "2.0.0", "module": "default",
        "fileUrl": "http://testserver" + reverse("ota-file-download", kwargs={"pk": release.artifact.pk}),
        "fileName": "firmware.bin", "fileSize": 1024, "sha256Checksum": "ab" * 32,
        "tufTarget": "default/2.0.0/firmware.bin",
        "customInfo": "reboot at night", "specification": {"mode": "eco"}, "updateType": "forced", "forcedTime": None,
            "installation": "now", "installAfter": None, "installBefore": None, "attempt": 1,
        "statusUrl": f"http://testserver/api/v1/device/updates/{update.pk}/status",
    }


def test_a_file_less_release_is_offered_with_a_null_file_url(device_api, offerable_release):
    offerable_release("2.0.0", artifact=False, specification={"config": 1})

    body = device_api.post(CHECK_IN, REPORT, format="json").json()

    assert body["fileUrl"] is None and body["fileSize"] is None and body["tufTarget"] is None
    assert body["specification"] == {"config": 1}


def test_the_offer_is_made_once_and_repeated_with_the_same_update(device_api, offerable_release):
    offerable_release("2.0.0")

    first = device_api.post(CHECK_IN, REPORT, format="json").json()
    second = device_api.post(CHECK_IN, REPORT, format="json").json()

    assert first["updateId"] == second["updateId"] and DeviceUpdate.objects.count() == 1


def test_the_report_updates_the_device_only_when_it_changed(device_api, device):
    device_api.post(CHECK_IN, {**REPORT, "attributes": {"hw": "rev-b"}}, format="json")
    device_api.post(CHECK_IN, {**REPORT, "attributes": {"hw": "rev-b"}}, format="json")

    device.refresh_from_db()
    assert device.attributes == {"hw": "rev-b"}
    assert device.events.filter(kind=DeviceEvent.Kind.VERSIONS_REPORTED).count() == 1


def test_reported_versions_drive_the_decision(device_api, offerable_release):
    offerable_release("2.0.0", allowed_source_versions=["1.5.0"])

    assert device_api.post(CHECK_IN, REPORT, format="json").status_code == 204
    assert device_api.post(CHECK_IN, {"agentVersion": "1.5.0", "modules": {"default": "1.5.0"}},
                           format="json").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"modules": {"default": "1.0"}}, "agentVersion"),
    ({"agentVersion": "1.0"}, "modules"),
    ({"agentVersion": "1 0", "modules": {}}, "agentVersion"),
    ({"agentVersion": "1.0", "modules": ["default"]}, "modules"),
    ({"agentVersion": "1.0", "modules": {"bad name!": "1.0"}}, "modules"),
    ({"agentVersion": "1.0", "modules": {"default": "x y"}}, "modules"),
    ({"agentVersion": "1.0", "modules": {}, "attributes": "eu"}, "attributes"),
])
def test_bad_reports_are_refused_naming_the_field_and_change_nothing(device_api, device, body, field):
    response = device_api.post(CHECK_IN, body, format="json")

    assert response.status_code == 400 and field in response.json()
    assert Device.objects.get(pk=device.pk).installed_versions == {"default": "1.0.0"}


def test_a_check_in_without_a_token_is_refused(anonymous_api):
    assert anonymous_api.post(CHECK_IN, REPORT, format="json").status_code == 401


def test_a_bearer_token_is_not_a_device(api):
    assert api.post(CHECK_IN, REPORT, format="json").status_code in (401, 403)


# --- feedback ---------------------------------------------------------------------------------

@pytest.fixture
def status_url(device_api, offerable_release):
    offerable_release("2.0.0")
    return device_api.post(CHECK_IN, REPORT, format="json").json()["statusUrl"]


def test_the_device_reports_progress_at_the_status_url(device_api, status_url, device):
    assert device_api.post(status_url, {"status": "downloading"}, format="json").status_code == 200
    response = device_api.post(status_url, {"status": "installed"}, format="json")

    assert response.json()["status"] == "installed"
    device.refresh_from_db()
    assert device.installed_versions["default"] == "2.0.0"
    assert device_api.get(status_url).json()["status"] == "installed"


def test_an_invalid_transition_answers_409_in_json(device_api, status_url):
    response = device_api.post(status_url, {"status": "installed"}, format="json")

    assert response.status_code == 409
    assert response.json()["status"] == "offered" and "downloading first" in response.json()["detail"]


def test_a_repeated_report_is_idempotent(device_api, status_url):
    device_api.post(status_url, {"status": "downloading"}, format="json")

    assert device_api.post(status_url, {"status": "downloading"}, format="json").status_code == 200


@pytest.mark.parametrize("body, field", [({"status": "failed"}, "reason"), ({"status": "exploded"}, "status"),
                                         ({}, "status")])
def test_bad_reports_name_the_field(device_api, status_url, body, field):
    response = device_api.post(status_url, body, format="json")

    assert response.status_code == 400 and field in response.json()


def test_another_devices_update_answers_404(device_client, status_url, product):
    stranger = DeviceFactory(product=product, uid="stranger")

    response = device_client(stranger).post(status_url, {"status": "downloading"}, format="json")

    assert response.status_code == 404 and "detail" in response.json()
    assert DeviceUpdate.objects.get().status == UpdateStatus.OFFERED


def test_failures_reported_by_devices_pause_the_rollout(device_client, offerable_release, product):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL,
                      phases=[transitions.PhaseSpec(100, failure_threshold=10)])
    clients = [device_client(DeviceFactory(product=product, uid=f"unit-{n}")) for n in range(3)]
    urls = [client.post(CHECK_IN, REPORT, format="json").json()["statusUrl"] for client in clients]

    for client, url in zip(clients, urls):
        client.post(url, {"status": "downloading"}, format="json")
        client.post(url, {"status": "failed", "reason": "signature rejected"}, format="json")

    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.PAUSED and "signature rejected" in release.rollout.state_reason


# --- cost -------------------------------------------------------------------------------------

def _measure(device_client, product, releases, devices):
    bulk_releases(product, releases, started=min(releases, 100), prefix=f"{product.key}.")
    bulk_devices(product, devices, prefix=product.key)
    device = Device.objects.select_related("product").get(uid=f"{product.key}-000001")  # site=lab: targeted
    client = device_client(type("Token", (), {"token": issue_token(device)}))
    body = {"agentVersion": "1.0.0", "modules": {"default": f"{product.key}.0"}}
    costs = []
    for _ in range(4):  # the first offer (writes the update), a repeat that reads it, two idle repeats
        with CaptureQueriesContext(connection) as queries:
            response = client.post(CHECK_IN, body, format="json")
        assert response.status_code == 200
        costs.append(len(queries))
    return costs


def test_a_check_in_costs_the_same_queries_whatever_the_fleet(device_client):
    """10 releases and 10 devices against 1,000 releases (100 targeted, phased rollouts) and 5,000 devices."""
    small = _measure(device_client, ProductFactory(key="small"), 10, 10)
    large = _measure(device_client, ProductFactory(key="large"), 1000, 5000)

    assert small == large
    # A repeat after a change reads the device alone: its updates come with it (rollouts.prefetch);
    # once answered, an idle repeat is answered from its session (devices.session).
    assert large[1] == 1
    assert large[2] == large[3] == 0


def test_an_idle_check_in_makes_one_redis_round_trip(device_api, offerable_release, redis_round_trips):
    """The rate limit, the address's bad tokens, the session, its stamps and the policy generation come together."""
    offerable_release("2.0.0")
    device_api.post(CHECK_IN, REPORT, format="json")  # the first offer builds the policy snapshot
    device_api.post(CHECK_IN, REPORT, format="json")  # the answer is remembered
    redis_round_trips.start()

    response = device_api.post(CHECK_IN, REPORT, format="json")

    assert response.status_code == 200
    assert redis_round_trips.count() == 1


def test_check_ins_count_against_the_device_rate_limit(device_api, settings):
    settings.OTA_DEVICE_RATE_LIMIT = 2
    statuses = [device_api.post(CHECK_IN, REPORT, format="json").status_code for _ in range(3)]

    assert statuses == [204, 204, 429]
