"""Hostile bytes outside JSON bodies: NUL in paths, queries and cursors, absurd limits and Range headers.

Each used to answer 500; each answers a clear 4xx in the shape of the API surface it was sent to.
"""

import base64

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from rollouts import links
from rollouts.models import Strategy
from rollouts.services import transitions
from tests.ddi.conftest import base_url, ddi_client
from tests.factories import DeviceFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

CONTENT = b"firmware image 2.0.0\n" * 10
FIVE_THOUSAND_DIGITS = "9" * 5000
NUL_REFUSED = "contains a NUL character (\\u0000), which is not allowed."


def test_a_nul_in_an_attribute_filter_answers_400_naming_the_parameter(api, device):
    response = api.get("/api/v1/devices?attr=region:%00")

    assert response.status_code == 400
    assert response.json() == {"detail": f"The query parameter 'attr' {NUL_REFUSED}"}


def test_a_nul_in_a_kaa_app_name_answers_400_in_kaas_shape(api, product):
    response = api.get("/otao/api/v1/applications/%00/software")

    assert response.status_code == 400
    assert response.json() == {"message": f"The path parameter 'appName' {NUL_REFUSED}"}


def test_a_nul_in_a_kaa_endpoint_id_answers_400_in_kaas_shape(api, device):
    response = api.get("/otao/api/v1/endpoints/%00/software/current")

    assert response.status_code == 400
    assert response.json() == {"message": f"The path parameter 'endpointId' {NUL_REFUSED}"}


def test_a_nul_in_a_ddi_controller_id_answers_400_in_hawkbits_shape(device):
    response = ddi_client(device.token).get(base_url("dev%00"))

    assert response.status_code == 400
    assert response.json() == {
        "exceptionClass": "jakarta.validation.ConstraintViolationException",
        "errorCode": "hawkbit.server.error.repo.constraintViolation",
        "message": f"The path parameter 'controllerId' {NUL_REFUSED}",
        "parameters": ["controllerId"],
    }


def test_a_nul_in_a_package_query_answers_400_in_iotdas_shape(api, product):
    response = api.get("/v5/iot/p1/ota-upgrades/packages?app_id=%00")

    assert response.status_code == 400
    assert response.json() == {"error_code": "IOTDA.000006",
                               "error_msg": f"The query parameter 'app_id' {NUL_REFUSED}"}


def test_a_device_list_cursor_holding_a_nul_is_an_invalid_cursor(api, device):
    cursor = base64.b64encode(b"p=\x00").decode()

    response = api.get(f"/api/v1/devices?cursor={cursor}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_limit_beyond_any_integer_gives_the_largest_page(api, product):
    ReleaseFactory.create_batch(2, product=product)

    response = api.get("/api/v1/ota/versions?limit=99999999999999999999")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=1&limit=2", "offset=-1", "offset=1.5"])
def test_a_page_parameter_that_is_not_one_whole_number_is_refused_naming_it(api, query):
    response = api.get(f"/api/v1/ota/versions?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]


def test_a_device_page_size_that_is_not_a_number_is_refused_naming_it(api):
    response = api.get("/api/v1/devices?limit=many")

    assert response.status_code == 400
    assert response.json() == {"limit": ["Give one whole number of at least 1."]}


@pytest.fixture(params=["device file v2", "device file v1", "hawkBit DDI artifact", "Kaa signed link"])
def download(request, product, verified_release):
    """(client, url, the keys of its surface's errors) of one download path serving the same verified file."""
    release = verified_release(CONTENT, product=product, version="2.0.0")
    artifact = release.artifact
    device = DeviceFactory(product=product, installed_versions={"default": "1.0.0"})
    if request.param == "Kaa signed link":
        return APIClient(), reverse("kaa-file-download", args=[links.sign(artifact)]), {"message"}
    if request.param == "hawkBit DDI artifact":
        transitions.start(release.rollout, strategy=Strategy.GENERAL)
        client = ddi_client(device.token)
        assert "deploymentBase" in client.get(base_url(device.uid)).json()["_links"]  # offered by its poll
        return (client, f"{base_url(device.uid)}/softwaremodules/{artifact.pk}/artifacts/{artifact.file_name}",
                {"exceptionClass", "errorCode", "message", "parameters"})
    client = APIClient()
    client.credentials(HTTP_X_ACCESS_TOKEN=device.token)
    name = "ota-file-download" if request.param == "device file v2" else "legacy-firmware-download"
    return client, reverse(name, kwargs={"pk": artifact.pk}), {"detail"}


def test_a_range_starting_thousands_of_digits_in_is_not_satisfiable_in_the_surface_shape(download):
    client, url, error_keys = download

    response = client.get(url, HTTP_RANGE=f"bytes={FIVE_THOUSAND_DIGITS}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"
    assert set(response.json()) == error_keys
    assert f"the file has {len(CONTENT)} bytes" in response.json().get("detail", response.json().get("message"))


def test_a_range_ending_thousands_of_digits_in_runs_to_the_end_of_the_file(download):
    client, url, _ = download

    response = client.get(url, HTTP_RANGE=f"bytes=10-{FIVE_THOUSAND_DIGITS}")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == CONTENT[10:]


def test_a_suffix_range_thousands_of_digits_long_is_the_whole_file(download):
    client, url, _ = download

    response = client.get(url, HTTP_RANGE=f"bytes=-{FIVE_THOUSAND_DIGITS}")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{len(CONTENT) - 1}/{len(CONTENT)}"


@pytest.mark.parametrize("resource", ["confirmationBase/{id}", "confirmationBase/{id}/feedback"])
def test_a_confirmation_action_id_thousands_of_digits_long_answers_in_hawkbits_shape(device, resource):
    url = f"{base_url(device.uid)}/{resource.format(id=FIVE_THOUSAND_DIGITS)}"
    client = ddi_client(device.token)

    response = (client.post(url, {"confirmation": "confirmed"}, format="json") if resource.endswith("feedback")
                else client.get(url))

    assert response.status_code in (400, 404)
    assert set(response.json()) == {"exceptionClass", "errorCode", "message", "parameters"}


@pytest.mark.parametrize("owner", ["products/thermostat", "rollouts/thermostat:2.0.0"])
def test_a_maintenance_window_id_thousands_of_digits_long_is_not_found(api, offerable_release, owner):
    offerable_release("2.0.0")

    response = api.delete(f"/api/v1/{owner}/maintenance-windows/{FIVE_THOUSAND_DIGITS}")

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_nul_in_a_device_uid_of_the_auto_confirm_answers_400_naming_it(api):
    response = api.put("/api/v1/devices/%00/auto-confirm", {"active": True}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": f"The path parameter 'uid' {NUL_REFUSED}"}
