"""One release's data never takes its product's check-ins down: it is left out of the policy and shown in the admin."""

import pytest
from django.urls import reverse

from catalog.models import Release
from rollouts.models import DeviceUpdate
from tests.ddi.conftest import base_url, ddi_client

pytestmark = pytest.mark.django_db

CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}
# Deep enough that pickling it into the cache recurses too far, shallow enough to be read back
# (pickle spends two levels of recursion per level of JSON, json one).
TOO_DEEP_FOR_PICKLE = 700
# Deep enough that decoding it deep in a request recurses too far (the stored releases went to 900).
TOO_DEEP_TO_DECODE = 900


def nested(depth):
    value = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture
def broken_release(offerable_release):
    """Factory: an offerable release whose specification was written straight to the database, around validation."""

    def make(depth=TOO_DEEP_FOR_PICKLE):
        release = offerable_release("3.0.0")
        Release.objects.filter(pk=release.pk).update(specification=nested(depth))
        return release

    return make


def test_check_ins_of_a_product_with_an_unpicklable_release_still_answer(device_api, broken_release):
    broken_release()

    responses = [device_api.post(CHECK_IN, REPORT, format="json") for _ in range(3)]

    assert [response.status_code for response in responses] == [204, 204, 204]
    assert not DeviceUpdate.objects.exists()


def test_the_release_left_out_is_logged_with_its_id(device_api, broken_release, caplog):
    release = broken_release()

    device_api.post(CHECK_IN, REPORT, format="json")

    assert [record.getMessage() for record in caplog.records if record.name == "rollouts.policy"] == [
        f"Release {release.pk} is left out of the rollout policy of product {release.product_id}"]


def test_check_ins_still_answer_when_a_specification_cannot_even_be_decoded_there(device_api, broken_release):
    broken_release(TOO_DEEP_TO_DECODE)

    response = device_api.post(CHECK_IN, REPORT, format="json")

    assert response.status_code == 204


def test_ddi_polls_of_that_product_still_answer(device, broken_release):
    broken_release()

    response = ddi_client(device.token).get(base_url(device.uid))

    assert response.status_code == 200
    assert "deploymentBase" not in response.json()["_links"]


def test_the_other_releases_of_the_product_are_still_offered(device_api, offerable_release, broken_release):
    offerable_release("2.0.0")
    broken_release()

    response = device_api.post(CHECK_IN, REPORT, format="json")

    assert response.status_code == 200
    assert response.json()["version"] == "2.0.0"


@pytest.mark.parametrize("depth", [TOO_DEEP_FOR_PICKLE, TOO_DEEP_TO_DECODE])
def test_the_release_page_shows_why_the_release_is_not_offered(admin_client, device_api, broken_release, depth):
    release = broken_release(depth)
    device_api.post(CHECK_IN, REPORT, format="json")

    response = admin_client.get(reverse("admin:catalog_release_change", args=[release.pk]))

    assert response.status_code == 200
    assert "could not be cached (RecursionError" in response.content.decode()


def test_the_error_leaves_the_release_page_once_the_release_is_fixed(admin_client, device_api, broken_release):
    release = broken_release()
    device_api.post(CHECK_IN, REPORT, format="json")
    release.specification = {"mode": "eco"}
    release.save()  # a new policy generation: the next check-in builds again

    device_api.post(CHECK_IN, REPORT, format="json")
    response = admin_client.get(reverse("admin:catalog_release_change", args=[release.pk]))

    assert "could not be cached" not in response.content.decode()
    assert DeviceUpdate.objects.get().release == release
