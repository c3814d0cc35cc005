"""Every authenticated device request records last-seen, writing at most once a minute."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.models import Device

pytestmark = pytest.mark.django_db

URL = "/api/v2/ota-files"


def device_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "devices_device"')]


def test_a_request_records_the_time_and_address(device, device_api):
    device_api.get(URL, REMOTE_ADDR="10.1.2.3")

    device.refresh_from_db()
    assert timezone.now() - device.last_seen_at < timedelta(seconds=5)
    assert device.last_seen_address == "10.1.2.3"


def test_a_second_request_within_a_minute_writes_nothing(device, device_api):
    device_api.get(URL)

    with CaptureQueriesContext(connection) as queries:
        device_api.get(URL)

    assert device_updates(queries.captured_queries) == []


def test_a_request_a_minute_later_writes_the_new_time(device, device_api):
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Device.objects.filter(pk=device.pk).update(last_seen_at=an_hour_ago, last_seen_address="127.0.0.1")

    with CaptureQueriesContext(connection) as queries:
        device_api.get(URL)

    device.refresh_from_db()
    assert len(device_updates(queries.captured_queries)) == 1
    assert device.last_seen_at > an_hour_ago


def test_a_new_address_is_written_at_once(device, device_api):
    device_api.get(URL, REMOTE_ADDR="10.0.0.1")

    device_api.get(URL, REMOTE_ADDR="10.0.0.2")

    device.refresh_from_db()
    assert device.last_seen_address == "10.0.0.2"


def test_a_refused_token_records_nothing(device, anonymous_api):
    anonymous_api.credentials(HTTP_X_ACCESS_TOKEN=device.token + "x")

    anonymous_api.get(URL)

    device.refresh_from_db()
    assert device.last_seen_at is None
