"""Which address is recorded for a device, and how bad tokens from one address are slowed down."""

import pytest
from rest_framework.test import APIClient

from devices.models import Device
from otaportal import last_use

pytestmark = pytest.mark.django_db

URL = "/api/v2/ota-files"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(device, device_api, settings):
    settings.OTA_TRUSTED_PROXY_COUNT = 0

    device_api.get(URL, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.7")
    last_use.write_buffered()  # beat's flush

    assert Device.objects.get(pk=device.pk).last_seen_address == "10.0.0.9"


def test_behind_one_proxy_the_address_it_saw_is_recorded(device, device_api, settings):
    settings.OTA_TRUSTED_PROXY_COUNT = 1

    # The client claims 198.51.100.1 itself; the proxy appended what it saw, 203.0.113.7.
    device_api.get(URL, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    last_use.write_buffered()  # beat's flush

    assert Device.objects.get(pk=device.pk).last_seen_address == "203.0.113.7"


def test_a_malformed_forwarded_entry_falls_back_to_the_peer(device, device_api, settings):
    settings.OTA_TRUSTED_PROXY_COUNT = 1

    device_api.get(URL, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="not-an-address")
    last_use.write_buffered()  # beat's flush

    assert Device.objects.get(pk=device.pk).last_seen_address == "10.0.0.9"


def test_an_address_sending_too_many_bad_tokens_is_answered_429(settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 3
    client = APIClient()

    statuses = [client.get(URL, HTTP_X_ACCESS_TOKEN=f"dev_{i:012d}_guess", REMOTE_ADDR="10.9.9.9").status_code
                for i in range(5)]

    assert statuses == [401, 401, 401, 429, 429]


def test_a_throttled_address_is_told_when_to_retry(settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 1
    client = APIClient()
    client.get(URL, HTTP_X_ACCESS_TOKEN="dev_000000000000_guess", REMOTE_ADDR="10.9.9.9")

    response = client.get(URL, HTTP_X_ACCESS_TOKEN="dev_000000000000_guess", REMOTE_ADDR="10.9.9.9")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_bad_tokens_from_one_address_do_not_lock_out_another(device, settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 1
    client = APIClient()
    client.get(URL, HTTP_X_ACCESS_TOKEN="dev_000000000000_guess", REMOTE_ADDR="10.9.9.9")

    response = client.get(URL, HTTP_X_ACCESS_TOKEN=device.token, REMOTE_ADDR="10.1.1.1")

    assert response.status_code == 200


def test_a_guessing_address_is_refused_even_with_a_valid_token(device, settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 2
    client = APIClient()
    for _ in range(2):
        client.get(URL, HTTP_X_ACCESS_TOKEN="dev_000000000000_guess", REMOTE_ADDR="10.9.9.9")

    response = client.get(URL, HTTP_X_ACCESS_TOKEN=device.token, REMOTE_ADDR="10.9.9.9")

    assert response.status_code == 429

