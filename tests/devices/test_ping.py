"""The baseline endpoint the check-in benchmark compares against."""

import pytest
from rest_framework.test import APIClient

from tests.factories import DeviceFactory
from otaportal import last_use

pytestmark = pytest.mark.django_db

URL = "/api/v1/device/ping"


def ping(token=None):
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_X_ACCESS_TOKEN=token)
    return client.get(URL)


def test_a_device_with_its_token_gets_the_constant_body():
    device = DeviceFactory()

    response = ping(device.token)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_no_token_is_refused_with_401():
    response = ping()

    assert response.status_code == 401


def test_a_wrong_token_is_refused_with_401():
    DeviceFactory()

    response = ping("dev_0123456789ab_not-the-secret")

    assert response.status_code == 401
    assert "detail" in response.json()


def test_an_inactive_device_is_refused():
    device = DeviceFactory(is_active=False)

    response = ping(device.token)

    assert response.status_code == 401


def test_ping_records_the_last_contact():
    device = DeviceFactory()

    ping(device.token)
    last_use.write_buffered()  # beat's flush

    device.refresh_from_db()
    assert device.last_seen_at is not None


@pytest.mark.parametrize("fleet_size", [1, 200])
def test_a_repeated_ping_takes_no_query_whatever_the_fleet_size(fleet_size, django_assert_num_queries):
    device = DeviceFactory.create_batch(fleet_size)[-1]
    ping(device.token)  # the token is checked in the database once; its session is kept

    with django_assert_num_queries(0):
        response = ping(device.token)

    assert response.status_code == 200


def test_ping_counts_against_the_device_rate_limit(settings):
    settings.OTA_DEVICE_RATE_LIMIT = 2
    device = DeviceFactory()
    ping(device.token)
    ping(device.token)

    response = ping(device.token)

    assert response.status_code == 429
