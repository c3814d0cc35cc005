"""The root poll costs one query whatever the fleet (idle, with an update pending, or resuming one), and none
once its answer is remembered and nothing it depends on changed (devices.session)."""

import pytest

from devices.models import Device
from rollouts import policy
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.services import transitions
from rollouts.services.feedback import report_status
from tests.factories import DeviceFactory

from .conftest import base_url

pytestmark = pytest.mark.django_db


def grow_fleet(product, release, size: int) -> None:
    """``size`` more devices of the product, each with an update of the release in some state."""
    devices = Device.objects.bulk_create(
        Device(uid=f"fleet-{index:06d}", product=product, installed_versions={"default": "1.0.0"},
               attributes={"hw": "1"}) for index in range(size))
    statuses = [UpdateStatus.OFFERED, UpdateStatus.DOWNLOADING, UpdateStatus.INSTALLED, UpdateStatus.CANCELED]
    DeviceUpdate.objects.bulk_create(
        DeviceUpdate(device=device, release=release, status=statuses[index % len(statuses)])
        for index, device in enumerate(devices))


@pytest.fixture
def polled(product, offerable_release, target_client):
    """Factory: a device in a fleet of ``size`` that has polled once (its last-seen is fresh)."""

    def make(size: int, version: str, **headers):
        release = offerable_release("2.0.0")
        grow_fleet(product, release, size)
        device = DeviceFactory(product=product, uid="polled", attributes={"hw": "2"},
                               installed_versions={"default": version})
        client = target_client(device)
        first = client.get(base_url(device.uid), **headers)
        assert first.status_code == 200
        return client, device, first

    return make


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_an_idle_poll_takes_one_query(polled, fleet_size, django_assert_num_queries):
    client, device, _ = polled(fleet_size, version="2.0.0")

    with django_assert_num_queries(1):
        response = client.get(base_url(device.uid))

    assert "_links" not in response.json()


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_a_repeated_idle_poll_takes_no_query(polled, fleet_size, django_assert_num_queries):
    client, device, _ = polled(fleet_size, version="2.0.0")
    client.get(base_url(device.uid))  # read with the session kept by the first: the answer is remembered

    with django_assert_num_queries(0):
        response = client.get(base_url(device.uid))

    assert "_links" not in response.json()


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_a_repeated_poll_with_an_update_pending_takes_no_query(polled, fleet_size, django_assert_num_queries):
    client, device, _ = polled(fleet_size, version="1.0.0")
    client.get(base_url(device.uid))

    with django_assert_num_queries(0):
        response = client.get(base_url(device.uid))

    assert "deploymentBase" in response.json()["_links"]


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_a_poll_with_an_update_pending_takes_one_query_too(polled, fleet_size, django_assert_num_queries):
    client, device, _ = polled(fleet_size, version="1.0.0")

    with django_assert_num_queries(1):
        response = client.get(base_url(device.uid))

    assert "deploymentBase" in response.json()["_links"]


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_a_poll_with_an_update_awaiting_confirmation_takes_one_query_too(polled, fleet_size,
                                                                        django_assert_num_queries):
    client, device, _ = polled(fleet_size, version="1.0.0")
    update = DeviceUpdate.objects.get(device=device)
    transitions.set_policy(update.release.rollout, requires_confirmation=True)  # a new policy: the full path
    DeviceUpdate.objects.filter(pk=update.pk).update(status=UpdateStatus.AWAITING_CONFIRMATION)
    policy.for_product(device.product_id)  # rebuilt once per change of the product's policy, not per device

    with django_assert_num_queries(1):
        response = client.get(base_url(device.uid))

    assert "confirmationBase" in response.json()["_links"]


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_a_not_modified_poll_takes_the_same_queries(polled, fleet_size, django_assert_num_queries):
    client, device, first = polled(fleet_size, version="1.0.0")

    with django_assert_num_queries(1):
        response = client.get(base_url(device.uid), HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 304


@pytest.mark.parametrize("fleet_size", [10, 1000])
def test_a_poll_resuming_a_started_update_takes_one_query_too(polled, fleet_size, django_assert_num_queries):
    client, device, _ = polled(fleet_size, version="1.0.0")
    update = DeviceUpdate.objects.get(device=device)
    report_status(update, UpdateStatus.DOWNLOADING)
    transitions.pause(update.release.rollout, "looking into reports")  # no offer: the started update is resumed
    policy.for_product(device.product_id)  # rebuilt once per change of the product's policy, not per device

    with django_assert_num_queries(1):
        response = client.get(base_url(device.uid))

    assert f"/deploymentBase/{update.pk}" in response.json()["_links"]["deploymentBase"]["href"]
